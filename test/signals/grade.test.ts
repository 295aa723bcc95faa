import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import { GRADES, GRADE_BANDS, GRADE_SIZE_FACTOR, gradeOf } from '../../engine/signals/grade.js';

describe('gradeOf', () => {
  it('uses the 90/80/70/50 bands, lower bounds inclusive', () => {
    const cases: Array<[number, string]> = [
      [100, 'excellent'], [90, 'excellent'], [89.999, 'good'], [80, 'good'], [79.999, 'fair'], [70, 'fair'],
      [69.999, 'poor'], [50, 'poor'], [49.999, 'very_poor'], [0, 'very_poor'],
    ];
    for (const [score, grade] of cases) expect(gradeOf(score), `score ${score}`).toBe(grade);
  });

  it('lists grades best first with the original size factors', () => {
    expect(GRADES).toEqual(['excellent', 'good', 'fair', 'poor', 'very_poor']);
    expect(GRADE_SIZE_FACTOR).toEqual({ excellent: 1, good: 0.85, fair: 0.7, poor: 0.5, very_poor: 0 });
    expect(GRADE_BANDS.map((b) => b.minScore)).toEqual([90, 80, 70, 50]);
  });

  it('refuses a score outside 0–100, naming it', () => {
    for (const bad of [-0.01, 100.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => gradeOf(bad)).toThrow(InputError);
      expect(() => gradeOf(bad)).toThrow(/^score:/);
    }
  });

  it('never gives a higher score a worse grade or a smaller size factor', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(GRADES.indexOf(gradeOf(hi))).toBeLessThanOrEqual(GRADES.indexOf(gradeOf(lo)));
        expect(GRADE_SIZE_FACTOR[gradeOf(hi)]).toBeGreaterThanOrEqual(GRADE_SIZE_FACTOR[gradeOf(lo)]);
      }),
    );
  });
});
