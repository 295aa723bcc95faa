import { fileURLToPath } from 'node:url';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { HouseMigrationGenerator } from './migrationGenerator.js';
import type { Logger } from 'pino';
import { PersistenceError, errorMessage } from '../engine/domain/errors.js';
import type { TradingStore } from '../engine/domain/ports.js';
import { ENTITIES } from './entities/index.js';
import { MikroOrmStore } from './mikroOrmStore.js';
import { describeTarget, parseDatabaseUrl } from './databaseUrl.js';
import { MAIN_ACCOUNT, checkAccount } from './storedValues.js';
import { startPglite } from './pgliteServer.js';

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; without it the embedded PGlite in `<dataDir>/pglite` is used. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly logger?: Logger;
  /** Apply pending migrations while opening (default true). */
  readonly migrate?: boolean;
}

export interface Database {
  readonly orm: MikroORM;
  /** The 'main' account's store (the daemon's); `storeFor('main')` returns this same object. */
  readonly store: TradingStore;
  /**
   * The store of one account (e.g. a persisted backtest run): it sees only that account's orders,
   * fills, positions, trades, signals and state, and stamps the account on every row it writes.
   * Companies are shared. `account` must be 1–64 characters of [A-Za-z0-9:._-], else InputError('account').
   * Closing: the main store's close() closes the whole Database; closing another account's store only
   * makes that store refuse further calls, and the shared ORM stays open. Database.close() closes
   * everything, after which every store refuses calls. PersistenceError once the Database is closed.
   */
  storeFor(account: string): TradingStore;
  readonly kind: 'postgresql' | 'pglite';
  /** Where it points, without the password. */
  readonly target: string;
  /** Apply pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** Closes the ORM, then the embedded server and PGlite. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Resolved from this module, so `tsx` runs the committed `migrations/*.ts` and
 * the compiled build runs `dist/migrations/*.js`.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Arbitrary, fixed: the advisory lock every engine takes before migrating a shared PostgreSQL. */
export const MIGRATION_LOCK_KEY = 7_382_611_520;

/** Shared by the engine, the migration generator and tests. */
export function ormOptions(conn: {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  dbName: string;
  poolMax: number;
  ssl?: false | { readonly rejectUnauthorized: boolean };
  logger?: Logger;
}): Options {
  const log = conn.logger?.child({ component: 'mikro-orm' });
  return {
    entities: [...ENTITIES],
    host: conn.host,
    port: conn.port,
    user: conn.user,
    ...(conn.password !== undefined ? { password: conn.password } : {}),
    dbName: conn.dbName,
    pool: { min: 0, max: conn.poolMax },
    ...(conn.ssl ? { driverOptions: { connection: { ssl: { ...conn.ssl } } } } : {}),
    extensions: [Migrator],
    // Connect explicitly below, so an unreachable database is an error rather than a logged warning.
    connect: false,
    ensureDatabase: false,
    debug: false,
    colors: false,
    logger: (message: string) => log?.debug(message),
    // The ORM imports migration files itself; going through this module's import() lets whatever
    // loader runs this code (tsx, vitest) load the .ts sources.
    dynamicImportProvider: (id: string) => import(id),
    migrations: {
      path: MIGRATIONS_DIR,
      glob: '!(*.d).{js,ts}',
      emit: 'ts',
      generator: HouseMigrationGenerator,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const log = opts.logger;
  let kind: Database['kind'];
  let target: string;
  let options: Options;
  let stopServer: () => Promise<void> = () => Promise.resolve();
  let secret: string | undefined;

  if (opts.databaseUrl !== undefined && opts.databaseUrl !== '') {
    const t = parseDatabaseUrl(opts.databaseUrl);
    kind = 'postgresql';
    target = describeTarget(t);
    secret = t.password;
    options = ormOptions({ ...t, poolMax: 10, ...(log ? { logger: log } : {}) });
  } else {
    const endpoint = await startPglite(opts.dataDir);
    opts.logger?.info({ initialisedFrom: endpoint.initialisedFrom }, 'embedded database started');
    kind = 'pglite';
    target = endpoint.describe;
    stopServer = endpoint.stop;
    // pool.max must not exceed the socket server's maxConnections (1).
    options = ormOptions({ host: endpoint.host, port: endpoint.port, user: 'postgres', password: undefined, dbName: 'postgres', poolMax: 1, ...(log ? { logger: log } : {}) });
  }

  let orm: MikroORM | undefined;
  try {
    orm = await MikroORM.init(options);
    await orm.connect();
    const check = await orm.checkConnection();
    if (!check.ok) {
      throw new PersistenceError(`cannot connect to ${target}: ${redact(check.reason ?? 'unknown reason', secret)}`, { cause: check.error });
    }
  } catch (e) {
    await orm?.close(true);
    await stopServer();
    if (e instanceof PersistenceError) throw e;
    throw new PersistenceError(`cannot open ${target}: ${redact(errorMessage(e), secret)}`, { cause: e });
  }

  const ready = orm;
  let shutDown = false;
  const release = async (): Promise<void> => {
    shutDown = true;
    try {
      await ready.close(true);
    } finally {
      await stopServer();
    }
    log?.info({ kind, target }, 'database closed');
  };

  const migrate = async (): Promise<string[]> => {
    try {
      const run = () => ready.getMigrator().up();
      // Several daemons may share one PostgreSQL; an advisory lock, held by its own transaction while the
      // migrator works on other pooled connections, lets exactly one of them migrate at a time. PGlite
      // has one connection and one process (the data-dir lock), so it needs none.
      const applied =
        kind === 'postgresql'
          ? await ready.em.fork().transactional(async (em) => {
              await em.execute('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
              return run();
            })
          : await run();
      if (applied.length > 0) log?.info({ target, applied: applied.map((m) => m.name) }, 'migrations applied');
      return applied.map((m) => m.name);
    } catch (e) {
      throw new PersistenceError(`migration of ${target} failed: ${redact(errorMessage(e), secret)}`, { cause: e });
    }
  };

  // The main store owns the one close path, so closing either refuses further calls on every store.
  const isShutDown = (): boolean => shutDown;
  const store = new MikroOrmStore(ready, { account: MAIN_ACCOUNT, onClose: release, isShutDown });
  const storeFor = (account: string): TradingStore => {
    if (checkAccount(account) === MAIN_ACCOUNT) return store;
    if (shutDown) throw new PersistenceError(`database ${target} is closed`);
    return new MikroOrmStore(ready, { account, isShutDown });
  };
  const close = (): Promise<void> => store.close();
  const db: Database = { orm: ready, store, storeFor, kind, target, migrate, close };
  if (opts.migrate ?? true) {
    try {
      await migrate();
    } catch (e) {
      await close();
      throw e;
    }
  }
  log?.info({ kind, target }, 'database opened');
  return db;
}

/** For `wsb migrate`: open without migrating, apply what is pending, close. */
export async function migrateDatabase(opts: Omit<OpenDatabaseOptions, 'migrate'>): Promise<string[]> {
  const db = await openDatabase({ ...opts, migrate: false });
  try {
    return await db.migrate();
  } finally {
    await db.close();
  }
}

/** Driver messages sometimes quote connection strings; never let the password through. */
function redact(message: string, password: string | undefined): string {
  return password ? message.split(password).join('***') : message;
}
