import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { InputError } from '../engine/domain/errors.js';
import type { ChunkRunner } from '../engine/risk/var/monteCarloVar.js';
import type { ChunkTask } from '../engine/risk/var/monteCarloKernel.js';

/**
 * The Monte Carlo VaR pool: Piscina worker threads that each simulate a chunk
 * of paths (actors/workers/monteCarloVar.worker). The event loop only posts a
 * small task (the model: means, Cholesky factor, exposures, option columns)
 * and receives a transferred Float64Array, so it stays free while the pool
 * works. Meant to be long-lived (the daemon keeps one); spawning the threads
 * is the cold-start cost the bench reports separately.
 */
export interface VarPool {
  readonly threads: number;
  /** Simulate one chunk on a worker; resolves to its P&L sorted ascending. */
  readonly run: ChunkRunner;
  /** Spawn all threads now rather than on first use. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export const MAX_VAR_THREADS = 64;

export function defaultVarThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Under tsx the worker is the .ts source and its thread needs the tsx loader:
 * inherited when the process was started by the tsx CLI, otherwise (vitest,
 * bin/wsb.js's in-process `register()`) passed explicitly. Compiled, it is .js.
 */
function workerSource(): { filename: string; execArgv?: string[] } {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const filename = new URL(`./workers/monteCarloVar.worker${ext}`, import.meta.url).href;
  if (ext === '.js' || process.execArgv.some((a) => a.includes('tsx'))) return { filename };
  return { filename, execArgv: [...process.execArgv, '--import', import.meta.resolve('tsx')] };
}

export function createVarPool(options: { threads?: number } = {}): VarPool {
  const threads = options.threads ?? defaultVarThreads();
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_VAR_THREADS)) {
    throw new InputError('workers', `must be a whole number from 1 to ${MAX_VAR_THREADS}, got ${threads}`);
  }
  const source = workerSource();
  const pool = new Piscina<ChunkTask, Float64Array>({
    filename: source.filename,
    ...(source.execArgv ? { execArgv: source.execArgv } : {}),
    minThreads: threads,
    maxThreads: threads,
    // Threads stay up between VaR runs; an idle pool costs memory, not CPU.
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  let closed = false;
  return {
    threads,
    run: async (task) => {
      if (closed) throw new InputError('varPool', 'the pool is closed');
      return pool.run(task);
    },
    warm: async () => {
      // One trivial task per thread: each thread has loaded the worker module when it resolves.
      const empty: ChunkTask = {
        model: { seed: 0, assets: 1, drift: new Float64Array(1), factor: new Float64Array(1), dist: 'normal', nu: 5, exposure: new Float64Array(1), book: null },
        firstPath: 0,
        paths: 0,
      };
      await Promise.all(Array.from({ length: threads }, () => pool.run(empty)));
    },
    close: async () => {
      closed = true;
      await pool.close();
    },
  };
}
