import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from '../../engine/domain/money.js';
import { ConflictError, InputError, NotFoundError } from '../../engine/domain/errors.js';
import type { Order } from '../../engine/domain/orders.js';
import type { TradingStore } from '../../engine/domain/ports.js';
import { normalizeExecution } from '../../persistence/storedValues.js';
import { T0, at8, execution, makeOptionOrder, makeOrder, makeSignal } from './fixtures.js';
import { registerDatabaseContract } from './databaseContract.js';
import { registerAccountContract } from './accountContract.js';
import { registerOptionsContract } from './optionsContract.js';
import type { DatabaseHarness } from './databaseContract.js';

export interface StoreHarness {
  /** An empty store for one test (a new one, or the shared one with its tables emptied). */
  fresh(): Promise<TradingStore>;
  /**
   * The store of another account beside the one `fresh()` returned ('main'): on the same database
   * (`db.storeFor`), or for the in-memory store a new one (one account per store by construction).
   * Throws InputError('account') for an invalid name.
   */
  storeFor(account: string): TradingStore;
  /** Present for the database-backed stores: restart, migrations, raw SQL. */
  readonly db?: DatabaseHarness;
  /** Property runs; fewer against a database, where each run is a round trip. */
  readonly propertyRuns?: number;
}

/** Everything a TradingStore promises, registered against whatever `harness()` returns. */
export function registerStoreContract(label: string, harness: () => StoreHarness, opts: { database?: boolean } = {}): void {
  describe(`TradingStore contract: ${label}`, () => {
    describe('orders', () => {
      it('round-trips an equity and an option order exactly', async () => {
        const store = await harness().fresh();
        const eq = makeOrder({ clientOrderId: 'c-eq', signalId: 'sig-1', brokerOrderId: 'b-1', rejectReason: 'none yet' });
        const opt = makeOptionOrder('c-opt');
        await store.insertOrder(eq);
        await store.insertOrder(opt);
        expect(await store.getOrder('c-eq')).toEqual(eq);
        expect(await store.getOrder('c-opt')).toEqual(opt);
        expect(await store.getOrder('missing')).toBeNull();
      });

      it('enforces a unique client_order_id with a ConflictError and keeps the first order', async () => {
        const store = await harness().fresh();
        const first = makeOrder({ clientOrderId: 'dup' });
        await store.insertOrder(first);
        const err = await store.insertOrder(makeOrder({ clientOrderId: 'dup', symbol: 'MSFT' })).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConflictError);
        expect((err as ConflictError).message).toContain('dup');
        expect(await store.getOrder('dup')).toEqual(first);
        expect(await store.listOrders()).toHaveLength(1);
      });

      it('updateOrder replaces only the mutable fields', async () => {
        const store = await harness().fresh();
        const o = makeOrder({ clientOrderId: 'u1' });
        await store.insertOrder(o);
        await store.updateOrder({
          ...o,
          status: 'rejected',
          rejectReason: 'insufficient buying power',
          brokerOrderId: 'b-9',
          updatedAt: T0 + 5,
          // Write-ahead fields are not the update's to change.
          reason: 'changed',
          createdAt: T0 + 99,
        });
        expect(await store.getOrder('u1')).toEqual({ ...o, status: 'rejected', rejectReason: 'insufficient buying power', brokerOrderId: 'b-9', updatedAt: T0 + 5 });
      });

      it('updateOrder of an unknown order is a NotFoundError', async () => {
        const store = await harness().fresh();
        await expect(store.updateOrder(makeOrder({ clientOrderId: 'ghost' }))).rejects.toBeInstanceOf(NotFoundError);
      });

      it('listOrders orders by created_at then client_order_id in code-unit order, and filters', async () => {
        const store = await harness().fresh();
        // Ids whose order differs between a locale collation and code units.
        const ids = ['b-1', 'B-2', 'a 3', 'a-1', 'A_1'];
        for (const id of ids) await store.insertOrder(makeOrder({ clientOrderId: id, createdAt: T0 + 1000 }));
        await store.insertOrder(makeOrder({ clientOrderId: 'z-early', createdAt: T0, symbol: 'MSFT', status: 'filled', strategyId: 'wheel' }));
        await store.insertOrder(makeOrder({ clientOrderId: 'y-late', createdAt: T0 + 2000, status: 'cancelled', strategyId: 'wheel' }));
        const all = (await store.listOrders()).map((o) => o.clientOrderId);
        expect(all).toEqual(['z-early', 'A_1', 'B-2', 'a 3', 'a-1', 'b-1', 'y-late']);
        const ids2 = async (q: Parameters<TradingStore['listOrders']>[0]) => (await store.listOrders(q)).map((o) => o.clientOrderId);
        expect(await ids2({ symbol: 'MSFT' })).toEqual(['z-early']);
        expect(await ids2({ strategyId: 'wheel' })).toEqual(['z-early', 'y-late']);
        expect(await ids2({ status: ['filled', 'cancelled'] })).toEqual(['z-early', 'y-late']);
        expect(await ids2({ status: [] })).toEqual([]);
        expect(await ids2({ status: ['pending_submit'], limit: 2 })).toEqual(['A_1', 'B-2']);
        expect(await ids2({ strategyId: 'wheel', symbol: 'AAPL' })).toEqual(['y-late']);
        expect(await ids2({ limit: 1 })).toEqual(['z-early']);
      });

      it('rejects bad orders with an InputError naming the field', async () => {
        const store = await harness().fresh();
        const bad: [Partial<Order> & { clientOrderId: string }, string][] = [
          [{ clientOrderId: 'x'.repeat(65) }, 'order.clientOrderId'],
          [{ clientOrderId: '' }, 'order.clientOrderId'],
          [{ clientOrderId: 'q0', quantity: 0 }, 'order.quantity'],
          [{ clientOrderId: 'q1', quantity: 1.5 }, 'order.quantity'],
          [{ clientOrderId: 'f1', filledQuantity: 11 }, 'order.filledQuantity'],
          [{ clientOrderId: 'p1', limitPrice: new Decimal('1e12') }, 'order.limitPrice'],
          [{ clientOrderId: 'p2', limitPrice: new Decimal(NaN) }, 'order.limitPrice'],
          [{ clientOrderId: 't1', createdAt: 1.5 }, 'order.createdAt'],
          [{ clientOrderId: 's1', symbol: 'MSFT' }, 'order.instrument.symbol'],
          [{ clientOrderId: 'st', status: 'open' as Order['status'] }, 'order.status'],
        ];
        for (const [overrides, field] of bad) {
          const err = await store.insertOrder(makeOrder({ ...overrides, ...(overrides.symbol ? { instrument: { kind: 'equity', symbol: 'AAPL' } } : {}) })).catch((e: unknown) => e);
          expect(err, field).toBeInstanceOf(InputError);
          expect((err as InputError).field).toBe(field);
        }
        expect(await store.listOrders()).toEqual([]);
        await expect(store.listOrders({ limit: 0 })).rejects.toMatchObject({ field: 'query.limit' });
        await expect(store.listOrders({ status: ['bogus' as Order['status']] })).rejects.toMatchObject({ field: 'query.status' });
      });

      it('returned orders are copies: mutating one does not change the store', async () => {
        const store = await harness().fresh();
        const o = makeOptionOrder('copy');
        await store.insertOrder(o);
        const got = (await store.getOrder('copy')) as { -readonly [K in keyof Order]: Order[K] };
        got.status = 'filled';
        (got.instrument as { symbol: string }).symbol = 'HACKED';
        const listed = await store.listOrders();
        (listed[0] as { quantity: number }).quantity = 999;
        expect(await store.getOrder('copy')).toEqual(o);
      });
    });

    describe('order pages (keyset cursor)', () => {
      const idsOf = (orders: Order[]) => orders.map((o) => o.clientOrderId);

      it('lists only the orders after the cursor, ties on createdAt broken by code units, with filters', async () => {
        const store = await harness().fresh();
        for (const id of ['b', 'B', 'a']) await store.insertOrder(makeOrder({ clientOrderId: id, createdAt: T0 }));
        await store.insertOrder(makeOrder({ clientOrderId: 'A', createdAt: T0 + 1, status: 'filled' }));
        await store.insertOrder(makeOrder({ clientOrderId: '0', createdAt: T0 - 1 }));
        expect(idsOf(await store.listOrders())).toEqual(['0', 'B', 'a', 'b', 'A']);
        expect(idsOf(await store.listOrders({ after: { createdAt: T0, clientOrderId: 'B' } }))).toEqual(['a', 'b', 'A']);
        expect(idsOf(await store.listOrders({ after: { createdAt: T0, clientOrderId: 'B' }, limit: 1 }))).toEqual(['a']);
        // A cursor between two existing keys still works (the order it named may have gone).
        expect(idsOf(await store.listOrders({ after: { createdAt: T0, clientOrderId: 'Z' } }))).toEqual(['a', 'b', 'A']);
        expect(idsOf(await store.listOrders({ after: { createdAt: T0, clientOrderId: 'b' }, status: ['pending_submit'] }))).toEqual([]);
        expect(idsOf(await store.listOrders({ after: { createdAt: T0 + 1, clientOrderId: 'A' } }))).toEqual([]);
        await expect(store.listOrders({ after: { createdAt: 1.5, clientOrderId: 'a' } })).rejects.toMatchObject({ field: 'query.after.createdAt' });
        await expect(store.listOrders({ after: { createdAt: T0, clientOrderId: '' } })).rejects.toMatchObject({ field: 'query.after.clientOrderId' });
      });

      it('pages through every order exactly once, whatever the page size (property)', async () => {
        const store = await harness().fresh();
        let run = 0;
        const idChars = fc.constantFrom(...'aAbB0_- .'.split(''));
        await fc.assert(
          fc.asyncProperty(
            fc.uniqueArray(fc.record({ id: fc.string({ unit: idChars, minLength: 1, maxLength: 4 }), dt: fc.integer({ min: 0, max: 3 }) }), {
              selector: (r) => r.id,
              maxLength: 12,
            }),
            fc.integer({ min: 1, max: 5 }),
            async (rows, pageSize) => {
              // Each run has its own strategy id, so runs sharing one store never see each other's orders.
              const strategyId = `page-${run++}`;
              for (const r of rows) {
                await store.insertOrder(makeOrder({ clientOrderId: `${strategyId}:${r.id}`, strategyId, createdAt: T0 + r.dt * 1000 }));
              }
              const all = idsOf(await store.listOrders({ strategyId }));
              const paged: string[] = [];
              let after: { createdAt: number; clientOrderId: string } | undefined;
              for (let pages = 0; pages <= rows.length; pages++) {
                const page = await store.listOrders({ strategyId, limit: pageSize, ...(after ? { after } : {}) });
                paged.push(...idsOf(page));
                const last = page.at(-1);
                if (page.length < pageSize || !last) break;
                after = { createdAt: last.createdAt, clientOrderId: last.clientOrderId };
              }
              expect(paged).toEqual(all);
              expect(all).toHaveLength(rows.length);
            },
          ),
          { numRuns: Math.min(harness().propertyRuns ?? 100, 100) },
        );
      });
    });

    describe('money', () => {
      const exact = ['12345678901.12345678', '-12345678901.12345678', '0.00000001', '0', '999999999999.99999999'];

      it.each(exact)('round-trips %s exactly', async (value) => {
        const store = await harness().fresh();
        await store.insertOrder(makeOrder({ clientOrderId: 'm', limitPrice: new Decimal(value), avgFillPrice: new Decimal(value) }));
        const got = await store.getOrder('m');
        expect(got?.limitPrice?.toFixed()).toBe(new Decimal(value).toFixed());
        expect(got?.avgFillPrice?.eq(value)).toBe(true);
      });

      it('keeps 0.1 + 0.2 exactly 0.3 and never uses exponent notation', async () => {
        const store = await harness().fresh();
        const sum = new Decimal('0.1').plus('0.2');
        await store.insertOrder(makeOrder({ clientOrderId: 'sum', limitPrice: sum, avgFillPrice: new Decimal('1e-8') }));
        const got = await store.getOrder('sum');
        expect(got?.limitPrice?.toFixed()).toBe('0.3');
        expect(got?.avgFillPrice?.toFixed()).toBe('0.00000001');
      });

      it('rounds beyond 8 places half-even, the same in every store', async () => {
        const store = await harness().fresh();
        // PostgreSQL alone would round 1.000000005 up; the store rounds it to even first.
        await store.insertOrder(makeOrder({ clientOrderId: 'r1', limitPrice: new Decimal('1.000000005'), avgFillPrice: new Decimal('1.000000015') }));
        const got = await store.getOrder('r1');
        expect(got?.limitPrice?.toFixed()).toBe('1');
        expect(got?.avgFillPrice?.toFixed()).toBe('1.00000002');
        expect(at8('100.666666666666')).toBe('100.66666667');
      });

      it('round-trips any numeric(20,8) value (property)', async () => {
        const store = await harness().fresh();
        let n = 0;
        const limit = 10n ** 20n - 1n;
        await fc.assert(
          fc.asyncProperty(fc.bigInt({ min: -limit, max: limit }), async (scaled) => {
            const value = new Decimal(scaled.toString()).div(1e8);
            const id = `prop-${n++}`;
            await store.insertOrder(makeOrder({ clientOrderId: id, limitPrice: value }));
            const got = await store.getOrder(id);
            expect(got?.limitPrice?.toFixed()).toBe(value.toFixed());
          }),
          { numRuns: harness().propertyRuns ?? 200, seed: 20251125 },
        );
      });
    });

    describe('fills', () => {
      it('books fill, order, position and trade together, and is idempotent on fill_id', async () => {
        const store = await harness().fresh();
        const o = makeOrder({ clientOrderId: 'o1', quantity: 3 });
        await store.insertOrder(o);
        const x1 = execution({ order: o, fillId: 'f1', quantity: 1, price: '100', ts: T0 + 10 });
        expect(await store.recordFill(x1.fill, x1.order, x1.position, x1.trade)).toBe(true);
        const x2 = execution({ order: x1.order, fillId: 'f2', quantity: 2, price: '101', ts: T0 + 20, before: x1.position });
        expect(await store.recordFill(x2.fill, x2.order, x2.position, x2.trade)).toBe(true);

        const want = normalizeExecution(x2.fill, x2.order, x2.position, x2.trade);
        expect(await store.getOrder('o1')).toEqual(want.order);
        expect(want.order.avgFillPrice?.toFixed()).toBe('100.66666667');
        expect(await store.listFills('o1')).toEqual([x1.fill, x2.fill]);
        expect(await store.listPositions()).toEqual([want.position]);
        expect(want.position.avgCost.toFixed()).toBe('100.66666667');
        expect(await store.listTrades()).toEqual([x1.trade, x2.trade]);

        const before = await snapshot(store);
        // The broker reports f1 again, even with different numbers: nothing changes.
        const again = execution({ order: x1.order, fillId: 'f1', quantity: 1, price: '999', ts: T0 + 30, before: x2.position });
        expect(await store.recordFill(again.fill, again.order, again.position, again.trade)).toBe(false);
        expect(await snapshot(store)).toEqual(before);
      });

      it('books an option fill with the contract multiplier in the trade', async () => {
        const store = await harness().fresh();
        const o = makeOptionOrder('opt1');
        await store.insertOrder(o);
        const x = execution({ order: o, fillId: 'of1', quantity: 2, price: '3.4', ts: T0 + 1 });
        expect(await store.recordFill(x.fill, x.order, x.position, x.trade)).toBe(true);
        const [trade] = await store.listTrades(o.symbol);
        expect(trade?.grossAmount.toFixed()).toBe('680');
        expect(trade?.side).toBe('BUY');
        expect(await store.listTrades('AAPL')).toEqual([]);
      });

      it('upserts one position per symbol through a round trip to flat', async () => {
        const store = await harness().fresh();
        const buy = makeOrder({ clientOrderId: 'pb', quantity: 5 });
        const sell = makeOrder({ clientOrderId: 'ps', quantity: 5, side: 'sell', createdAt: T0 + 1 });
        await store.insertOrder(buy);
        await store.insertOrder(sell);
        const x1 = execution({ order: buy, fillId: 'pf1', quantity: 5, price: '10.5', ts: T0 + 10 });
        await store.recordFill(x1.fill, x1.order, x1.position, x1.trade);
        const x2 = execution({ order: sell, fillId: 'pf2', quantity: 5, price: '12', ts: T0 + 20, before: x1.position });
        await store.recordFill(x2.fill, x2.order, x2.position, x2.trade);
        const positions = await store.listPositions();
        expect(positions).toHaveLength(1);
        expect(positions[0]?.quantity).toBe(0);
        expect(positions[0]?.avgCost.toFixed()).toBe('0');
        // (12 - 10.5) × 5 less two commissions of 0.65
        expect(positions[0]?.realizedPnl.toFixed()).toBe('6.2');
        expect(positions[0]?.updatedAt).toBe(T0 + 20);
      });

      it('lists fills by time, filtered by order', async () => {
        const store = await harness().fresh();
        const a = makeOrder({ clientOrderId: 'fa', quantity: 5 });
        const b = makeOrder({ clientOrderId: 'fb', quantity: 5, symbol: 'MSFT', instrument: { kind: 'equity', symbol: 'MSFT' } });
        await store.insertOrder(a);
        await store.insertOrder(b);
        const xb = execution({ order: b, fillId: 'z-b1', quantity: 1, price: '300', ts: T0 + 5 });
        const xa = execution({ order: a, fillId: 'z-a1', quantity: 1, price: '150', ts: T0 + 1 });
        await store.recordFill(xb.fill, xb.order, xb.position, xb.trade);
        await store.recordFill(xa.fill, xa.order, xa.position, xa.trade);
        expect((await store.listFills()).map((f) => f.fillId)).toEqual(['z-a1', 'z-b1']);
        expect((await store.listFills('fb')).map((f) => f.fillId)).toEqual(['z-b1']);
        expect(await store.listFills('none')).toEqual([]);
        expect((await store.listPositions()).map((p) => p.symbol)).toEqual(['AAPL', 'MSFT']);
      });

      it('changes nothing when the booking is inconsistent or the order is unknown', async () => {
        const store = await harness().fresh();
        const o = makeOrder({ clientOrderId: 'bad' });
        await store.insertOrder(o);
        const x = execution({ order: o, fillId: 'bf', quantity: 1, price: '10', ts: T0 + 1 });
        const before = await snapshot(store);
        await expect(store.recordFill(x.fill, x.order, x.position, { ...x.trade, fillId: 'other' })).rejects.toMatchObject({ field: 'trade.fillId' });
        await expect(store.recordFill(x.fill, x.order, { ...x.position, symbol: 'MSFT' }, x.trade)).rejects.toMatchObject({ field: 'position.symbol' });
        await expect(store.recordFill({ ...x.fill, quantity: 0 }, x.order, x.position, x.trade)).rejects.toMatchObject({ field: 'fill.quantity' });
        const ghost = execution({ order: makeOrder({ clientOrderId: 'ghost' }), fillId: 'gf', quantity: 1, price: '10', ts: T0 + 1 });
        await expect(store.recordFill(ghost.fill, ghost.order, ghost.position, ghost.trade)).rejects.toBeInstanceOf(NotFoundError);
        expect(await snapshot(store)).toEqual(before);
        expect(before.fills).toEqual([]);
      });

      it('books a fill reported twice at once exactly once', async () => {
        const store = await harness().fresh();
        const o = makeOrder({ clientOrderId: 'race' });
        await store.insertOrder(o);
        const x = execution({ order: o, fillId: 'rf', quantity: 1, price: '10', ts: T0 + 1 });
        const results = await Promise.all([1, 2, 3].map(() => store.recordFill(x.fill, x.order, x.position, x.trade)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.listFills()).toHaveLength(1);
        expect(await store.listTrades()).toHaveLength(1);
      });
    });

    describe('signals, companies, state', () => {
      it('records and lists signals with their features, by strategy', async () => {
        const store = await harness().fresh();
        const s1 = makeSignal({ signalId: 's1', ts: T0 + 2 });
        const s2 = makeSignal({ signalId: 's2', strategyId: 'wheel', decision: 'rejected', reason: 'below_threshold', ts: T0 + 1 });
        const s3 = makeSignal({ signalId: 's3', clientOrderId: 'c-1', ts: T0 + 3, features: {} });
        for (const s of [s1, s2, s3]) await store.recordSignal(s);
        expect(await store.listSignals()).toEqual([s2, s1, s3]);
        expect(await store.listSignals('swing_trading')).toEqual([s1, s3]);
        await expect(store.recordSignal(s1)).rejects.toBeInstanceOf(ConflictError);
        await expect(store.recordSignal(makeSignal({ signalId: 'nan', features: { rsi: NaN } }))).rejects.toMatchObject({ field: 'signal.features.rsi' });
        await expect(store.recordSignal(makeSignal({ signalId: 'inf', score: Infinity }))).rejects.toMatchObject({ field: 'signal.score' });
      });

      it('writes a signal outcome once (idempotent), refuses a different one and an unknown signal', async () => {
        const store = await harness().fresh();
        await store.recordSignal(makeSignal({ signalId: 'o1' }));
        const outcome = { pnl: new Decimal('-123.45678901'), returnPct: -0.0123, holdingMs: 86_400_000, closedAt: T0 + 86_400_000 };
        await store.recordSignalOutcome('o1', outcome);
        await store.recordSignalOutcome('o1', outcome);
        const [row] = await store.listSignals();
        expect(row!.outcome).toEqual({ ...outcome, pnl: new Decimal('-123.45678901') });
        expect(row!.components).toEqual(makeSignal({ signalId: 'x' }).components);
        expect(row!.dataQuality).toEqual(makeSignal({ signalId: 'x' }).dataQuality);
        await expect(store.recordSignalOutcome('o1', { ...outcome, pnl: new Decimal(5) })).rejects.toBeInstanceOf(ConflictError);
        await expect(store.recordSignalOutcome('nope', outcome)).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.recordSignalOutcome('o1', { ...outcome, returnPct: Number.NaN })).rejects.toMatchObject({ field: 'outcome.returnPct' });
      });

      it('upserts companies: created, then renamed', async () => {
        const store = await harness().fresh();
        expect(await store.upsertCompany({ ticker: 'TSLA', name: 'Tesla' })).toEqual({ created: true });
        expect(await store.upsertCompany({ ticker: 'BRK.B', name: 'Berkshire' })).toEqual({ created: true });
        expect(await store.upsertCompany({ ticker: 'TSLA', name: 'Tesla, Inc.' })).toEqual({ created: false });
        expect(await store.upsertCompany({ ticker: 'TSLA', name: 'Tesla, Inc.' })).toEqual({ created: false });
        expect(await store.listCompanies()).toEqual([
          { ticker: 'BRK.B', name: 'Berkshire' },
          { ticker: 'TSLA', name: 'Tesla, Inc.' },
        ]);
        await expect(store.upsertCompany({ ticker: 'tsla', name: 'x' })).rejects.toMatchObject({ field: 'company.ticker' });
        await expect(store.upsertCompany({ ticker: 'NVDA', name: '  ' })).rejects.toMatchObject({ field: 'company.name' });
      });

      it('creates companies once, renames only existing ones, and gets one by ticker', async () => {
        const store = await harness().fresh();
        await store.createCompany({ ticker: 'NVDA', name: 'Nvidia' });
        const dup = await store.createCompany({ ticker: 'NVDA', name: 'Other' }).catch((e: unknown) => e);
        expect(dup).toBeInstanceOf(ConflictError);
        expect((dup as ConflictError).details).toEqual({ ticker: 'NVDA' });
        expect(await store.getCompany('NVDA')).toEqual({ ticker: 'NVDA', name: 'Nvidia' });
        await store.updateCompany({ ticker: 'NVDA', name: 'NVIDIA Corporation' });
        expect(await store.getCompany('NVDA')).toEqual({ ticker: 'NVDA', name: 'NVIDIA Corporation' });
        const missing = await store.updateCompany({ ticker: 'AMD', name: 'AMD' }).catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(NotFoundError);
        expect(await store.getCompany('AMD')).toBeNull();
        expect(await store.listCompanies()).toEqual([{ ticker: 'NVDA', name: 'NVIDIA Corporation' }]);
        await expect(store.createCompany({ ticker: 'nvda', name: 'x' })).rejects.toMatchObject({ field: 'company.ticker' });
        await expect(store.updateCompany({ ticker: 'NVDA', name: '' })).rejects.toMatchObject({ field: 'company.name' });
        // upsertCompany still sees what createCompany made.
        expect(await store.upsertCompany({ ticker: 'NVDA', name: 'Nvidia' })).toEqual({ created: false });
      });

      it('gets and sets engine state', async () => {
        const store = await harness().fresh();
        expect(await store.getState('replay.cursor')).toBeNull();
        await store.setState('replay.cursor', '1700000000000');
        await store.setState('replay.cursor', '1700000060000');
        await store.setState('cash', '100000.00');
        expect(await store.getState('replay.cursor')).toBe('1700000060000');
        expect(await store.getState('cash')).toBe('100000.00');
        await expect(store.setState('', 'x')).rejects.toMatchObject({ field: 'state.key' });
        await expect(store.getState('k'.repeat(129))).rejects.toMatchObject({ field: 'state.key' });
      });
    });

    describe('audit events', () => {
      it('appends and lists in order, filtered by category and scope, the most recent `limit`', async () => {
        const store = await harness().fresh();
        const ev = (i: number, category: 'breaker' | 'command', scope: string) => ({
          ts: T0 + i * 1000, category, scope, action: `a${i}`, actor: 'engine', detail: { i, nested: { ok: true }, reason: null },
        });
        await store.appendEvent(ev(1, 'breaker', 'global'));
        await store.appendEvent(ev(2, 'command', 'wsb-dip-bot'));
        await store.appendEvent(ev(3, 'breaker', 'wsb-dip-bot'));
        await store.appendEvent(ev(4, 'breaker', 'global'));
        const all = await store.listEvents();
        expect(all.map((e) => e.action)).toEqual(['a1', 'a2', 'a3', 'a4']);
        expect(all[0]).toMatchObject({ ts: T0 + 1000, category: 'breaker', scope: 'global', actor: 'engine', detail: { i: 1, nested: { ok: true }, reason: null } });
        expect(new Set(all.map((e) => e.id)).size).toBe(4);
        expect((await store.listEvents({ category: 'breaker' })).map((e) => e.action)).toEqual(['a1', 'a3', 'a4']);
        expect((await store.listEvents({ scope: 'wsb-dip-bot' })).map((e) => e.action)).toEqual(['a2', 'a3']);
        expect((await store.listEvents({ category: 'breaker', limit: 2 })).map((e) => e.action)).toEqual(['a3', 'a4']);
      });

      it('refuses bad events and queries, naming the field', async () => {
        const store = await harness().fresh();
        const good = { ts: T0, category: 'breaker' as const, scope: 'global', action: 'tripped', actor: 'engine', detail: {} };
        await expect(store.appendEvent({ ...good, category: 'nope' as 'breaker' })).rejects.toMatchObject({ field: 'event.category' });
        await expect(store.appendEvent({ ...good, scope: '' })).rejects.toMatchObject({ field: 'event.scope' });
        await expect(store.appendEvent({ ...good, ts: Number.NaN })).rejects.toMatchObject({ field: 'event.ts' });
        await expect(store.appendEvent({ ...good, detail: { big: 10n } })).rejects.toMatchObject({ field: 'event.detail' });
        await expect(store.listEvents({ limit: 0 })).rejects.toMatchObject({ field: 'query.limit' });
        expect(await store.listEvents()).toEqual([]);
      });
    });

    registerAccountContract(harness, opts);
    registerOptionsContract(harness, opts);

    if (opts.database) {
      registerDatabaseContract(() => {
        const db = harness().db;
        if (!db) throw new Error(`${label}: registered with database: true but the harness has no db`);
        return db;
      });
    }
  });
}

/** Everything observable, to show an operation changed nothing. */
export async function snapshot(store: TradingStore) {
  return {
    orders: await store.listOrders(),
    fills: await store.listFills(),
    positions: await store.listPositions(),
    trades: await store.listTrades(),
  };
}

