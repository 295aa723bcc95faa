/**
 * Scenario `options-pricing`: Black–Scholes–Merton price and all five greeks
 * per second on one core, for 100,000 and 1,000,000 contracts:
 * - scalar: `bsmInto` called once per contract (what a strategy or the mark
 *   model does for a handful of contracts);
 * - batch: `bsmGreeksBatch` over Float64Array columns (the risk engine's path);
 * - batch-price: `bsmPriceBatch`, price only (Monte Carlo revaluation).
 * Contracts are a seeded random book (calls and puts, 1 day to 2 years,
 * strikes ±40 % around spot, vols 10–120 %). Each figure is the best of five
 * runs after a warm-up, so JIT compilation is outside it.
 */
import { createRng } from '../engine/domain/random.js';
import { bsmInto, type BsmResult } from '../engine/market/blackScholes.js';
import { allocateGreeksColumns, allocateOptionColumns, bsmGreeksBatch, bsmPriceBatch, type OptionColumns } from '../engine/market/batchPricing.js';

type Save = (name: string, result: Record<string, unknown>) => Promise<void>;

function randomBook(n: number, seed: number): OptionColumns {
  const rng = createRng(seed, 'options-bench');
  const c = allocateOptionColumns(n);
  for (let i = 0; i < n; i++) {
    const spot = 20 + rng.uniform() * 480;
    c.right[i] = rng.uniform() < 0.5 ? 1 : 0;
    c.spot[i] = spot;
    c.strike[i] = Math.round(spot * (0.6 + rng.uniform() * 0.8));
    c.years[i] = (1 + rng.uniform() * 729) / 365;
    c.rate[i] = 0.04;
    c.dividend[i] = rng.uniform() * 0.03;
    c.vol[i] = 0.1 + rng.uniform() * 1.1;
  }
  return c;
}

function bestOf(runs: number, fn: () => void): number {
  fn(); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

export async function runOptionsBench(save: Save): Promise<void> {
  const sizes = [100_000, 1_000_000];
  const results: Record<string, unknown>[] = [];
  let checksum = 0;
  for (const n of sizes) {
    const c = randomBook(n, 42);
    const out = allocateGreeksColumns(n);
    const prices = new Float64Array(n);
    const g: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
    const scalar = bestOf(5, () => {
      for (let i = 0; i < n; i++) {
        bsmInto(g, c.right[i] === 1 ? 'C' : 'P', c.spot[i]!, c.strike[i]!, c.years[i]!, c.rate[i]!, c.dividend[i]!, c.vol[i]!);
        checksum += g.price;
      }
    });
    const batch = bestOf(5, () => bsmGreeksBatch(c, out));
    const priceOnly = bestOf(5, () => bsmPriceBatch(c, prices));
    checksum += out.vega[n - 1]! + prices[n - 1]!;
    for (const [mode, seconds] of [
      ['scalar', scalar],
      ['batch', batch],
      ['batch-price', priceOnly],
    ] as const) {
      results.push({ contracts: n, mode, seconds: Number(seconds.toFixed(4)), contractsPerSecond: Math.round(n / seconds), greeks: mode !== 'batch-price' });
    }
  }
  await save('options-pricing', { target: 'batch with all greeks ≥ 5,000,000 contracts/s on one core', results, checksum: Number.isFinite(checksum) });
}
