import { checkFinite, checkPeriod, checkPositive, nanArray, RESYNC_EVERY } from './common.js';

export interface BollingerValue {
  readonly middle: number;
  readonly upper: number;
  readonly lower: number;
  /** (upper − lower)/middle; NaN when middle is 0. */
  readonly bandwidth: number;
  /** (last − lower)/(upper − lower); 0.5 when the bands collapse (σ = 0, last = middle). */
  readonly percentB: number;
}

/**
 * Bollinger bands: middle = SMA(period), upper/lower = middle ± k·σ with the
 * population σ (ddof 0) of the same window (SPEC §9: 20, 2σ). O(1) per update
 * with a sliding Welford mean/M2 over a ring buffer (M2 clamped at 0, resynced
 * from the window every RESYNC_EVERY updates), as RealizedVolatility.
 */
export class Bollinger {
  readonly period: number;
  readonly k: number;
  private readonly buf: Float64Array;
  private head = 0;
  private filled = 0;
  private mean = 0;
  private m2 = 0;
  private last = 0;
  private sinceResync = 0;

  constructor(period = 20, k = 2) {
    this.period = checkPeriod('period', period);
    this.k = checkPositive('k', k);
    this.buf = new Float64Array(this.period);
  }

  get ready(): boolean {
    return this.filled === this.period;
  }

  get value(): BollingerValue | null {
    if (!this.ready) return null;
    const sigma = Math.sqrt(Math.max(0, this.m2) / this.period);
    const middle = this.mean;
    const upper = middle + this.k * sigma;
    const lower = middle - this.k * sigma;
    const width = upper - lower;
    return {
      middle,
      upper,
      lower,
      bandwidth: middle === 0 ? Number.NaN : width / middle,
      percentB: width > 0 ? (this.last - lower) / width : 0.5,
    };
  }

  update(x: number): void {
    checkFinite('value', x);
    this.last = x;
    const n = this.period;
    if (this.filled < n) {
      this.buf[this.filled++] = x;
      const delta = x - this.mean;
      this.mean += delta / this.filled;
      this.m2 += delta * (x - this.mean);
      return;
    }
    const old = this.buf[this.head]!;
    this.buf[this.head] = x;
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
    this.mean = 0;
    this.m2 = 0;
    this.last = 0;
    this.sinceResync = 0;
  }

  private resync(): void {
    this.sinceResync = 0;
    let sum = 0;
    for (let i = 0; i < this.period; i++) sum += this.buf[i]!;
    const mean = sum / this.period;
    let m2 = 0;
    for (let i = 0; i < this.period; i++) m2 += (this.buf[i]! - mean) ** 2;
    this.mean = mean;
    this.m2 = m2;
  }
}

export interface BollingerSeries {
  readonly middle: Float64Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  readonly bandwidth: Float64Array;
  readonly percentB: Float64Array;
}

/** Batch Bollinger bands, NaN before index period−1. */
export function bollinger(values: readonly number[], period = 20, k = 2): BollingerSeries {
  const b = new Bollinger(period, k);
  const n = values.length;
  const out = { middle: nanArray(n), upper: nanArray(n), lower: nanArray(n), bandwidth: nanArray(n), percentB: nanArray(n) };
  for (let i = 0; i < n; i++) {
    b.update(checkFinite(`values[${i}]`, values[i]!));
    const v = b.value;
    if (v === null) continue;
    out.middle[i] = v.middle;
    out.upper[i] = v.upper;
    out.lower[i] = v.lower;
    out.bandwidth[i] = v.bandwidth;
    out.percentB[i] = v.percentB;
  }
  return out;
}
