import { describe, expect, it } from 'vitest';
import { cleanEnv, runWsb, tempDir } from './harness.js';

interface Bucket {
  from: number;
  count: number;
  outcomes: number;
}

describe('wsb validate (real process)', () => {
  it('replays the strategy and reads the database history: one JSON object with buckets, suggested threshold and episodes', { timeout: 180_000 }, async () => {
    const dir = await tempDir('wsb-validate-');
    const r = await runWsb(['validate', '--strategy', 'wsb-dip-bot', '--from', '2024-01-01', '--to', '2025-06-30', '--json'], cleanEnv({ WSB_DATA_DIR: dir }));
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    const v = JSON.parse(lines[0]!) as {
      strategy: string;
      replay: { backtest: { signals: number; from: string }; report: { records: number; buckets: Bucket[]; strategies: Array<{ strategyId: string; suggestedThreshold: number; configuredThreshold: number }>; degradationEpisodes: unknown[] } };
      history: { database: string; report: { records: number } };
    };
    expect(v.strategy).toBe('wsb-dip-bot');
    expect(v.replay.report.records).toBe(v.replay.backtest.signals);
    expect(v.replay.report.buckets.reduce((n, b) => n + b.count, 0)).toBeGreaterThan(0);
    expect(v.replay.report.buckets.some((b) => b.outcomes > 0)).toBe(true);
    const s = v.replay.report.strategies.find((x) => x.strategyId === 'wsb-dip-bot')!;
    expect(s.suggestedThreshold).toBeGreaterThanOrEqual(55);
    expect(s.suggestedThreshold).toBeLessThanOrEqual(85);
    expect(Array.isArray(v.replay.report.degradationEpisodes)).toBe(true);
    // A fresh data dir: the daemon's history is empty, and says where it looked.
    expect(v.history).toMatchObject({ database: 'embedded PGlite', report: { records: 0 } });
  });

  it('an unknown strategy exits 2 naming the flag', async () => {
    const r = await runWsb(['validate', '--strategy', 'moonshot', '--json'], cleanEnv({ WSB_DATA_DIR: await tempDir('wsb-validate-bad-') }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/strategy/);
  });
});
