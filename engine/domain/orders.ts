import type { Decimal } from './money.js';
import type { Instrument } from './instrument.js';

export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit';

/**
 * Order lifecycle (see machines/orderLifecycle.ts for the legal transitions):
 * new → pending_submit → submitted → partially_filled → filled | cancelled | rejected | expired.
 */
export type OrderStatus =
  | 'new'
  | 'pending_submit'
  | 'submitted'
  | 'partially_filled'
  | 'filled'
  | 'cancelled'
  | 'rejected'
  | 'expired';

export const ORDER_STATUSES: readonly OrderStatus[] = [
  'new',
  'pending_submit',
  'submitted',
  'partially_filled',
  'filled',
  'cancelled',
  'rejected',
  'expired',
];
export const TERMINAL_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set(['filled', 'cancelled', 'rejected', 'expired']);
/** Statuses in which an order may still be (or become) working at a broker. */
export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ['new', 'pending_submit', 'submitted', 'partially_filled'];

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_ORDER_STATUSES.has(status);
}

/** What a strategy asks for, before risk and the OMS turn it into an order. */
export interface OrderIntent {
  readonly strategyId: string;
  readonly instrument: Instrument;
  readonly side: Side;
  /** Whole shares or whole contracts, > 0. */
  readonly quantity: number;
  readonly type: OrderType;
  readonly limitPrice: Decimal | null;
  readonly reason: string;
  readonly signalId: string | null;
}

export interface Order {
  /** Engine-assigned, deterministic, unique across restarts; the idempotency key at the broker. */
  readonly clientOrderId: string;
  readonly strategyId: string;
  /** Equity ticker or OCC option symbol. */
  readonly symbol: string;
  readonly instrument: Instrument;
  readonly side: Side;
  readonly quantity: number;
  readonly type: OrderType;
  readonly limitPrice: Decimal | null;
  readonly status: OrderStatus;
  readonly filledQuantity: number;
  readonly avgFillPrice: Decimal | null;
  readonly brokerOrderId: string | null;
  readonly reason: string;
  readonly rejectReason: string | null;
  readonly signalId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Fill {
  /** Unique per execution; the idempotency key when a fill is reported twice. */
  readonly fillId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  /** Price per share (per underlying share for options; × multiplier where booked). */
  readonly price: Decimal;
  readonly commission: Decimal;
  readonly ts: number;
}

export interface Position {
  readonly symbol: string;
  /** Signed: long > 0, short < 0. */
  readonly quantity: number;
  /** Average cost per share (options: per underlying share), excluding commissions. */
  readonly avgCost: Decimal;
  /** Realised P&L in currency, after commissions, accumulated over the position's life. */
  readonly realizedPnl: Decimal;
  readonly updatedAt: number;
}

/** One BUY or SELL execution as booked (the original's TradeTransaction/StockTrade). */
export interface TradeTransaction {
  readonly fillId: string;
  readonly clientOrderId: string;
  readonly strategyId: string;
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly quantity: number;
  readonly price: Decimal;
  readonly fees: Decimal;
  /** |quantity| × |price| × multiplier. */
  readonly grossAmount: Decimal;
  readonly executedAt: number;
}
