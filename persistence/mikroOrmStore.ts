import { LockMode, UniqueConstraintViolationException, raw } from '@mikro-orm/core';
import type { MikroORM, EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, PersistenceError, errorMessage, isWsbError } from '../engine/domain/errors.js';
import type { Fill, OptionExpiryEvent, Order, Position, TradeTransaction } from '../engine/domain/orders.js';
import type { AuditEvent, AuditEventQuery, Company, ExpiryBooking, LegExecution, OrderQuery, StoredAuditEvent, TradingStore } from '../engine/domain/ports.js';
import { bookExpiry, bookFillGroup, loadExpiries } from './optionBookings.js';
import type { SignalOutcome, SignalRecord } from '../engine/domain/signal.js';
import {
  AuditEventEntity,
  CompanyEntity,
  EngineStateEntity,
  FillEntity,
  OrderEntity,
  PositionEntity,
  SignalDecisionEntity,
  TradeTransactionEntity,
} from './entities/index.js';
import {
  fillFromRow,
  mutableOrderColumns,
  orderColumns,
  orderFromRow,
  positionFromRow,
  signalFromRow,
  tradeFromRow,
} from './rowMapping.js';
import {
  MAIN_ACCOUNT,
  checkAccount,
  checkOrderQuery,
  checkStateKey,
  checkStateValue,
  normalizeCompany,
  normalizeExecution,
  normalizeOrder,
  normalizeSignal,
  normalizeAuditEvent,
  normalizeAuditQuery,
  normalizeSignalOutcome,
  sameOutcome,
} from './storedValues.js';

/** Signals a duplicate fill from inside the transaction so it rolls back and reports "already booked". */
class DuplicateFill extends Error {}

export interface MikroOrmStoreOptions {
  /** Whose rows this store reads and writes (default 'main'); checked with checkAccount. */
  readonly account?: string;
  /** What close() releases besides marking the store closed (the main store's closes the Database). */
  readonly onClose?: () => Promise<void>;
  /** True once the shared ORM is closed: from then on every store on it refuses calls. */
  readonly isShutDown?: () => boolean;
  /** Only stamps engine_state.updated_at, an audit column; domain times always come from the caller. */
  readonly now?: () => number;
}

/**
 * TradingStore on MikroORM (PostgreSQL or PGlite), scoped to one account:
 * every read filters on it and every write stamps it, so a persisted backtest
 * never sees or changes the daemon's orders, fills, positions, trades, signals
 * or state. Companies are shared by all accounts. Uniqueness of client order
 * ids, fill ids and signal ids is global (the engine namespaces them), so a
 * duplicate across accounts is a ConflictError, never a silent merge.
 *
 * Every operation runs on its own fork of the EntityManager, so no identity map
 * is shared between calls and concurrent callers never see each other's
 * half-finished work.
 */
export class MikroOrmStore implements TradingStore {
  readonly account: string;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly onClose: () => Promise<void>;
  private readonly isShutDown: () => boolean;
  private readonly now: () => number;

  constructor(
    private readonly orm: MikroORM,
    opts: MikroOrmStoreOptions = {},
  ) {
    this.account = checkAccount(opts.account ?? MAIN_ACCOUNT);
    this.onClose = opts.onClose ?? (() => Promise.resolve());
    this.isShutDown = opts.isShutDown ?? (() => false);
    this.now = opts.now ?? Date.now;
  }

  private em(): EntityManager {
    if (this.closed || this.isShutDown()) throw new PersistenceError('store is closed');
    return this.orm.em.fork();
  }

  async insertOrder(order: Order): Promise<void> {
    const o = normalizeOrder(order);
    await this.guard('insertOrder', async () => {
      try {
        await this.em().insert(OrderEntity, { ...orderColumns(o), account: this.account });
      } catch (e) {
        if (e instanceof UniqueConstraintViolationException) {
          throw new ConflictError(`order ${o.clientOrderId} already exists`, { clientOrderId: o.clientOrderId }, { cause: e });
        }
        throw e;
      }
    });
  }

  async updateOrder(order: Order): Promise<void> {
    const o = normalizeOrder(order);
    await this.guard('updateOrder', async () => {
      const changed = await this.em().nativeUpdate(OrderEntity, { account: this.account, clientOrderId: o.clientOrderId }, mutableOrderColumns(o));
      if (changed === 0) throw new NotFoundError('order', o.clientOrderId);
    });
  }

