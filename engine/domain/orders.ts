import type { Decimal } from './money.js';
import type { Instrument, OptionContract } from './instrument.js';

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

/**
 * One leg of a multi-leg option order (a vertical, an iron condor, a calendar).
 * `side` is this leg's own direction; `ratio` is contracts of this leg per
 * spread (only 1 is supported: see engine/domain/optionLegs.ts).
 */
export interface OrderLeg {
  readonly instrument: OptionContract;
  readonly side: Side;
  readonly ratio: number;
}

/**
 * What a strategy asks for, before risk and the OMS turn it into an order.
 *
 * A multi-leg intent carries `legs` (2–4 options on one underlying); then
 * `instrument` is the first leg's contract, `quantity` counts spreads, and
 * `limitPrice` is the NET price per share of one spread, signed: > 0 a debit
 * paid (side 'buy'), < 0 a credit received (side 'sell'). Build one with
 * `spreadIntent` (engine/domain/optionLegs.ts), which validates it.
 */
export interface OrderIntent {
  readonly strategyId: string;
  readonly instrument: Instrument;
  readonly side: Side;
  /** Whole shares or whole contracts (spreads for a multi-leg intent), > 0. */
  readonly quantity: number;
  readonly type: OrderType;
  readonly limitPrice: Decimal | null;
  readonly reason: string;
  readonly signalId: string | null;
  /** Present only on a multi-leg intent. */
  readonly legs?: readonly OrderLeg[];
}

/**
 * A multi-leg order (one with `legs`) is one row and fills all-or-none: its
 * symbol is the underlying ticker (the symbol lock's key too), its instrument
 * the first leg's contract (so code that looks at one instrument sees the
 * right underlying, kind and ×100 multiplier), quantity and filledQuantity
 * count spreads, and limitPrice / avgFillPrice are signed net prices per share
 * (debit > 0, credit < 0). Each execution reaches the book as one fill per leg
 * sharing a `groupId`.
 */
export interface Order {
  /** Engine-assigned, deterministic, unique across restarts; the idempotency key at the broker. */
  readonly clientOrderId: string;
  readonly strategyId: string;
  /** Equity ticker or OCC option symbol; the underlying ticker for a multi-leg order. */
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
  /** Present only on a multi-leg order. */
  readonly legs?: readonly OrderLeg[];
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
  /** The legs of one multi-leg execution share it; absent on a single-instrument fill. */
  readonly groupId?: string;
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
  /**
   * 'expiry' for the movements an option expiry made (the contract closed at 0,
   * the shares an exercise or assignment delivered at the strike): then
   * `clientOrderId` is the expiry's event id and `fillId` the movement's id.
   * Absent for a trade booked from a fill.
   */
  readonly source?: 'expiry';
}

/** What became of an option position at the close of its expiry day. */
export type ExpiryOutcome = 'exercised' | 'assigned' | 'expired';

/** One option position the broker settled at expiry. */
export interface ExpiryChange {
  /** OCC symbol. */
  readonly symbol: string;
  /** Signed contracts the account held before (long > 0). */
  readonly quantity: number;
  /** Long in the money: exercised; short in the money: assigned; otherwise expired worthless. */
  readonly outcome: ExpiryOutcome;
  readonly strike: Decimal;
  /** Intrinsic value per share at the settlement price. */
  readonly intrinsic: Decimal;
  /** Signed shares of the underlying delivered (+ received, − delivered) at the strike; 0 when expired. */
  readonly shares: number;
}

/**
 * The broker's settlement of every option of one underlying expiring on one
 * date, at 16:00 New York on that date. `eventId` is unique per account and
 * deterministic, so a restart that sees the expiry again books nothing twice.
 */
export interface OptionExpiryEvent {
  readonly eventId: string;
  readonly underlying: string;
  /** `YYYY-MM-DD`. */
  readonly expiry: string;
  /** The underlying's price the moneyness was judged on (its last price at or before the close). */
  readonly settlementPrice: Decimal;
  /** expiryCloseUtc(expiry). */
  readonly ts: number;
  readonly changes: readonly ExpiryChange[];
}
