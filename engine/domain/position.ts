import type { Decimal} from './money.js';
import { ZERO } from './money.js';
import type { Fill, Position, TradeTransaction } from './orders.js';
import { InputError } from './errors.js';

export function flatPosition(symbol: string, ts: number): Position {
  return { symbol, quantity: 0, avgCost: ZERO, realizedPnl: ZERO, updatedAt: ts };
}

/**
 * Book a fill into a position with the average-cost method.
 * Returns the new position and the P&L this fill realised (after its commission).
 * A fill that crosses through zero closes the old side and opens the new one at the fill price.
 */
export function applyFill(
  before: Position | undefined,
  fill: Fill,
  multiplier: number,
): { position: Position; realized: Decimal } {
  if (!Number.isInteger(fill.quantity) || fill.quantity <= 0) throw new InputError('fill.quantity', `must be a positive integer, got ${fill.quantity}`);
  if (fill.price.isNegative()) throw new InputError('fill.price', `must not be negative, got ${fill.price.toFixed()}`);
  const pos = before ?? flatPosition(fill.symbol, fill.ts);
  const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
  const oldQty = pos.quantity;
  const newQty = oldQty + signed;
  let realized = fill.commission.neg();
  let avgCost = pos.avgCost;

  if (oldQty === 0 || Math.sign(oldQty) === Math.sign(signed)) {
    // Opening or adding: weighted average cost.
    const totalCost = pos.avgCost.times(Math.abs(oldQty)).plus(fill.price.times(fill.quantity));
    avgCost = totalCost.div(Math.abs(newQty));
  } else {
    // Reducing, closing or flipping.
    const closed = Math.min(Math.abs(oldQty), fill.quantity);
    const perShare = oldQty > 0 ? fill.price.minus(pos.avgCost) : pos.avgCost.minus(fill.price);
    realized = realized.plus(perShare.times(closed).times(multiplier));
    if (newQty === 0) avgCost = ZERO;
    else if (Math.sign(newQty) !== Math.sign(oldQty)) avgCost = fill.price;
  }

  return {
    position: { symbol: pos.symbol, quantity: newQty, avgCost, realizedPnl: pos.realizedPnl.plus(realized), updatedAt: fill.ts },
    realized,
  };
}

export function tradeFromFill(fill: Fill, strategyId: string, multiplier: number): TradeTransaction {
  return {
    fillId: fill.fillId,
    clientOrderId: fill.clientOrderId,
    strategyId,
    symbol: fill.symbol,
    side: fill.side === 'buy' ? 'BUY' : 'SELL',
    quantity: fill.quantity,
    price: fill.price,
    fees: fill.commission,
    grossAmount: fill.price.abs().times(Math.abs(fill.quantity)).times(multiplier),
    executedAt: fill.ts,
  };
}

/** Unrealised P&L of a position at a mark price. */
export function unrealizedPnl(position: Position, mark: Decimal, multiplier: number): Decimal {
  if (position.quantity === 0) return ZERO;
  return mark.minus(position.avgCost).times(position.quantity).times(multiplier);
}
