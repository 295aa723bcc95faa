import { InputError } from '../engine/domain/errors.js';
import type { Order, OrderLeg } from '../engine/domain/orders.js';
import { checkOrderLegs } from '../engine/domain/optionLegs.js';

/**
 * A multi-leg order as both stores keep it: the legs pass the domain's checks
 * (fields named `order.legs[i]…`), its symbol is the underlying and its
 * instrument the first leg, as the OMS builds it.
 */
export function normalizeOrderLegs(order: Order): readonly OrderLeg[] {
  let legs: readonly OrderLeg[];
  try {
    legs = checkOrderLegs(order);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`order.${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
  const first = legs[0] as OrderLeg;
  if (order.symbol !== first.instrument.underlying) {
    throw new InputError('order.symbol', `a multi-leg order's symbol is its underlying ${JSON.stringify(first.instrument.underlying)}, got ${JSON.stringify(order.symbol)}`);
  }
  if (order.instrument.symbol !== first.instrument.symbol) {
    throw new InputError('order.instrument', `a multi-leg order's instrument is its first leg ${JSON.stringify(first.instrument.symbol)}, got ${JSON.stringify(order.instrument.symbol)}`);
  }
  return legs;
}
