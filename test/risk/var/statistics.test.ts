import { describe, expect, it } from 'vitest';
import { covarianceMatrix, linearPnlSeries, mean, moments, quadraticForm } from '../../../engine/risk/var/statistics.js';

describe('sample statistics', () => {
  it('moments of a small series match the hand computation', () => {
    // x̄ = 4; deviations −3, −2, −1, 0, 6: m2 = 10, m3 = 36, m4 = 278.8 (population), Σd² = 50.
    const m = moments([1, 2, 3, 4, 10]);
    expect(m.mean).toBe(4);
    expect(m.sd).toBeCloseTo(Math.sqrt(50 / 4), 15);
    expect(m.skewness).toBeCloseTo(36 / Math.pow(10, 1.5), 14);
    expect(m.excessKurtosis).toBeCloseTo(278.8 / 100 - 3, 14);
  });

  it('a constant series has zero spread and the normal’s shape', () => {
    expect(moments([0.01, 0.01, 0.01])).toEqual({ n: 3, mean: 0.01, sd: 0, skewness: 0, excessKurtosis: 0 });
    expect(mean([])).toBeNaN();
  });

  it('covariance is unbiased and symmetric; the quadratic form and P&L series agree with it', () => {
    const x = Float64Array.from([1, 2, 3]);
    const y = Float64Array.from([2, 4, 7]);
    const cov = covarianceMatrix([x, y]);
    expect(cov[0]).toBeCloseTo(1, 15);
    expect(cov[1]).toBeCloseTo(2.5, 15);
    expect(cov[2]).toBe(cov[1]);
    expect(cov[3]).toBeCloseTo(114 / 18, 14);
    const e = [100, -50];
    const pnl = linearPnlSeries([x, y], e);
    expect([...pnl]).toEqual([0, 0, -50]);
    expect(moments(pnl).sd ** 2).toBeCloseTo(quadraticForm(cov, e), 9);
  });
});