  async getOrder(clientOrderId: string): Promise<Order | null> {
    return this.guard('getOrder', async () => {
      const row = await this.em().findOne(OrderEntity, { account: this.account, clientOrderId });
      return row ? orderFromRow(row) : null;
    });
  }

  async listOrders(query: OrderQuery = {}): Promise<Order[]> {
    checkOrderQuery(query);
    return this.guard('listOrders', async () => {
      const rows = await this.em().find(
        OrderEntity,
        {
          account: this.account,
          ...(query.status ? { status: { $in: [...query.status] } } : {}),
          ...(query.symbol !== undefined ? { symbol: query.symbol } : {}),
          ...(query.strategyId !== undefined ? { strategyId: query.strategyId } : {}),
          ...(query.after !== undefined
            ? {
                $or: [
                  { createdAt: { $gt: new Date(query.after.createdAt) } },
                  { createdAt: new Date(query.after.createdAt), [raw('client_order_id collate "C"')]: { $gt: query.after.clientOrderId } },
                ],
              }
            : {}),
        },
        {
          // "C" collation: code-unit order whatever the database's locale, the same as InMemoryStore.
          orderBy: { createdAt: 'asc', [raw('client_order_id collate "C"')]: 'asc' },
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
        },
      );
      return rows.map(orderFromRow);
    });
  }

