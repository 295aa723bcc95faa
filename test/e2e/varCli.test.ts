import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runWsb, tempDir } from './harness.js';

function onlyJson(stdout: string): unknown {
  const lines = stdout.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as unknown;
}

/** A deterministic returns CSV: `rows` dates, three assets. */
function csv(rows: number, corrupt?: { row: number; cell: string }): string {
  const lines = ['date,AAPL,MSFT,SPY'];
  for (let t = 0; t < rows; t++) {
    const date = new Date(Date.UTC(2023, 0, 2) + t * 86_400_000).toISOString().slice(0, 10);
    const r = [Math.sin(t * 1.7), Math.cos(t * 0.9), Math.sin(t * 0.37 + 1)].map((x) => (0.0003 + 0.015 * x).toFixed(6));
    if (corrupt?.row === t) r[1] = corrupt.cell;
    lines.push([date, ...r].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('wsb var (real process)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir('wsb-var-');
    await writeFile(path.join(dir, 'good.csv'), csv(260));
    await writeFile(path.join(dir, 'nan.csv'), csv(260, { row: 40, cell: 'NaN' }));
    await writeFile(path.join(dir, 'short.csv'), csv(25));
  });

  it('--json prints one {"results":[…]} object with method, confidence, var, cvar as decimal strings; workers do not change the figures', async () => {
    const args = ['var', '--returns', path.join(dir, 'good.csv'), '--value', '1000000', '--weights', '0.5,0.3,0.2', '--method', 'all', '--confidence', '0.95,0.99', '--paths', '20000', '--seed', '7', '--dist', 't', '--json'];
    const [pooled, inline] = await Promise.all([runWsb([...args, '--workers', '2'], cleanEnv()), runWsb([...args, '--workers', '0'], cleanEnv())]);
    expect(pooled.code, pooled.stderr).toBe(0);
    const out = onlyJson(pooled.stdout) as { results: Array<Record<string, unknown>> };
    expect(Object.keys(out)).toEqual(['results']);
    expect(out.results.map((r) => `${String(r.method)}@${String(r.confidence)}`)).toEqual([
      'historical@0.95',
      'historical@0.99',
      'parametric@0.95',
      'parametric@0.99',
      'cornish-fisher@0.95',
      'cornish-fisher@0.99',
      'montecarlo@0.95',
      'montecarlo@0.99',
    ]);
    for (const r of out.results) {
      expect(Object.keys(r).slice(0, 4)).toEqual(['method', 'confidence', 'var', 'cvar']);
      expect(r.var).toMatch(/^\d+(\.\d+)?$/);
      expect(r.cvar).toMatch(/^\d+(\.\d+)?$/);
      expect(Number(r.cvar)).toBeGreaterThanOrEqual(Number(r.var));
    }
    expect(out.results[6]).toMatchObject({ dist: 't', nu: 5, paths: 20000, seed: 7, horizonDays: 1, observations: 260 });
    expect(inline.code, inline.stderr).toBe(0);
    expect(inline.stdout).toBe(pooled.stdout);
  });

  it('a NaN cell exits 2 naming the symbol and the date; too few rows exits 2 naming the minimum', async () => {
    const [nan, short, shortHist] = await Promise.all([
      runWsb(['var', '--returns', path.join(dir, 'nan.csv'), '--value', '1000', '--json'], cleanEnv()),
      runWsb(['var', '--returns', path.join(dir, 'short.csv'), '--value', '1000', '--method', 'parametric'], cleanEnv()),
      runWsb(['var', '--returns', path.join(dir, 'good.csv'), '--value', '1000', '--method', 'historical', '--confidence', '0.999'], cleanEnv()),
    ]);
    expect(nan.code).toBe(2);
    expect(nan.stderr).toContain('MSFT');
    expect(nan.stderr).toContain('2023-02-11');
    expect(nan.stderr).toContain('line 42');
    const err = onlyJson(nan.stdout) as { error: { code: string; details: { symbol: string; field: string } } };
    expect(err.error).toMatchObject({ code: 'DATA_INVALID', details: { symbol: 'MSFT', field: '2023-02-11' } });

    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/25 return rows; parametric VaR at confidence 0\.95 needs at least 30/);
    expect(shortHist.code).toBe(2);
    expect(shortHist.stderr).toMatch(/260 return rows; historical VaR at confidence 0\.999 needs at least 1000/);
  });

  it('bad flags exit 2 naming the flag', async () => {
    const good = path.join(dir, 'good.csv');
    const cases: Array<[string[], string]> = [
      [['--value', '1000', '--method', 'evt'], '--method'],
      [['--value', '1000', '--weights', '0.5,0.5'], '--weights'],
      [['--value', '1000', '--dist', 't', '--nu', '2'], '--nu'],
      [['--value', '1000', '--method', 'montecarlo', '--confidence', '0.999', '--paths', '5000'], '--paths'],
    ];
    const results = await Promise.all(cases.map(([args]) => runWsb(['var', '--returns', good, ...args], cleanEnv())));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(2);
      expect(r.stderr).toContain(cases[i]![1]);
    });
  });
});
