import type { HLC } from './common.js';
import { checkFinite, checkHLC, checkPeriod, checkSameLength, nanArray } from './common.js';

/**
 * Average true range, Wilder smoothing (k = 1/period).
 * True range needs the previous close: TR = max(H − L, |H − Cprev|, |L − Cprev|).
 * Convention (TA-Lib's): the first bar only supplies a previous close; the
 * first ATR is the simple mean of the next `period` true ranges, so ATR is
 * ready after period + 1 bars (15 for the default 14), like RSI.
 */
export class ATR {
  readonly period: number;
  private prevClose = Number.NaN;
  private count = 0;
  private atr = 0;

  constructor(period = 14) {
    this.period = checkPeriod('period', period);
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  get value(): number | null {
    return this.ready ? this.atr : null;
  }

  /** Add a bar (a `Bar` will do). Throws InputError naming high/low/close if non-finite or high < low. */
  update(bar: HLC): void {
    checkHLC(bar);
    const pc = this.prevClose;
    this.prevClose = bar.close;
    if (Number.isNaN(pc)) return;
    const tr = Math.max(bar.high - bar.low, Math.abs(bar.high - pc), Math.abs(bar.low - pc));
    const n = this.period;
    if (this.count < n) {
      this.atr += tr / n;
      this.count++;
      return;
    }
    this.atr = (this.atr * (n - 1) + tr) / n;
  }

  reset(): void {
    this.prevClose = Number.NaN;
    this.count = 0;
    this.atr = 0;
  }
}

/** Batch ATR over parallel high/low/close arrays; NaN for the first `period` elements. */
export function atr(high: readonly number[], low: readonly number[], close: readonly number[], period = 14): Float64Array {
  const a = new ATR(period);
  const n = high.length;
  checkSameLength('low', low, n);
  checkSameLength('close', close, n);
  const out = nanArray(n);
  for (let i = 0; i < n; i++) {
    const bar = {
      high: checkFinite(`high[${i}]`, high[i]!),
      low: checkFinite(`low[${i}]`, low[i]!),
      close: checkFinite(`close[${i}]`, close[i]!),
    };
    a.update(bar);
    out[i] = a.value ?? Number.NaN;
  }
  return out;
}
