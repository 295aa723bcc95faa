import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normCdf } from '../../../engine/market/blackScholes.js';
import { InputError } from '../../../engine/domain/errors.js';
import { incompleteBeta, logGamma, normalQuantile, studentTCdf, studentTPdf, studentTQuantile } from '../../../engine/risk/var/distributions.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('normalQuantile', () => {
  it('matches published values of Φ⁻¹ to ~1e-15', () => {
    // Values from R's qnorm (AS241).
    const table: Array<[number, number]> = [
      [0.95, 1.6448536269514722],
      [0.975, 1.959963984540054],
      [0.99, 2.3263478740408408],
      [0.999, 3.090232306167813],
      [0.5, 0],
      [1e-10, -6.361340902404056],
      [0.3, -0.5244005127080407],
    ];
    for (const [p, x] of table) expect(Math.abs(normalQuantile(p) - x), String(p)).toBeLessThan(3e-15 * Math.max(1, Math.abs(x)));
  });

  it('inverts Cody’s Φ across the range (property) and rejects p outside (0, 1)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1 - 1e-16, noNaN: true }), (p) => {
        const x = normalQuantile(p);
        const back = p > 0.5 ? 1 - normCdf(-x) : normCdf(x);
        expect(rel(back, p)).toBeLessThan(p > 0.5 ? 1e-12 : 1e-12);
      }),
    );
    for (const p of [0, 1, -0.1, Number.NaN]) expect(() => normalQuantile(p)).toThrow(InputError);
  });
});

describe('Student t', () => {
  it('quantiles match the closed forms for ν = 1 (Cauchy), 2 and 4', () => {
    for (const p of [0.6, 0.9, 0.95, 0.99, 0.999, 0.9999, 0.01]) {
      expect(rel(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)))).toBeLessThan(1e-12);
      expect(rel(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)))).toBeLessThan(1e-12);
      const a = 4 * p * (1 - p);
      const q = Math.cos(Math.acos(Math.sqrt(a)) / 3) / Math.sqrt(a);
      expect(rel(studentTQuantile(p, 4), Math.sign(p - 0.5) * 2 * Math.sqrt(q - 1))).toBeLessThan(1e-11);
    }
  });

  it('matches published t tables for ν = 5 and tends to the normal for large ν', () => {
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.570581835636314, 12);
    expect(studentTQuantile(0.99, 5)).toBeCloseTo(3.364929998907218, 12);
    expect(studentTQuantile(0.999, 5)).toBeCloseTo(5.893429531356011, 11);
    expect(Math.abs(studentTQuantile(0.99, 1e6) - normalQuantile(0.99))).toBeLessThan(1e-5);
  });

  it('the density integrates to the CDF (Simpson) and the CDF is symmetric', () => {
    const nu = 3.5;
    const n = 20_000;
    const lo = -60;
    const hi = -2;
    const h = (hi - lo) / n;
    let s = studentTPdf(lo, nu) + studentTPdf(hi, nu);
    for (let i = 1; i < n; i++) s += (i % 2 === 0 ? 2 : 4) * studentTPdf(lo + i * h, nu);
    const integral = (s * h) / 3 + studentTCdf(lo, nu);
    expect(rel(integral, studentTCdf(hi, nu))).toBeLessThan(1e-9);
    expect(studentTCdf(1.3, nu) + studentTCdf(-1.3, nu)).toBeCloseTo(1, 15);
  });

  it('log Γ and the incomplete beta hit known values', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(incompleteBeta(0.3, 2, 1)).toBeCloseTo(0.09, 14);
  });
});
