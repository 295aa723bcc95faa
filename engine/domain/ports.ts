import type { Decimal } from './money.js';
import type { Fill, OptionExpiryEvent, Order, OrderStatus, Position, TradeTransaction } from './orders.js';
import type { SignalOutcome, SignalRecord } from './signal.js';
import type { Bar } from './market.js';

export interface OrderQuery {
  readonly status?: readonly OrderStatus[];
  readonly symbol?: string;
  readonly strategyId?: string;
  readonly limit?: number;
  /** Keyset pagination: only orders strictly after this position in the listing order. */
  readonly after?: OrderCursor;
}

/** A position in the listOrders order (createdAt, then clientOrderId in code-unit order). */
export interface OrderCursor {
  readonly createdAt: number;
  readonly clientOrderId: string;
}

/** One leg's share of a multi-leg execution, as booked. */
export interface LegExecution {
  readonly fill: Fill;
  readonly position: Position;
  readonly trade: TradeTransaction;
}

/** What an option expiry changed in the book: the event, the movements per strategy and the positions after. */
export interface ExpiryBooking {
  readonly event: OptionExpiryEvent;
  /** Each with source 'expiry', clientOrderId = event.eventId, and a unique fillId (the movement's id). */
  readonly trades: readonly TradeTransaction[];
  /** The account's position after the expiry, for every symbol a trade touched. */
  readonly positions: readonly Position[];
}

export interface Company {
  readonly ticker: string;
  readonly name: string;
}

/**
 * Everything the engine keeps. Two implementations behind this one interface:
 * `MikroOrmStore` (PostgreSQL or embedded PGlite) and `InMemoryStore` (backtests).
 * Money fields are Decimal in and out.
 */
