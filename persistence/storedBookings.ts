import { InputError } from '../engine/domain/errors.js';
import { isOccSymbol, parseOccSymbol, TICKER_PATTERN } from '../engine/domain/instrument.js';
import type { ExpiryChange, OptionExpiryEvent, Order } from '../engine/domain/orders.js';
import type { ExpiryBooking, LegExecution } from '../engine/domain/ports.js';
import { epochMs, normalizeExecution, normalizePosition, normalizeTrade, oneOf, signedInteger, storedMoney, text } from './storedValues.js';

/*
 * The checks both stores apply to a multi-leg execution and an expiry before
 * booking them, so the in-memory store and the database accept the same ones.
 */

/** Array.isArray, without widening a typed list to any[]. */
function isList<T>(value: readonly T[] | undefined): value is readonly T[] {
  return Array.isArray(value);
}

/** Every leg of one multi-leg execution: one fill per leg, one groupId, one instant. */
export function normalizeFillGroup(order: Order, executions: readonly LegExecution[]): { order: Order; executions: LegExecution[] } {
  if (order.legs === undefined) throw new InputError('order.legs', `order ${order.clientOrderId} is not a multi-leg order`);
  const given: readonly LegExecution[] | undefined = isList(executions) ? executions : undefined;
  if (given === undefined || given.length !== order.legs.length) {
    throw new InputError('executions', `a fill group books every leg at once: ${order.legs.length} legs, got ${given?.length ?? 'none'}`);
  }
  const xs = given.map((x) => normalizeExecution(x.fill, order, x.position, x.trade));
  const first = xs[0]!.fill;
  if (first.groupId === undefined) throw new InputError('fill.groupId', 'every fill of a group needs its groupId');
  const symbols = new Set<string>();
  for (const x of xs) {
    if (x.fill.groupId !== first.groupId) throw new InputError('fill.groupId', `${JSON.stringify(x.fill.groupId)} differs from ${JSON.stringify(first.groupId)}`);
    if (x.fill.ts !== first.ts) throw new InputError('fill.ts', `the legs of group ${first.groupId} must fill in one instant`);
    if (symbols.has(x.fill.symbol)) throw new InputError('fill.symbol', `leg ${x.fill.symbol} appears twice in group ${first.groupId}`);
    symbols.add(x.fill.symbol);
  }
  return { order: xs[0]!.order, executions: xs.map((x) => ({ fill: x.fill, position: x.position, trade: x.trade })) };
}

function normalizeChange(change: ExpiryChange, i: number, event: OptionExpiryEvent): ExpiryChange {
  const field = `event.changes[${i}]`;
  if (!isOccSymbol(change.symbol)) throw new InputError(`${field}.symbol`, `not an OCC option symbol: ${JSON.stringify(change.symbol)}`);
  const contract = parseOccSymbol(change.symbol);
  if (contract.underlying !== event.underlying || contract.expiry !== event.expiry) {
    throw new InputError(`${field}.symbol`, `${change.symbol.trim()} is not a ${event.underlying} contract expiring ${event.expiry}`);
  }
  signedInteger(change.quantity, `${field}.quantity`);
  if (change.quantity === 0) throw new InputError(`${field}.quantity`, 'must not be 0');
  oneOf(change.outcome, `${field}.outcome`, ['exercised', 'assigned', 'expired']);
  signedInteger(change.shares, `${field}.shares`);
  const strike = storedMoney(change.strike, `${field}.strike`);
  if (!strike.eq(contract.strike)) throw new InputError(`${field}.strike`, `${strike.toFixed()} differs from the OCC symbol's ${contract.strike.toFixed()}`);
  const intrinsic = storedMoney(change.intrinsic, `${field}.intrinsic`);
  if (intrinsic.isNegative()) throw new InputError(`${field}.intrinsic`, `must not be negative, got ${intrinsic.toFixed()}`);
  return { symbol: change.symbol, quantity: change.quantity, outcome: change.outcome, strike, intrinsic, shares: change.shares };
}

export function normalizeExpiryEvent(event: OptionExpiryEvent): OptionExpiryEvent {
  // Its trades carry the event id as their clientOrderId, a 64-character column.
  text(event.eventId, 'event.eventId', 64);
  if (typeof event.underlying !== 'string' || !TICKER_PATTERN.test(event.underlying)) {
    throw new InputError('event.underlying', `invalid ticker ${JSON.stringify(event.underlying)}`);
  }
  if (typeof event.expiry !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(event.expiry)) throw new InputError('event.expiry', `expected YYYY-MM-DD, got ${JSON.stringify(event.expiry)}`);
  epochMs(event.ts, 'event.ts');
  const settlementPrice = storedMoney(event.settlementPrice, 'event.settlementPrice');
  if (settlementPrice.isNegative()) throw new InputError('event.settlementPrice', `must not be negative, got ${settlementPrice.toFixed()}`);
  if (!isList(event.changes) || event.changes.length === 0) throw new InputError('event.changes', 'an expiry settles at least one position');
  return {
    eventId: event.eventId,
    underlying: event.underlying,
    expiry: event.expiry,
    settlementPrice,
    ts: event.ts,
    changes: event.changes.map((c, i) => normalizeChange(c, i, event)),
  };
}

/** The event, its movements (trades with source 'expiry') and the positions they left must agree. */
export function normalizeExpiryBooking(booking: ExpiryBooking): ExpiryBooking {
  const event = normalizeExpiryEvent(booking.event);
  const ids = new Set<string>();
  const trades = booking.trades.map((t, i) => {
    const trade = normalizeTrade(t);
    if (trade.source !== 'expiry') throw new InputError(`trades[${i}].source`, "an expiry's trades have source 'expiry'");
    if (trade.clientOrderId !== event.eventId) throw new InputError(`trades[${i}].clientOrderId`, `must be the event id ${JSON.stringify(event.eventId)}`);
    if (trade.executedAt !== event.ts) throw new InputError(`trades[${i}].executedAt`, 'must be the instant of the expiry');
    if (ids.has(trade.fillId)) throw new InputError(`trades[${i}].fillId`, `${JSON.stringify(trade.fillId)} appears twice`);
    ids.add(trade.fillId);
    return trade;
  });
  const positions = booking.positions.map(normalizePosition);
  const touched = new Set(trades.map((t) => t.symbol));
  const given = new Set(positions.map((p) => p.symbol));
  for (const symbol of touched) if (!given.has(symbol)) throw new InputError('positions', `no position after the expiry for ${symbol}`);
  for (const symbol of given) if (!touched.has(symbol)) throw new InputError('positions', `${symbol} was not moved by the expiry`);
  if (given.size !== positions.length) throw new InputError('positions', 'one position per symbol');
  return { event, trades, positions };
}
