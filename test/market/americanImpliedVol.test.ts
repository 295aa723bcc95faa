import { describe, expect, it } from 'vitest';
import { PricingError } from '../../engine/domain/errors.js';
import { americanPrice } from '../../engine/market/americanOption.js';
import { americanImpliedVol, impliedVol, IV_MIN } from '../../engine/market/impliedVolatility.js';
import type { ImpliedVolInput } from '../../engine/market/impliedVolatility.js';

function reason(input: ImpliedVolInput): string {
  try {
    americanImpliedVol(input);
  } catch (e) {
    expect(e).toBeInstanceOf(PricingError);
    expect((e as PricingError).code).toBe('NO_IMPLIED_VOLATILITY');
    return (e as PricingError).message;
  }
  throw new Error('expected no implied volatility');
}

describe('americanImpliedVol', () => {
  it('recovers the volatility an American price was made with', () => {
    const cases = [
      { right: 'P' as const, spot: 90, strike: 100, years: 1, rate: 0.05, dividend: 0, vol: 0.2 },
      { right: 'P' as const, spot: 110, strike: 100, years: 0.25, rate: 0.03, dividend: 0.01, vol: 0.45 },
      { right: 'C' as const, spot: 100, strike: 95, years: 0.5, rate: 0.02, dividend: 0.06, vol: 0.3 },
    ];
    for (const { vol, ...contract } of cases) {
      const price = americanPrice({ ...contract, vol });
      expect(americanImpliedVol({ ...contract, price }), JSON.stringify(contract)).toBeCloseTo(vol, 5);
    }
  });

  it('equals the European answer for a call without dividends (never exercised early)', () => {
    const input = { right: 'C' as const, spot: 100, strike: 100, years: 1, rate: 0.05, dividend: 0, price: 10.45 };
    expect(americanImpliedVol(input)).toBeCloseTo(impliedVol(input), 3);
  });

  it('returns the lowest volatility when the price is the immediate exercise value of a deep put', () => {
    expect(americanImpliedVol({ right: 'P', spot: 50, strike: 100, years: 1, rate: 0.05, dividend: 0, price: 50 })).toBe(IV_MIN);
  });

  it('says why there is no answer', () => {
    const put = { right: 'P' as const, spot: 90, strike: 100, years: 1, rate: 0.05, dividend: 0 };
    expect(reason({ ...put, price: 9 })).toContain('below the immediate exercise value 10');
    expect(reason({ ...put, price: 100 })).toContain('at or above the no-arbitrage bound 100');
    expect(reason({ ...put, years: 0, price: 10 })).toContain('at expiry');
    expect(reason({ ...put, spot: 0, price: 50 })).toContain('underlying price is 0');
    expect(reason({ right: 'C', spot: 100, strike: 100, years: 0.1, rate: 0, dividend: 0, price: 60 })).toContain('needs a volatility above 5');
  });
});
