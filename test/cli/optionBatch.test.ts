import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/domain/errors.js';
import { bsm } from '../../engine/market/blackScholes.js';
import { american } from '../../engine/market/americanOption.js';
import { impliedVol } from '../../engine/market/impliedVolatility.js';
import { runOptionBatch } from '../../engine/cli/optionBatch.js';
import { contractFromRecord } from '../../engine/cli/optionContract.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).field;
  }
  throw new Error('expected an InputError');
}

const call = { type: 'call', spot: 100, strike: 105, years: 0.5 };

describe('contractFromRecord', () => {
  it('reads the flags\' field names, with rate, dividend and style defaulting as the flags do', () => {
    expect(contractFromRecord('price', { ...call, vol: 0.3 })).toEqual({ right: 'C', spot: 100, strike: 105, years: 0.5, rate: 0, dividend: 0, vol: 0.3, style: 'european' });
    expect(contractFromRecord('iv', { type: 'PUT', price: 4, spot: 100, strike: 105, years: 0.5, rate: -0.01, dividend: 0.02, style: 'American' })).toEqual({
      right: 'P', price: 4, spot: 100, strike: 105, years: 0.5, rate: -0.01, dividend: 0.02, style: 'american',
    });
  });

  it('names the field that is missing, of the wrong type, out of range or unknown', () => {
    expect(fieldOf(() => contractFromRecord('price', call))).toBe('vol');
    expect(fieldOf(() => contractFromRecord('iv', { ...call, vol: 0.3 }))).toBe('vol'); // a price-only field
    expect(fieldOf(() => contractFromRecord('iv', call))).toBe('price');
    expect(fieldOf(() => contractFromRecord('price', { ...call, vol: 0.3, strike: 0 }))).toBe('strike');
    expect(fieldOf(() => contractFromRecord('price', { ...call, vol: 0.3, spot: -1 }))).toBe('spot');
    expect(fieldOf(() => contractFromRecord('price', { ...call, vol: -0.1 }))).toBe('vol');
    expect(fieldOf(() => contractFromRecord('price', { ...call, vol: '0.3' }))).toBe('vol');
    expect(fieldOf(() => contractFromRecord('price', { ...call, vol: 0.3, type: 'straddle' }))).toBe('type');
    expect(fieldOf(() => contractFromRecord('price', { ...call, vol: 0.3, type: 1 }))).toBe('type');
    expect(fieldOf(() => contractFromRecord('price', { ...call, vol: 0.3, style: 'bermudan' }))).toBe('style');
    expect(fieldOf(() => contractFromRecord('price', { ...call, vol: 0.3, dividned: 0.01 }))).toBe('dividned');
    expect(fieldOf(() => contractFromRecord('price', [call]))).toBe('record');
    expect(fieldOf(() => contractFromRecord('price', null))).toBe('record');
  });
});

describe('runOptionBatch', () => {
  it('prices good lines, reports bad ones by line and field, and skips blank lines without breaking the order', () => {
    const text = [
      JSON.stringify({ ...call, vol: 0.3, rate: 0.04 }),
      '',
      JSON.stringify({ ...call, strike: -5, vol: 0.3 }),
      '   ',
      '{"type":"put",',
      JSON.stringify({ type: 'put', spot: 90, strike: 100, years: 1, rate: 0.05, vol: 0.2, style: 'american' }),
    ].join('\r\n');
    const results = runOptionBatch('price', `\uFEFF${text}\n`);
    expect(results).toHaveLength(4);
    expect(results[0]).toEqual(bsm({ right: 'C', spot: 100, strike: 105, years: 0.5, rate: 0.04, dividend: 0, vol: 0.3 }));
    expect(results[1]).toEqual({ error: 'line 3: strike: must be > 0, got -5' });
    expect((results[2] as { error: string }).error).toMatch(/^line 5: not valid JSON/);
    expect(results[3]).toEqual(american({ right: 'P', spot: 90, strike: 100, years: 1, rate: 0.05, dividend: 0, vol: 0.2 }));
    expect(Object.keys(results[0]!)).toEqual(['price', 'delta', 'gamma', 'theta', 'vega', 'rho']);
  });

  it('solves implied volatility per line; a price no volatility fits is that line\'s error, saying why', () => {
    const price = bsm({ right: 'C', spot: 100, strike: 105, years: 0.5, rate: 0.04, dividend: 0.01, vol: 0.25 }).price;
    const results = runOptionBatch('iv', [
      JSON.stringify({ ...call, price, rate: 0.04, dividend: 0.01 }),
      JSON.stringify({ ...call, price: 150 }),
      JSON.stringify({ ...call, years: 0, price: 1 }),
    ].join('\n'));
    expect(results[0]).toEqual({ iv: impliedVol({ right: 'C', price, spot: 100, strike: 105, years: 0.5, rate: 0.04, dividend: 0.01 }) });
    expect((results[0] as { iv: number }).iv).toBeCloseTo(0.25, 6);
    expect(results[1]).toEqual({ error: 'line 2: no implied volatility: price 150 is at or above the no-arbitrage bound 100' });
    expect((results[2] as { error: string }).error).toMatch(/^line 3: no implied volatility: the option is at expiry/);
  });

  it('gives no results for an empty file', () => {
    expect(runOptionBatch('iv', '')).toEqual([]);
    expect(runOptionBatch('price', '\n\n')).toEqual([]);
  });
});
