import { describe, expect, it } from 'vitest';
import { bsm, type BsmResult } from '../../engine/market/blackScholes.js';
import { american } from '../../engine/market/americanOption.js';
import { cleanEnv, runWsb } from './harness.js';

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
