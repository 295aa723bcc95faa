import type { Database } from '../../persistence/database.js';
import type { StoreHarness } from './storeContract.js';

const TRUNCATE =
  'truncate table trade_transactions, option_expiries, fills, orders, positions, companies, signal_validation_history, engine_state, audit_events restart identity';

/** One open database per test file (PGlite takes seconds to start); each test empties it. */
export function databaseHarness(open: () => Promise<Database>): {
  harness: () => StoreHarness;
  start(): Promise<void>;
  stop(): Promise<void>;
} {
  let db: Database | undefined;
  const current = (): Database => {
    if (!db) throw new Error('database not started');
    return db;
  };
  const empty = async (): Promise<void> => {
    await current().orm.em.fork().execute(TRUNCATE);
  };
  const h: StoreHarness = {
    propertyRuns: 40,
    fresh: async () => {
      await empty();
      return current().store;
    },
    storeFor: (account) => current().storeFor(account),
    db: {
      current,
      empty,
      restart: async () => {
        await current().close();
        db = undefined;
        db = await open();
        return db;
      },
    },
  };
  return {
    harness: () => h,
    start: async () => {
      db = await open();
    },
    stop: async () => {
      await db?.close();
    },
  };
}
