import { InputError } from '../../domain/errors.js';
import type { HLC } from './common.js';
import { checkFinite, checkHLC, checkSameLength, nanArray } from './common.js';

export interface HLCV extends HLC {
  readonly volume: number;
}

/**
 * Session VWAP: Σ(typical price × volume)/Σ volume, typical = (H + L + C)/3.
 * Call `reset()` at each session open. Until some volume has arrived in the
 * session (all bars so far had volume 0) the value is null and `ready` false.
 */
export class VWAP {
  private pv = 0;
  private vol = 0;

  get ready(): boolean {
    return this.vol > 0;
  }

  get value(): number | null {
    return this.vol > 0 ? this.pv / this.vol : null;
  }

  /** Add a bar. Throws InputError naming the field for a non-finite value or a negative volume. */
  update(bar: HLCV): void {
    checkHLC(bar);
    checkFinite('volume', bar.volume);
    if (bar.volume < 0) throw new InputError('volume', `must not be negative, got ${bar.volume}`);
    this.pv += ((bar.high + bar.low + bar.close) / 3) * bar.volume;
    this.vol += bar.volume;
  }

  /** Start a new session. */
  reset(): void {
    this.pv = 0;
    this.vol = 0;
  }
}

/**
 * Batch VWAP over parallel arrays. `sessionStart[i]` true resets the VWAP
 * before element i (omit it for a single session). NaN where no volume has
 * arrived yet in the session.
 */
export function vwap(
  high: readonly number[],
  low: readonly number[],
  close: readonly number[],
  volume: readonly number[],
  sessionStart?: readonly boolean[],
): Float64Array {
  const n = high.length;
  checkSameLength('low', low, n);
  checkSameLength('close', close, n);
  checkSameLength('volume', volume, n);
  if (sessionStart !== undefined && sessionStart.length !== n) {
    throw new InputError('sessionStart', `must have length ${n}, got ${sessionStart.length}`);
  }
  const v = new VWAP();
  const out = nanArray(n);
  for (let i = 0; i < n; i++) {
    if (sessionStart?.[i] === true) v.reset();
    const vol = checkFinite(`volume[${i}]`, volume[i]!);
    if (vol < 0) throw new InputError(`volume[${i}]`, `must not be negative, got ${vol}`);
    v.update({
      high: checkFinite(`high[${i}]`, high[i]!),
      low: checkFinite(`low[${i}]`, low[i]!),
      close: checkFinite(`close[${i}]`, close[i]!),
      volume: vol,
    });
    out[i] = v.value ?? Number.NaN;
  }
  return out;
}