  async recordFill(fill: Fill, order: Order, position: Position, trade: TradeTransaction): Promise<boolean> {
    const x = normalizeExecution(fill, order, position, trade);
    return this.guard('recordFill', async () => {
      try {
        return await this.em().transactional(async (tx) => {
          // Locking the order row serialises fills of one order, so the duplicate check below cannot race.
          // An order of another account is not this store's to fill: NotFoundError, as if it did not exist.
          const row = await tx.findOne(
            OrderEntity,
            { account: this.account, clientOrderId: x.order.clientOrderId },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          if (!row) throw new NotFoundError('order', x.order.clientOrderId);
          if (await this.alreadyBooked(tx, x.fill.fillId)) return false;
          let fillPk: string;
          try {
            fillPk = await tx.insert(FillEntity, {
              account: this.account,
              fillId: x.fill.fillId,
              order: row.id,
              symbol: x.fill.symbol,
              side: x.fill.side,
              quantity: x.fill.quantity,
              price: x.fill.price,
              commission: x.fill.commission,
              ts: new Date(x.fill.ts),
            });
          } catch (e) {
            // The same fill id booked against another order in the meantime.
            if (e instanceof UniqueConstraintViolationException) throw new DuplicateFill();
            throw e;
          }
          await tx.nativeUpdate(OrderEntity, { id: row.id }, mutableOrderColumns(x.order));
          await tx.upsert(PositionEntity, {
            account: this.account,
            symbol: x.position.symbol,
            quantity: x.position.quantity,
            avgCost: x.position.avgCost,
            realizedPnl: x.position.realizedPnl,
            updatedAt: new Date(x.position.updatedAt),
          });
          await tx.insert(TradeTransactionEntity, {
            account: this.account,
            order: row.id,
            fill: fillPk,
            strategyId: x.trade.strategyId,
            symbol: x.trade.symbol,
            side: x.trade.side,
            quantity: x.trade.quantity,
            price: x.trade.price,
            fees: x.trade.fees,
            grossAmount: x.trade.grossAmount,
            executedAt: new Date(x.trade.executedAt),
          });
          return true;
        });
      } catch (e) {
        // Booked by a concurrent call in the meantime: ours means "already booked", another account's a conflict.
        if (e instanceof DuplicateFill) return this.alreadyBooked(this.em(), x.fill.fillId);
        throw e;
      }
    });
  }

  /** Whether this account already booked the fill; ConflictError when another account holds its id. */
  private async alreadyBooked(em: EntityManager, fillId: string): Promise<boolean> {
    const booked = await em.findOne(FillEntity, { fillId }, { fields: ['account'] });
    if (!booked) return false;
    if (booked.account !== this.account) {
      throw new ConflictError(`fill ${fillId} is already booked under another account`, { fillId });
    }
    return true;
  }

  recordFillGroup(order: Order, executions: readonly LegExecution[]): Promise<boolean> {
    return this.guard('recordFillGroup', () => bookFillGroup(this.em(), this.account, order, executions));
  }

  recordExpiry(booking: ExpiryBooking): Promise<boolean> {
    return this.guard('recordExpiry', () => bookExpiry(this.em(), this.account, booking));
  }

  listExpiries(): Promise<OptionExpiryEvent[]> {
    return this.guard('listExpiries', () => loadExpiries(this.em(), this.account));
  }

  listFills(clientOrderId?: string): Promise<Fill[]> {
    return this.guard('listFills', async () => {
      const rows = await this.em().find(FillEntity, clientOrderId === undefined ? { account: this.account } : { account: this.account, order: { clientOrderId } }, {
        populate: ['order'],
        orderBy: { ts: 'asc', id: 'asc' },
      });
      return rows.map(fillFromRow);
    });
  }

  listPositions(): Promise<Position[]> {
    return this.guard('listPositions', async () => {
      const rows = await this.em().find(PositionEntity, { account: this.account }, { orderBy: { [raw('symbol collate "C"')]: 'asc' } });
      return rows.map(positionFromRow);
    });
  }

  listTrades(symbol?: string): Promise<TradeTransaction[]> {
    return this.guard('listTrades', async () => {
      const rows = await this.em().find(TradeTransactionEntity, symbol === undefined ? { account: this.account } : { account: this.account, symbol }, {
        populate: ['order', 'fill', 'expiry'],
        orderBy: { executedAt: 'asc', id: 'asc' },
      });
      return rows.map(tradeFromRow);
    });
  }

  async recordSignal(record: SignalRecord): Promise<void> {
    const r = normalizeSignal(record);
    await this.guard('recordSignal', async () => {
      try {
        const { outcome, ...rest } = r;
        await this.em().insert(SignalDecisionEntity, {
          ...rest,
          account: this.account,
          ts: new Date(r.ts),
          features: { ...r.features },
          components: r.components === null ? null : { ...r.components },
          dataQuality: r.dataQuality === null ? null : { ...r.dataQuality, checks: r.dataQuality.checks.map((c) => ({ ...c })) },
          outcomePnl: outcome?.pnl ?? null,
          outcomeReturn: outcome?.returnPct ?? null,
          outcomeHoldingMs: outcome?.holdingMs ?? null,
          outcomeClosedAt: outcome === null ? null : new Date(outcome.closedAt),
        });
      } catch (e) {
        if (e instanceof UniqueConstraintViolationException) {
          throw new ConflictError(`signal ${r.signalId} already recorded`, { signalId: r.signalId }, { cause: e });
        }
        throw e;
      }
    });
  }

  async appendEvent(event: AuditEvent): Promise<void> {
    const e = normalizeAuditEvent(event);
    await this.guard('appendEvent', async () => {
      await this.em().insert(AuditEventEntity, { ...e, account: this.account, ts: new Date(e.ts), detail: { ...e.detail } });
    });
  }

  async listEvents(query?: AuditEventQuery): Promise<StoredAuditEvent[]> {
    const q = normalizeAuditQuery(query);
    return await this.guard('listEvents', async () => {
      const where = {
        account: this.account,
        ...(q.category !== undefined ? { category: q.category } : {}),
        ...(q.scope !== undefined ? { scope: q.scope } : {}),
      };
      // The most recent `limit`, returned oldest first. Ids are ordered by insertion (bigserial).
      const rows = await this.em().find(AuditEventEntity, where, { orderBy: { id: 'desc' }, ...(q.limit !== undefined ? { limit: q.limit } : {}) });
      return rows.reverse().map((r) => ({ id: r.id, ts: r.ts.getTime(), category: r.category, scope: r.scope, action: r.action, actor: r.actor, detail: r.detail }));
    });
  }

  async recordSignalOutcome(signalId: string, outcome: SignalOutcome): Promise<void> {
    const o = normalizeSignalOutcome(outcome);
    await this.guard('recordSignalOutcome', async () => {
      const row = await this.em().findOne(SignalDecisionEntity, { account: this.account, signalId });
      if (!row) throw new NotFoundError('signal', signalId);
      const existing = signalFromRow(row).outcome;
      if (existing !== null) {
        if (sameOutcome(existing, o)) return;
        throw new ConflictError(`signal ${signalId} already has a different outcome`, { signalId });
      }
      // Only where no outcome is written yet, so two writers cannot both win.
      const n = await this.em().nativeUpdate(
        SignalDecisionEntity,
        { account: this.account, signalId, outcomeClosedAt: null },
        { outcomePnl: o.pnl, outcomeReturn: o.returnPct, outcomeHoldingMs: o.holdingMs, outcomeClosedAt: new Date(o.closedAt) },
      );
      if (n === 0) throw new ConflictError(`signal ${signalId} got an outcome concurrently`, { signalId });
    });
  }

  listSignals(strategyId?: string): Promise<SignalRecord[]> {
    return this.guard('listSignals', async () => {
      const rows = await this.em().find(SignalDecisionEntity, strategyId === undefined ? { account: this.account } : { account: this.account, strategyId }, {
        orderBy: { ts: 'asc', id: 'asc' },
      });
      return rows.map(signalFromRow);
    });
  }

  async upsertCompany(company: Company): Promise<{ created: boolean }> {
    const c = normalizeCompany(company);
    return this.guard('upsertCompany', async () => {
      // One statement, so two daemons upserting the same ticker cannot both "create" it.
      // xmax = 0 only on a freshly inserted row version.
      const rows = await this.em().execute<{ created: boolean }[]>(
        'insert into companies (ticker, name) values (?, ?) on conflict (ticker) do update set name = excluded.name returning (xmax = 0) as created',
        [c.ticker, c.name],
      );
      return { created: rows[0]?.created === true };
    });
  }

  async createCompany(company: Company): Promise<void> {
    const c = normalizeCompany(company);
    await this.guard('createCompany', async () => {
      try {
        await this.em().insert(CompanyEntity, { ticker: c.ticker, name: c.name });
      } catch (e) {
        if (e instanceof UniqueConstraintViolationException) {
          throw new ConflictError(`company ${c.ticker} already exists`, { ticker: c.ticker }, { cause: e });
        }
        throw e;
      }
    });
  }

  async updateCompany(company: Company): Promise<void> {
    const c = normalizeCompany(company);
    await this.guard('updateCompany', async () => {
      const changed = await this.em().nativeUpdate(CompanyEntity, { ticker: c.ticker }, { name: c.name });
      if (changed === 0) throw new NotFoundError('company', c.ticker);
    });
  }

  getCompany(ticker: string): Promise<Company | null> {
    return this.guard('getCompany', async () => {
      const row = await this.em().findOne(CompanyEntity, { ticker });
      return row ? { ticker: row.ticker, name: row.name } : null;
    });
  }

  listCompanies(): Promise<Company[]> {
    return this.guard('listCompanies', async () => {
      const rows = await this.em().find(CompanyEntity, {}, { orderBy: { [raw('ticker collate "C"')]: 'asc' } });
      return rows.map((r) => ({ ticker: r.ticker, name: r.name }));
    });
  }

  async getState(key: string): Promise<string | null> {
    checkStateKey(key);
    return this.guard('getState', async () => {
      const row = await this.em().findOne(EngineStateEntity, { account: this.account, key });
      return row ? row.value : null;
    });
  }

  async setState(key: string, value: string): Promise<void> {
    checkStateKey(key);
    checkStateValue(value);
    await this.guard('setState', async () => {
      await this.em().upsert(EngineStateEntity, { account: this.account, key, value, updatedAt: new Date(this.now()) });
    });
  }

  /**
   * Refuses new calls on this store at once; concurrent and repeated calls share one close. What else
   * it releases is the onClose given: for a Database, the main store's close closes the whole
   * Database (ORM and embedded server), another account's store closes only itself.
   */
  close(): Promise<void> {
    this.closed = true;
    return (this.closing ??= this.onClose());
  }

  /** Domain errors pass through; driver errors become a PersistenceError naming the operation. */
  private async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isWsbError(e)) throw e;
      throw new PersistenceError(`${operation} failed: ${errorMessage(e)}`, { cause: e });
    }
  }
}
