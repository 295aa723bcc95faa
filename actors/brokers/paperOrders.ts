import { TICKER_PATTERN, isOccSymbol, parseOccSymbol } from '../../engine/domain/instrument.js';
import type { Instrument } from '../../engine/domain/instrument.js';
import type { Order } from '../../engine/domain/orders.js';

/** Whether a resubmit carries the same order (the venue keeps the first and warns otherwise). */
export function sameOrder(a: Order, b: Order): boolean {
  const limitsEqual = a.limitPrice === null || b.limitPrice === null ? a.limitPrice === b.limitPrice : a.limitPrice.eq(b.limitPrice);
  const legsOf = (o: Order) => (o.legs ?? []).map((l) => `${l.side}:${l.ratio}:${l.instrument.symbol}`).join('|');
  return a.symbol === b.symbol && a.side === b.side && a.quantity === b.quantity && a.type === b.type && limitsEqual && legsOf(a) === legsOf(b);
}

/** Why the order's instrument is not one this venue can trade, or null. */
export function instrumentProblem(order: Order): string | null {
  const inst = order.instrument as Instrument | undefined;
  if (inst === undefined || inst === null) return 'instrument is missing';
  if (inst.symbol !== order.symbol) return `instrument.symbol ${JSON.stringify(inst.symbol)} does not match symbol ${JSON.stringify(order.symbol)}`;
  if (inst.kind === 'equity') {
    return TICKER_PATTERN.test(inst.symbol) ? null : `instrument.symbol ${JSON.stringify(inst.symbol)} is not a ticker`;
  }
  if (inst.kind === 'option') {
    if (!isOccSymbol(inst.symbol)) return `instrument.symbol ${JSON.stringify(inst.symbol)} is not an OCC option symbol`;
    const parsed = parseOccSymbol(inst.symbol);
    return parsed.underlying === inst.underlying ? null : `instrument.underlying ${JSON.stringify(inst.underlying)} does not match the OCC symbol`;
  }
  return `instrument.kind ${JSON.stringify((inst as { kind?: unknown }).kind)} is not equity or option`;
}
