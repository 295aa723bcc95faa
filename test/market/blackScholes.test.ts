import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PricingError } from '../../engine/domain/errors.js';
import type { BsmInput } from '../../engine/market/blackScholes.js';
import { bsm, normCdf, normPdf } from '../../engine/market/blackScholes.js';

// Reference values from mpmath at 40 digits.
const CDF_REFERENCE: readonly [number, number][] = [
  [-37, 5.725571222524577e-300],
  [-20, 2.7536241186062337e-89],
  [-10, 7.619853024160525e-24],
  [-8, 6.220960574271784e-16],
  [-5.657, 7.702088172177601e-9],
  [-5, 2.866515718791939e-7],
  [-3, 0.0013498980316300946],
  [-1, 0.15865525393145705],
  [-0.6744, 0.2500285213729406],
  [-0.5, 0.3085375387259869],
  [0, 0.5],
  [0.3, 0.6179114221889527],
  [1, 0.8413447460685429],
  [1.96, 0.9750021048517795],
  [5, 0.9999997133484281],
  [8, 0.9999999999999993],
];

const base: BsmInput = { right: 'C', spot: 100, strike: 100, years: 0.5, rate: 0.04, dividend: 0.015, vol: 0.3 };

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe('normCdf', () => {
  it.each(CDF_REFERENCE)('Φ(%d) matches the reference to 1e-14 relative', (x, ref) => {
    expect(relErr(normCdf(x), ref)).toBeLessThan(1e-14);
  });

  it('is symmetric, monotone and saturates', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        expect(Math.abs(normCdf(x) + normCdf(-x) - 1)).toBeLessThan(1e-15);
        expect(normCdf(x + 0.01)).toBeGreaterThanOrEqual(normCdf(x));
      }),
    );
    expect(normCdf(-50)).toBe(0);
    expect(normCdf(50)).toBe(1);
    expect(normCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normPdf(0)).toBeCloseTo(0.3989422804014327, 15);
  });
});

describe('bsm reference values', () => {
  it("reproduces Hull's example (S 42, K 40, r 10 %, σ 20 %, T 0.5): call 4.76, put 0.81", () => {
    const call = bsm({ right: 'C', spot: 42, strike: 40, years: 0.5, rate: 0.1, dividend: 0, vol: 0.2 });
    const put = bsm({ right: 'P', spot: 42, strike: 40, years: 0.5, rate: 0.1, dividend: 0, vol: 0.2 });
    expect(call.price).toBeCloseTo(4.759422392871533, 12);
    expect(put.price).toBeCloseTo(0.8085993729000936, 12);
    expect(call.price.toFixed(2)).toBe('4.76');
    expect(put.price.toFixed(2)).toBe('0.81');
  });

  it('prices with a dividend yield', () => {
    expect(bsm({ ...base, spot: 100, strike: 95, years: 0.25 }).price).toBeCloseTo(8.995039575335126, 12);
    expect(bsm({ ...base, right: 'P', spot: 100, strike: 95, years: 0.25 }).price).toBeCloseTo(3.4240715345889834, 12);
  });

  it('keeps relative accuracy deep out of the money', () => {
    const call = bsm({ right: 'C', spot: 100, strike: 200, years: 0.1, rate: 0.04, dividend: 0, vol: 0.2 });
    expect(relErr(call.price, 4.8310556983635095e-28)).toBeLessThan(1e-6);
    const put = bsm({ right: 'P', spot: 100, strike: 40, years: 0.1, rate: 0.04, dividend: 0, vol: 0.2 });
    expect(relErr(put.price, 7.80980456436454e-49)).toBeLessThan(1e-6);
  });

  it('deep in the money: price → discounted forward intrinsic, |delta| → e^{−qT}', () => {
    const call = bsm({ ...base, strike: 10 });
    expect(call.price).toBeCloseTo(100 * Math.exp(-0.015 * 0.5) - 10 * Math.exp(-0.04 * 0.5), 10);
    expect(call.delta).toBeCloseTo(Math.exp(-0.015 * 0.5), 12);
    expect(call.gamma).toBeLessThan(1e-12);
    const put = bsm({ ...base, right: 'P', strike: 1000 });
    expect(put.delta).toBeCloseTo(-Math.exp(-0.015 * 0.5), 12);
  });
});

