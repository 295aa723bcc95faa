import { InputError } from '../../domain/errors.js';
import { checkFinite, checkPeriod, nanArray, RESYNC_EVERY } from './common.js';

/**
 * Simple moving average of the last `period` values. O(1) per update: a ring
 * buffer and a running sum, recomputed from the buffer every RESYNC_EVERY
 * updates so a long replay cannot drift.
 */
export class SMA {
  readonly period: number;
  private readonly buf: Float64Array;
  private head = 0;
  private filled = 0;
  private sum = 0;
  private sinceResync = 0;

  constructor(period: number) {
    this.period = checkPeriod('period', period);
    this.buf = new Float64Array(this.period);
  }

  /** True once `period` values have been seen. */
  get ready(): boolean {
    return this.filled === this.period;
  }

  /** The mean of the last `period` values, or null while warming up. */
  get value(): number | null {
    return this.ready ? this.sum / this.period : null;
  }

  update(x: number): void {
    checkFinite('value', x);
    if (this.filled < this.period) {
      this.buf[this.filled++] = x;
      this.sum += x;
      return;
    }
    this.sum += x - this.buf[this.head]!;
    this.buf[this.head] = x;
    this.head = (this.head + 1) % this.period;
    if (++this.sinceResync >= RESYNC_EVERY) {
      this.sinceResync = 0;
      let s = 0;
      for (let i = 0; i < this.period; i++) s += this.buf[i]!;
      this.sum = s;
    }
  }

  reset(): void {
    this.head = 0;
    this.filled = 0;
    this.sum = 0;
    this.sinceResync = 0;
  }
}

/**
 * Exponential moving average, k = 2/(period+1) (or an explicit `k`, e.g.
 * Wilder's 1/period), seeded with the SMA of the first `period` values: ready
 * after `period` values, as TA-Lib and pandas' `ewm(adjust=False)` after an
 * SMA seed.
 */
export class EMA {
  readonly period: number;
  readonly k: number;
  private seedSum = 0;
  private count = 0;
  private ema = 0;

  constructor(period: number, k?: number) {
    this.period = checkPeriod('period', period);
    if (k !== undefined && (!Number.isFinite(k) || k <= 0 || k > 1)) {
      throw new InputError('k', `must be a finite number in (0, 1], got ${String(k)}`);
    }
    this.k = k ?? 2 / (this.period + 1);
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  get value(): number | null {
    return this.ready ? this.ema : null;
  }

  update(x: number): void {
    checkFinite('value', x);
    if (this.count < this.period) {
      this.seedSum += x;
      this.count++;
      if (this.count === this.period) this.ema = this.seedSum / this.period;
      return;
    }
    this.ema += this.k * (x - this.ema);
  }

  reset(): void {
    this.seedSum = 0;
    this.count = 0;
    this.ema = 0;
  }
}

function checkValues(values: readonly number[]): void {
  for (let i = 0; i < values.length; i++) checkFinite(`values[${i}]`, values[i]!);
}

/** Batch SMA: element i is the mean of values[i−period+1..i], NaN during warm-up. */
export function sma(values: readonly number[], period: number): Float64Array {
  const s = new SMA(period);
  checkValues(values);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) {
    s.update(values[i]!);
    out[i] = s.value ?? Number.NaN;
  }
  return out;
}

/** Batch EMA (SMA seed at index period−1), NaN during warm-up. */
export function ema(values: readonly number[], period: number, k?: number): Float64Array {
  const e = new EMA(period, k);
  checkValues(values);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) {
    e.update(values[i]!);
    out[i] = e.value ?? Number.NaN;
  }
  return out;
}
