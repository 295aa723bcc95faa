import { InputError } from '../../domain/errors.js';
import { checkFinite, checkPeriod, nanArray } from './common.js';
import { EMA } from './movingAverages.js';

export interface MacdValue {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

/**
 * MACD(fast 12, slow 26, signal 9) on SMA-seeded EMAs. The MACD line exists
 * from the slow-th value; the signal line is an EMA(signal) of the MACD line
 * (seeded with the SMA of its first `signal` values), so `value` (all three
 * lines) is ready after slow + signal − 1 values (34 for the defaults).
 * histogram = macd − signal.
 */
export class MACD {
  readonly fast: number;
  readonly slow: number;
  readonly signalPeriod: number;
  private readonly fastEma: EMA;
  private readonly slowEma: EMA;
  private readonly signalEma: EMA;
  private line: number | null = null;

  constructor(fast = 12, slow = 26, signal = 9) {
    this.fast = checkPeriod('fast', fast);
    this.slow = checkPeriod('slow', slow);
    this.signalPeriod = checkPeriod('signal', signal);
    if (fast >= slow) throw new InputError('fast', `must be below slow (${slow}), got ${fast}`);
    this.fastEma = new EMA(fast);
    this.slowEma = new EMA(slow);
    this.signalEma = new EMA(signal);
  }

  get ready(): boolean {
    return this.signalEma.ready;
  }

  /** The MACD line alone (fast EMA − slow EMA), available before the signal line. */
  get macd(): number | null {
    return this.line;
  }

  get value(): MacdValue | null {
    const signal = this.signalEma.value;
    if (signal === null || this.line === null) return null;
    return { macd: this.line, signal, histogram: this.line - signal };
  }

  update(x: number): void {
    checkFinite('value', x);
    this.fastEma.update(x);
    this.slowEma.update(x);
    const f = this.fastEma.value;
    const s = this.slowEma.value;
    if (f === null || s === null) return;
    this.line = f - s;
    this.signalEma.update(this.line);
  }

  reset(): void {
    this.fastEma.reset();
    this.slowEma.reset();
    this.signalEma.reset();
    this.line = null;
  }
}

export interface MacdSeries {
  readonly macd: Float64Array;
  readonly signal: Float64Array;
  readonly histogram: Float64Array;
}

/** Batch MACD: `macd` is NaN before index slow−1, `signal` and `histogram` before slow+signal−2. */
export function macd(values: readonly number[], fast = 12, slow = 26, signal = 9): MacdSeries {
  const m = new MACD(fast, slow, signal);
  const out = { macd: nanArray(values.length), signal: nanArray(values.length), histogram: nanArray(values.length) };
  for (let i = 0; i < values.length; i++) {
    m.update(checkFinite(`values[${i}]`, values[i]!));
    out.macd[i] = m.macd ?? Number.NaN;
    const v = m.value;
    if (v !== null) {
      out.signal[i] = v.signal;
      out.histogram[i] = v.histogram;
    }
  }
  return out;
}
