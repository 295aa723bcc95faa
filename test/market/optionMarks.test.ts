import { describe, expect, it } from 'vitest';
import { InputError, PricingError } from '../../engine/domain/errors.js';
import { optionContract } from '../../engine/domain/instrument.js';
import type { Bar, Timeframe } from '../../engine/domain/market.js';
import { sessionCloseUtc } from '../../engine/domain/session.js';
import { bsm } from '../../engine/market/blackScholes.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import { realizedVolatility } from '../../engine/market/realizedVolatility.js';

const DAY = 86_400_000;
const T0 = sessionCloseUtc('2025-01-02');

function bar(symbol: string, ts: number, close: number, timeframe: Timeframe = '1d'): Bar {
  return { symbol, timeframe, ts, open: close, high: close, low: close, close, volume: 1000 };
}

const aaplCall = optionContract({ underlying: 'AAPL', expiry: '2025-01-24', right: 'C', strike: 190 });
const nvdaPut = optionContract({ underlying: 'NVDA', expiry: '2025-01-24', right: 'P', strike: '135.5' });

describe('OptionMarkModel', () => {
  it('keeps the last price of every bar, intraday included', () => {
    const m = new OptionMarkModel();
    expect(m.lastPrice('AAPL')).toBeUndefined();
    m.onBar(bar('AAPL', T0, 185));
    m.onBar(bar('AAPL', T0 + 300_000, 186.5, '5m'));
    expect(m.lastPrice('AAPL')).toBe(186.5);
  });

  it('uses the fallback volatility until the daily window is warm, then the realised volatility', () => {
    const m = new OptionMarkModel({ volWindow: 3 });
    const closes = [100, 102, 99, 103];
    closes.slice(0, 3).forEach((c, i) => m.onBar(bar('NVDA', T0 + i * DAY, c)));
    expect(m.volatilityReady('NVDA')).toBe(false);
    expect(m.volatility('NVDA')).toBe(0.3);
    m.onBar(bar('NVDA', T0 + 3 * DAY, closes[3]!));
    expect(m.volatilityReady('NVDA')).toBe(true);
    expect(m.volatility('NVDA')).toBeCloseTo(realizedVolatility(closes, 3)!, 14);
    expect(m.volatility('UNKNOWN')).toBe(0.3);
  });

  it('feeds volatility from daily closes only, ignoring intraday bars and repeated daily bars', () => {
    const m = new OptionMarkModel({ volWindow: 2 });
    m.onBar(bar('AMD', T0, 100));
    m.onBar(bar('AMD', T0 + 300_000, 150, '5m'));
    m.onBar(bar('AMD', T0 + DAY, 101));
    m.onBar(bar('AMD', T0 + DAY, 80)); // same daily bar again
    m.onBar(bar('AMD', T0 + 2 * DAY - 300_000, 60, '5m'));
    m.onBar(bar('AMD', T0 + 2 * DAY, 99));
    expect(m.volatility('AMD')).toBeCloseTo(realizedVolatility([100, 101, 99], 2)!, 14);
  });

  it('prices with BSM: r 0.04, the per-ticker dividend yield, time to 16:00 New York on expiry', () => {
    const m = new OptionMarkModel();
    m.onBar(bar('AAPL', T0, 185));
    const years = (sessionCloseUtc('2025-01-24') - T0) / (365 * DAY);
    const expected = bsm({ right: 'C', spot: 185, strike: 190, years, rate: 0.04, dividend: 0.005, vol: 0.3 });
    expect(m.price(aaplCall, T0)).toBeCloseTo(expected.price, 14);
    expect(m.greeks(aaplCall, T0)).toEqual(expected);
    // An explicit underlying price wins over the last one seen.
    expect(m.price(aaplCall, T0, 200)).toBeCloseTo(bsm({ right: 'C', spot: 200, strike: 190, years, rate: 0.04, dividend: 0.005, vol: 0.3 }).price, 14);
  });

  it('uses 0.015 for tickers without a listed dividend yield, and fractional strikes', () => {
    const m = new OptionMarkModel({ rate: 0.05, fallbackVol: 0.45 });
    expect(m.dividendYield('NVDA')).toBe(0.015);
    expect(m.dividendYield('MSFT')).toBe(0.007);
    const years = (sessionCloseUtc('2025-01-24') - T0) / (365 * DAY);
    const expected = bsm({ right: 'P', spot: 140, strike: 135.5, years, rate: 0.05, dividend: 0.015, vol: 0.45 });
    expect(m.price(nvdaPut, T0, 140)).toBeCloseTo(expected.price, 14);
  });

  it('greeksInto writes into the caller object', () => {
    const m = new OptionMarkModel();
    const out = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
    const r = m.greeksInto(out, aaplCall, T0, 190);
    expect(r).toBe(out);
    expect(out.delta).toBeGreaterThan(0.4);
    expect(out.delta).toBeLessThan(0.6);
  });

  it('prices at intrinsic from the expiry close on', () => {
    const m = new OptionMarkModel();
    expect(m.price(aaplCall, sessionCloseUtc('2025-01-24'), 195)).toBe(5);
    expect(m.price(aaplCall, sessionCloseUtc('2025-01-24') + DAY, 185)).toBe(0);
  });

  it('refuses to price without an underlying price', () => {
    const m = new OptionMarkModel();
    expect(() => m.price(aaplCall, T0)).toThrow(PricingError);
    expect(() => m.price(aaplCall, T0)).toThrow(/underlyingPrice: no price given and no bar seen for AAPL/);
    expect(() => m.price(aaplCall, Number.NaN, 100)).toThrow(/nowTs/);
    expect(() => m.price(aaplCall, T0, -1)).toThrow(/spot/);
  });

  it('validates its options, naming them', () => {
    expect(() => new OptionMarkModel({ rate: Number.NaN })).toThrow(InputError);
    expect(() => new OptionMarkModel({ rate: Number.NaN })).toThrow(/rate/);
    expect(() => new OptionMarkModel({ fallbackVol: 0 })).toThrow(/fallbackVol/);
    expect(() => new OptionMarkModel({ fallbackVol: -0.3 })).toThrow(/fallbackVol/);
    expect(() => new OptionMarkModel({ volWindow: 1 })).toThrow(/volWindow/);
    expect(new OptionMarkModel()).toMatchObject({ rate: 0.04, fallbackVol: 0.3, volWindow: 20 });
  });
});
