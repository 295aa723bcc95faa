import { Decimal } from '../../engine/domain/money.js';
import type { Fill, Order, Position, TradeTransaction } from '../../engine/domain/orders.js';
import type { SignalRecord } from '../../engine/domain/signal.js';
import { equity, multiplierOf, optionContract } from '../../engine/domain/instrument.js';
import { applyFill, tradeFromFill } from '../../engine/domain/position.js';

export const T0 = Date.UTC(2025, 0, 2, 14, 30, 0, 123);

export function makeOrder(overrides: Partial<Order> & { clientOrderId: string }): Order {
  const symbol = overrides.symbol ?? overrides.instrument?.symbol ?? 'AAPL';
  return {
    strategyId: 'wsb_dip_bot',
    symbol,
    instrument: overrides.instrument ?? equity(symbol),
    side: 'buy',
    quantity: 10,
    type: 'limit',
    limitPrice: new Decimal('150.25'),
    status: 'pending_submit',
    filledQuantity: 0,
    avgFillPrice: null,
    brokerOrderId: null,
    reason: 'dip after run',
    rejectReason: null,
    signalId: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function makeOptionOrder(clientOrderId: string): Order {
  const instrument = optionContract({ underlying: 'SPY', expiry: '2025-01-17', right: 'C', strike: '600.5' });
  return makeOrder({ clientOrderId, instrument, symbol: instrument.symbol, quantity: 2, limitPrice: new Decimal('3.45') });
}

export interface Execution {
  fill: Fill;
  order: Order;
  position: Position;
  trade: TradeTransaction;
}

/** A consistent booking of one fill, built with the domain's own position math. */
export function execution(args: {
  order: Order;
  fillId: string;
  quantity: number;
  price: string;
  ts: number;
  before?: Position;
  commission?: string;
}): Execution {
  const { order } = args;
  const fill: Fill = {
    fillId: args.fillId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    quantity: args.quantity,
    price: new Decimal(args.price),
    commission: new Decimal(args.commission ?? '0.65'),
    ts: args.ts,
  };
  const multiplier = multiplierOf(order.instrument);
  const { position } = applyFill(args.before, fill, multiplier);
  const filled = order.filledQuantity + args.quantity;
  const avg =
    order.avgFillPrice === null
      ? fill.price
      : order.avgFillPrice.times(order.filledQuantity).plus(fill.price.times(args.quantity)).div(filled);
  const next: Order = {
    ...order,
    status: filled >= order.quantity ? 'filled' : 'partially_filled',
    filledQuantity: filled,
    avgFillPrice: avg,
    brokerOrderId: order.brokerOrderId ?? `brk-${order.clientOrderId}`,
    updatedAt: args.ts,
  };
  return { fill, order: next, position, trade: tradeFromFill(fill, order.strategyId, multiplier) };
}

export function makeSignal(overrides: Partial<SignalRecord> & { signalId: string }): SignalRecord {
  return {
    strategyId: 'swing_trading',
    symbol: 'MSFT',
    kind: 'entry',
    ts: T0,
    strength: 72.5,
    score: 64.25,
    threshold: 50,
    decision: 'accepted',
    reason: 'accepted',
    features: { rsi: 28.125, volumeRatio: 2.5, drop: -0.0712 },
    clientOrderId: null,
    grade: 'poor',
    components: { strength: 0.725, confidence: 0.6, consistency: 0.75, volume: 0.5, confluence: 0.6666666666666666, riskReward: 2, regime: 0.4 },
    dataQuality: { ok: true, reason: null, checks: [{ code: 'stale', passed: true, detail: 'bar is 0 ms old' }] },
    outcome: null,
    ...overrides,
  };
}

/** What numeric(20,8) keeps: both stores round to 8 places, half-even. */
export function at8(value: string): string {
  return new Decimal(value).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).toFixed();
}
