import { ConflictError, NotFoundError, PersistenceError } from '../engine/domain/errors.js';
import type { Fill, OptionExpiryEvent, Order, Position, TradeTransaction } from '../engine/domain/orders.js';
import type { AuditEvent, AuditEventQuery, Company, ExpiryBooking, LegExecution, OrderQuery, StoredAuditEvent, TradingStore } from '../engine/domain/ports.js';
import { normalizeExpiryBooking, normalizeFillGroup } from './storedBookings.js';
import type { SignalOutcome, SignalRecord } from '../engine/domain/signal.js';
import {
  MAIN_ACCOUNT,
  checkAccount,
  checkOrderQuery,
  checkStateKey,
  checkStateValue,
  compareCodeUnits,
  isAfterCursor,
  normalizeCompany,
  normalizeExecution,
  normalizeOrder,
  normalizeSignal,
  normalizeAuditEvent,
  normalizeAuditQuery,
  normalizeSignalOutcome,
  sameOutcome,
} from './storedValues.js';

/*
 * Records are shallow-copied on the way in and out. Decimals are immutable, so
 * copying the object (and its one nested object) is all it takes to keep a
 * caller from changing what is stored, or a later caller from seeing it change.
 */
const copyOrder = (o: Order): Order => ({ ...o, instrument: { ...o.instrument }, ...(o.legs ? { legs: o.legs.map((l) => ({ ...l })) } : {}) });
const copyExpiry = (e: OptionExpiryEvent): OptionExpiryEvent => ({ ...e, changes: e.changes.map((c) => ({ ...c })) });
const copySignal = (s: SignalRecord): SignalRecord => ({
  ...s,
  features: { ...s.features },
  components: s.components === null ? null : { ...s.components },
  dataQuality: s.dataQuality === null ? null : { ...s.dataQuality, checks: s.dataQuality.checks.map((c) => ({ ...c })) },
});

/**
 * The TradingStore a backtest uses: the same rules as the database, held in maps.
 * It holds one account by construction (a new store per run); `account` is only
 * its label, checked like a database account name, for symmetry with MikroOrmStore.
 */
export class InMemoryStore implements TradingStore {
  readonly account: string;
  private readonly orders = new Map<string, Order>();
  /** Insertion order, the tie-break after ts, like the database's serial id. */
  private readonly fills: Fill[] = [];
  private readonly fillIds = new Set<string>();
  private readonly positions = new Map<string, Position>();
  private readonly trades: TradeTransaction[] = [];
  private readonly signals: SignalRecord[] = [];
  private readonly events: StoredAuditEvent[] = [];
  private readonly signalIds = new Set<string>();
  private readonly companies = new Map<string, Company>();
  private readonly state = new Map<string, string>();
  private readonly expiries = new Map<string, OptionExpiryEvent>();
  private closed = false;

  constructor(account: string = MAIN_ACCOUNT) {
    this.account = checkAccount(account);
  }

  private open(): void {
    if (this.closed) throw new PersistenceError('store is closed');
  }

  insertOrder(order: Order): Promise<void> {
    return this.run(() => {
      const o = normalizeOrder(order);
      if (this.orders.has(o.clientOrderId)) {
        throw new ConflictError(`order ${o.clientOrderId} already exists`, { clientOrderId: o.clientOrderId });
      }
      this.orders.set(o.clientOrderId, o);
    });
  }

  updateOrder(order: Order): Promise<void> {
    return this.run(() => {
      const o = normalizeOrder(order);
      const current = this.orders.get(o.clientOrderId);
      if (!current) throw new NotFoundError('order', o.clientOrderId);
      this.orders.set(o.clientOrderId, mergeMutable(current, o));
    });
  }

  getOrder(clientOrderId: string): Promise<Order | null> {
    return this.run(() => {
      const o = this.orders.get(clientOrderId);
      return o ? copyOrder(o) : null;
    });
  }

