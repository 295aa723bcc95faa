import { InputError } from '../../domain/errors.js';
import { allocateRevaluationScratch, revalueBook, type BookModel } from './bookRevaluation.js';
import { BLOCK_PATHS, NormalSampler } from './normalSampler.js';
import { sortFloat64 } from './sortFloat64.js';

/**
 * The Monte Carlo VaR kernel: pure, synchronous, allocation-free per path.
 * A chunk (first path, number of paths, model) maps to a Float64Array of
 * portfolio P&L, one value per path in path order. It is what a Piscina
 * worker runs; tests run it in-process.
 *
 * A path draws, from its block's stream (see normalSampler.ts), d standard
 * normals Z and, for Student t, one W ~ χ²(ν); the horizon returns are
 *   R = drift + s·L·Z,  s = 1 (normal) or √((ν − 2)/W) (t),
 * L the horizon-scaled Cholesky factor. s = √((ν − 2)/W) is the multivariate
 * t scaled so its covariance is exactly L·Lᵀ (the sample covariance): the t
 * and normal models then have the same volatility and differ only in the
 * tails.
 *
 * A linear portfolio's P&L, e·R, is computed as e·drift + s·(Lᵀe)·Z: the same
 * draws and the same number up to rounding, with d multiply–adds per path
 * instead of d². A book with options needs every R and is revalued in full
 * (bookRevaluation.ts).
 */

export type McDistribution = 'normal' | 't';

export interface McModel {
  readonly seed: number;
  /** Number of assets d. */
  readonly assets: number;
  /** Mean return of each asset over the horizon. */
  readonly drift: Float64Array;
  /** d×d row-major lower-triangular L with L·Lᵀ = the horizon covariance. */
  readonly factor: Float64Array;
  readonly dist: McDistribution;
  /** Degrees of freedom (> 2) when dist is 't'. */
  readonly nu: number;
  /** Currency exposure per asset: the linear portfolio, or a book's stock positions. */
  readonly exposure: Float64Array;
  /** Options to revalue; null for a linear portfolio. */
  readonly book: BookModel | null;
}

export interface ChunkTask {
  readonly model: McModel;
  /** First path of the chunk, a multiple of BLOCK_PATHS. */
  readonly firstPath: number;
  readonly paths: number;
}

function checkTask(task: ChunkTask): void {
  const { model, firstPath, paths } = task;
  const d = model.assets;
  if (!(Number.isInteger(firstPath) && firstPath >= 0 && firstPath % BLOCK_PATHS === 0)) {
    throw new InputError('firstPath', `must be a multiple of ${BLOCK_PATHS} (streams are per block), got ${firstPath}`);
  }
  if (!(Number.isInteger(paths) && paths >= 0)) throw new InputError('paths', `must be a whole number ≥ 0, got ${paths}`);
  if (model.drift.length !== d || model.exposure.length !== d || model.factor.length !== d * d) {
    throw new InputError('model', `drift, exposure and factor must be sized for ${d} assets`);
  }
  if (model.dist === 't' && !(model.nu > 2)) throw new InputError('nu', `must be above 2, got ${model.nu}`);
}

/** P&L of paths [firstPath, firstPath + paths), in path order. */
export function simulateChunk(task: ChunkTask): Float64Array {
  checkTask(task);
  const out = new Float64Array(task.paths);
  if (task.model.book === null) simulateLinear(task, out);
  else simulateBook(task, task.model.book, out);
  return out;
}

/** The same P&L sorted ascending (worst first), as the pool returns it for merging. */
export function simulateChunkSorted(task: ChunkTask): Float64Array {
  return sortFloat64(simulateChunk(task));
}

function simulateLinear(task: ChunkTask, out: Float64Array): void {
  const { model, firstPath, paths } = task;
  const d = model.assets;
  const l = model.factor;
  const e = model.exposure;
  const loading = new Float64Array(d);
  let base = 0;
  for (let i = 0; i < d; i++) {
    base += e[i]! * model.drift[i]!;
    for (let k = 0; k <= i; k++) loading[k] = loading[k]! + e[i]! * l[i * d + k]!;
  }
  const student = model.dist === 't';
  const nuMinus2 = model.nu - 2;
  const shape = model.nu / 2;
  const sampler = new NormalSampler(model.seed, 0);
  for (let start = 0; start < paths; start += BLOCK_PATHS) {
    sampler.seedBlock(model.seed, (firstPath + start) / BLOCK_PATHS);
    const end = Math.min(paths, start + BLOCK_PATHS);
    for (let p = start; p < end; p++) {
      let acc = 0;
      for (let k = 0; k < d; k++) acc += loading[k]! * sampler.normal();
      if (student) acc *= Math.sqrt(nuMinus2 / (2 * sampler.gamma(shape)));
      out[p] = base + acc;
    }
  }
}

function simulateBook(task: ChunkTask, book: BookModel, out: Float64Array): void {
  const { model, firstPath, paths } = task;
  const d = model.assets;
  const l = model.factor;
  const drift = model.drift;
  const student = model.dist === 't';
  const nuMinus2 = model.nu - 2;
  const shape = model.nu / 2;
  const z = new Float64Array(d);
  const returns = Array.from({ length: d }, () => new Float64Array(BLOCK_PATHS));
  const blockPnl = new Float64Array(BLOCK_PATHS);
  const scratch = allocateRevaluationScratch(d, BLOCK_PATHS);
  const sampler = new NormalSampler(model.seed, 0);
  for (let start = 0; start < paths; start += BLOCK_PATHS) {
    sampler.seedBlock(model.seed, (firstPath + start) / BLOCK_PATHS);
    const n = Math.min(paths - start, BLOCK_PATHS);
    for (let p = 0; p < n; p++) {
      for (let k = 0; k < d; k++) z[k] = sampler.normal();
      const s = student ? Math.sqrt(nuMinus2 / (2 * sampler.gamma(shape))) : 1;
      for (let i = 0; i < d; i++) {
        let acc = 0;
        for (let k = 0; k <= i; k++) acc += l[i * d + k]! * z[k]!;
        returns[i]![p] = drift[i]! + s * acc;
      }
    }
    blockPnl.fill(0, 0, n);
    revalueBook(book, model.exposure, returns, n, scratch, blockPnl);
    out.set(blockPnl.subarray(0, n), start);
  }
}
