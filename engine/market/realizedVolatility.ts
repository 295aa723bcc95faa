import { InputError } from '../domain/errors.js';
import { RollingMoments } from './rollingMoments.js';

export const TRADING_DAYS_PER_YEAR = 252;
export const DEFAULT_VOL_WINDOW = 20;


function checkWindow(window: number): number {
  if (!Number.isInteger(window) || window < 2) throw new InputError('window', `must be an integer ≥ 2, got ${String(window)}`);
  return window;
}

/**
 * Rolling volatility of log returns over the last `window` returns, sample
 * standard deviation (ddof 1, as pandas' `std`) annualised by √252.
 *
 * O(1) per update through RollingMoments (sliding Welford mean and M2).
 */
export class RealizedVolatility {
  readonly window: number;
  private readonly returns: RollingMoments;
  private lastPrice = Number.NaN;

  constructor(window = DEFAULT_VOL_WINDOW) {
    this.window = checkWindow(window);
    this.returns = new RollingMoments(window);
  }

  /** True once `window` returns (window + 1 prices) have been seen. */
  get ready(): boolean {
    return this.returns.full;
  }

  /** Returns seen so far, capped at the window. */
  get count(): number {
    return this.returns.count;
  }

  /** Annualised volatility, or null while warming up. */
  get value(): number | null {
    if (!this.returns.full) return null;
    return Math.sqrt((Math.max(0, this.returns.m2) / (this.window - 1)) * TRADING_DAYS_PER_YEAR);
  }

  /** Add the next price (a daily close). Throws InputError('price') for a non-positive or non-finite price. */
  update(price: number): void {
    if (!Number.isFinite(price) || price <= 0) throw new InputError('price', `must be a finite number > 0, got ${String(price)}`);
    const prev = this.lastPrice;
    this.lastPrice = price;
    if (Number.isNaN(prev)) return;
    this.returns.push(Math.log(price / prev));
  }

  reset(): void {
    this.lastPrice = Number.NaN;
    this.returns.reset();
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
