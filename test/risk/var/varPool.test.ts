import { afterAll, describe, expect, it } from 'vitest';
import { createVarPool, type VarPool } from '../../../actors/varPool.js';
import { buildMcModel, monteCarloVar } from '../../../engine/risk/var/monteCarloVar.js';
import { resolvePortfolio, weightedPortfolio } from '../../../engine/risk/var/portfolio.js';
import { simulateChunkSorted } from '../../../engine/risk/var/monteCarloKernel.js';
import { syntheticTable } from './varFixtures.js';

const table = syntheticTable({ assets: 4, rows: 300, seed: 5 });
const portfolio = resolvePortfolio(
  {
    stocks: [{ asset: 'A0', value: 50_000 }],
    options: [{ asset: 'A1', right: 'P', strike: 95, years: 0.25, rate: 0.03, dividend: 0, vol: 0.35, quantity: 4 }],
    spots: { A1: 100 },
  },
  table.assets,
  1,
);
const linear = resolvePortfolio(weightedPortfolio(table.assets, 1_000_000, [0.4, 0.3, 0.2, 0.1]), table.assets, 1);

describe('the Piscina VaR pool', () => {
  const pools: VarPool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('gives exactly the in-process figures with 1 and 2 workers (linear t and an options book)', async () => {
    const one = createVarPool({ threads: 1 });
    const two = createVarPool({ threads: 2 });
    pools.push(one, two);
    for (const [resolved, dist] of [
      [linear, 't'],
      [portfolio, 'normal'],
    ] as const) {
      const model = buildMcModel(table, resolved, { horizonDays: 5, dist, nu: 5, seed: 7 });
      const options = { paths: 20_000, confidences: [0.95, 0.99], chunkPaths: 3 * 1024 };
      const local = await monteCarloVar(model, options);
      expect(await monteCarloVar(model, { ...options, runner: one.run })).toEqual(local);
      expect(await monteCarloVar(model, { ...options, runner: two.run, chunkPaths: 1024 })).toEqual(local);
    }
  });

  it('returns a chunk as the kernel does (transferred Float64Array), keeps working after warm(), and refuses work once closed', async () => {
    const pool = createVarPool({ threads: 1 });
    await pool.warm();
    const task = { model: buildMcModel(table, linear, { horizonDays: 1, dist: 'normal', nu: 5, seed: 1 }), firstPath: 1024, paths: 1500 };
    const got = await pool.run(task);
    expect(got).toBeInstanceOf(Float64Array);
    expect(got).toEqual(simulateChunkSorted(task));
    await pool.close();
    await expect(pool.run(task)).rejects.toThrow(/closed/);
  });

  it('rejects a thread count outside 1…64', () => {
    expect(() => createVarPool({ threads: 0 })).toThrow(/workers/);
  });
});
