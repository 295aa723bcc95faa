import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../engine/domain/random.js';
import type { Bar } from '../../engine/domain/market.js';
import { sessionCloseUtc } from '../../engine/domain/session.js';
import { formatBarsCsv, parseBarsCsv } from '../../engine/market/csvBars.js';
import { bollinger, macd, rsi, sma } from '../../engine/market/indicators/index.js';
import { indicatorSnapshots } from '../../engine/market/indicatorSnapshot.js';
import { pivotPoints } from '../../engine/market/pivots.js';
import { cleanEnv, runWsb, tempDir } from './harness.js';

/** 45 weekdays of a seeded random walk: enough to warm MACD's signal line (34 bars). */
function bars(): Bar[] {
  const rng = createRng(7, 'indicators-e2e');
  const out: Bar[] = [];
  let close = 50;
  let day = Date.UTC(2025, 2, 3);
  while (out.length < 45) {
    const date = new Date(day).toISOString().slice(0, 10);
    day += 86_400_000;
    if ([0, 6].includes(new Date(`${date}T12:00:00Z`).getUTCDay())) continue;
    const open = Math.round(close * (1 + rng.normal(0, 0.01)) * 100) / 100;
    close = Math.round(open * (1 + rng.normal(0, 0.02)) * 100) / 100;
    const high = Math.round(Math.max(open, close) * (1 + rng.between(0, 0.01)) * 100 + 1) / 100;
    const low = Math.round(Math.min(open, close) * (1 - rng.between(0, 0.01)) * 100 - 1) / 100;
    out.push({ symbol: 'TEST', timeframe: '1d', ts: sessionCloseUtc(date), open, high, low, close, volume: 1000 + rng.int(9000) });
  }
  return out;
}

describe('wsb indicators (real process)', () => {
  it('--json prints every indicator per bar as the library computes it; a bad row exits 2 naming its line', async () => {
    const env = cleanEnv();
    const dir = await tempDir('wsb-indicators-');
    const file = path.join(dir, 'TEST.csv');
    const csv = formatBarsCsv(bars());
    await writeFile(file, csv);
    const rows = csv.trimEnd().split('\n');
    const bad = path.join(dir, 'bad.csv');
    // Line 6 of the file: a close above the high.
    await writeFile(bad, [...rows.slice(0, 5), rows[5]!.replace(/,([\d.]+),(\d+)$/, ',999,$2'), ...rows.slice(6)].join('\n'));

    const [json, text, broken] = await Promise.all([
      runWsb(['indicators', '--input', file, '--json'], env),
      runWsb(['indicators', '--input', file, '--tail', '3'], env),
      runWsb(['indicators', '--input', bad, '--json'], env),
    ]);

    expect(json.code, json.stderr).toBe(0);
    const lines = json.stdout.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!) as { bars: Array<Record<string, unknown> & { close: number }> };
    const parsed = parseBarsCsv(csv, { symbol: 'TEST', timeframe: '1d', file });
    expect(out.bars).toHaveLength(45);
    expect(out.bars).toEqual(indicatorSnapshots(parsed).map((s) => ({ time: expect.stringMatching(/^2025-\d\d-\d\d$/) as unknown, ...s })));
    // Independently of the snapshot: the batch indicators, NaN read as null.
    const close = parsed.map((b) => b.close);
    const n = (x: number): number | null => (Number.isNaN(x) ? null : x);
    const s20 = sma(close, 20);
    const r14 = rsi(close);
    const m = macd(close);
    const bb = bollinger(close);
    out.bars.forEach((b, i) => {
      expect(b.sma20).toBe(n(s20[i]!));
      expect(b.rsi14).toBe(n(r14[i]!));
      expect((b.macd as { signal: number | null }).signal).toBe(n(m.signal[i]!));
      expect((b.bollinger as { upper: number | null }).upper).toBe(n(bb.upper[i]!));
    });
    expect(out.bars[0]!.pivots).toBeNull();
    expect((out.bars[44]!.pivots as Record<string, unknown>).camarilla).toEqual(pivotPoints(parsed[43]!, 'camarilla'));
    expect(out.bars[0]!.time).toBe('2025-03-03');

    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Indicators for TEST (1d; last 3 of 45 bars');
    expect(text.stdout.trimEnd().split('\n')).toHaveLength(6); // two title lines, the header, three rows

    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^wsb: error \[DATA_INVALID\]: .*bad\.csv, line 6, BAD, field Close/);
    const err = JSON.parse(broken.stdout) as { error: { code: string; details: { line: number } } };
    expect(err.error.code).toBe('DATA_INVALID');
    expect(err.error.details.line).toBe(6);
  });
});
