import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataError, InputError } from '../../../engine/domain/errors.js';
import { bsm } from '../../../engine/market/blackScholes.js';
import { computeVar, type VarRequest } from '../../../engine/risk/var/computeVar.js';
import { weightedPortfolio, type Portfolio } from '../../../engine/risk/var/portfolio.js';
import { returnsTable } from '../../../engine/risk/var/returnsTable.js';
import { varCvarOfPnl } from '../../../engine/risk/var/lossQuantile.js';
import { normalVar } from '../../../engine/risk/var/parametricVar.js';
import { datesFrom, syntheticTable, tableOf } from './varFixtures.js';

function request(table: VarRequest['table'], portfolio: Portfolio, more: Partial<VarRequest> = {}): VarRequest {
  return { table, portfolio, methods: ['historical'], confidences: [0.95, 0.99], horizonDays: 1, dist: 'normal', nu: 5, paths: 20_000, seed: 42, ...more };
}

/** Returns −0.001·k for k = 1…100 in a scrambled order. */
const ladder = Array.from({ length: 100 }, (_, i) => -(((i * 37) % 100) + 1) / 1000);

describe('computeVar: historical', () => {
  it('hand-computed: losses $1k…$100k on $1m → VaR₉₅ $95k, CVaR₉₅ $98k; over 4 days ×√4', async () => {
    const t = tableOf({ SPY: ladder });
    const [r95, r99] = await computeVar(request(t, weightedPortfolio(['SPY'], 1_000_000)));
    expect(r95).toMatchObject({ method: 'historical', confidence: 0.95, horizonDays: 1, observations: 100 });
    expect(r95!.var).toBeCloseTo(95_000, 6);
    expect(r95!.cvar).toBeCloseTo(98_000, 6);
    expect(r99!.var).toBeCloseTo(99_000, 6);
    expect(r99!.cvar).toBeCloseTo(100_000, 6);
    const [h4] = await computeVar(request(t, weightedPortfolio(['SPY'], 1_000_000), { horizonDays: 4 }));
    expect(h4!.var).toBeCloseTo(190_000, 6);
  });

  it('is invariant to the order of the rows (property)', async () => {
    const t = syntheticTable({ assets: 3, rows: 120, seed: 3 });
    const p = weightedPortfolio(t.assets, 250_000, [0.5, -0.2, 0.7]);
    const base = await computeVar(request(t, p));
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([...Array(120).keys()], { minLength: 120, maxLength: 120 }), async (order) => {
        const shuffled = returnsTable(
          t.assets,
          order.map((i) => t.dates[i]!),
          t.columns.map((c) => order.map((i) => c[i]!)),
        );
        const r = await computeVar(request(shuffled, p));
        r.forEach((x, i) => {
          expect(x.var).toBeCloseTo(base[i]!.var, 6);
          expect(x.cvar).toBeCloseTo(base[i]!.cvar, 6);
        });
      }),
      { numRuns: 20 },
    );
  });

  it('revalues an options book in full on each historical day (spot S₀(1 + r), T − 1/252)', async () => {
    const r = ladder.map((x, i) => (i % 2 === 0 ? -x : x)); // ±0.1 % … ±10 %
    const t = tableOf({ XYZ: r });
    const option = { asset: 'XYZ', right: 'C' as const, strike: 100, years: 30 / 365, rate: 0.04, dividend: 0, vol: 0.4, quantity: -5 };
    const book: Portfolio = { stocks: [{ asset: 'XYZ', value: 20_000 }], options: [option], spots: { XYZ: 100 } };
    const [got] = await computeVar(request(t, book, { confidences: [0.95] }));
    const p0 = bsm({ ...option, right: 'C', spot: 100 }).price;
    const pnl = r.map((x) => 20_000 * x - 500 * (bsm({ ...option, right: 'C', spot: 100 * (1 + x), years: 30 / 365 - 1 / 252 }).price - p0));
    const want = varCvarOfPnl(pnl, 0.95);
    expect(got!.var).toBeCloseTo(want.var, 6);
    expect(got!.cvar).toBeCloseTo(want.cvar, 6);
  });
});

