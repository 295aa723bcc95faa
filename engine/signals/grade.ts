import { InputError } from '../domain/errors.js';

/**
 * Quality grade of a 0–100 signal score (SPEC §5: 90 / 80 / 70 / 50 are the
 * lower bounds of excellent / good / fair / poor; below 50 is very_poor) and
 * the size factor each grade carries. This is the one definition: risk sizing
 * imports it rather than keeping its own bands.
 */

export const GRADES = ['excellent', 'good', 'fair', 'poor', 'very_poor'] as const;
export type Grade = (typeof GRADES)[number];

/** Lower score bound of each grade, best first; anything below the last band is very_poor. */
export const GRADE_BANDS: ReadonlyArray<{ readonly grade: Grade; readonly minScore: number }> = Object.freeze([
  Object.freeze({ grade: 'excellent', minScore: 90 }),
  Object.freeze({ grade: 'good', minScore: 80 }),
  Object.freeze({ grade: 'fair', minScore: 70 }),
  Object.freeze({ grade: 'poor', minScore: 50 }),
] as const);

/** Fraction of a strategy's own size that a signal of each grade may take (the original's A/B/C/D/F factors). */
export const GRADE_SIZE_FACTOR: Readonly<Record<Grade, number>> = Object.freeze({
  excellent: 1,
  good: 0.85,
  fair: 0.7,
  poor: 0.5,
  very_poor: 0,
});

/** Grade of a score; bounds are inclusive (80 is good, 79.999 is fair). Throws InputError('score') outside [0, 100]. */
export function gradeOf(score: number): Grade {
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 100) {
    throw new InputError('score', `must be a score from 0 to 100, got ${String(score)}`);
  }
  for (const band of GRADE_BANDS) if (score >= band.minScore) return band.grade;
  return 'very_poor';
}
