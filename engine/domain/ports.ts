import type { Decimal } from './money.js';
import type { Fill, Order, OrderStatus, Position, TradeTransaction } from './orders.js';
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
  listFills(clientOrderId?: string): Promise<Fill[]>;
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
  /** Subscribe to order events (acks, fills, cancels). Returns the unsubscribe function. */
  onEvent(listener: (event: BrokerEvent) => void): () => void;
}

/** A simulated venue also sees the market, to match its working orders. */
export interface SimulatedVenue extends Broker {
  onBar(bar: Bar): void;
}
