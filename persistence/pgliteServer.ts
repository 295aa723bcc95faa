import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { existsSync } from 'node:fs';
import { loadTemplate } from './pgliteTemplate.js';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PersistenceError, errorMessage } from '../engine/domain/errors.js';

/** How MikroORM reaches the embedded database: a unix socket directory, or loopback TCP. */
export interface PgliteEndpoint {
  readonly host: string;
  readonly port: number;
  readonly describe: string;
  /** How the cluster came to be: opened as it was, loaded from the shipped template, or made by initdb. */
  readonly initialisedFrom: 'existing' | 'template' | 'initdb';
  readonly stop: () => Promise<void>;
}

// sockaddr_un.sun_path is 108 bytes on Linux (104 on macOS); leave room for the terminator.
const MAX_SOCKET_PATH = 100;

/**
 * Embedded PostgreSQL: PGlite on `<dataDir>/pglite` behind the wire protocol.
 * The server admits ONE connection, and the ORM's pool must never exceed it
 * (a second connection is dropped and crashes the pool). A lock file stops two
 * processes from opening the same data directory, which would corrupt it.
 */
/**
 * The embedded database serves one engine: PostgreSQL's default buffers
 * (128 MB shared, sized for a shared server) would make the daemon's WASM heap
 * several times larger than everything else it holds. Measured by `npm run bench`
 * (daemon-rss): about 130 MB less resident memory with these.
 */
export const PGLITE_CONF = ['shared_buffers=16MB', 'work_mem=2MB', 'maintenance_work_mem=8MB', 'temp_buffers=2MB', 'wal_buffers=1MB'];

export async function startPglite(dataDir: string): Promise<PgliteEndpoint> {
  await mkdir(join(dataDir, 'pglite'), { recursive: true, mode: 0o700 });
  const releaseLock = await acquireLock(join(dataDir, 'pglite.lock'));
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    const clusterDir = join(dataDir, 'pglite');
    // A new data directory starts from the shipped empty cluster instead of running initdb.
    const existing = existsSync(join(clusterDir, 'PG_VERSION'));
    const template = existing ? null : await loadTemplate(PGLITE_CONF);
    db = await PGlite.create({ dataDir: clusterDir, postgresqlconf: PGLITE_CONF, ...(template ? { loadDataDir: template } : {}) });
    const socketPath = join(dataDir, '.s.PGSQL.5432');
    // A unix socket in the (owner-only) data directory keeps other local users out; loopback TCP
    // is the fallback where sockets are unavailable or the path is too long for one.
    const useSocket = process.platform !== 'win32' && Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH;
    if (useSocket) await rm(socketPath, { force: true }); // stale from a crash: we hold the lock
    server = useSocket
      ? new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 })
      : new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
    await server.start();
    const host = useSocket ? dataDir : '127.0.0.1';
    const port = useSocket ? 5432 : Number(server.getServerConn().split(':').pop());
    const running = { db, server };
    let stopping: Promise<void> | undefined;
    return {
      host,
      port,
      describe: `pglite:${join(dataDir, 'pglite')}`,
      initialisedFrom: existing ? 'existing' : template ? 'template' : 'initdb',
      stop: () =>
        (stopping ??= (async () => {
          try {
            await running.server.stop();
            await running.db.close();
          } finally {
            if (useSocket) await rm(socketPath, { force: true });
            await releaseLock();
          }
        })()),
    };
  } catch (e) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    await releaseLock();
    if (e instanceof PersistenceError) throw e;
    throw new PersistenceError(`cannot start embedded PGlite in ${dataDir}: ${errorMessage(e)}`, { cause: e });
  }
}

/** Exported for tests. Returns the release function. */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new PersistenceError(`cannot create lock ${path}: ${errorMessage(e)}`, { cause: e });
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new PersistenceError(`data directory is in use by process ${holder} (lock ${path})`);
      }
      // The holder is gone (a crash): take the lock over.
      await rm(path, { force: true });
    }
  }
  throw new PersistenceError(`cannot acquire lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else, which still means "in use".
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