  listOrders(query: OrderQuery = {}): Promise<Order[]> {
    return this.run(() => {
      checkOrderQuery(query);
      const statuses = query.status ? new Set(query.status) : null;
      const rows = [...this.orders.values()]
        .filter(
          (o) =>
            (statuses === null || statuses.has(o.status)) &&
            (query.symbol === undefined || o.symbol === query.symbol) &&
            (query.strategyId === undefined || o.strategyId === query.strategyId) &&
            (query.after === undefined || isAfterCursor(o, query.after)),
        )
        .sort((a, b) => a.createdAt - b.createdAt || compareCodeUnits(a.clientOrderId, b.clientOrderId));
      return (query.limit === undefined ? rows : rows.slice(0, query.limit)).map(copyOrder);
    });
  }

  recordFill(fill: Fill, order: Order, position: Position, trade: TradeTransaction): Promise<boolean> {
    return this.run(() => {
      // Validate everything before touching anything: the booking is all or nothing.
      const x = normalizeExecution(fill, order, position, trade);
      const current = this.orders.get(x.order.clientOrderId);
      if (!current) throw new NotFoundError('order', x.order.clientOrderId);
      if (this.fillIds.has(x.fill.fillId)) return false;
      this.fillIds.add(x.fill.fillId);
      this.fills.push(x.fill);
      this.orders.set(current.clientOrderId, mergeMutable(current, x.order));
      this.positions.set(x.position.symbol, x.position);
      this.trades.push(x.trade);
      return true;
    });
  }

  recordFillGroup(order: Order, executions: readonly LegExecution[]): Promise<boolean> {
    return this.run(() => {
      const g = normalizeFillGroup(order, executions);
      const current = this.orders.get(g.order.clientOrderId);
      if (!current) throw new NotFoundError('order', g.order.clientOrderId);
      const booked = g.executions.filter((x) => this.fillIds.has(x.fill.fillId)).length;
      if (booked === g.executions.length) return false;
      if (booked > 0) throw new ConflictError(`fill group ${g.executions[0]?.fill.groupId ?? ''} is partly booked`, { clientOrderId: g.order.clientOrderId });
      for (const x of g.executions) {
        this.fillIds.add(x.fill.fillId);
        this.fills.push(x.fill);
        this.positions.set(x.position.symbol, x.position);
        this.trades.push(x.trade);
      }
      this.orders.set(current.clientOrderId, mergeMutable(current, g.order));
      return true;
    });
  }

  recordExpiry(booking: ExpiryBooking): Promise<boolean> {
    return this.run(() => {
      const b = normalizeExpiryBooking(booking);
      if (this.expiries.has(b.event.eventId)) return false;
      this.expiries.set(b.event.eventId, b.event);
      for (const p of b.positions) this.positions.set(p.symbol, p);
      this.trades.push(...b.trades);
      return true;
    });
  }

  listExpiries(): Promise<OptionExpiryEvent[]> {
    return this.run(() =>
      [...this.expiries.values()].sort((a, b) => a.ts - b.ts || compareCodeUnits(a.eventId, b.eventId)).map(copyExpiry),
    );
  }

  listFills(clientOrderId?: string): Promise<Fill[]> {
    return this.run(() =>
      stableByTime(
        this.fills.filter((f) => clientOrderId === undefined || f.clientOrderId === clientOrderId),
        (f) => f.ts,
      ).map((f) => ({ ...f })),
    );
  }

  listPositions(): Promise<Position[]> {
    return this.run(() =>
      [...this.positions.values()].sort((a, b) => compareCodeUnits(a.symbol, b.symbol)).map((p) => ({ ...p })),
    );
  }

  listTrades(symbol?: string): Promise<TradeTransaction[]> {
    return this.run(() =>
      stableByTime(
        this.trades.filter((t) => symbol === undefined || t.symbol === symbol),
        (t) => t.executedAt,
      ).map((t) => ({ ...t })),
    );
  }

  recordSignal(record: SignalRecord): Promise<void> {
    return this.run(() => {
      const r = normalizeSignal(record);
      if (this.signalIds.has(r.signalId)) throw new ConflictError(`signal ${r.signalId} already recorded`, { signalId: r.signalId });
      this.signalIds.add(r.signalId);
      this.signals.push(r);
    });
  }

