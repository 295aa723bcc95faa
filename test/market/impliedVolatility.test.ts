import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PricingError } from '../../engine/domain/errors.js';
import { bsm } from '../../engine/market/blackScholes.js';
import type { ImpliedVolInput } from '../../engine/market/impliedVolatility.js';
import { impliedVol, IV_MAX, IV_MIN } from '../../engine/market/impliedVolatility.js';

const base: Omit<ImpliedVolInput, 'price'> = { right: 'C', spot: 100, strike: 105, years: 0.25, rate: 0.04, dividend: 0.015 };

function noIv(input: ImpliedVolInput): PricingError {
  try {
    impliedVol(input);
  } catch (e) {
    expect(e).toBeInstanceOf(PricingError);
    return e as PricingError;
  }
  throw new Error('expected impliedVol to throw');
}

describe('impliedVol', () => {
  it("recovers Hull's example volatility of 20 %", () => {
    expect(impliedVol({ right: 'C', price: 4.759422392871533, spot: 42, strike: 40, years: 0.5, rate: 0.1, dividend: 0 })).toBeCloseTo(0.2, 9);
    expect(impliedVol({ right: 'P', price: 0.8085993729000936, spot: 42, strike: 40, years: 0.5, rate: 0.1, dividend: 0 })).toBeCloseTo(0.2, 9);
  });

  it('round-trips bsm for random σ in (0.01, 4) where vega is not negligible', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'C' | 'P'>('C', 'P'),
        fc.double({ min: 5, max: 500, noNaN: true }),
        fc.double({ min: 0.7, max: 1.4, noNaN: true }),
        fc.double({ min: 0.02, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 0.08, noNaN: true }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        fc.double({ min: 0.01, max: 4, noNaN: true }),
        (right, spot, moneyness, years, rate, dividend, vol) => {
          const strike = spot * moneyness;
          const g = bsm({ right, spot, strike, years, rate, dividend, vol });
          // Vega per unit σ relative to the price scale: below this a price
          // rounding of 1e-13 moves σ by more than the tolerance.
          fc.pre(g.vega * 100 > 1e-4 * spot);
          const iv = impliedVol({ right, price: g.price, spot, strike, years, rate, dividend });
          expect(Math.abs(iv - vol)).toBeLessThanOrEqual(1e-6);
        },
      ),
      { seed: 20240611, numRuns: 2000 },
    );
  });

  it('converges where plain Newton from 0.3 overshoots (deep OTM, high vol, long dated)', () => {
    for (const [strike, vol, years] of [
      [300, 3.5, 2],
      [115, 0.25, 0.05],
      [98, 0.02, 0.05],
      [180, 0.8, 0.1],
      [100, 4.5, 3],
    ] as const) {
      const price = bsm({ ...base, strike, vol, years }).price;
      expect(impliedVol({ ...base, strike, years, price })).toBeCloseTo(vol, 5);
    }
  });

  it('always terminates with a finite σ in [IV_MIN, IV_MAX] or a typed error, never NaN', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'C' | 'P'>('C', 'P'),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 1, max: 300, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (right, price, strike, years) => {
          try {
            const iv = impliedVol({ right, price, spot: 100, strike, years, rate: 0.04, dividend: 0.01 });
            expect(iv).toBeGreaterThanOrEqual(IV_MIN);
            expect(iv).toBeLessThanOrEqual(IV_MAX);
          } catch (e) {
            expect(e).toBeInstanceOf(PricingError);
          }
        },
      ),
      { seed: 5, numRuns: 2000 },
    );
  });

  it('refuses a price below the discounted intrinsic value, naming why', () => {
    // Intrinsic of the forward: 120 e^{−qT} − 105 e^{−rT} ≈ 14.59.
    const e = noIv({ ...base, strike: 105, spot: 120, price: 14 });
    expect(e.code).toBe('NO_IMPLIED_VOLATILITY');
    expect(e.message).toMatch(/below the discounted intrinsic value/);
    expect(e.details.field).toBe('price');
  });

  it('refuses a price at or above the no-arbitrage bound', () => {
    const call = noIv({ ...base, price: 100 });
    expect(call.code).toBe('NO_IMPLIED_VOLATILITY');
    expect(call.message).toMatch(/no-arbitrage bound/);
    const put = noIv({ ...base, right: 'P', price: 105 });
    expect(put.message).toMatch(/no-arbitrage bound/);
  });

  it('refuses prices that need a volatility outside [0.001, 5]', () => {
    // r = q puts the forward at the spot, so an at-the-money price is proportional to σ.
    const atm = { ...base, strike: 100, rate: 0.03, dividend: 0.03 };
    const low = noIv({ ...atm, price: bsm({ ...atm, vol: 0.0005 }).price });
    expect(low.code).toBe('NO_IMPLIED_VOLATILITY');
    expect(low.message).toMatch(/below 0.001/);
    expect(impliedVol({ ...atm, price: bsm({ ...atm, vol: 0.0011 }).price })).toBeCloseTo(0.0011, 8);
    expect(noIv({ ...base, price: bsm({ ...base, vol: 6 }).price }).message).toMatch(/above 5/);
  });

  it('refuses an option with no time value left', () => {
    expect(noIv({ ...base, years: 0, price: 1 }).message).toMatch(/years = 0/);
    expect(noIv({ ...base, right: 'P', spot: 0, price: 100 }).message).toMatch(/underlying price is 0/);
  });

  it('rejects malformed inputs with PRICING_INPUT_INVALID naming the field', () => {
    for (const [field, bad] of [
      ['price', { price: Number.NaN }],
      ['price', { price: -1 }],
      ['spot', { spot: -1 }],
      ['strike', { strike: 0 }],
      ['years', { years: -1 }],
      ['rate', { rate: Number.NaN }],
    ] as const) {
      const e = noIv({ ...base, price: 1, ...bad });
      expect(e.code).toBe('PRICING_INPUT_INVALID');
      expect(e.details.field).toBe(field);
    }
  });
});