describe('computeVar: all methods', () => {
  const t = syntheticTable({ assets: 5, rows: 400, seed: 11 });

  it('reports every method at every confidence in order, with the distribution and Monte Carlo settings', async () => {
    const r = await computeVar(request(t, weightedPortfolio(t.assets, 1e6), { methods: ['historical', 'parametric', 'cornish-fisher', 'montecarlo'], dist: 't', nu: 6 }));
    expect(r.map((x) => `${x.method}@${x.confidence}`)).toEqual([
      'historical@0.95',
      'historical@0.99',
      'parametric@0.95',
      'parametric@0.99',
      'cornish-fisher@0.95',
      'cornish-fisher@0.99',
      'montecarlo@0.95',
      'montecarlo@0.99',
    ]);
    expect(r[2]).toMatchObject({ dist: 't', nu: 6 });
    expect(r[6]).toMatchObject({ dist: 't', nu: 6, paths: 20_000, seed: 42 });
    expect(r[0]!.dist).toBeUndefined();
    for (const x of r) {
      expect(x.cvar).toBeGreaterThanOrEqual(x.var);
      expect(x.var).toBeGreaterThan(0);
    }
  });

  it('every method scales linearly with the portfolio value (Monte Carlo with the same seed too)', async () => {
    const methods = ['historical', 'parametric', 'cornish-fisher', 'montecarlo'] as const;
    const a = await computeVar(request(t, weightedPortfolio(t.assets, 1e6), { methods: [...methods] }));
    const b = await computeVar(request(t, weightedPortfolio(t.assets, 3.5e6), { methods: [...methods] }));
    a.forEach((x, i) => {
      expect(b[i]!.var / x.var).toBeCloseTo(3.5, 9);
      expect(b[i]!.cvar / x.cvar).toBeCloseTo(3.5, 9);
    });
  });

  it('no positions: VaR and CVaR are 0 for every method, whatever the data', async () => {
    const short = tableOf({ A: [0.01, -0.02] });
    const methods = ['historical', 'parametric', 'cornish-fisher', 'montecarlo'] as const;
    for (const p of [weightedPortfolio(['A'], 0), { stocks: [], options: [] }, { stocks: [], options: [{ asset: 'A', right: 'C' as const, strike: 1, years: 1, rate: 0, dividend: 0, vol: 0.2, quantity: 0 }], spots: { A: 1 } }]) {
      const r = await computeVar(request(short, p, { methods: [...methods] }));
      expect(r).toHaveLength(8);
      for (const x of r) expect([x.var, x.cvar]).toEqual([0, 0]);
    }
  });

  it('one asset: parametric equals the closed form of that asset’s mean and σ', async () => {
    const one = syntheticTable({ assets: 1, rows: 250, seed: 2 });
    const [r] = await computeVar(request(one, weightedPortfolio(one.assets, 1000), { methods: ['parametric'], confidences: [0.99] }));
    const col = [...one.columns[0]!];
    const mean = col.reduce((s, x) => s + x, 0) / col.length;
    const sd = Math.sqrt(col.reduce((s, x) => s + (x - mean) ** 2, 0) / (col.length - 1));
    expect(r!.var).toBeCloseTo(normalVar({ mean: 1000 * mean, sd: 1000 * sd }, 0.99).var, 9);
  });

  it('perfectly correlated assets: the Cholesky repair is reported and Monte Carlo still matches the parametric VaR (2 %)', async () => {
    const base = syntheticTable({ assets: 1, rows: 300, seed: 4 }).columns[0]!;
    const twin = returnsTable(['A', 'B'], datesFrom(300), [base, base.map((x) => 2 * x)]);
    const r = await computeVar(request(twin, weightedPortfolio(['A', 'B'], 1e6, [0.5, 0.5]), { methods: ['parametric', 'montecarlo'], confidences: [0.99], paths: 100_000 }));
    expect(r[1]!.repairedAssets).toEqual(['B']);
    expect(Math.abs(r[1]!.var / r[0]!.var - 1)).toBeLessThan(0.02);
  });

  it('extreme tail returns (a −60 % and a +150 % day) give finite figures, and historical picks the crash', async () => {
    const col = Array.from({ length: 100 }, (_, i) => 0.001 * Math.sin(i));
    col[17] = -0.6;
    col[60] = 1.5;
    const t2 = tableOf({ X: col, Y: col.map((x) => x / 2) });
    const r = await computeVar(request(t2, weightedPortfolio(['X', 'Y'], 1e6), { methods: ['historical', 'parametric', 'cornish-fisher', 'montecarlo'], confidences: [0.99] }));
    for (const x of r) expect(Number.isFinite(x.var) && Number.isFinite(x.cvar)).toBe(true);
    expect(r[0]!.cvar).toBeCloseTo(450_000, 3); // the single worst day, −60 % × 0.5 + −30 % × 0.5 of $1m, is the 1 % tail
    expect(r[2]!.warning).toMatch(/not monotone/);
  });
});

describe('computeVar: errors', () => {
  it('too few rows names the minimum: 30 for every method, 1/(1 − c) for historical', async () => {
    const t29 = syntheticTable({ assets: 2, rows: 29, seed: 1 });
    await expect(computeVar(request(t29, weightedPortfolio(t29.assets, 1e6), { methods: ['parametric'], source: 'r.csv' }))).rejects.toThrow(/r\.csv.*29 return rows; parametric VaR at confidence 0\.95 needs at least 30/);
    const t50 = syntheticTable({ assets: 2, rows: 50, seed: 1 });
    const e = await computeVar(request(t50, weightedPortfolio(t50.assets, 1e6), { methods: ['parametric', 'historical'], confidences: [0.95, 0.99, 0.999] })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toMatch(/historical VaR at confidence 0\.999 needs at least 1000/);
    // Parametric alone is fine with 50 rows at 99.9 %.
    await expect(computeVar(request(t50, weightedPortfolio(t50.assets, 1e6), { methods: ['parametric'], confidences: [0.999] }))).resolves.toHaveLength(1);
  });

  it('parametric methods refuse a book with options; bad requests name the field', async () => {
    const t = syntheticTable({ assets: 1, rows: 60, seed: 1 });
    const book: Portfolio = { stocks: [], options: [{ asset: 'A0', right: 'P', strike: 90, years: 0.5, rate: 0, dividend: 0, vol: 0.3, quantity: 1 }], spots: { A0: 100 } };
    await expect(computeVar(request(t, book, { methods: ['cornish-fisher'] }))).rejects.toThrow(/linear portfolio/);
    await expect(computeVar(request(t, weightedPortfolio(t.assets, 1), { confidences: [] }))).rejects.toThrow(InputError);
    await expect(computeVar(request(t, weightedPortfolio(t.assets, 1), { dist: 't', nu: 2 }))).rejects.toThrow(/nu/);
    await expect(computeVar(request(t, weightedPortfolio(t.assets, 1), { horizonDays: 1.5 }))).rejects.toThrow(/horizonDays/);
    await expect(computeVar(request(t, { stocks: [{ asset: 'ZZZ', value: 1 }], options: [] }))).rejects.toThrow(/ZZZ is not a column/);
    await expect(computeVar(request(t, { stocks: [], options: book.options }))).rejects.toThrow(/spots\.A0/);
    expect(() => weightedPortfolio(['A', 'B'], 1, [1])).toThrow(/1 weights for 2 assets/);
  });
});
