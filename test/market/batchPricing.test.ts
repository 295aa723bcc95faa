import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PricingError } from '../../engine/domain/errors.js';
import { bsm } from '../../engine/market/blackScholes.js';
import {
  CALL,
  PUT,
  allocateGreeksColumns,
  allocateOptionColumns,
  bsmGreeksBatch,
  bsmPriceBatch,
  type GreeksColumns,
  type OptionColumns,
} from '../../engine/market/batchPricing.js';

interface Row {
  right: 'C' | 'P';
  spot: number;
  strike: number;
  years: number;
  rate: number;
  dividend: number;
  vol: number;
}

function columnsOf(rows: readonly Row[]): OptionColumns {
  const c = allocateOptionColumns(rows.length);
  rows.forEach((r, i) => {
    c.right[i] = r.right === 'C' ? CALL : PUT;
    c.spot[i] = r.spot;
    c.strike[i] = r.strike;
    c.years[i] = r.years;
    c.rate[i] = r.rate;
    c.dividend[i] = r.dividend;
    c.vol[i] = r.vol;
  });
  return c;
}

const GREEKS = ['price', 'delta', 'gamma', 'theta', 'vega', 'rho'] as const;

/** |a − b| ≤ 1e-12 · max(1, |b|): the batch's Φ differs from the scalar one only in the last ulps of e^{−x²/2}. */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
}

const row: fc.Arbitrary<Row> = fc.record({
  right: fc.constantFrom<'C' | 'P'>('C', 'P'),
  spot: fc.oneof(fc.double({ min: 0.01, max: 5_000, noNaN: true }), fc.constant(0)),
  strike: fc.double({ min: 0.01, max: 5_000, noNaN: true }),
  years: fc.oneof(fc.double({ min: 1e-6, max: 30, noNaN: true }), fc.constant(0)),
  rate: fc.double({ min: -0.02, max: 0.15, noNaN: true }),
  dividend: fc.double({ min: 0, max: 0.1, noNaN: true }),
  vol: fc.oneof(fc.double({ min: 0.001, max: 5, noNaN: true }), fc.constant(0)),
});

describe('bsmGreeksBatch / bsmPriceBatch', () => {
  it("Hull's example 15.6 (S 42, K 40, r 10 %, T 0.5, σ 20 %): call 4.76, put 0.81", () => {
    const c = columnsOf([
      { right: 'C', spot: 42, strike: 40, years: 0.5, rate: 0.1, dividend: 0, vol: 0.2 },
      { right: 'P', spot: 42, strike: 40, years: 0.5, rate: 0.1, dividend: 0, vol: 0.2 },
    ]);
    const out = allocateGreeksColumns(2);
    bsmGreeksBatch(c, out);
    expect(out.price[0]).toBeCloseTo(4.7594, 4);
    expect(out.price[1]).toBeCloseTo(0.8086, 4);
  });

  it('every row equals the scalar bsm() to 1e-12, including the degenerate limits (T = 0, σ = 0, S = 0)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), (rows) => {
        const c = columnsOf(rows);
        const out = allocateGreeksColumns(rows.length);
        const prices = new Float64Array(rows.length);
        bsmGreeksBatch(c, out);
        bsmPriceBatch(c, prices);
        rows.forEach((r, i) => {
          const ref = bsm(r);
          for (const g of GREEKS) {
            if (!close(out[g][i]!, ref[g])) throw new Error(`row ${i} ${g}: batch ${out[g][i]} vs scalar ${ref[g]} for ${JSON.stringify(r)}`);
          }
          expect(prices[i]).toBe(out.price[i]);
        });
      }),
    );
  });

  it('writes only rows [from, to)', () => {
    const rows: Row[] = Array.from({ length: 6 }, (_, i) => ({ right: i % 2 ? 'P' : 'C', spot: 100, strike: 90 + 5 * i, years: 0.25, rate: 0.03, dividend: 0.01, vol: 0.25 }));
    const c = columnsOf(rows);
    const out = allocateGreeksColumns(6);
    for (const g of GREEKS) out[g].fill(-7);
    bsmGreeksBatch(c, out, 2, 4);
    const prices = new Float64Array(6).fill(-7);
    bsmPriceBatch(c, prices, 1, 3);
    for (const g of GREEKS) {
      expect([out[g][0], out[g][1], out[g][4], out[g][5]]).toEqual([-7, -7, -7, -7]);
      expect(close(out[g][2]!, bsm(rows[2]!)[g]) && close(out[g][3]!, bsm(rows[3]!)[g])).toBe(true);
    }
    expect([prices[0], prices[3], prices[4], prices[5]]).toEqual([-7, -7, -7, -7]);
    expect(prices[1]).toBeGreaterThan(0);
  });

  it('a bad row is a PricingError naming the row and the field; NaN is never written silently', () => {
    const good: Row = { right: 'C', spot: 100, strike: 100, years: 1, rate: 0.02, dividend: 0, vol: 0.2 };
    const cases: Array<[Partial<Row>, string]> = [
      [{ spot: Number.NaN }, 'spot'],
      [{ spot: -1 }, 'spot'],
      [{ strike: 0 }, 'strike'],
      [{ years: -0.1 }, 'years'],
      [{ vol: Number.POSITIVE_INFINITY }, 'vol'],
      [{ rate: Number.NaN }, 'rate'],
      [{ dividend: Number.NaN }, 'dividend'],
    ];
    for (const [patch, field] of cases) {
      const c = columnsOf([good, good, { ...good, ...patch }]);
      const out = allocateGreeksColumns(3);
      let err: unknown;
      try {
        bsmGreeksBatch(c, out);
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(PricingError);
      expect((err as PricingError).code).toBe('PRICING_INPUT_INVALID');
      expect((err as PricingError).details).toMatchObject({ field, row: 2 });
      expect((err as PricingError).message).toMatch(new RegExp(`^row 2: ${field}:`));
      expect(() => bsmPriceBatch(c, new Float64Array(3))).toThrow(/row 2/);
    }
    const c = columnsOf([good]);
    c.right[0] = 7;
    expect(() => bsmPriceBatch(c, new Float64Array(1))).toThrow(/row 0: right: must be 1 \(call\) or 0 \(put\), got 7/);
  });

  it('short columns and bad ranges are refused before anything is written', () => {
    const c = columnsOf([{ right: 'C', spot: 100, strike: 100, years: 1, rate: 0, dividend: 0, vol: 0.2 }]);
    const shortVol: OptionColumns = { ...c, spot: new Float64Array([100, 100]), vol: new Float64Array(1) };
    expect(() => bsmPriceBatch(shortVol, new Float64Array(2))).toThrow(/strike: column has 1 rows, need 2/);
    const out: GreeksColumns = { ...allocateGreeksColumns(1), rho: new Float64Array(0) };
    expect(() => bsmGreeksBatch(c, out)).toThrow(/output: column has 0 rows/);
    expect(() => bsmPriceBatch(c, new Float64Array(1), 1, 0)).toThrow(/range/);
    expect(() => bsmPriceBatch(c, new Float64Array(1), 0, 2)).toThrow(/range/);
  });
});
