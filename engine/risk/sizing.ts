import { Decimal } from '../domain/money.js';
import { InputError } from '../domain/errors.js';
import { GRADE_SIZE_FACTOR, gradeOf, type Grade } from '../signals/grade.js';

/**
 * Sizing by signal strength (SPEC §3, `risk_management.py::calculate_position_size_with_validation`,
 * which the original never called): the strategy's own size is scaled by the
 * grade of the signal's 0–100 score and by its confidence, never above what
 * the strategy asked for.
 */

export type { Grade } from '../signals/grade.js';
export { GRADE_BANDS, gradeOf } from '../signals/grade.js';

/** Size factor of each grade (A 1, B 0.85, C 0.7, D 0.5, F 0): one table, kept with the grades. */
export const GRADE_FACTORS = GRADE_SIZE_FACTOR;

/** The original's letter for each grade, for reports. */
export const GRADE_LETTERS: Readonly<Record<Grade, 'A' | 'B' | 'C' | 'D' | 'F'>> = Object.freeze({
  excellent: 'A',
  good: 'B',
  fair: 'C',
  poor: 'D',
  very_poor: 'F',
});

/** A weak-confidence signal still gets this fraction of its graded size (the original's floor). */
export const MIN_CONFIDENCE_FACTOR = 0.3;

function checkConfidence(confidence: number, field: string): number {
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    throw new InputError(field, `must be a fraction from 0 to 1, got ${String(confidence)}`);
  }
  return confidence;
}


export interface StrengthSizing {
  readonly grade: Grade;
  /** grade factor × max(confidence, 0.3), in [0, 1]. */
  readonly factor: number;
  /** Whole units, 0 ≤ quantity ≤ base. */
  readonly quantity: number;
}

/**
 * base × grade factor × max(confidence, 0.3), rounded down, never above the
 * base, and at least 1 unit whenever the graded size is above zero (so a
 * one-contract strategy is not silenced by a B grade). Decimal arithmetic,
 * so 100 × 0.85 is exactly 85 and not 84.99….
 */
export function sizeByStrength(base: number, score: number, confidence: number): StrengthSizing {
  if (!Number.isSafeInteger(base) || base < 0) throw new InputError('base', `must be a whole number of units >= 0, got ${String(base)}`);
  checkConfidence(confidence, 'confidence');
  const grade = gradeOf(score);
  const factor = new Decimal(GRADE_FACTORS[grade]).times(Math.max(confidence, MIN_CONFIDENCE_FACTOR));
  const graded = factor.times(base);
  let quantity = graded.floor().toNumber();
  if (quantity < 1 && graded.gt(0)) quantity = 1;
  return { grade, factor: factor.toNumber(), quantity: Math.min(base, quantity) };
}

/** The fraction of full Kelly the original bets (quarter Kelly). */
export const KELLY_SCALE = 0.25;
/** Full Kelly is capped here before scaling; the original declared this cap and never applied it. */
export const KELLY_CAP = 0.5;

export interface KellyInputs {
  /** Probability of a winning trade, 0–1. */
  readonly winRate: number;
  /** Mean win and mean loss per trade, both as positive amounts (or returns). */
  readonly avgWin: number;
  readonly avgLoss: number;
}

/**
 * Quarter Kelly (SPEC §3): b = avgWin/avgLoss, f = max(0, (b·p − q)/b),
 * capped at 0.5, then × 0.25. So the result is a fraction of equity in [0, 0.125].
 * Rounded to 12 decimals: it becomes money (a cap in currency), and float
 * noise such as 0.6 − 0.4 = 0.19999999999999996 must not cost a whole unit.
 */
export function kellyFraction(k: KellyInputs): number {
  checkConfidence(k.winRate, 'kelly.winRate');
  for (const field of ['avgWin', 'avgLoss'] as const) {
    const v = k[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InputError(`kelly.${field}`, `must be a finite number > 0, got ${String(v)}`);
  }
  const b = k.avgWin / k.avgLoss;
  const full = Math.max(0, (b * k.winRate - (1 - k.winRate)) / b);
  return Number((Math.min(full, KELLY_CAP) * KELLY_SCALE).toFixed(12));
}
