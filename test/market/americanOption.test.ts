import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PricingError } from '../../engine/domain/errors.js';
import type { BsmInput } from '../../engine/market/blackScholes.js';
import { bsm } from '../../engine/market/blackScholes.js';
import { american, americanPrice } from '../../engine/market/americanOption.js';

const put: BsmInput = { right: 'P', spot: 90, strike: 100, years: 1, rate: 0.05, dividend: 0, vol: 0.2 };

/** Ordinary inputs: strike 100, up to two years, rates and yields of a few per cent. */
const ordinary = fc.record({
  right: fc.constantFrom<'C' | 'P'>('C', 'P'),
  spot: fc.double({ min: 50, max: 150, noNaN: true }),
  strike: fc.constant(100),
  years: fc.double({ min: 0.05, max: 2, noNaN: true }),
  rate: fc.double({ min: 0, max: 0.08, noNaN: true }),
  dividend: fc.double({ min: 0, max: 0.06, noNaN: true }),
  vol: fc.double({ min: 0.1, max: 0.6, noNaN: true }),
});

describe('american()', () => {
  it('has the same result shape as bsm()', () => {
    expect(Object.keys(american(put)).sort()).toEqual(Object.keys(bsm(put)).sort());
  });

  it("matches Hull's American put example (S = K = 50, r 10 %, σ 40 %, 5 months): ≈ 4.28 (4.283 at 500 steps)", () => {
    const p = americanPrice({ right: 'P', spot: 50, strike: 50, years: 5 / 12, rate: 0.1, dividend: 0, vol: 0.4 });
    expect(Math.abs(p - 4.284)).toBeLessThan(2e-3);
  });

  it('an American call without dividends (r ≥ 0) equals the European call, greeks included', () => {
    fc.assert(
      // rate ≥ 0.01 so that rho's r − 0.01 stays ≥ 0: at a negative rate early exercise of a call has value.
      fc.property(ordinary, fc.double({ min: 0.01, max: 0.08, noNaN: true }), (o, rate) => {
        const input: BsmInput = { ...o, right: 'C', dividend: 0, rate };
        const a = american(input);
        const e = bsm(input);
        expect(Math.abs(a.price - e.price)).toBeLessThan(1e-3);
        expect(Math.abs(a.delta - e.delta)).toBeLessThan(1e-3);
        expect(Math.abs(a.gamma - e.gamma)).toBeLessThan(1e-3);
        expect(Math.abs(a.theta - e.theta)).toBeLessThan(1e-3);
        expect(Math.abs(a.vega - e.vega)).toBeLessThan(1e-3);
        expect(Math.abs(a.rho - e.rho)).toBeLessThan(1e-3);
      }),
      { numRuns: 25, seed: 11 },
    );
  });

  it('an American put is worth at least the European put and at least intrinsic value', () => {
    fc.assert(
      fc.property(ordinary, (o) => {
        const input: BsmInput = { ...o, right: 'P' };
        const a = americanPrice(input);
        expect(a).toBeGreaterThanOrEqual(bsm(input).price - 1e-4);
        expect(a).toBeGreaterThanOrEqual(Math.max(0, input.strike - input.spot));
      }),
      { numRuns: 40, seed: 12 },
    );
  });

  it('is never below intrinsic value, also with odd inputs (zero vol, zero spot, negative rates, tiny T)', () => {
    const odd = fc.record({
      right: fc.constantFrom<'C' | 'P'>('C', 'P'),
      spot: fc.oneof(fc.constant(0), fc.double({ min: 1, max: 500, noNaN: true })),
      strike: fc.double({ min: 1, max: 500, noNaN: true }),
      years: fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 5, noNaN: true })),
      rate: fc.double({ min: -0.02, max: 0.15, noNaN: true }),
      dividend: fc.double({ min: -0.02, max: 0.15, noNaN: true }),
      vol: fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 2, noNaN: true })),
    });
    fc.assert(
      fc.property(odd, (input) => {
        const r = american(input, { steps: 101 });
        const intrinsic = Math.max(0, input.right === 'C' ? input.spot - input.strike : input.strike - input.spot);
        for (const v of Object.values(r)) expect(Number.isFinite(v)).toBe(true);
        expect(r.price).toBeGreaterThanOrEqual(intrinsic);
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it('converges: the default is within 1e-3 of a 2,001-step tree (extrapolated and plain) on a handful of cases', () => {
    const cases: BsmInput[] = [
      put,
      { right: 'P', spot: 100, strike: 100, years: 0.5, rate: 0.04, dividend: 0.015, vol: 0.3 },
      { right: 'C', spot: 110, strike: 100, years: 1, rate: 0.03, dividend: 0.06, vol: 0.25 },
      { right: 'P', spot: 40, strike: 50, years: 2, rate: 0.08, dividend: 0, vol: 0.4 },
      { right: 'P', spot: 100, strike: 100, years: 0.02, rate: 0.04, dividend: 0, vol: 0.6 },
      { right: 'C', spot: 95, strike: 100, years: 0.75, rate: 0.01, dividend: 0.04, vol: 0.35 },
    ];
    for (const c of cases) {
      const p = americanPrice(c);
      expect(Math.abs(p - americanPrice(c, { steps: 2001 }))).toBeLessThan(1e-3);
      expect(Math.abs(p - americanPrice(c, { steps: 2001, extrapolate: false }))).toBeLessThan(1e-3);
    }
  });

  it('years = 0 gives intrinsic value with bsm() conventions', () => {
    expect(american({ ...put, years: 0 })).toEqual(bsm({ ...put, years: 0 }));
    expect(american({ ...put, right: 'C', spot: 120, years: 0 }).price).toBe(20);
  });

  it('greeks have the expected signs and agree with finite differences of the price', () => {
    const r = american(put);
    expect(r.delta).toBeLessThan(0);
    expect(r.gamma).toBeGreaterThan(0);
    expect(r.theta).toBeLessThan(0);
    expect(r.vega).toBeGreaterThan(0);
    expect(r.rho).toBeLessThan(0);
    const h = 0.5;
    const fd = (americanPrice({ ...put, spot: put.spot + h }) - americanPrice({ ...put, spot: put.spot - h })) / (2 * h);
    expect(Math.abs(r.delta - fd)).toBeLessThan(5e-3);
  });

  it('deep in the money, the put is exercised at once: price = K − S, delta −1', () => {
    const r = american({ ...put, spot: 20 });
    expect(r.price).toBeCloseTo(80, 9);
    expect(r.delta).toBeCloseTo(-1, 9);
  });

  it('validates like bsm() and rejects bad step counts', () => {
    expect(() => american({ ...put, vol: -0.1 })).toThrow(PricingError);
    expect(() => american({ ...put, strike: 0 })).toThrow(/strike/);
    expect(() => americanPrice({ ...put, spot: Number.NaN })).toThrow(/spot/);
    expect(() => american(put, { steps: 0 })).toThrow(/steps/);
    expect(() => american(put, { steps: 1.5 })).toThrow(/steps/);
    try {
      american({ ...put, years: -1 });
    } catch (e) {
      expect(e).toBeInstanceOf(PricingError);
      expect((e as PricingError).code).toBe('PRICING_INPUT_INVALID');
    }
  });
});
