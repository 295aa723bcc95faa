import { checkFinite, checkPeriod, checkPositive, nanArray } from './common.js';
import { RollingMoments } from '../rollingMoments.js';

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
 * through RollingMoments (sliding Welford mean/M2), as RealizedVolatility.
 */
export class Bollinger {
  readonly period: number;
  readonly k: number;
  private readonly window: RollingMoments;
  private last = 0;

  constructor(period = 20, k = 2) {
    this.period = checkPeriod('period', period);
    this.k = checkPositive('k', k);
    this.window = new RollingMoments(this.period);
  }

  get ready(): boolean {
    return this.window.full;
  }

  get value(): BollingerValue | null {
    if (!this.ready) return null;
    const sigma = Math.sqrt(Math.max(0, this.window.m2) / this.period);
    const middle = this.window.mean;
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
    this.window.push(x);
  }

  reset(): void {
    this.window.reset();
    this.last = 0;
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
