import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import { PIVOT_TYPES, pivotPoints } from '../../engine/market/pivots.js';

function expectLevels(actual: Record<string, number>, expected: Record<string, number>): void {
  for (const [k, v] of Object.entries(expected)) expect(actual[k], k).toBeCloseTo(v, 10);
}

describe('pivotPoints (SPEC §9 table)', () => {
  const prior = { high: 110, low: 90, close: 100 };

  it('classic', () => {
    expectLevels({ ...pivotPoints(prior, 'classic') }, { pivot: 100, r1: 110, r2: 120, r3: 130, s1: 90, s2: 80, s3: 70 });
    expect(pivotPoints(prior)).toEqual(pivotPoints(prior, 'classic'));
  });

  it('fibonacci', () => {
    expectLevels({ ...pivotPoints(prior, 'fibonacci') }, { pivot: 100, r1: 107.64, r2: 112.36, r3: 120, s1: 92.36, s2: 87.64, s3: 80 });
  });

  it('woodie weights the close twice, then the classic formulas', () => {
    // P = (110 + 90 + 2·105)/4 = 102.5
    expectLevels({ ...pivotPoints({ high: 110, low: 90, close: 105 }, 'woodie') }, { pivot: 102.5, r1: 115, r2: 122.5, r3: 135, s1: 95, s2: 82.5, s3: 75 });
  });

  it('camarilla: C ± (H−L)·1.1/{12, 6, 4}', () => {
    expectLevels({ ...pivotPoints(prior, 'camarilla') }, { pivot: 100, r1: 100 + 22 / 12, r2: 100 + 22 / 6, r3: 105.5, s1: 100 - 22 / 12, s2: 100 - 22 / 6, s3: 94.5 });
  });

  it('levels are ordered s3 ≤ s2 ≤ s1 and r1 ≤ r2 ≤ r3 for every type (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1000, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (low, span, pos) => {
        const bar = { high: low + span, low, close: low + span * pos };
        for (const t of PIVOT_TYPES) {
          const p = pivotPoints(bar, t);
          expect(p.s3).toBeLessThanOrEqual(p.s2 + 1e-9);
          expect(p.s2).toBeLessThanOrEqual(p.s1 + 1e-9);
          expect(p.r1).toBeLessThanOrEqual(p.r2 + 1e-9);
          expect(p.r2).toBeLessThanOrEqual(p.r3 + 1e-9);
        }
      }),
    );
  });

  it('names the bad field', () => {
    const field = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).field;
      }
      return 'no error';
    };
    expect(field(() => pivotPoints({ high: Number.NaN, low: 1, close: 1 }))).toBe('high');
    expect(field(() => pivotPoints({ high: 2, low: 1, close: Infinity }, 'woodie'))).toBe('close');
    expect(field(() => pivotPoints({ high: 1, low: 2, close: 1 }))).toBe('high');
  });
});
