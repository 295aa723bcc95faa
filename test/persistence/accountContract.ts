import { describe, expect, it } from 'vitest';
import { ConflictError, InputError, NotFoundError, PersistenceError } from '../../engine/domain/errors.js';
import type { Order } from '../../engine/domain/orders.js';
import type { TradingStore } from '../../engine/domain/ports.js';
import { readdirSync } from 'node:fs';
import { MIGRATIONS_DIR, type Database } from '../../persistence/database.js';
import { normalizeExecution } from '../../persistence/storedValues.js';
import { T0, execution, makeOrder, makeSignal } from './fixtures.js';
import type { StoreHarness } from './storeContract.js';
import { snapshot } from './storeContract.js';

/** The migration that introduced accounts; its up/down is tested against a live database below. */
export const ACCOUNT_MIGRATION = 'Migration20261125110418';
const PREVIOUS_MIGRATION = 'Migration20261125110102';
/** The account migration and every later one, in order: what re-applying after reverting to it runs. */
const FROM_ACCOUNT_MIGRATION = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^Migration.*\.ts$/.test(f) && !f.endsWith('.d.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort()
  .filter((name) => name >= ACCOUNT_MIGRATION);
const BT = 'backtest:run-1.a_B';
const SCOPED_TABLES = ['engine_state', 'fills', 'orders', 'positions', 'signal_validation_history', 'trade_transactions'];
/** The same tables as they were named when the account migration was the latest (before the signal history rename). */
const SCOPED_TABLES_AT_ACCOUNT_MIGRATION = SCOPED_TABLES.map((t) => (t === 'signal_validation_history' ? 'signal_decisions' : t));

async function book(store: TradingStore, order: Order, fillId: string, quantity: number, price: string, ts: number) {
  await store.insertOrder(order);
  const x = execution({ order, fillId, quantity, price, ts });
  expect(await store.recordFill(x.fill, x.order, x.position, x.trade)).toBe(true);
  return normalizeExecution(x.fill, x.order, x.position, x.trade);
}

/**
 * Account scoping. Every store runs the first part: a store sees only its own account. For the
 * in-memory store that holds by construction (one store per run); for the database it is the filter.
 */
export function registerAccountContract(harness: () => StoreHarness, opts: { database?: boolean } = {}): void {
  describe('accounts', () => {
    it('refuses an invalid account name with an InputError naming the field', async () => {
      await harness().fresh();
      for (const bad of ['', 'x'.repeat(65), 'has space', 'semi;colon', 'slash/ed', 'ümlaut', "quo'te", 'new\nline']) {
        let err: unknown;
        try {
          harness().storeFor(bad);
        } catch (e) {
          err = e;
        }
        expect(err, JSON.stringify(bad)).toBeInstanceOf(InputError);
        expect((err as InputError).field).toBe('account');
      }
      const longest = harness().storeFor('x'.repeat(64));
      await longest.setState('k', 'v');
      expect(await longest.getState('k')).toBe('v');
    });

    it('keeps separate positions, orders, fills and trades for two accounts holding the same symbol', async () => {
      const main = await harness().fresh();
      const bt = harness().storeFor(BT);
      const m = await book(main, makeOrder({ clientOrderId: 'main-o1', quantity: 10 }), 'main-f1', 10, '150', T0 + 10);
      const b = await book(bt, makeOrder({ clientOrderId: 'bt-o1', quantity: 3 }), 'bt-f1', 3, '99.5', T0 + 5);

      expect(await main.listPositions()).toEqual([m.position]);
      expect(await bt.listPositions()).toEqual([b.position]);
      expect(m.position.quantity).toBe(10);
      expect(b.position.quantity).toBe(3);
      expect(await main.listOrders()).toEqual([m.order]);
      expect(await bt.listOrders()).toEqual([b.order]);
      expect(await main.listOrders({ symbol: 'AAPL' })).toEqual([m.order]);
      expect(await main.listFills()).toEqual([m.fill]);
      expect(await bt.listFills()).toEqual([b.fill]);
      expect(await main.listTrades()).toEqual([m.trade]);
      expect(await bt.listTrades('AAPL')).toEqual([b.trade]);

      // Nothing of the other account is visible, even asked for by id.
      expect(await main.getOrder('bt-o1')).toBeNull();
      expect(await bt.getOrder('main-o1')).toBeNull();
      expect(await main.listFills('bt-o1')).toEqual([]);
      expect(await bt.listFills('main-o1')).toEqual([]);
    });

    it('treats another account\'s order as unknown: updateOrder and recordFill are NotFoundError and change nothing', async () => {
      const main = await harness().fresh();
      const bt = harness().storeFor(BT);
      const o = makeOrder({ clientOrderId: 'main-only' });
      await main.insertOrder(o);
      const before = { main: await snapshot(main), bt: await snapshot(bt) };
      await expect(bt.updateOrder({ ...o, status: 'cancelled' })).rejects.toBeInstanceOf(NotFoundError);
      const x = execution({ order: o, fillId: 'stray-f', quantity: 1, price: '10', ts: T0 + 1 });
      await expect(bt.recordFill(x.fill, x.order, x.position, x.trade)).rejects.toBeInstanceOf(NotFoundError);
      expect({ main: await snapshot(main), bt: await snapshot(bt) }).toEqual(before);
      expect(await main.getOrder('main-only')).toEqual(o);
    });

    it('keeps engine state and signals per account', async () => {
      const main = await harness().fresh();
      const bt = harness().storeFor(BT);
      await main.setState('replay.cursor', '100');
      expect(await bt.getState('replay.cursor')).toBeNull();
      await bt.setState('replay.cursor', '7');
      await bt.setState('replay.cursor', '8');
      expect(await main.getState('replay.cursor')).toBe('100');
      expect(await bt.getState('replay.cursor')).toBe('8');

      const s1 = makeSignal({ signalId: 'main-s1' });
      const s2 = makeSignal({ signalId: 'bt-s1', ts: T0 - 1 });
      await main.recordSignal(s1);
      await bt.recordSignal(s2);
      expect(await main.listSignals()).toEqual([s1]);
      expect(await bt.listSignals('swing_trading')).toEqual([s2]);
    });

    if (opts.database) registerDatabaseAccountContract(harness);
  });
}

function database(harness: () => StoreHarness): Database {
  const db = harness().db?.current();
  if (!db) throw new Error('database harness required');
  return db;
}

async function accountsIn(db: Database, table: string): Promise<Record<string, number>> {
  const rows = await db.orm.em
    .fork()
    .execute<{ account: string; n: string | number }[]>(`select account, count(*) as n from "${table}" group by account order by account`);
  return Object.fromEntries(rows.map((r) => [r.account, Number(r.n)]));
}

async function columns(db: Database, table: string): Promise<string[]> {
  const rows = await db.orm.em
    .fork()
    .execute<{ column_name: string }[]>(
      'select column_name from information_schema.columns where table_schema = current_schema() and table_name = ? order by column_name',
      [table],
    );
  return rows.map((r) => r.column_name);
}

async function primaryKey(db: Database, table: string): Promise<string[]> {
  const rows = await db.orm.em.fork().execute<{ column_name: string }[]>(
    `select a.attname as column_name from pg_index i
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = ?::regclass and i.indisprimary
       order by array_position(i.indkey::int2[], a.attnum)`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

/** What only a shared database shows: global ids, stamped rows, shared companies, closing, the migration. */
function registerDatabaseAccountContract(harness: () => StoreHarness): void {
  describe('accounts in one database', () => {
    it('stamps every row it writes with its account, keyed (account, symbol) and (account, key)', async () => {
      const main = await harness().fresh();
      const bt = harness().storeFor(BT);
      await book(main, makeOrder({ clientOrderId: 'm1' }), 'm1-f', 1, '10', T0 + 1);
      await book(bt, makeOrder({ clientOrderId: 'b1' }), 'b1-f', 1, '11', T0 + 1);
      await book(bt, makeOrder({ clientOrderId: 'b2', symbol: 'MSFT', instrument: { kind: 'equity', symbol: 'MSFT' } }), 'b2-f', 1, '300', T0 + 2);
      await main.recordSignal(makeSignal({ signalId: 'm-s' }));
      await bt.recordSignal(makeSignal({ signalId: 'b-s' }));
      await main.setState('cash', '1');
      await bt.setState('cash', '2');
      const db = database(harness);
      expect(await accountsIn(db, 'orders')).toEqual({ [BT]: 2, main: 1 });
      expect(await accountsIn(db, 'fills')).toEqual({ [BT]: 2, main: 1 });
      expect(await accountsIn(db, 'trade_transactions')).toEqual({ [BT]: 2, main: 1 });
      expect(await accountsIn(db, 'positions')).toEqual({ [BT]: 2, main: 1 });
      expect(await accountsIn(db, 'signal_validation_history')).toEqual({ [BT]: 1, main: 1 });
      expect(await accountsIn(db, 'engine_state')).toEqual({ [BT]: 1, main: 1 });
      expect(await primaryKey(db, 'positions')).toEqual(['account', 'symbol']);
      expect(await primaryKey(db, 'engine_state')).toEqual(['account', 'key']);
    });

    it('db.store is the main account\'s store; other accounts get their own', async () => {
      await harness().fresh();
      const db = database(harness);
      expect(db.storeFor('main')).toBe(db.store);
      const other = db.storeFor('other');
      expect(other).not.toBe(db.store);
      await other.setState('k', 'other');
      expect(await db.store.getState('k')).toBeNull();
      expect(await db.storeFor('other').getState('k')).toBe('other');
    });

    it('keeps client order ids, fill ids and signal ids unique across accounts (ConflictError)', async () => {
      const main = await harness().fresh();
      const bt = harness().storeFor(BT);
      const m = await book(main, makeOrder({ clientOrderId: 'shared-id' }), 'shared-fill', 1, '10', T0 + 1);
      await main.recordSignal(makeSignal({ signalId: 'shared-sig' }));
      const before = { main: await snapshot(main), bt: await snapshot(bt) };

      await expect(bt.insertOrder(makeOrder({ clientOrderId: 'shared-id', symbol: 'MSFT', instrument: { kind: 'equity', symbol: 'MSFT' } }))).rejects.toBeInstanceOf(ConflictError);
      await expect(bt.recordSignal(makeSignal({ signalId: 'shared-sig' }))).rejects.toBeInstanceOf(ConflictError);
      // A fill id another account booked is a conflict, not "already booked" (which would drop the fill silently).
      const o = makeOrder({ clientOrderId: 'bt-own' });
      await bt.insertOrder(o);
      const x = execution({ order: o, fillId: 'shared-fill', quantity: 1, price: '10', ts: T0 + 2 });
      await expect(bt.recordFill(x.fill, x.order, x.position, x.trade)).rejects.toBeInstanceOf(ConflictError);

      expect(await main.getOrder('shared-id')).toEqual(m.order);
      expect(await snapshot(main)).toEqual(before.main);
      expect(await bt.listOrders()).toEqual([o]);
      expect({ fills: await bt.listFills(), positions: await bt.listPositions(), trades: await bt.listTrades() }).toEqual({ fills: [], positions: [], trades: [] });
      expect(await bt.listSignals()).toEqual([]);
    });

    it('books a fill id raced by two accounts for exactly one of them', async () => {
      const main = await harness().fresh();
      const bt = harness().storeFor(BT);
      const a = makeOrder({ clientOrderId: 'race-main' });
      const b = makeOrder({ clientOrderId: 'race-bt' });
      await main.insertOrder(a);
      await bt.insertOrder(b);
      const xa = execution({ order: a, fillId: 'race-f', quantity: 1, price: '10', ts: T0 + 1 });
      const xb = execution({ order: b, fillId: 'race-f', quantity: 1, price: '10', ts: T0 + 1 });
      const results = await Promise.allSettled([
        main.recordFill(xa.fill, xa.order, xa.position, xa.trade),
        bt.recordFill(xb.fill, xb.order, xb.position, xb.trade),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([true]);
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.reason).toBeInstanceOf(ConflictError);
      expect((await main.listFills()).length + (await bt.listFills()).length).toBe(1);
      expect((await main.listTrades()).length + (await bt.listTrades()).length).toBe(1);
    });

    it('shares companies between accounts', async () => {
      const main = await harness().fresh();
      const bt = harness().storeFor(BT);
      expect(await main.upsertCompany({ ticker: 'AAPL', name: 'Apple' })).toEqual({ created: true });
      expect(await bt.upsertCompany({ ticker: 'AAPL', name: 'Apple Inc.' })).toEqual({ created: false });
      expect(await main.listCompanies()).toEqual([{ ticker: 'AAPL', name: 'Apple Inc.' }]);
    });

    it('closing another account\'s store closes only that store; Database.close() closes every store', async () => {
      await harness().fresh();
      const db = database(harness);
      const bt = db.storeFor(BT);
      await bt.setState('k', 'v');
      await Promise.all([bt.close(), bt.close()]);
      await expect(bt.getState('k')).rejects.toBeInstanceOf(PersistenceError);
      // The shared ORM is still open: the main store and a new handle on the same account work.
      await db.store.setState('k', 'main');
      expect(await db.storeFor(BT).getState('k')).toBe('v');

      const survivor = db.storeFor('survivor');
      const reopened = await harness().db!.restart();
      await expect(survivor.getState('k')).rejects.toBeInstanceOf(PersistenceError);
      await expect(db.store.getState('k')).rejects.toBeInstanceOf(PersistenceError);
      expect(() => db.storeFor('late')).toThrow(PersistenceError);
      expect(await reopened.storeFor(BT).getState('k')).toBe('v');
      expect(await reopened.store.getState('k')).toBe('main');
    });

    it(`${ACCOUNT_MIGRATION} reverts and re-applies, putting existing rows in 'main'`, async () => {
      const main = await harness().fresh();
      const db = database(harness);
      const x = await book(main, makeOrder({ clientOrderId: 'pre' }), 'pre-f', 2, '12.5', T0 + 1);
      await main.recordSignal(makeSignal({ signalId: 'pre-s' }));
      await main.setState('cursor', '42');
      const before = await snapshot(main);
      const migrator = db.orm.getMigrator();

      await migrator.down({ to: ACCOUNT_MIGRATION });
      expect((await migrator.getExecutedMigrations()).map((m) => m.name)).toEqual([PREVIOUS_MIGRATION]);
      // (later migrations were reverted first, then re-applied below)
      for (const table of SCOPED_TABLES_AT_ACCOUNT_MIGRATION) expect(await columns(db, table), table).not.toContain('account');
      expect(await primaryKey(db, 'positions')).toEqual(['symbol']);
      expect(await primaryKey(db, 'engine_state')).toEqual(['key']);

      expect(await db.migrate()).toEqual(FROM_ACCOUNT_MIGRATION);
      for (const table of SCOPED_TABLES) expect(await accountsIn(db, table), table).toEqual({ main: 1 });
      expect(await snapshot(main)).toEqual(before);
      expect(await main.getOrder('pre')).toEqual(x.order);
      expect(await main.getState('cursor')).toBe('42');
      expect(await harness().storeFor(BT).listPositions()).toEqual([]);
      const diff = await db.orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    });

    it(`${ACCOUNT_MIGRATION} refuses to revert while another account has rows`, async () => {
      await harness().fresh();
      const db = database(harness);
      const bt = harness().storeFor(BT);
      await bt.setState('cursor', '1');
      const migrator = db.orm.getMigrator();
      await expect(migrator.down({ to: ACCOUNT_MIGRATION })).rejects.toThrow(/accounts other than 'main'/);
      // Nothing was reverted.
      expect((await migrator.getExecutedMigrations()).map((m) => m.name).sort()).toEqual([PREVIOUS_MIGRATION, ...FROM_ACCOUNT_MIGRATION]);
      expect(await bt.getState('cursor')).toBe('1');
      expect(await primaryKey(db, 'engine_state')).toEqual(['account', 'key']);
      // Once the operator removed that account's rows, it reverts.
      await db.orm.em.fork().execute(`delete from engine_state where account <> 'main'`);
      await migrator.down({ to: ACCOUNT_MIGRATION });
      expect(await db.migrate()).toEqual(FROM_ACCOUNT_MIGRATION);
    });
  });
}
