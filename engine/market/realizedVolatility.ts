import { InputError } from '../domain/errors.js';

export const TRADING_DAYS_PER_YEAR = 252;
export const DEFAULT_VOL_WINDOW = 20;

// The running mean and M2 drift by a few ulps per update; recomputing them
// from the window now and then keeps a years-long replay exact (amortised O(1)).
const RESYNC_EVERY = 4096;

function checkWindow(window: number): number {
  if (!Number.isInteger(window) || window < 2) throw new InputError('window', `must be an integer ≥ 2, got ${String(window)}`);
  return window;
}

/**
 * Rolling volatility of log returns over the last `window` returns, sample
 * standard deviation (ddof 1, as pandas' `std`) annualised by √252.
 *
 * O(1) per update with a sliding Welford update of mean and M2 over a ring
 * buffer: more stable than Σx and Σx², and M2 is clamped at 0 so rounding can
 * never produce a negative variance (or NaN from its square root).
 */
export class RealizedVolatility {
  readonly window: number;
  private readonly returns: Float64Array;
  private head = 0;
  private filled = 0;
  private lastPrice = Number.NaN;
  private mean = 0;
  private m2 = 0;
  private sinceResync = 0;

  constructor(window = DEFAULT_VOL_WINDOW) {
    this.window = checkWindow(window);
    this.returns = new Float64Array(window);
  }

  /** True once `window` returns (window + 1 prices) have been seen. */
  get ready(): boolean {
    return this.filled === this.window;
  }

  /** Returns seen so far, capped at the window. */
  get count(): number {
    return this.filled;
  }

  /** Annualised volatility, or null while warming up. */
  get value(): number | null {
    if (this.filled < this.window) return null;
    return Math.sqrt((Math.max(0, this.m2) / (this.window - 1)) * TRADING_DAYS_PER_YEAR);
  }

  /** Add the next price (a daily close). Throws InputError('price') for a non-positive or non-finite price. */
  update(price: number): void {
    if (!Number.isFinite(price) || price <= 0) throw new InputError('price', `must be a finite number > 0, got ${String(price)}`);
    const prev = this.lastPrice;
    this.lastPrice = price;
    if (Number.isNaN(prev)) return;
    const x = Math.log(price / prev);
    const n = this.window;
    if (this.filled < n) {
      this.returns[this.filled] = x;
      this.filled++;
      const delta = x - this.mean;
      this.mean += delta / this.filled;
      this.m2 += delta * (x - this.mean);
      return;
    }
    const old = this.returns[this.head]!;
    this.returns[this.head] = x;
    this.head = (this.head + 1) % n;
    const oldMean = this.mean;
    this.mean = oldMean + (x - old) / n;
    this.m2 += (x - old) * (x - this.mean + old - oldMean);
    if (this.m2 < 0) this.m2 = 0;
    if (++this.sinceResync >= RESYNC_EVERY) this.resync();
  }

  reset(): void {
    this.head = 0;
    this.filled = 0;
    this.lastPrice = Number.NaN;
    this.mean = 0;
    this.m2 = 0;
    this.sinceResync = 0;
  }

  private resync(): void {
    this.sinceResync = 0;
    let sum = 0;
    for (let i = 0; i < this.filled; i++) sum += this.returns[i]!;
    const mean = sum / this.filled;
    let m2 = 0;
    for (let i = 0; i < this.filled; i++) {
      const d = this.returns[i]! - mean;
      m2 += d * d;
    }
    this.mean = mean;
    this.m2 = m2;
  }
}

/**
 * Batch form: element i is the annualised volatility of the `window` log
 * returns ending at prices[i], or null where fewer than window + 1 prices exist.
 */
export function rollingRealizedVolatility(prices: readonly number[], window = DEFAULT_VOL_WINDOW): (number | null)[] {
  const rv = new RealizedVolatility(window);
  const out: (number | null)[] = new Array<number | null>(prices.length);
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i]!;
    if (!Number.isFinite(p) || p <= 0) throw new InputError(`prices[${i}]`, `must be a finite number > 0, got ${String(p)}`);
    rv.update(p);
    out[i] = rv.value;
  }
  return out;
}

/** Annualised volatility of the last `window` returns of `prices`, or null if there are too few. */
export function realizedVolatility(prices: readonly number[], window = DEFAULT_VOL_WINDOW): number | null {
  return rollingRealizedVolatility(prices, window).at(-1) ?? null;
}