export interface TradingStore {
  /** Write-ahead insert. Throws ConflictError when the client_order_id already exists. */
  insertOrder(order: Order): Promise<void>;
  /** Replaces the mutable fields (status, fills, broker id, reject reason, updatedAt). NotFoundError if absent. */
  updateOrder(order: Order): Promise<void>;
  getOrder(clientOrderId: string): Promise<Order | null>;
  /** Ordered by createdAt then clientOrderId (code-unit order); `after` and `limit` page through it. */
  listOrders(query?: OrderQuery): Promise<Order[]>;
  /**
   * Book one execution atomically: the fill, the order's new state, the position and the trade row.
   * Idempotent on fillId: a fill already booked returns false and changes nothing.
   */
  recordFill(fill: Fill, order: Order, position: Position, trade: TradeTransaction): Promise<boolean>;
  /**
   * Book every leg of one multi-leg execution in one transaction: its fills
   * (one groupId), the order's new state, each leg's position and trade row.
   * Idempotent on the group: already booked returns false and changes nothing.
   */
  recordFillGroup(order: Order, executions: readonly LegExecution[]): Promise<boolean>;
  listFills(clientOrderId?: string): Promise<Fill[]>;
  /**
   * Book an option expiry in one transaction: the event, its trade rows
   * (source 'expiry') and the positions it left. Idempotent on
   * (account, eventId): already booked returns false and changes nothing.
   */
  recordExpiry(booking: ExpiryBooking): Promise<boolean>;
  /** Booked expiry events, by time then event id. */
  listExpiries(): Promise<OptionExpiryEvent[]>;
  listPositions(): Promise<Position[]>;
  listTrades(symbol?: string): Promise<TradeTransaction[]>;
  recordSignal(record: SignalRecord): Promise<void>;
  /**
   * Write the outcome of the trade a signal opened onto its history row.
   * NotFoundError when the signal is not recorded; idempotent for the same
   * outcome; ConflictError when a different outcome is already there.
   */
  recordSignalOutcome(signalId: string, outcome: SignalOutcome): Promise<void>;
  listSignals(strategyId?: string): Promise<SignalRecord[]>;
  /** Append to the audit log (breaker transitions, operator commands, alerts). */
  appendEvent(event: AuditEvent): Promise<void>;
  /** In append order; `limit` keeps the most recent. */
  listEvents(query?: AuditEventQuery): Promise<StoredAuditEvent[]>;
  /** Create or rename; returns whether it was created. */
  upsertCompany(company: Company): Promise<{ created: boolean }>;
  /** Create only: ConflictError when the ticker already exists. */
  createCompany(company: Company): Promise<void>;
  /** Rename only: NotFoundError when the ticker does not exist. */
  updateCompany(company: Company): Promise<void>;
  getCompany(ticker: string): Promise<Company | null>;
  listCompanies(): Promise<Company[]>;
  /** Small engine state (replay cursor, cash). */
  getState(key: string): Promise<string | null>;
  setState(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

export const AUDIT_CATEGORIES = ['breaker', 'command', 'alert', 'signals'] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

/** One audited happening: who did what to which scope, when, with what result. */
export interface AuditEvent {
  readonly ts: number;
  readonly category: AuditCategory;
  /** 'global', a strategy id, an order id… */
  readonly scope: string;
  /** e.g. 'tripped', 'closed', 'halt', 'reset'. */
  readonly action: string;
  /** Who: 'engine', an operator's name, a rule. */
  readonly actor: string;
  /** JSON-safe details (reason, before/after state, result). */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface StoredAuditEvent extends AuditEvent {
  /** Increasing in append order. */
  readonly id: string;
}

export interface AuditEventQuery {
  readonly category?: AuditCategory;
  readonly scope?: string;
  readonly limit?: number;
}

/** What a broker reports about an order it knows. */
export interface BrokerOrderState {
  readonly clientOrderId: string;
  readonly brokerOrderId: string;
  readonly status: OrderStatus;
  readonly filledQuantity: number;
  readonly avgFillPrice: Decimal | null;
}

export type BrokerEvent =
  | { readonly type: 'accepted'; readonly clientOrderId: string; readonly brokerOrderId: string; readonly ts: number }
  | { readonly type: 'fill'; readonly fill: Fill }
  /**
   * Every leg of one multi-leg execution, in the same instant: never one leg
   * alone. `spreads` is what it adds to the order's filledQuantity, `netPrice`
   * the signed net per share (debit > 0, credit < 0).
   */
  | {
      readonly type: 'fillGroup';
      readonly clientOrderId: string;
      readonly groupId: string;
      readonly spreads: number;
      readonly netPrice: Decimal;
      readonly fills: readonly Fill[];
      readonly ts: number;
    }
  /** The broker settled expiring options of one underlying (exercise, assignment, worthless expiry). */
  | { readonly type: 'expiry'; readonly event: OptionExpiryEvent }
  | { readonly type: 'cancelled'; readonly clientOrderId: string; readonly reason: string; readonly ts: number }
  | { readonly type: 'rejected'; readonly clientOrderId: string; readonly reason: string; readonly ts: number }
  | { readonly type: 'expired'; readonly clientOrderId: string; readonly ts: number };

export interface BrokerAccount {
  readonly cash: Decimal;
  readonly equity: Decimal;
  readonly buyingPower: Decimal;
}

export interface Broker {
  readonly name: string;
  /**
   * Send an order. Idempotent by clientOrderId: a second submit of a known id
   * returns the existing state and never creates a second order.
   */
  submit(order: Order): Promise<BrokerOrderState>;
  cancel(clientOrderId: string): Promise<void>;
  getOrder(clientOrderId: string): Promise<BrokerOrderState | null>;
  listOpenOrders(): Promise<BrokerOrderState[]>;
  getAccount(): Promise<BrokerAccount>;
  /** Subscribe to order events (acks, fills, cancels) and expiries. Returns the unsubscribe function. */
  onEvent(listener: (event: BrokerEvent) => void): () => void;
}

/** A simulated venue also sees the market, to match its working orders. */
export interface SimulatedVenue extends Broker {
  onBar(bar: Bar): void;
}
