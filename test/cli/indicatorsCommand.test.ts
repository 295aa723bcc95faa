import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../engine/domain/errors.js';
import { parseBarsCsv } from '../../engine/market/csvBars.js';
import { indicatorSnapshots } from '../../engine/market/indicatorSnapshot.js';
import { formatIndicatorTable, indicatorRows, patternText } from '../../engine/cli/indicatorsCommand.js';

const none = { doji: 0, spinningTop: 0, hammer: 0, shootingStar: 0, engulfing: 0, harami: 0, star: 0, threeWhiteSoldiers: 0, threeBlackCrows: 0 };

async function write(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wsb-ind-'));
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const DAILY = 'Date,Open,High,Low,Close,Volume\n2025-03-03,10,11,9,10.5,100\n2025-03-04,10.5,12,10,11.5,200\n2025-03-05,11.5,11.6,10.9,11,150\n';

describe('indicatorRows', () => {
  it('reads a daily CSV into snapshots stamped with the New York date, named after the file', async () => {
    const file = await write('msft.csv', DAILY);
    const { symbol, timeframe, rows } = await indicatorRows(file);
    expect([symbol, timeframe]).toEqual(['MSFT', '1d']);
    const bars = parseBarsCsv(DAILY, { symbol: 'MSFT', timeframe: '1d', file });
    expect(rows).toEqual(indicatorSnapshots(bars).map((s, i) => ({ time: ['2025-03-03', '2025-03-04', '2025-03-05'][i], ...s })));
  });

  it('reads intraday Datetime files and keeps their UTC end times', async () => {
    const file = await write('my bars.csv', 'Datetime,Open,High,Low,Close,Volume\n2025-03-03T14:35:00Z,10,11,9,10.5,100\n2025-03-03T14:40:00Z,10.5,12,10,11.5,200\n');
    const { symbol, timeframe, rows } = await indicatorRows(file);
    expect([symbol, timeframe]).toEqual(['BARS', '5m']);
    expect(rows.map((r) => r.time)).toEqual(['2025-03-03T14:35:00Z', '2025-03-03T14:40:00Z']);
    expect(rows[1]!.vwap).toBeCloseTo((((11 + 9 + 10.5) / 3) * 100 + ((12 + 10 + 11.5) / 3) * 200) / 300, 12);
  });

  it('names the file, line and field of a bad row, and a file it cannot read', async () => {
    const file = await write('bad.csv', 'Date,Open,High,Low,Close,Volume\n2025-03-03,10,11,9,10.5,100\n2025-03-04,10,9,11,10.5,100\n');
    await expect(indicatorRows(file)).rejects.toThrow(DataError);
    await expect(indicatorRows(file)).rejects.toThrow(/bad\.csv, line 3, BAD, field High/);
    await expect(indicatorRows(path.join(path.dirname(file), 'missing.csv'))).rejects.toThrow(/missing\.csv: cannot read/);
  });
});

describe('text output', () => {
  it('lists the patterns present, signed, with neutral ones unsigned', () => {
    expect(patternText(none)).toBe('');
    expect(patternText({ ...none, doji: 1, hammer: 1, engulfing: -1, star: 1 })).toBe('doji +hammer −engulfing +morningStar');
    expect(patternText({ ...none, engulfing: null, star: -1 })).toBe('−eveningStar');
  });

  it('prints a header, one aligned line per row, and a dash for cold values', async () => {
    const { rows } = await indicatorRows(await write('AAPL.csv', DAILY));
    const text = formatIndicatorTable('AAPL', '1d', rows.slice(1), rows.length);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toContain('Indicators for AAPL (1d; last 2 of 3 bars');
    expect(lines[2]).toMatch(/^time\s+close\s+sma20/);
    expect(lines).toHaveLength(5);
    expect(lines[3]).toMatch(/^2025-03-04\s+11\.50\s+—/);
    // The classic pivot of 2025-03-04 is that of the prior bar: (11 + 9 + 10.5)/3.
    expect(lines[3]).toContain(((11 + 9 + 10.5) / 3).toFixed(2));
  });
});
