import { describe, expect, it } from 'vitest';
import { normCdf } from '../../../engine/market/blackScholes.js';
import { NormalSampler } from '../../../engine/risk/var/normalSampler.js';

describe('NormalSampler (xoshiro128** + ziggurat)', () => {
  const n = 2_000_000;
  const draws = new Float64Array(n);
  new NormalSampler(20261125, 3).fillNormal(draws);

  it('has the moments of N(0, 1) within 5 standard errors', () => {
    let m = 0;
    for (const x of draws) m += x;
    m /= n;
    let v = 0;
    let k = 0;
    for (const x of draws) {
      v += (x - m) ** 2;
      k += (x - m) ** 4;
    }
    v /= n;
    k /= n * v * v;
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(k - 3)).toBeLessThan(5 * Math.sqrt(24 / n));
  });

  it('puts the right mass in the tails, including beyond the ziggurat base (|x| > 3.4426)', () => {
    for (const q of [-4, -3.4426, -3, -2.326, -1, 0, 1.5, 3.4426]) {
      let below = 0;
      for (const x of draws) if (x < q) below++;
      const p = normCdf(q);
      expect(Math.abs(below / n - p), String(q)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1 / n);
    }
  });

  it('gamma(a) has mean a and variance a (Marsaglia–Tsang)', () => {
    const s = new NormalSampler(5, 0);
    const a = 2.5;
    const m = 400_000;
    let sum = 0;
    let sq = 0;
    let nonPositive = 0;
    for (let i = 0; i < m; i++) {
      const g = s.gamma(a);
      if (!(g > 0)) nonPositive++;
      sum += g;
      sq += g * g;
    }
    expect(nonPositive).toBe(0);
    const mean = sum / m;
    expect(Math.abs(mean - a)).toBeLessThan(5 * Math.sqrt(a / m));
    expect(Math.abs(sq / m - mean * mean - a)).toBeLessThan(0.05);
  });

  it('a (seed, block) names one stream: reseeding replays it, other blocks and seeds differ', () => {
    const a = new NormalSampler(42, 7);
    const first = Float64Array.from({ length: 100 }, () => a.normal());
    a.seedBlock(42, 7);
    expect(Float64Array.from({ length: 100 }, () => a.normal())).toEqual(first);
    const other = new NormalSampler(42, 8);
    expect(other.normal()).not.toBe(first[0]);
    expect(new NormalSampler(43, 7).normal()).not.toBe(first[0]);
  });

  it('uniformOpen never returns 0 or 1', () => {
    const s = new NormalSampler(1, 1);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = s.uniformOpen();
      if (!(u > 0 && u < 1)) outside++;
    }
    expect(outside).toBe(0);
  });
});
