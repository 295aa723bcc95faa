import { InputError } from '../../domain/errors.js';

/**
 * Shared checks for the indicators. Parameters are validated once, in the
 * constructor; every input value is checked on each update (one
 * `Number.isFinite`, no allocation), naming the field.
 */
export function checkPeriod(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError(name, `must be an integer ≥ 1, got ${String(value)}`);
  return value;
}

export function checkPositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new InputError(name, `must be a finite number > 0, got ${String(value)}`);
  return value;
}

export function checkFinite(field: string, value: number): number {
  if (!Number.isFinite(value)) throw new InputError(field, `must be a finite number, got ${String(value)}`);
  return value;
}

/** A bar's high, low and close: a `Bar` satisfies it. */
export interface HLC {
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

export function checkHLC(bar: HLC, prefix = ''): void {
  checkFinite(`${prefix}high`, bar.high);
  checkFinite(`${prefix}low`, bar.low);
  checkFinite(`${prefix}close`, bar.close);
  if (bar.high < bar.low) throw new InputError(`${prefix}high`, `high ${bar.high} is below low ${bar.low}`);
}

/** Same-length check for the batch forms that take parallel arrays. */
export function checkSameLength(name: string, arr: readonly number[], length: number): void {
  if (arr.length !== length) throw new InputError(name, `must have length ${length}, got ${arr.length}`);
}

/** Running sums drift by ulps; recompute from the window this often (amortised O(1)). */
export { RESYNC_EVERY } from '../rollingMoments.js';

export function nanArray(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}
