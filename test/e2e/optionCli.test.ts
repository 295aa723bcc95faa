import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bsm, type BsmResult } from '../../engine/market/blackScholes.js';
import { american } from '../../engine/market/americanOption.js';
import { impliedVol } from '../../engine/market/impliedVolatility.js';
import { cleanEnv, runWsb, tempDir } from './harness.js';

type Greeks = BsmResult;

function onlyJson(stdout: string): unknown {
  const lines = stdout.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as unknown;
}

const base = ['option', 'price', '--spot', '100', '--strike', '100', '--years', '0.5'];

describe('wsb option price (real process)', () => {
  it('--json prints exactly the bsm() result for a European call; an American put matches american()', async () => {
    const env = cleanEnv();
    const [euro, amer] = await Promise.all([
      runWsb([...base, '--type', 'call', '--rate', '0.04', '--dividend', '0.015', '--vol', '0.3', '--json'], env),
      runWsb(['option', 'price', '--type', 'put', '--spot', '90', '--strike', '100', '--years', '1', '--rate', '0.05', '--vol', '0.2', '--style', 'american', '--json'], env),
    ]);
    expect(euro.code).toBe(0);
    const e = onlyJson(euro.stdout) as Greeks;
    expect(Object.keys(e)).toEqual(['price', 'delta', 'gamma', 'theta', 'vega', 'rho']);
    expect(e).toEqual(bsm({ right: 'C', spot: 100, strike: 100, years: 0.5, rate: 0.04, dividend: 0.015, vol: 0.3 }));

    expect(amer.code).toBe(0);
    const a = onlyJson(amer.stdout) as Greeks;
    const expected = american({ right: 'P', spot: 90, strike: 100, years: 1, rate: 0.05, dividend: 0, vol: 0.2 });
    expect(a).toEqual(expected);
    expect(a.price).toBeGreaterThan(bsm({ right: 'P', spot: 90, strike: 100, years: 1, rate: 0.05, dividend: 0, vol: 0.2 }).price);
  });

  it('bad input exits 2 with a message naming the flag', async () => {
    const env = cleanEnv();
    const cases: Array<[string[], string]> = [
      [[...base, '--type', 'call'], '--vol'], // missing required flag
      [[...base, '--type', 'call', '--vol', 'abc'], '--vol'],
      [[...base, '--type', 'call', '--vol', '-0.2'], '--vol'],
      [['option', 'price', '--type', 'put', '--spot', '100', '--strike', '0', '--years', '1', '--vol', '0.2', '--json'], '--strike'],
      [[...base, '--type', 'straddle', '--vol', '0.2'], '--type'],
      [[...base, '--type', 'put', '--vol', '0.2', '--style', 'bermudan'], '--style'],
    ];
    const results = await Promise.all(cases.map(([args]) => runWsb(args, env)));
    results.forEach((r, i) => {
      const flag = cases[i]![1];
      expect(r.code, cases[i]![0].join(' ')).toBe(2);
      expect(r.stderr).toContain(flag);
    });
    // Under --json the failure is one error object naming the field.
    const json = onlyJson(results[3]!.stdout) as { error: { code: string; details: { field: string } } };
    expect(json.error.code).toBe('INPUT_INVALID');
    expect(json.error.details.field).toBe('--strike');
  });
});

describe('wsb option iv and --input (real process)', () => {
  it('iv --json matches impliedVol(); a price no volatility fits exits 2 and says why on one stderr line', async () => {
    const env = cleanEnv();
    const contract = { right: 'C' as const, spot: 100, strike: 105, years: 0.5, rate: 0.04, dividend: 0.015 };
    const price = bsm({ ...contract, vol: 0.27 }).price;
    const ivArgs = ['option', 'iv', '--type', 'call', '--spot', '100', '--strike', '105', '--years', '0.5', '--rate', '0.04', '--dividend', '0.015'];
    const [ok, none, noneJson] = await Promise.all([
      runWsb([...ivArgs, '--price', String(price), '--json'], env),
      runWsb([...ivArgs, '--price', '120'], env),
      runWsb([...ivArgs, '--price', '120', '--json'], env),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(onlyJson(ok.stdout)).toEqual({ iv: impliedVol({ ...contract, price }) });

    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    const lines = none.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines).toEqual([expect.stringMatching(/^wsb: error \[NO_IMPLIED_VOLATILITY\]: no implied volatility: price 120 is at or above the no-arbitrage bound/)]);
    expect(noneJson.code).toBe(2);
    expect((onlyJson(noneJson.stdout) as { error: { code: string } }).error.code).toBe('NO_IMPLIED_VOLATILITY');
  });

  it('--input prices and solves JSON Lines in order, failed lines naming line and field; a missing file or extra flags exit 2', async () => {
    const env = cleanEnv();
    const dir = await tempDir('wsb-option-');
    const priceFile = path.join(dir, 'price.jsonl');
    const ivFile = path.join(dir, 'iv.jsonl');
    const good = { type: 'put', spot: 95, strike: 100, years: 0.25, rate: 0.03, vol: 0.35 };
    const goodPrice = bsm({ right: 'P', spot: 95, strike: 100, years: 0.25, rate: 0.03, dividend: 0, vol: 0.35 }).price;
    await writeFile(priceFile, [JSON.stringify(good), JSON.stringify({ ...good, years: -1 }), '', JSON.stringify({ ...good, style: 'american' })].join('\n'));
    await writeFile(ivFile, [JSON.stringify({ ...good, vol: undefined, price: goodPrice }), JSON.stringify({ ...good, vol: undefined, price: 0.01, strike: 150 }), '{oops'].join('\n'));
    const [prices, ivs, missing, mixed] = await Promise.all([
      runWsb(['option', 'price', '--input', priceFile], env),
      runWsb(['option', 'iv', '--input', ivFile, '--json'], env),
      runWsb(['option', 'iv', '--input', path.join(dir, 'absent.jsonl')], env),
      runWsb(['option', 'price', '--input', priceFile, '--spot', '100', '--vol', '0.2'], env),
    ]);
    expect(prices.code, prices.stderr).toBe(0);
    expect(onlyJson(prices.stdout)).toEqual({
      results: [
        bsm({ right: 'P', spot: 95, strike: 100, years: 0.25, rate: 0.03, dividend: 0, vol: 0.35 }),
        { error: 'line 2: years: must be ≥ 0, got -1' },
        american({ right: 'P', spot: 95, strike: 100, years: 0.25, rate: 0.03, dividend: 0, vol: 0.35 }),
      ],
    });
    expect(ivs.code, ivs.stderr).toBe(0);
    const r = (onlyJson(ivs.stdout) as { results: Array<{ iv?: number; error?: string }> }).results;
    expect(r).toHaveLength(3);
    expect(r[0]!.iv).toBeCloseTo(0.35, 6);
    expect(r[1]!.error).toMatch(/^line 2: no implied volatility: price 0\.01 is below the discounted intrinsic value/);
    expect(r[2]!.error).toMatch(/^line 3: not valid JSON/);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('absent.jsonl: cannot read');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--input: cannot be combined with --spot, --vol');
  });
});
