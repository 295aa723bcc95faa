import { describe, expect, it } from 'vitest';
import { cleanEnv, runWsb, tempDir } from './harness.js';

interface Report {
  strategy: string;
  from: string;
  to: string;
  seed: number;
  symbols: string[];
  bars: number;
  orders: number;
  fills: number;
  trades: number;
  winRate: number | null;
  realizedPnl: string;
  equityEnd: string;
  maxDrawdown: number;
  sharpe: number;
  orderLogSha256: string;
  persisted: boolean;
}

function onlyJson(stdout: string): Report {
  const lines = stdout.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Report;
}

describe('wsb backtest (real process)', () => {
  it('prints one JSON object, and the same seed gives the same order log byte for byte', async () => {
    const env = cleanEnv({ WSB_DATA_DIR: await tempDir('wsb-bt-') });
    const [a, b, c] = await Promise.all([
      runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--json', '--seed', '7'], env),
      runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--json', '--seed', '7'], env),
      runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--json', '--seed', '8'], env),
    ]);
    for (const r of [a, b, c]) expect(r.code, r.stderr).toBe(0);
    const ra = onlyJson(a.stdout);
    const rb = onlyJson(b.stdout);
    const rc = onlyJson(c.stdout);
    expect(ra.orderLogSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rb.orderLogSha256).toBe(ra.orderLogSha256);
    expect(rb.realizedPnl).toBe(ra.realizedPnl);
    expect(rc.orderLogSha256).not.toBe(ra.orderLogSha256);
    expect(ra).toMatchObject({ strategy: 'wsb-dip-bot', seed: 7, persisted: false });
    expect(ra.orders).toBeGreaterThan(0);
    expect(ra.fills).toBeGreaterThan(0);
    expect(ra.trades).toBeGreaterThan(0);
    expect(ra.trades).toBeLessThanOrEqual(ra.fills / 2);
    expect(ra.winRate).toBeGreaterThanOrEqual(0);
    expect(ra.winRate).toBeLessThanOrEqual(1);
    expect(ra.bars).toBeGreaterThan(10_000);
    expect(ra.realizedPnl).toMatch(/^-?\d+(\.\d+)?$/);
    expect(ra.equityEnd).toMatch(/^-?\d+(\.\d+)?$/);
    expect(typeof ra.maxDrawdown).toBe('number');
    expect(typeof ra.sharpe).toBe('number');
  });

  it('honours --from, --to and --symbols, and prints a readable report without --json', async () => {
    const env = cleanEnv({ WSB_DATA_DIR: await tempDir('wsb-bt-') });
    const json = await runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--json', '--from', '2025-03-03', '--to', '2025-09-30', '--symbols', 'NVDA,AMD'], env);
    expect(json.code, json.stderr).toBe(0);
    const r = onlyJson(json.stdout);
    expect(r.from).toBe('2025-03-03');
    expect(r.to).toBe('2025-09-30');
    expect(r.symbols).toEqual(['NVDA', 'AMD']);
    // 2 symbols × the trading days of that window, nothing else.
    expect(r.bars % 2).toBe(0);
    expect(r.bars / 2).toBeGreaterThan(140);
    expect(r.bars / 2).toBeLessThan(150);
    const text = await runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--from', '2025-03-03', '--to', '2025-09-30', '--symbols', 'NVDA,AMD'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Backtest report');
    expect(text.stdout).toContain('2025-03-03 → 2025-09-30');
    expect(text.stdout).toContain(r.orderLogSha256);
  });

  it('refuses bad input with a clear error and a non-zero exit code', async () => {
    const env = cleanEnv({ WSB_DATA_DIR: await tempDir('wsb-bt-') });
    const unknownFlag = await runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--bogus'], env);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--bogus'");
    const badStrategy = await runWsb(['backtest', '--strategy', 'nope', '--json'], env);
    expect(badStrategy.code).toBe(2);
    expect(JSON.parse(badStrategy.stdout)).toMatchObject({ error: { code: 'INPUT_INVALID', details: { field: 'strategy' } } });
    const badDate = await runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--from', '2025-02-30'], env);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--from: expected a date');
    const badSymbol = await runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--symbols', 'SPY'], env);
    expect(badSymbol.code).toBe(2);
    expect(badSymbol.stderr).toContain('symbols: SPY is not in the universe of wsb-dip-bot');
    const badEnv = await runWsb(['backtest', '--strategy', 'wsb-dip-bot'], { ...env, WSB_LOG_LEVEL: 'chatty' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('WSB_LOG_LEVEL');
  });

  it('--persist writes the run to the configured embedded database', { timeout: 180_000 }, async () => {
    const dir = await tempDir('wsb-bt-persist-');
    const env = cleanEnv({ WSB_DATA_DIR: dir });
    const r = await runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--json', '--persist', '--symbols', 'AAPL,TSLA', '--seed', '3'], env);
    expect(r.code, r.stderr).toBe(0);
    const report = onlyJson(r.stdout);
    expect(report.persisted).toBe(true);
    const memory = onlyJson((await runWsb(['backtest', '--strategy', 'wsb-dip-bot', '--json', '--symbols', 'AAPL,TSLA', '--seed', '3'], env)).stdout);
    // Same engine code path whatever the store.
    expect(report.orderLogSha256).toBe(memory.orderLogSha256);
    const migrate = await runWsb(['migrate', '--json'], env);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(JSON.parse(migrate.stdout)).toEqual({ target: 'pglite', applied: [] });
  });
});