  appendEvent(event: AuditEvent): Promise<void> {
    return this.run(() => {
      const e = normalizeAuditEvent(event);
      this.events.push({ ...e, id: String(this.events.length + 1) });
    });
  }

  listEvents(query?: AuditEventQuery): Promise<StoredAuditEvent[]> {
    return this.run(() => {
      const q = normalizeAuditQuery(query);
      const rows = this.events.filter((e) => (q.category === undefined || e.category === q.category) && (q.scope === undefined || e.scope === q.scope));
      return (q.limit === undefined ? rows : rows.slice(-q.limit)).map((e) => ({ ...e, detail: structuredClone(e.detail) }));
    });
  }

  recordSignalOutcome(signalId: string, outcome: SignalOutcome): Promise<void> {
    return this.run(() => {
      const o = normalizeSignalOutcome(outcome);
      const i = this.signals.findIndex((r) => r.signalId === signalId);
      if (i < 0) throw new NotFoundError('signal', signalId);
      const existing = this.signals[i]!.outcome;
      if (existing !== null) {
        if (sameOutcome(existing, o)) return;
        throw new ConflictError(`signal ${signalId} already has a different outcome`, { signalId });
      }
      this.signals[i] = { ...this.signals[i]!, outcome: o };
    });
  }

  listSignals(strategyId?: string): Promise<SignalRecord[]> {
    return this.run(() =>
      stableByTime(
        this.signals.filter((s) => strategyId === undefined || s.strategyId === strategyId),
        (s) => s.ts,
      ).map(copySignal),
    );
  }

  upsertCompany(company: Company): Promise<{ created: boolean }> {
    return this.run(() => {
      const c = normalizeCompany(company);
      const created = !this.companies.has(c.ticker);
      this.companies.set(c.ticker, c);
      return { created };
    });
  }

  createCompany(company: Company): Promise<void> {
    return this.run(() => {
      const c = normalizeCompany(company);
      if (this.companies.has(c.ticker)) throw new ConflictError(`company ${c.ticker} already exists`, { ticker: c.ticker });
      this.companies.set(c.ticker, c);
    });
  }

  updateCompany(company: Company): Promise<void> {
    return this.run(() => {
      const c = normalizeCompany(company);
      if (!this.companies.has(c.ticker)) throw new NotFoundError('company', c.ticker);
      this.companies.set(c.ticker, c);
    });
  }

  getCompany(ticker: string): Promise<Company | null> {
    return this.run(() => {
      const c = this.companies.get(ticker);
      return c ? { ...c } : null;
    });
  }

  listCompanies(): Promise<Company[]> {
    return this.run(() => [...this.companies.values()].sort((a, b) => compareCodeUnits(a.ticker, b.ticker)).map((c) => ({ ...c })));
  }

  getState(key: string): Promise<string | null> {
    return this.run(() => {
      checkStateKey(key);
      return this.state.get(key) ?? null;
    });
  }

  setState(key: string, value: string): Promise<void> {
    return this.run(() => {
      checkStateKey(key);
      checkStateValue(value);
      this.state.set(key, value);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Same asynchronous contract as the database: errors reject, never throw synchronously. */
  private run<T>(fn: () => T): Promise<T> {
    try {
      this.open();
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

/** updateOrder replaces only what changes over an order's life; the write-ahead fields stay. */
export function mergeMutable(current: Order, next: Order): Order {
  return {
    ...current,
    status: next.status,
    filledQuantity: next.filledQuantity,
    avgFillPrice: next.avgFillPrice,
    brokerOrderId: next.brokerOrderId,
    rejectReason: next.rejectReason,
    updatedAt: next.updatedAt,
  };
}

function stableByTime<T>(rows: T[], ts: (row: T) => number): T[] {
  return rows.map((row, i) => ({ row, i })).sort((a, b) => ts(a.row) - ts(b.row) || a.i - b.i).map((x) => x.row);
}
