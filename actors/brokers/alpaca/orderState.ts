import { Decimal, ZERO } from '../../../engine/domain/money.js';
import type { OrderStatus } from '../../../engine/domain/orders.js';
import type { BrokerOrderState } from '../../../engine/domain/ports.js';
import { wholeQuantity } from './fillLedger.js';
import type { AlpacaOrder, AlpacaOrderStatus } from './schemas.js';

/** Alpaca statuses after which an order never changes again. */
export const ALPACA_FINAL_STATUSES: ReadonlySet<AlpacaOrderStatus> = new Set(['filled', 'canceled', 'expired', 'rejected', 'replaced']);

export function isAlpacaFinal(o: AlpacaOrder): boolean {
  return ALPACA_FINAL_STATUSES.has(o.status);
}

/**
 * The engine's status for Alpaca's. Everything still alive at Alpaca (new,
 * accepted, pending_*, held, stopped, suspended, done_for_day, calculated)
 * is `submitted`, or `partially_filled` once something filled.
 */
export function engineStatus(status: AlpacaOrderStatus, filledQuantity: number): OrderStatus {
  switch (status) {
    case 'filled':
      return 'filled';
    case 'canceled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    default:
      return filledQuantity > 0 ? 'partially_filled' : 'submitted';
  }
}

/** Net price per share of a multi-leg fill, signed like the engine's: bought legs +, sold legs −. */
function legsNet(o: AlpacaOrder): Decimal | null {
  if (!o.legs || o.legs.length === 0) return null;
  let net = ZERO;
  for (const leg of o.legs) {
    if (leg.filled_avg_price === null) return null;
    const ratio = leg.ratio_qty ?? new Decimal(1);
    net = net.plus(leg.filled_avg_price.times(ratio).times(leg.side === 'sell' ? -1 : 1));
  }
  return net;
}

/**
 * What the engine's order looks like at Alpaca, from its chain: the original
 * order and each replacement (oldest first; the last is the live one). Filled
 * quantity and average price add up over the chain.
 */
export function stateOfChain(engineClientOrderId: string, chain: readonly AlpacaOrder[]): BrokerOrderState {
  const live = chain[chain.length - 1];
  if (!live) throw new Error('stateOfChain needs at least one order');
  let filled = 0;
  let notional = ZERO;
  chain.forEach((o, i) => {
    const q = wholeQuantity(o.filled_qty, i === chain.length - 1 ? 'filled_qty' : `replaced order ${o.id} filled_qty`);
    if (q === 0) return;
    const avg = o.order_class === 'mleg' ? (legsNet(o) ?? o.filled_avg_price) : o.filled_avg_price;
    filled += q;
    notional = notional.plus((avg ?? ZERO).times(q));
  });
  return {
    clientOrderId: engineClientOrderId,
    brokerOrderId: live.id,
    status: engineStatus(live.status, filled),
    filledQuantity: filled,
    avgFillPrice: filled === 0 ? null : notional.div(filled).toDecimalPlaces(8),
  };
}
