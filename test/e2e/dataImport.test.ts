import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanEnv, runWsb, tempDir } from './harness.js';

const GOOD = 'Date,Open,High,Low,Close,Volume\n2025-01-02,100,101,99,100.5,1000\n2025-01-03,100.5,102,100,101,1200\n';

describe('wsb data import (real process)', () => {
  it('installs a valid CSV where the daemon and backtests look first', async () => {
    const dir = await tempDir('wsb-import-');
    const src = path.join(dir, 'aapl.csv');
    await writeFile(src, GOOD);
    const r = await runWsb(['data', 'import', '--file', src, '--symbol', 'aapl', '--json'], cleanEnv({ WSB_DATA_DIR: dir }));
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; rows: number; symbol: string };
    expect(out).toMatchObject({ symbol: 'AAPL', rows: 2 });
    expect(out.file).toBe(path.join(dir, 'market', '1d', 'AAPL.csv'));
    expect(await readFile(out.file, 'utf8')).toContain('2025-01-03');
  });

  it('rejects a malformed row naming its line and writes nothing', async () => {
    const dir = await tempDir('wsb-import-bad-');
    const src = path.join(dir, 'bad.csv');
    await writeFile(src, `${GOOD}2025-01-06,101,100,102,101,900\n`);
    const r = await runWsb(['data', 'import', '--file', src, '--symbol', 'AAPL'], cleanEnv({ WSB_DATA_DIR: dir }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 4/);
    expect(r.stderr).toMatch(/high/i);
    expect(existsSync(path.join(dir, 'market', '1d', 'AAPL.csv'))).toBe(false);
  });

  it('names a missing file and a bad symbol', async () => {
    const dir = await tempDir('wsb-import-missing-');
    const missing = await runWsb(['data', 'import', '--file', path.join(dir, 'nope.csv'), '--symbol', 'AAPL'], cleanEnv({ WSB_DATA_DIR: dir }));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('nope.csv');
    const badSymbol = await runWsb(['data', 'import', '--file', path.join(dir, 'nope.csv'), '--symbol', '1ABC'], cleanEnv({ WSB_DATA_DIR: dir }));
    expect(badSymbol.code).toBe(2);
    expect(badSymbol.stderr).toContain('--symbol');
  });
});
