import { InputError } from '../../domain/errors.js';
import { logReturnColumns, type ReturnsTable } from './returnsTable.js';
import type { ResolvedPortfolio } from './portfolio.js';
import { choleskyFactor } from './cholesky.js';
import { columnMeans, covarianceMatrix } from './statistics.js';
import { checkConfidence, minimumOutcomes, tailCount, varCvarFromWorst, type VarCvar } from './lossQuantile.js';
import { simulateChunkSorted, type ChunkTask, type McDistribution, type McModel } from './monteCarloKernel.js';
import { BLOCK_PATHS } from './normalSampler.js';

/**
 * Monte Carlo VaR: the paths are cut into chunks, each chunk is simulated by
 * a runner (in-process here, or a Piscina worker: actors/varPool.ts) and comes
 * back as its P&L sorted ascending; the worst outcomes of all chunks are
 * merged and read with the convention of lossQuantile.ts. Streams belong to
 * blocks of paths, not to chunks or workers, so the figures for a seed do not
 * depend on the number of workers or on the chunk size.
 */

/** Simulates one chunk and returns its P&L sorted ascending. Must not block for long if it runs on the event loop. */
export type ChunkRunner = (task: ChunkTask) => Promise<Float64Array>;

/** Runs chunks on the calling thread (tests, `--workers 0`). */
export const runInProcess: ChunkRunner = (task) => Promise.resolve(simulateChunkSorted(task));

/** Paths beyond the VaR that the smallest allowed run keeps at each confidence. */
export const MIN_TAIL_PATHS = 10;
export const MAX_PATHS = 100_000_000;
const MAX_CHUNK_PATHS = 64 * BLOCK_PATHS;
const TARGET_CHUNKS = 16;

/** Fewest paths allowed at confidence c: MIN_TAIL_PATHS whole paths in the 1 − c tail. */
export function minimumPaths(c: number): number {
  return MIN_TAIL_PATHS * minimumOutcomes(c);
}

export interface ModelSettings {
  readonly horizonDays: number;
  readonly dist: McDistribution;
  /** Degrees of freedom for 't'. */
  readonly nu: number;
  readonly seed: number;
}

/**
 * The simulation model of a portfolio: daily sample means and covariance of
 * the returns, scaled to the horizon (drift h·μ, covariance h·Σ; exact for
 * independent normal days, the square-root-of-time rule for t), and the
 * Cholesky factor with its documented repair. A linear portfolio is modelled
 * in simple returns (its P&L is linear in them); a book with options in log
 * returns ln(1 + r), since it is revalued at prices S₀·e^R.
 */
export function buildMcModel(table: ReturnsTable, portfolio: ResolvedPortfolio, settings: ModelSettings): McModel & { zeroedPivots: readonly number[] } {
  const d = table.assets.length;
  const h = settings.horizonDays;
  const columns = portfolio.book === null ? table.columns : logReturnColumns(table);
  const mu = columnMeans(columns);
  const cov = covarianceMatrix(columns);
  const factor = choleskyFactor(cov, d, table.assets);
  const scale = Math.sqrt(h);
  return {
    seed: settings.seed,
    assets: d,
    drift: mu.map((m) => m * h),
    factor: factor.lower.map((x) => x * scale),
    dist: settings.dist,
    nu: settings.nu,
    exposure: portfolio.exposure,
    book: portfolio.book,
    zeroedPivots: factor.zeroedPivots,
  };
}

export interface RunOptions {
  readonly paths: number;
  readonly confidences: readonly number[];
  /** Paths per chunk, a multiple of BLOCK_PATHS; by default about paths/16 (at most 65,536). */
  readonly chunkPaths?: number;
  readonly runner?: ChunkRunner;
}

function defaultChunkPaths(paths: number): number {
  const blocks = Math.ceil(paths / TARGET_CHUNKS / BLOCK_PATHS);
  return Math.min(MAX_CHUNK_PATHS, Math.max(1, blocks) * BLOCK_PATHS);
}

/** VaR and CVaR (currency, positive = loss) at each confidence, in the order given. */
export async function monteCarloVar(model: McModel, options: RunOptions): Promise<VarCvar[]> {
  const { paths, confidences } = options;
  if (!(Number.isInteger(paths) && paths >= 1 && paths <= MAX_PATHS)) throw new InputError('paths', `must be a whole number from 1 to ${MAX_PATHS}, got ${paths}`);
  for (const c of confidences) {
    checkConfidence(c);
    const min = minimumPaths(c);
    if (paths < min) throw new InputError('paths', `Monte Carlo VaR at ${c} needs at least ${min} paths (${MIN_TAIL_PATHS} beyond the VaR), got ${paths}`);
  }
  const chunk = options.chunkPaths ?? defaultChunkPaths(paths);
  if (!(Number.isInteger(chunk) && chunk > 0 && chunk % BLOCK_PATHS === 0)) {
    throw new InputError('chunkPaths', `must be a positive multiple of ${BLOCK_PATHS}, got ${chunk}`);
  }
  const runner = options.runner ?? runInProcess;
  const keep = Math.max(...confidences.map((c) => tailCount(paths, c)));

  const tasks: ChunkTask[] = [];
  for (let first = 0; first < paths; first += chunk) tasks.push({ model, firstPath: first, paths: Math.min(chunk, paths - first) });
  const tails = await Promise.all(
    tasks.map(async (task) => {
      const sorted = await runner(task);
      if (sorted.length !== task.paths) throw new InputError('runner', `chunk at path ${task.firstPath} returned ${sorted.length} values for ${task.paths} paths`);
      // Only the worst `keep` of a chunk can be among the worst `keep` overall; drop the rest early.
      return sorted.length > 2 * keep ? sorted.slice(0, keep) : sorted;
    }),
  );
  const worst = mergeWorst(tails, keep);
  return confidences.map((c) => varCvarFromWorst(worst, paths, c));
}

/**
 * The `count` smallest values of ascending arrays, ascending: a k-way merge
 * over a binary heap of list heads. The output is the global sorted order, so
 * the sums read from it do not depend on how the paths were chunked.
 */
export function mergeWorst(lists: readonly Float64Array[], count: number): Float64Array {
  const heap = new Int32Array(lists.length); // list indices, ordered by their current head
  const heads = new Float64Array(lists.length);
  const pos = new Int32Array(lists.length);
  let size = 0;
  lists.forEach((list, i) => {
    if (list.length > 0) {
      heads[i] = list[0]!;
      heap[size++] = i;
    }
  });
  const less = (a: number, b: number) => heads[a]! < heads[b]! || (heads[a] === heads[b] && a < b);
  const siftDown = (from: number) => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && less(heap[l]!, heap[m]!)) m = l;
      if (r < size && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i);
  const out = new Float64Array(count);
  let k = 0;
  while (k < count && size > 0) {
    const top = heap[0]!;
    out[k++] = heads[top]!;
    const next = pos[top]! + 1;
    pos[top] = next;
    const list = lists[top]!;
    if (next < list.length) heads[top] = list[next]!;
    else heap[0] = heap[--size]!;
    siftDown(0);
  }
  return k === count ? out : out.subarray(0, k);
}
