import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import { GRADE_FACTORS, GRADE_LETTERS, KELLY_CAP, gradeOf, kellyFraction, sizeByStrength } from '../../engine/risk/sizing.js';

describe('gradeOf', () => {
  it('uses the 90/80/70/50 bands, lower bounds inclusive', () => {
    const cases: Array<[number, string]> = [
      [100, 'excellent'], [90, 'excellent'], [89.999, 'good'], [80, 'good'], [79.999, 'fair'], [70, 'fair'],
      [69.999, 'poor'], [50, 'poor'], [49.999, 'very_poor'], [0, 'very_poor'],
    ];
    for (const [score, grade] of cases) expect(gradeOf(score), `score ${score}`).toBe(grade);
  });

  it('maps grades to the original factors and letters', () => {
    expect(GRADE_FACTORS).toEqual({ excellent: 1, good: 0.85, fair: 0.7, poor: 0.5, very_poor: 0 });
    expect(GRADE_LETTERS).toEqual({ excellent: 'A', good: 'B', fair: 'C', poor: 'D', very_poor: 'F' });
  });

  it('refuses a score outside 0–100, naming it', () => {
    for (const bad of [-0.01, 100.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => gradeOf(bad)).toThrow(InputError);
      expect(() => gradeOf(bad)).toThrow(/^score:/);
    }
  });
});

describe('sizeByStrength', () => {
  it('scales by grade factor × confidence exactly (100 × 0.85 is 85, not 84)', () => {
    expect(sizeByStrength(100, 85, 1)).toEqual({ grade: 'good', factor: 0.85, quantity: 85 });
    expect(sizeByStrength(10, 75, 0.7).quantity).toBe(4); // 10 × 0.7 × 0.7 = 4.9
    expect(sizeByStrength(20, 95, 1).quantity).toBe(20);
  });

  it('floors confidence at 0.3', () => {
    expect(sizeByStrength(100, 95, 0.1).quantity).toBe(30);
    expect(sizeByStrength(100, 95, 0).quantity).toBe(30);
    expect(sizeByStrength(100, 95, 0.31).quantity).toBe(31);
  });

  it('gives at least one unit when the graded size is above zero, none for an F', () => {
    expect(sizeByStrength(1, 55, 0).quantity).toBe(1); // 1 × 0.5 × 0.3 = 0.15
    expect(sizeByStrength(3, 50, 0.5).quantity).toBe(1); // 0.75
    expect(sizeByStrength(100, 49.9, 1)).toMatchObject({ grade: 'very_poor', quantity: 0 });
    expect(sizeByStrength(0, 95, 1).quantity).toBe(0);
  });

  it('refuses a bad base or confidence, naming it', () => {
    expect(() => sizeByStrength(1.5, 90, 1)).toThrow(/^base:/);
    expect(() => sizeByStrength(-1, 90, 1)).toThrow(/^base:/);
    expect(() => sizeByStrength(10, 90, 1.2)).toThrow(/^confidence:/);
    expect(() => sizeByStrength(10, 190, 1)).toThrow(/^score:/);
  });

  it('is never above the base, and monotone in score and in confidence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (base, s1, s2, c1, c2) => {
          const [lo, hi] = s1 <= s2 ? [s1, s2] : [s2, s1];
          const [clo, chi] = c1 <= c2 ? [c1, c2] : [c2, c1];
          const a = sizeByStrength(base, lo, clo).quantity;
          expect(a).toBeLessThanOrEqual(base);
          expect(a).toBeLessThanOrEqual(sizeByStrength(base, hi, clo).quantity);
          expect(a).toBeLessThanOrEqual(sizeByStrength(base, lo, chi).quantity);
          if (base >= 1 && lo >= 50) expect(a).toBeGreaterThanOrEqual(1);
        },
      ),
    );
  });
});

describe('kellyFraction', () => {
  it('is quarter Kelly: p 0.6 at even odds is f 0.2, so 0.05', () => {
    expect(kellyFraction({ winRate: 0.6, avgWin: 100, avgLoss: 100 })).toBe(0.05);
    // b = 2, p = 0.5: f = (1 − 0.5)/2 = 0.25 → 0.0625
    expect(kellyFraction({ winRate: 0.5, avgWin: 2, avgLoss: 1 })).toBeCloseTo(0.0625, 12);
  });

  it('applies the 0.5 cap the original never applied, and never goes negative', () => {
    expect(kellyFraction({ winRate: 0.9, avgWin: 1, avgLoss: 1 })).toBeCloseTo(KELLY_CAP * 0.25, 12);
    expect(kellyFraction({ winRate: 0.3, avgWin: 1, avgLoss: 1 })).toBe(0);
  });

  it('refuses bad inputs, naming the field', () => {
    expect(() => kellyFraction({ winRate: 1.5, avgWin: 1, avgLoss: 1 })).toThrow(/^kelly.winRate:/);
    expect(() => kellyFraction({ winRate: 0.5, avgWin: 0, avgLoss: 1 })).toThrow(/^kelly.avgWin:/);
    expect(() => kellyFraction({ winRate: 0.5, avgWin: 1, avgLoss: -2 })).toThrow(/^kelly.avgLoss:/);
  });
});
