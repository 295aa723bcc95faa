import type { Rng } from '../../engine/domain/random.js';

/** One bar's numbers before it is given a symbol and a time. */
export interface Ohlcv {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export const BARS_PER_SESSION = 78;

export function cents(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Activity over the session: heavy at the open, quieter at midday, rising into
 * the close. The same weights shape both the variance and the volume of each
 * 5-minute bar.
 */
const U_SHAPE: readonly number[] = Array.from(
  { length: BARS_PER_SESSION },
  (_, k) => 1 + 1.6 * Math.exp(-k / 6) + 1.1 * Math.exp(-(BARS_PER_SESSION - 1 - k) / 6),
);
const U_TOTAL = U_SHAPE.reduce((a, b) => a + b, 0);

/**
 * Split a whole number `total` in proportion to `weights` so the parts sum to
 * it exactly (largest remainder; ties to the earlier index, deterministic).
 */
export function allocateInteger(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (sum > 0 ? (total * w) / sum : total / weights.length));
  const parts = raw.map((r) => Math.floor(r));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let j = 0; left > 0; j = (j + 1) % order.length, left--) {
    const idx = order[j]!.i;
    parts[idx] = parts[idx]! + 1;
  }
  return parts;
}

/**
 * 78 five-minute bars whose aggregate is exactly the day's bar: the first open
 * is the day's open, the last close the day's close (both already in cents),
 * the volumes sum to the day's volume. The path between is a Brownian bridge
 * in log price with U-shaped variance, so its spread matches `sigma` (the sd
 * of the day's open-to-close log return).
 */
export function intradayBars(
  day: { open: number; close: number; volume: number },
  sigma: number,
  rng: Rng,
  clamp: (x: number) => number = (x) => x,
): Ohlcv[] {
  const n = BARS_PER_SESSION;
  const x0 = Math.log(day.open);
  const x1 = Math.log(day.close);
  const walk: number[] = [];
  const tau: number[] = [];
  let w = 0;
  let cum = 0;
  for (let k = 0; k < n; k++) {
    const share = U_SHAPE[k]! / U_TOTAL;
    w += Math.sqrt(share) * sigma * rng.normal();
    cum += share;
    walk.push(w);
    tau.push(cum);
  }
  const wEnd = walk[n - 1]!;
  const bars: Ohlcv[] = [];
  const weights: number[] = [];
  let prevClose = day.open;
  for (let k = 0; k < n; k++) {
    const x = x0 + tau[k]! * (x1 - x0) + (walk[k]! - tau[k]! * wEnd);
    const open = prevClose;
    const close = k === n - 1 ? day.close : cents(clamp(Math.exp(x)));
    const barSigma = sigma * Math.sqrt(U_SHAPE[k]! / U_TOTAL);
    const high = Math.max(cents(clamp(Math.max(open, close) * Math.exp(0.6 * barSigma * Math.abs(rng.normal())))), open, close);
    const low = Math.min(cents(clamp(Math.min(open, close) * Math.exp(-0.6 * barSigma * Math.abs(rng.normal())))), open, close);
    bars.push({ open, high, low, close, volume: 0 });
    // Volume follows the session shape and the size of the bar's move.
    const move = Math.abs(Math.log(close / open)) / Math.max(barSigma, 1e-9);
    weights.push(U_SHAPE[k]! ** 2 * Math.exp(0.3 * rng.normal()) * (1 + 0.5 * Math.min(move, 6)));
    prevClose = close;
  }
  const volumes = allocateInteger(day.volume, weights);
  for (let k = 0; k < n; k++) bars[k]!.volume = volumes[k]!;
  return bars;
}

/** The daily bar the intraday bars add up to. */
export function aggregate(bars: readonly Ohlcv[]): Ohlcv {
  const first = bars[0];
  const last = bars[bars.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('aggregate of no bars');
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  for (const b of bars) {
    if (b.high > high) high = b.high;
    if (b.low < low) low = b.low;
    volume += b.volume;
  }
  return { open: first.open, high, low, close: last.close, volume };
}
