import { Decimal, ZERO, CONTRACT_MULTIPLIER, moneyFromNumber } from '../../engine/domain/money.js';
import type { Instrument, OptionContract } from '../../engine/domain/instrument.js';
import type { ExpiryChange, Fill, OptionExpiryEvent } from '../../engine/domain/orders.js';
import { expiryFills } from '../../engine/domain/optionExpiry.js';
import { expiryCloseUtc } from '../../engine/market/expiries.js';

/**
 * Expiry settlement of the paper venue, at 16:00 New York on the expiry date
 * (expiryCloseUtc). Moneyness is judged on the underlying's last price at or
 * before that instant. A contract at least `threshold` in the money (intrinsic
 * per share; default $0.01, the OCC's exercise-by-exception rule) is exercised
 * when long and assigned when short: 100 shares per contract change hands at
 * the strike (a long call or short put receives them and pays strike × 100; a
 * long put or short call delivers them and is paid). Anything else expires
 * worthless. Either way the option position closes at a price of 0.
 *
 * Not modelled: early exercise and early assignment (e.g. of short calls
 * before an ex-dividend date; the bundled data has no dividend calendar),
 * contrary exercise instructions, and cash-settled index options (SPX is
 * settled in shares here like an equity option).
 */

export interface HeldOption {
  readonly instrument: Instrument;
  readonly quantity: number;
}

/** Deterministic per account: one event per underlying and expiry date. */
export function expiryEventId(underlying: string, expiry: string): string {
  return `expiry:${expiry}:${underlying}`;
}

const closeCache = new Map<string, number>();

/** expiryCloseUtc, cached: it is asked on every bar for every option held. */
export function closeOf(expiry: string): number {
  let ts = closeCache.get(expiry);
  if (ts === undefined) {
    ts = expiryCloseUtc(expiry);
    closeCache.set(expiry, ts);
  }
  return ts;
}

export function intrinsicValue(contract: OptionContract, price: Decimal): Decimal {
  return contract.right === 'C' ? Decimal.max(price.minus(contract.strike), ZERO) : Decimal.max(contract.strike.minus(price), ZERO);
}

/** What expiry does to one position at a settlement price. */
export function settle(contract: OptionContract, quantity: number, price: Decimal, threshold: Decimal): ExpiryChange {
  const intrinsic = intrinsicValue(contract, price);
  const inTheMoney = intrinsic.gt(0) && intrinsic.gte(threshold);
  return {
    symbol: contract.symbol,
    quantity,
    outcome: !inTheMoney ? 'expired' : quantity > 0 ? 'exercised' : 'assigned',
    strike: contract.strike,
    intrinsic,
    shares: inTheMoney ? quantity * CONTRACT_MULTIPLIER * (contract.right === 'C' ? 1 : -1) : 0,
  };
}

/**
 * The expiry events due for one underlying: every option held whose close is
 * at or before `asOf`, grouped by expiry date (earliest first), changes in
 * symbol order.
 */
export function dueExpiries(args: {
  readonly underlying: string;
  readonly held: Iterable<HeldOption>;
  readonly asOf: number;
  readonly price: Decimal;
  readonly threshold: Decimal;
}): OptionExpiryEvent[] {
  const byExpiry = new Map<string, ExpiryChange[]>();
  for (const h of args.held) {
    const c = h.instrument;
    if (c.kind !== 'option' || c.underlying !== args.underlying || h.quantity === 0 || closeOf(c.expiry) > args.asOf) continue;
    const list = byExpiry.get(c.expiry) ?? [];
    list.push(settle(c, h.quantity, args.price, args.threshold));
    byExpiry.set(c.expiry, list);
  }
  return [...byExpiry.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([expiry, changes]) => ({
      eventId: expiryEventId(args.underlying, expiry),
      underlying: args.underlying,
      expiry,
      settlementPrice: args.price,
      ts: closeOf(expiry),
      changes: changes.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)),
    }));
}

/** What settlement needs of the venue. */
export interface ExpiringVenue {
  readonly threshold: Decimal;
  held(): Iterable<HeldOption>;
  /** Working orders with every contract each trades (none for an equity order). */
  working(): Iterable<{ readonly clientOrderId: string; readonly underlying: string; readonly contracts: readonly OptionContract[] }>;
  expireOrder(clientOrderId: string, ts: number): void;
  /** Move cash and holdings by one settlement fill (no commission). */
  bookFill(fill: Fill): void;
  report(event: OptionExpiryEvent): void;
}

/**
 * Settle every option of `underlying` whose expiry close is at or before
 * `asOf`, at `price`: working orders in those contracts expire, positions are
 * exercised, assigned or closed at 0 (expiryFills), and one event per date
 * reports it. Cheap when nothing of the underlying expires by then.
 */
export function settleDueExpiries(venue: ExpiringVenue, underlying: string, asOf: number, price: number): void {
  let next = Number.POSITIVE_INFINITY;
  for (const h of venue.held()) {
    if (h.quantity !== 0 && h.instrument.kind === 'option' && h.instrument.underlying === underlying) next = Math.min(next, closeOf(h.instrument.expiry));
  }
  const working = [...venue.working()].filter((w) => w.underlying === underlying && w.contracts.length > 0);
  for (const w of working) for (const c of w.contracts) next = Math.min(next, closeOf(c.expiry));
  if (next > asOf) return;
  for (const w of working) if (w.contracts.some((c) => closeOf(c.expiry) <= asOf)) venue.expireOrder(w.clientOrderId, asOf);
  const events = dueExpiries({ underlying, held: venue.held(), asOf, price: moneyFromNumber(price, 'settlementPrice'), threshold: venue.threshold });
  for (const event of events) {
    for (const change of event.changes) for (const fill of expiryFills(event, change, change.quantity, `${event.eventId}:${change.symbol}`)) venue.bookFill(fill);
    venue.report(event);
  }
}
