import { allocateOptionColumns, bsmPriceBatch, type OptionColumns } from '../../market/batchPricing.js';

/**
 * Full revaluation of a book of stocks and European options under a set of
 * return scenarios (Monte Carlo paths or historical days), with the
 * market-math batch pricer: never a delta or delta–gamma approximation.
 *
 * A scenario gives each underlying a return R over the horizon. The book
 * treats R as a log return: the underlying moves to S₀·e^R (so a fat-tailed
 * draw can never make a price negative), a stock position of value v makes
 * v·(e^R − 1), and each option is repriced at that spot with its time to
 * expiry shortened by the horizon (never below 0, where it is worth its
 * intrinsic value), volatility, rate and dividend unchanged (no vol shock).
 * Its P&L is quantity × multiplier × (new price − today's price).
 */
export interface BookModel {
  /** Today's price S₀ of each underlying (length d). */
  readonly spots: Float64Array;
  readonly options: OptionBookColumns;
}

/** One row per option position. */
export interface OptionBookColumns {
  readonly count: number;
  /** Index of the underlying in the asset list. */
  readonly asset: Int32Array;
  /** 1 = call, 0 = put (the batch pricer's encoding). */
  readonly right: Uint8Array;
  readonly strike: Float64Array;
  /** Years to expiry at the end of the horizon, ≥ 0. */
  readonly yearsAtHorizon: Float64Array;
  readonly rate: Float64Array;
  readonly dividend: Float64Array;
  readonly vol: Float64Array;
  /** Signed quantity × multiplier: currency P&L per unit of price change. */
  readonly scale: Float64Array;
  /** Today's price per share (at the full time to expiry). */
  readonly price0: Float64Array;
}

const MAX_SPOT = 1e300;

/** Reusable buffers for revaluing up to `capacity` scenarios at a time. */
export interface RevaluationScratch {
  readonly capacity: number;
  /** Per asset: the scenario spots S₀·e^R. */
  readonly spotByAsset: readonly Float64Array[];
  /** Per asset: pricer columns whose spot column is that asset's spots; the other columns are shared. */
  readonly columnsByAsset: readonly OptionColumns[];
  readonly prices: Float64Array;
}

export function allocateRevaluationScratch(assets: number, capacity: number): RevaluationScratch {
  const shared = allocateOptionColumns(capacity);
  const spotByAsset = Array.from({ length: assets }, () => new Float64Array(capacity));
  return {
    capacity,
    spotByAsset,
    columnsByAsset: spotByAsset.map((spot) => ({ ...shared, spot })),
    prices: new Float64Array(capacity),
  };
}

/**
 * Add the book's P&L for scenarios [0, n) to out[0, n). `returns[a]` holds
 * asset a's horizon return per scenario; `exposure[a]` is the stock value held
 * in asset a. Option positions are priced one position at a time across all
 * n scenarios (one batch call per position), so the pricer's loop stays long
 * and only the spot column changes between positions on the same underlying.
 */
export function revalueBook(
  book: BookModel,
  exposure: Float64Array,
  returns: readonly Float64Array[],
  n: number,
  scratch: RevaluationScratch,
  out: Float64Array,
): void {
  const d = exposure.length;
  for (let a = 0; a < d; a++) {
    const v = exposure[a]!;
    if (v === 0) continue;
    const r = returns[a]!;
    for (let p = 0; p < n; p++) out[p] = out[p]! + v * Math.expm1(r[p]!);
  }
  const o = book.options;
  if (o.count === 0) return;
  const needed = new Uint8Array(d);
  for (let j = 0; j < o.count; j++) needed[o.asset[j]!] = 1;
  for (let a = 0; a < d; a++) {
    if (needed[a] === 0) continue;
    const s0 = book.spots[a]!;
    const r = returns[a]!;
    const spot = scratch.spotByAsset[a]!;
    for (let p = 0; p < n; p++) {
      const x = s0 * Math.exp(r[p]!);
      // A t draw with ν near 2 can overflow e^R; the pricer refuses an infinite spot.
      spot[p] = x < MAX_SPOT ? x : MAX_SPOT;
    }
  }
  const prices = scratch.prices;
  for (let j = 0; j < o.count; j++) {
    const cols = scratch.columnsByAsset[o.asset[j]!]!;
    cols.right.fill(o.right[j]!, 0, n);
    cols.strike.fill(o.strike[j]!, 0, n);
    cols.years.fill(o.yearsAtHorizon[j]!, 0, n);
    cols.rate.fill(o.rate[j]!, 0, n);
    cols.dividend.fill(o.dividend[j]!, 0, n);
    cols.vol.fill(o.vol[j]!, 0, n);
    bsmPriceBatch(cols, prices, 0, n);
    const scale = o.scale[j]!;
    const p0 = o.price0[j]!;
    for (let p = 0; p < n; p++) out[p] = out[p]! + scale * (prices[p]! - p0);
  }
}
