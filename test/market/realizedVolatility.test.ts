import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import {
  RealizedVolatility,
  realizedVolatility,
  rollingRealizedVolatility,
  TRADING_DAYS_PER_YEAR,
} from '../../engine/market/realizedVolatility.js';

/** The definition, computed the slow way: sample stdev of the last `window` log returns × √252. */
function naive(prices: readonly number[], end: number, window: number): number | null {
  if (end < window) return null;
  const r: number[] = [];
  for (let i = end - window + 1; i <= end; i++) r.push(Math.log(prices[i]! / prices[i - 1]!));
  const mean = r.reduce((a, b) => a + b, 0) / window;
  const v = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (window - 1);
  return Math.sqrt(v * TRADING_DAYS_PER_YEAR);
}

/**
 * Tolerance against the naive value. When the true volatility is 0 (a flat
 * window after a big move left it), the sliding M2 keeps an ulp-level residual
 * (~1e-18) and √ turns that into ~1e-8: hence an absolute part, still far
 * below anything that matters for a volatility.
 */
function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-6 + 1e-9 * expected;
}

const pricePaths = fc
  .tuple(fc.double({ min: 1, max: 1000, noNaN: true }), fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 0, maxLength: 120 }))
  .map(([start, rets]) => {
    const out = [start];
    for (const r of rets) out.push(out.at(-1)! * Math.exp(r));
    return out;
  });

describe('RealizedVolatility', () => {
  it('matches the naive computation at every step (property)', () => {
    fc.assert(
      fc.property(pricePaths, fc.integer({ min: 2, max: 30 }), (prices, window) => {
        const rv = new RealizedVolatility(window);
        prices.forEach((p, i) => {
          rv.update(p);
          const expected = naive(prices, i, window);
          expect(rv.ready).toBe(expected !== null);
          if (expected === null) expect(rv.value).toBeNull();
          else expect(close(rv.value!, expected)).toBe(true);
        });
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('is ready after window + 1 prices, not one earlier', () => {
    const rv = new RealizedVolatility(3);
    for (const p of [100, 101, 99]) rv.update(p);
    expect(rv.ready).toBe(false);
    expect(rv.count).toBe(2);
    expect(rv.value).toBeNull();
    rv.update(102);
    expect(rv.ready).toBe(true);
    expect(rv.value).toBeCloseTo(naive([100, 101, 99, 102], 3, 3)!, 12);
  });

  it('defaults to a 20-return window', () => {
    expect(new RealizedVolatility().window).toBe(20);
  });

  it('constant prices give exactly 0, never NaN from a rounding-negative variance', () => {
    const rv = new RealizedVolatility(5);
    for (let i = 0; i < 50; i++) rv.update(123.456);
    expect(rv.value).toBe(0);
    // Alternating identical moves: every return has the same magnitude, the variance stays finite and ≥ 0.
    for (let i = 0; i < 10_000; i++) rv.update(i % 2 === 0 ? 100.1 : 100.1000000001);
    expect(rv.value).not.toBeNaN();
    expect(rv.value).toBeGreaterThanOrEqual(0);
  });

  it('stays exact over a long run (drift is resynchronised)', () => {
    const rv = new RealizedVolatility(20);
    const prices: number[] = [];
    let p = 100;
    let seed = 12345;
    for (let i = 0; i < 50_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      p *= Math.exp((seed / 2 ** 31 - 0.5) * 0.04);
      prices.push(p);
      rv.update(p);
    }
    expect(Math.abs(rv.value! - naive(prices, prices.length - 1, 20)!)).toBeLessThan(1e-12);
  });

  it('reset forgets everything', () => {
    const rv = new RealizedVolatility(2);
    for (const p of [1, 2, 3, 4]) rv.update(p);
    rv.reset();
    expect(rv.ready).toBe(false);
    expect(rv.count).toBe(0);
    for (const p of [10, 11, 12]) rv.update(p);
    expect(rv.value).toBeCloseTo(naive([10, 11, 12], 2, 2)!, 12);
  });

  it('rejects a bad window or price naming it', () => {
    expect(() => new RealizedVolatility(1)).toThrow(InputError);
    expect(() => new RealizedVolatility(2.5)).toThrow(/window/);
    const rv = new RealizedVolatility(3);
    expect(() => rv.update(0)).toThrow(/price: must be a finite number > 0, got 0/);
    expect(() => rv.update(Number.NaN)).toThrow(InputError);
    expect(() => rv.update(-5)).toThrow(/price/);
  });
});

describe('batch functions', () => {
  it('rollingRealizedVolatility equals the streaming values, null during warm-up', () => {
    fc.assert(
      fc.property(pricePaths, fc.integer({ min: 2, max: 10 }), (prices, window) => {
        const out = rollingRealizedVolatility(prices, window);
        expect(out).toHaveLength(prices.length);
        out.forEach((v, i) => {
          const expected = naive(prices, i, window);
          if (expected === null) expect(v).toBeNull();
          else expect(close(v!, expected)).toBe(true);
        });
        expect(realizedVolatility(prices, window)).toEqual(out.at(-1) ?? null);
      }),
      { seed: 99, numRuns: 200 },
    );
  });

  it('names the bad element', () => {
    expect(() => rollingRealizedVolatility([100, 101, Number.NaN, 102], 2)).toThrow(/prices\[2\]/);
    expect(() => realizedVolatility([100, -1], 2)).toThrow(/prices\[1\]/);
    expect(() => realizedVolatility([100, 101], 0)).toThrow(/window/);
  });
});