const inputs = fc.record({
  spot: fc.double({ min: 1, max: 1000, noNaN: true }),
  moneyness: fc.double({ min: 0.5, max: 2, noNaN: true }),
  years: fc.double({ min: 0.02, max: 3, noNaN: true }),
  rate: fc.double({ min: -0.01, max: 0.1, noNaN: true }),
  dividend: fc.double({ min: 0, max: 0.06, noNaN: true }),
  vol: fc.double({ min: 0.1, max: 2, noNaN: true }),
});

describe('bsm properties', () => {
  it('satisfies put–call parity: C − P = S e^{−qT} − K e^{−rT}', () => {
    fc.assert(
      fc.property(inputs, ({ spot, moneyness, years, rate, dividend, vol }) => {
        const strike = spot * moneyness;
        const c = bsm({ right: 'C', spot, strike, years, rate, dividend, vol });
        const p = bsm({ right: 'P', spot, strike, years, rate, dividend, vol });
        const forward = spot * Math.exp(-dividend * years) - strike * Math.exp(-rate * years);
        expect(Math.abs(c.price - p.price - forward)).toBeLessThan(1e-10 * spot);
        // Greeks obey the same parity.
        expect(c.delta - p.delta).toBeCloseTo(Math.exp(-dividend * years), 12);
        expect(c.gamma).toBeCloseTo(p.gamma, 12);
        expect(c.vega).toBeCloseTo(p.vega, 10);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('is monotone: calls rise and puts fall with spot; both rise with vol; with q = 0 a call and with r = 0 a put rise with time', () => {
    const bump = fc.double({ min: 1.001, max: 2, noNaN: true });
    fc.assert(
      fc.property(inputs, bump, fc.constantFrom<'C' | 'P'>('C', 'P'), ({ spot, moneyness, years, rate, dividend, vol }, k, right) => {
        const strike = spot * moneyness;
        const base = { right, spot, strike, years, rate, dividend, vol };
        const p0 = bsm(base).price;
        const tol = 1e-12 * Math.max(1, spot);
        const upSpot = bsm({ ...base, spot: spot * k }).price;
        if (right === 'C') expect(upSpot).toBeGreaterThanOrEqual(p0 - tol);
        else expect(upSpot).toBeLessThanOrEqual(p0 + tol);
        expect(bsm({ ...base, vol: vol * k }).price).toBeGreaterThanOrEqual(p0 - tol);
        const later = (r: number, q: number) => [bsm({ ...base, rate: r, dividend: q }).price, bsm({ ...base, rate: r, dividend: q, years: years * k }).price] as const;
        const [shortT, longT] = right === 'C' ? later(Math.max(0, rate), 0) : later(0, dividend);
        expect(longT).toBeGreaterThanOrEqual(shortT - tol);
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('very long T (100 years): finite, call → S e^{−qT}, put → K e^{−rT} minus a vanishing forward', () => {
    const c = bsm({ right: 'C', spot: 100, strike: 100, years: 100, rate: 0.04, dividend: 0.01, vol: 0.3 });
    const p = bsm({ right: 'P', spot: 100, strike: 100, years: 100, rate: 0.04, dividend: 0.01, vol: 0.3 });
    for (const r of [c, p]) for (const v of Object.values(r)) expect(Number.isFinite(v)).toBe(true);
    expect(c.price).toBeLessThanOrEqual(100 * Math.exp(-1));
    expect(c.price).toBeGreaterThan(0.95 * 100 * Math.exp(-1));
    expect(c.price - p.price).toBeCloseTo(100 * Math.exp(-1) - 100 * Math.exp(-4), 10);
  });

  it('greeks match central finite differences', () => {
    fc.assert(
      fc.property(inputs, fc.constantFrom<'C' | 'P'>('C', 'P'), ({ spot, moneyness, years, rate, dividend, vol }, right) => {
        const strike = spot * moneyness;
        const x: BsmInput = { right, spot, strike, years, rate, dividend, vol };
        const g = bsm(x);
        const px = (o: Partial<BsmInput>): number => bsm({ ...x, ...o }).price;
        const hS = spot * 1e-4;
        const delta = (px({ spot: spot + hS }) - px({ spot: spot - hS })) / (2 * hS);
        const gamma = (px({ spot: spot + hS }) - 2 * g.price + px({ spot: spot - hS })) / (hS * hS);
        const hV = 1e-5;
        const vega = ((px({ vol: vol + hV }) - px({ vol: vol - hV })) / (2 * hV)) * 0.01;
        const rho = ((px({ rate: rate + hV }) - px({ rate: rate - hV })) / (2 * hV)) * 0.01;
        const hT = Math.min(1e-5, years / 10);
        const theta = (-(px({ years: years + hT }) - px({ years: years - hT })) / (2 * hT)) / 365;
        const scale = spot;
        expect(Math.abs(g.delta - delta)).toBeLessThan(1e-6);
        expect(Math.abs(g.gamma - gamma)).toBeLessThan(1e-4 * Math.max(g.gamma, 1e-3));
        expect(Math.abs(g.vega - vega)).toBeLessThan(1e-7 * scale);
        expect(Math.abs(g.rho - rho)).toBeLessThan(1e-7 * scale);
        expect(Math.abs(g.theta - theta)).toBeLessThan(1e-7 * scale);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('the dividend term of theta has the right sign (a defect of the original)', () => {
    // Deep ITM call with a large yield: holding it forgoes the dividend, so time passing helps.
    const g = bsm({ right: 'C', spot: 100, strike: 20, years: 1, rate: 0, dividend: 0.1, vol: 0.2 });
    const later = bsm({ right: 'C', spot: 100, strike: 20, years: 1 - 1 / 365, rate: 0, dividend: 0.1, vol: 0.2 });
    expect(g.theta).toBeGreaterThan(0);
    expect(g.theta).toBeCloseTo(later.price - g.price, 5);
  });
});

describe('bsm edge cases', () => {
  it('years = 0 gives intrinsic value and step deltas, zero gamma/theta/vega/rho', () => {
    const itm = bsm({ ...base, spot: 110, years: 0 });
    expect(itm).toEqual({ price: 10, delta: 1, gamma: 0, theta: 0, vega: 0, rho: 0 });
    const otm = bsm({ ...base, spot: 90, years: 0 });
    expect(otm).toEqual({ price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 });
    expect(bsm({ ...base, right: 'P', spot: 90, years: 0 })).toMatchObject({ price: 10, delta: -1 });
    expect(bsm({ ...base, right: 'P', spot: 110, years: 0 })).toMatchObject({ price: 0, delta: 0 });
  });

  it('years = 0 at the money: delta is ±0.5, the limit as T → 0', () => {
    expect(bsm({ ...base, years: 0 })).toMatchObject({ price: 0, delta: 0.5 });
    expect(bsm({ ...base, right: 'P', years: 0 })).toMatchObject({ price: 0, delta: -0.5 });
    expect(bsm({ ...base, years: 1e-12 }).delta).toBeCloseTo(0.5, 4);
  });

  it('vol = 0 gives the discounted intrinsic value of the forward, and small vol converges to it', () => {
    const call = bsm({ ...base, strike: 95, vol: 0 });
    const intrinsic = 100 * Math.exp(-0.015 * 0.5) - 95 * Math.exp(-0.04 * 0.5);
    expect(call.price).toBeCloseTo(intrinsic, 12);
    expect(call.delta).toBeCloseTo(Math.exp(-0.015 * 0.5), 14);
    expect(call.gamma).toBe(0);
    expect(call.vega).toBe(0);
    expect(bsm({ ...base, strike: 95, vol: 1e-9 }).price).toBeCloseTo(intrinsic, 10);
    expect(bsm({ ...base, strike: 95, vol: 1e-9 }).theta).toBeCloseTo(call.theta, 10);
    expect(bsm({ ...base, strike: 95, vol: 1e-9 }).rho).toBeCloseTo(call.rho, 10);
    const put = bsm({ ...base, right: 'P', strike: 95, vol: 0 });
    expect(put).toMatchObject({ price: 0, delta: 0, gamma: 0, vega: 0, theta: 0, rho: 0 });
    const itmPut = bsm({ ...base, right: 'P', strike: 120, vol: 0 });
    expect(itmPut.price).toBeCloseTo(120 * Math.exp(-0.04 * 0.5) - 100 * Math.exp(-0.015 * 0.5), 12);
    expect(itmPut.theta).toBeCloseTo(bsm({ ...base, right: 'P', strike: 120, vol: 1e-9 }).theta, 10);
  });

  it('vol = 0 exactly at the forward: half deltas and the finite vega limit, never NaN', () => {
    // r = q makes the forward exactly the spot, so S e^{−qT} = K e^{−rT} holds bit for bit.
    const atForward: BsmInput = { ...base, spot: 100, strike: 100, rate: 0.02, dividend: 0.02, vol: 0 };
    const g = bsm(atForward);
    for (const v of Object.values(g)) expect(Number.isFinite(v)).toBe(true);
    expect(g.price).toBe(0);
    expect(g.delta).toBeCloseTo(0.5 * Math.exp(-0.02 * 0.5), 15);
    expect(g.vega).toBeGreaterThan(0);
    expect(g.vega).toBeCloseTo(bsm({ ...atForward, vol: 1e-8 }).vega, 8);
    expect(bsm({ ...atForward, right: 'P' }).delta).toBeCloseTo(-0.5 * Math.exp(-0.02 * 0.5), 15);
  });

  it('spot = 0: the call is worthless, the put is worth the discounted strike', () => {
    expect(bsm({ ...base, spot: 0 })).toMatchObject({ price: 0, delta: 0, gamma: 0 });
    const put = bsm({ ...base, right: 'P', spot: 0 });
    expect(put.price).toBeCloseTo(100 * Math.exp(-0.04 * 0.5), 12);
    for (const v of Object.values(put)) expect(Number.isFinite(v)).toBe(true);
  });

  it('never returns NaN or a negative price over a wide range', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'C' | 'P'>('C', 'P'),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (right, spot, strike, years, rate, dividend, vol) => {
          const g = bsm({ right, spot, strike, years, rate, dividend, vol });
          expect(g.price).toBeGreaterThanOrEqual(0);
          for (const v of [g.delta, g.theta, g.vega, g.rho]) expect(Number.isNaN(v)).toBe(false);
          expect(Number.isNaN(g.gamma)).toBe(false);
        },
      ),
      { seed: 3, numRuns: 1000 },
    );
  });
});

describe('bsm input validation', () => {
  const cases: [string, Partial<BsmInput>][] = [
    ['spot', { spot: -1 }],
    ['spot', { spot: Number.NaN }],
    ['spot', { spot: Number.POSITIVE_INFINITY }],
    ['strike', { strike: 0 }],
    ['strike', { strike: -5 }],
    ['strike', { strike: Number.NaN }],
    ['years', { years: -0.1 }],
    ['years', { years: Number.NaN }],
    ['vol', { vol: -0.2 }],
    ['vol', { vol: Number.NaN }],
    ['rate', { rate: Number.POSITIVE_INFINITY }],
    ['rate', { rate: Number.NaN }],
    ['dividend', { dividend: Number.NaN }],
    ['right', { right: 'X' as 'C' }],
  ];
  it.each(cases)('rejects a bad %s with PRICING_INPUT_INVALID naming it', (field, bad) => {
    let err: unknown;
    try {
      bsm({ ...base, ...bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PricingError);
    const pe = err as PricingError;
    expect(pe.code).toBe('PRICING_INPUT_INVALID');
    expect(pe.details.field).toBe(field);
    expect(pe.message).toContain(field);
  });
});
