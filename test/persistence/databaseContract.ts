import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { PersistenceError } from '../../engine/domain/errors.js';
import type { Database } from '../../persistence/database.js';
import { MIGRATIONS_DIR } from '../../persistence/database.js';
import { T0, execution, makeOrder } from './fixtures.js';

export interface DatabaseHarness {
  /** The open database the store under test belongs to. */
  current(): Database;
  /** Close it and open the same database again (same dataDir or URL); the harness keeps the new one. */
  restart(): Promise<Database>;
  /** Empty every table, as `fresh()` does. */
  empty(): Promise<void>;
}

const TABLES = ['audit_events', 'companies', 'engine_state', 'fills', 'option_expiries', 'orders', 'positions', 'signal_validation_history', 'trade_transactions'];
const MIGRATION_NAMES = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^Migration.*\.ts$/.test(f) && !f.endsWith('.d.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

async function tables(db: Database): Promise<string[]> {
  const rows = await db.orm.em.fork().execute<{ table_name: string }[]>(
    "select table_name from information_schema.tables where table_schema = current_schema() and table_name <> 'mikro_orm_migrations' order by table_name",
  );
  return rows.map((r) => r.table_name);
}

/** PostgreSQL 18 (PGlite) reports ON DELETE RESTRICT as 23001 restrict_violation; 15 as 23503. */
async function expectRestricted(attempt: Promise<unknown>, constraint: RegExp): Promise<void> {
  const err = (await attempt.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; message?: string } | undefined;
  expect(err, 'the delete must fail').toBeDefined();
  expect(['23001', '23503']).toContain(err?.code);
  expect(err?.message).toMatch(constraint);
}

async function bookOneFill(db: Database, id: string) {
  const o = makeOrder({ clientOrderId: id });
  await db.store.insertOrder(o);
  const x = execution({ order: o, fillId: `${id}-f`, quantity: 1, price: '10.01', ts: T0 + 1 });
  expect(await db.store.recordFill(x.fill, x.order, x.position, x.trade)).toBe(true);
  return x;
}

/** What only the database-backed store has to show: restarts, migrations, constraints. */
export function registerDatabaseContract(h: () => DatabaseHarness): void {
  describe('database', () => {

    it('keeps the rows across a close and reopen', async () => {
      await h().empty();
      const x = await bookOneFill(h().current(), 'keep');
      await h().current().store.upsertCompany({ ticker: 'AAPL', name: 'Apple' });
      await h().current().store.setState('cursor', '42');
      const db = await h().restart();
      expect(await db.store.getOrder('keep')).toEqual(x.order);
      expect(await db.store.listFills()).toEqual([x.fill]);
      expect(await db.store.listTrades()).toEqual([x.trade]);
      expect(await db.store.listCompanies()).toEqual([{ ticker: 'AAPL', name: 'Apple' }]);
      expect(await db.store.getState('cursor')).toBe('42');
      // Reopening applied nothing new.
      expect(await db.migrate()).toEqual([]);
    });

    it('migrates down to nothing and up again', async () => {
      // Reverting the account migration needs every row in 'main'; start from empty tables.
      await h().empty();
      const db = h().current();
      expect(await tables(db)).toEqual(TABLES);
      const migrator = db.orm.getMigrator();
      expect((await migrator.getExecutedMigrations()).map((m) => m.name).sort()).toEqual(MIGRATION_NAMES);
      await migrator.down({ to: 0 });
      expect(await tables(db)).toEqual([]);
      expect((await migrator.getPendingMigrations()).map((m) => m.name).sort()).toEqual(MIGRATION_NAMES);
      expect((await db.migrate()).sort()).toEqual(MIGRATION_NAMES);
      expect(await tables(db)).toEqual(TABLES);
      await bookOneFill(db, 'after-up');
    });

    it('has migrations that match the entities exactly', async () => {
      const diff = await h().current().orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    });

    it('never cascades: an order with fills cannot be deleted', async () => {
      await h().empty();
      const db = h().current();
      await bookOneFill(db, 'held');
      await db.store.insertOrder(makeOrder({ clientOrderId: 'bare' }));
      const em = db.orm.em.fork();
      await expectRestricted(em.execute("delete from orders where client_order_id = 'held'"), /(fills|trade_transactions)_order_id_foreign/);
      await expectRestricted(em.execute("delete from fills where fill_id = 'held-f'"), /trade_transactions_fill_id_foreign/);
      // The constraint is what stopped it: an order without fills deletes fine.
      await em.execute("delete from orders where client_order_id = 'bare'");
      expect((await db.store.listOrders()).map((o) => o.clientOrderId)).toEqual(['held']);
      expect(await db.store.listFills('held')).toHaveLength(1);
      expect(await db.store.listTrades()).toHaveLength(1);
    });

    it('rolls the whole booking back when its last write fails', async () => {
      await h().empty();
      const db = h().current();
      const o = makeOrder({ clientOrderId: 'atomic' });
      await db.store.insertOrder(o);
      const em = db.orm.em.fork();
      // The trade row is written last; make it fail after fill, order and position were written.
      await em.execute(
        "create function wsb_test_fail() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$",
      );
      await em.execute('create trigger wsb_test_fail before insert on trade_transactions for each row execute function wsb_test_fail()');
      try {
        const x = execution({ order: o, fillId: 'af', quantity: 1, price: '10', ts: T0 + 1 });
        const err = await db.store.recordFill(x.fill, x.order, x.position, x.trade).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PersistenceError);
        expect((err as Error).message).toMatch(/recordFill.*injected failure/);
      } finally {
        await em.execute('drop trigger wsb_test_fail on trade_transactions');
        await em.execute('drop function wsb_test_fail()');
      }
      expect(await db.store.getOrder('atomic')).toEqual(o);
      expect(await db.store.listFills()).toEqual([]);
      expect(await db.store.listPositions()).toEqual([]);
      // And the same fill books normally afterwards.
      const x = execution({ order: o, fillId: 'af', quantity: 1, price: '10', ts: T0 + 1 });
      expect(await db.store.recordFill(x.fill, x.order, x.position, x.trade)).toBe(true);
    });
  });
}
