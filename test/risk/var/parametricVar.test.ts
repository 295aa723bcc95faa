import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../../engine/domain/errors.js';
import { normPdf } from '../../../engine/market/blackScholes.js';
import { normalQuantile, studentTPdf } from '../../../engine/risk/var/distributions.js';
import { cornishFisherVar, normalVar, studentTVar } from '../../../engine/risk/var/parametricVar.js';

/** Composite Simpson's rule on [a, b] with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = 20_000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 0 ? 2 : 4) * f(a + i * h);
  return (s * h) / 3;
}

describe('parametric normal VaR (closed form)', () => {
  it('standard normal: VaR₉₉ = 2.326348, CVaR₉₉ = φ(z)/0.01 = 2.665214', () => {
    const r = normalVar({ mean: 0, sd: 1 }, 0.99);
    expect(r.var).toBeCloseTo(2.3263478740408408, 14);
    expect(r.cvar).toBeCloseTo(2.665214220345808, 12);
    expect(normalVar({ mean: 0, sd: 1 }, 0.95).var).toBeCloseTo(1.6448536269514722, 14);
  });

  it('includes the mean with its sign and scales the horizon exactly (hμ, √h σ)', () => {
    // $1m at σ = 2 %/day, μ = 0.05 %/day, 10 days, 99 %: −10 × 500 + √10 × 20,000 × 2.3263478740408408.
    const r = normalVar({ mean: 500, sd: 20_000 }, 0.99, 10);
    expect(r.var).toBeCloseTo(-5000 + Math.sqrt(10) * 20_000 * 2.3263478740408408, 6);
    expect(r.cvar).toBeCloseTo(-5000 + (Math.sqrt(10) * 20_000 * normPdf(2.3263478740408408)) / 0.01, 6);
    // The original's |μ + zσ| would report a loss here; a strongly positive mean is a gain at 95 %.
    expect(normalVar({ mean: 10, sd: 1 }, 0.95).var).toBeCloseTo(-10 + 1.6448536269514722, 12);
  });

  it('is monotone in confidence, has CVaR ≥ VaR and scales linearly with size (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
        fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (mean, sd, a, b, k) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const x = normalVar({ mean, sd }, lo);
          const y = normalVar({ mean, sd }, hi);
          const tol = 1e-9 * (Math.abs(mean) + sd + 1);
          expect(y.var).toBeGreaterThanOrEqual(x.var - tol);
          expect(x.cvar).toBeGreaterThanOrEqual(x.var - tol);
          const s = normalVar({ mean: k * mean, sd: k * sd }, lo);
          expect(Math.abs(s.var - k * x.var)).toBeLessThanOrEqual(k * tol * 10);
        },
      ),
    );
  });

  it('rejects bad inputs with a typed error naming the field', () => {
    expect(() => normalVar({ mean: 0, sd: -1 }, 0.99)).toThrow(/sd/);
    expect(() => normalVar({ mean: Number.NaN, sd: 1 }, 0.99)).toThrow(/mean/);
    expect(() => normalVar({ mean: 0, sd: 1 }, 0.99, 0)).toThrow(/horizonDays/);
    expect(() => normalVar({ mean: 0, sd: 1 }, 1)).toThrow(InputError);
  });
});

describe('parametric Student t VaR', () => {
  it('ν = 4 matches the closed-form t quantile, scaled to the given σ', () => {
    const p = 0.99;
    const a = 4 * p * (1 - p);
    const t = 2 * Math.sqrt(Math.cos(Math.acos(Math.sqrt(a)) / 3) / Math.sqrt(a) - 1);
    const r = studentTVar({ mean: 0, sd: 1 }, 4, p);
    expect(r.var).toBeCloseTo(t * Math.sqrt(2 / 4), 11);
  });

  it('CVaR equals the tail mean by numerical integration of t·f(t)', () => {
    const nu = 5;
    for (const c of [0.95, 0.99, 0.999]) {
      const r = studentTVar({ mean: 0, sd: 1 }, nu, c);
      const scale = Math.sqrt((nu - 2) / nu);
      const tq = r.var / scale;
      // Substituting t = tq/u maps (tq, ∞) to (0, 1]; the integrand stays smooth.
      const tailMean = simpson((u) => (u === 0 ? 0 : (tq / u) * studentTPdf(tq / u, nu) * (tq / (u * u))), 0, 1) / (1 - c);
      expect(Math.abs(r.cvar - scale * tailMean)).toBeLessThan(1e-7);
    }
  });

  it('has fatter tails than the normal with the same σ at 99.9 %, and needs ν > 2', () => {
    expect(studentTVar({ mean: 0, sd: 1 }, 5, 0.999).var).toBeGreaterThan(normalVar({ mean: 0, sd: 1 }, 0.999).var);
    expect(() => studentTVar({ mean: 0, sd: 1 }, 2, 0.99)).toThrow(/nu/);
  });
});

describe('Cornish–Fisher VaR', () => {
  it('reduces to the normal when skewness and excess kurtosis are 0', () => {
    const m = { mean: 3, sd: 40, skewness: 0, excessKurtosis: 0 };
    for (const c of [0.95, 0.99, 0.999]) {
      const cf = cornishFisherVar(m, c, 5);
      const n = normalVar(m, c, 5);
      expect(cf.var).toBeCloseTo(n.var, 9);
      expect(cf.cvar).toBeCloseTo(n.cvar, 9);
      expect(cf.warning).toBeUndefined();
    }
  });

  it('S = −1, K = 3 at 99 %: z_cf = −3.386689 (by hand), CVaR = the numerically integrated tail', () => {
    // z = −2.3263479; (z²−1)S/6 = −0.7353157; (z³−3z)K/24 = −0.7013632; −(2z³−5z)S²/36 = +0.3763377.
    const m = { mean: 0, sd: 1, skewness: -1, excessKurtosis: 3 };
    const r = cornishFisherVar(m, 0.99);
    expect(r.var).toBeCloseTo(3.386689, 6);
    const zcf = (x: number) => x + ((x * x - 1) * -1) / 6 + ((x ** 3 - 3 * x) * 3) / 24 - (2 * x ** 3 - 5 * x) / 36;
    const z = normalQuantile(0.01);
    const tail = simpson((x) => zcf(x) * normPdf(x), -14, z) / 0.01;
    expect(r.cvar).toBeCloseTo(-tail, 7);
    expect(r.warning).toBeUndefined();
  });

  it('scales skewness by 1/√h and kurtosis by 1/h over h days, not the quantile by √h', () => {
    const m = { mean: 0.5, sd: 10, skewness: -0.8, excessKurtosis: 4 };
    const h = 9;
    const direct = cornishFisherVar({ mean: h * m.mean, sd: Math.sqrt(h) * m.sd, skewness: m.skewness / 3, excessKurtosis: m.excessKurtosis / 9 }, 0.99);
    const scaled = cornishFisherVar(m, 0.99, h);
    expect(scaled.var).toBeCloseTo(direct.var, 9);
    expect(scaled.cvar).toBeCloseTo(direct.cvar, 9);
  });

  it('warns (and still answers) outside the expansion’s domain of validity', () => {
    const r = cornishFisherVar({ mean: 0, sd: 1, skewness: -2.5, excessKurtosis: 0 }, 0.99);
    expect(r.warning).toMatch(/not monotone/);
    expect(Number.isFinite(r.var)).toBe(true);
    // Typical daily equity returns are inside it.
    expect(cornishFisherVar({ mean: 0, sd: 1, skewness: -0.5, excessKurtosis: 5 }, 0.999).warning).toBeUndefined();
  });

  it('CVaR ≥ VaR and VaR monotone in confidence inside the domain of validity (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -0.8, max: 0.8, noNaN: true }),
        fc.double({ min: 0, max: 6, noNaN: true }),
        fc.double({ min: 0.9, max: 0.999, noNaN: true }),
        (s, k, c) => {
          const r = cornishFisherVar({ mean: 0, sd: 1, skewness: s, excessKurtosis: k }, c);
          if (r.warning !== undefined) return; // outside the domain the expansion makes no promise
          expect(r.cvar).toBeGreaterThanOrEqual(r.var - 1e-12);
          expect(cornishFisherVar({ mean: 0, sd: 1, skewness: s, excessKurtosis: k }, Math.min(0.9999, c + 0.0005)).var).toBeGreaterThanOrEqual(r.var - 1e-12);
        },
      ),
    );
  });
});
