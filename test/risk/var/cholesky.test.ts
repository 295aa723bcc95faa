import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../../engine/domain/errors.js';
import { choleskyFactor } from '../../../engine/risk/var/cholesky.js';

function reconstruct(l: Float64Array, d: number): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) m[i * d + j] = m[i * d + j]! + l[i * d + k]! * l[j * d + k]!;
  return m;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('choleskyFactor', () => {
  it('L·Lᵀ reproduces a positive-definite covariance built as AᵀA + εI (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }), (d, a) => {
        const cov = new Float64Array(d * d);
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < d; j++) {
            let s = i === j ? 1e-3 : 0;
            for (let k = 0; k < d; k++) s += a[k * 8 + i]! * a[k * 8 + j]!;
            cov[i * d + j] = s;
          }
        }
        const f = choleskyFactor(cov, d);
        expect(f.zeroedPivots).toEqual([]);
        expect(maxAbsDiff(reconstruct(f.lower, d), cov)).toBeLessThan(1e-12);
        for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) expect(f.lower[i * d + j]).toBe(0);
      }),
    );
  });

  it('perfectly correlated assets: the repair zeroes the dependent column, L·Lᵀ is still Σ, no crash', () => {
    // σ₁ = 0.01, σ₂ = 0.02, ρ = 1.
    const cov = Float64Array.from([1e-4, 2e-4, 2e-4, 4e-4]);
    const f = choleskyFactor(cov, 2, ['A', 'B']);
    expect(f.zeroedPivots).toEqual([1]);
    expect([...f.lower]).toEqual([0.01, 0, 0.02, 0]);
    expect(maxAbsDiff(reconstruct(f.lower, 2), cov)).toBeLessThan(1e-18);
  });

  it('a zero-variance asset gets a zero row; a near-singular 3×3 (one asset = sum of two) is repaired', () => {
    const f = choleskyFactor(Float64Array.from([0, 0, 0, 1]), 2);
    expect(f.zeroedPivots).toEqual([0]);
    expect([...f.lower]).toEqual([0, 0, 0, 1]);
    // C = A + B with var A = 1, var B = 2, cov(A, B) = 0.5.
    const cov = Float64Array.from([1, 0.5, 1.5, 0.5, 2, 2.5, 1.5, 2.5, 4]);
    const g = choleskyFactor(cov, 3);
    expect(g.zeroedPivots).toEqual([2]);
    expect(maxAbsDiff(reconstruct(g.lower, 3), cov)).toBeLessThan(1e-14);
  });

  it('an indefinite or asymmetric matrix is an InputError naming the asset', () => {
    expect(() => choleskyFactor(Float64Array.from([1, 2, 2, 1]), 2, ['SPY', 'QQQ'])).toThrow(/not positive semi-definite: QQQ/);
    expect(() => choleskyFactor(Float64Array.from([1, 0.2, 0.3, 1]), 2)).toThrow(/not symmetric/);
    expect(() => choleskyFactor(Float64Array.from([-1]), 1, ['X'])).toThrow(/X is negative/);
    expect(() => choleskyFactor(Float64Array.from([1, 0, 0]), 2)).toThrow(InputError);
  });
});
