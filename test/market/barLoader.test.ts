import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError, InputError } from '../../engine/domain/errors.js';
import { sessionCloseUtc } from '../../engine/domain/session.js';
import { bundledDataRoot, loadBars, loadEarningsCalendar, parseEarningsCsv } from '../../engine/market/barLoader.js';
import { ALL_BUNDLED_SYMBOLS } from '../../engine/market/universes.js';

const HEADER = 'Date,Open,High,Low,Close,Volume';

async function makeRoot(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'wsb-loader-'));
  for (const [rel, content] of Object.entries(files)) {
    const target = path.join(root, rel);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return root;
}

const rows = (closes: Record<string, number>): string => `${HEADER}\n${Object.entries(closes).map(([d, c]) => `${d},${c},${c},${c},${c},1`).join('\n')}\n`;

describe('loadBars', () => {
  it('merges symbols in time order, ties broken by symbol', async () => {
    const root = await makeRoot({
      'market/1d/BBB.csv': rows({ '2026-11-18': 2, '2026-11-19': 2.1 }),
      'market/1d/AAA.csv': rows({ '2026-11-19': 1, '2026-11-20': 1.1 }),
    });
    const bars = await loadBars({ roots: [root], symbols: ['BBB', 'aaa'], timeframe: '1d' });
    expect(bars.map((b) => `${b.symbol}@${b.close}`)).toEqual(['BBB@2', 'AAA@1', 'BBB@2.1', 'AAA@1.1']);
  });

  it('takes each symbol from the first root that has it; .csv before .csv.gz', async () => {
    const user = await makeRoot({ 'market/1d/AAA.csv': rows({ '2026-11-20': 5 }) });
    const bundled = await makeRoot({
      'market/1d/AAA.csv.gz': gzipSync(rows({ '2026-11-20': 1 })),
      'market/1d/BBB.csv.gz': gzipSync(rows({ '2026-11-20': 2 })),
    });
    const bars = await loadBars({ roots: [user, bundled], symbols: ['AAA', 'BBB'], timeframe: '1d' });
    expect(bars.map((b) => `${b.symbol}@${b.close}`)).toEqual(['AAA@5', 'BBB@2']);
    const both = await makeRoot({ 'market/1d/AAA.csv': rows({ '2026-11-20': 7 }), 'market/1d/AAA.csv.gz': gzipSync(rows({ '2026-11-20': 8 })) });
    expect((await loadBars({ roots: [both], symbols: ['AAA'], timeframe: '1d' }))[0]!.close).toBe(7);
  });

  it('filters by inclusive bounds: epoch ms on the bar end, or whole New York dates', async () => {
    const root = await makeRoot({ 'market/1d/AAA.csv': rows({ '2026-11-17': 1, '2026-11-18': 2, '2026-11-19': 3, '2026-11-20': 4 }) });
    const load = (from?: number | string, to?: number | string): Promise<number[]> =>
      loadBars({ roots: [root], symbols: ['AAA'], timeframe: '1d', from, to }).then((b) => b.map((x) => x.close));
    expect(await load('2026-11-18', '2026-11-19')).toEqual([2, 3]);
    expect(await load(sessionCloseUtc('2026-11-18'), sessionCloseUtc('2026-11-19'))).toEqual([2, 3]);
    expect(await load(sessionCloseUtc('2026-11-18') + 1)).toEqual([3, 4]);
    expect(await load(undefined, '2026-11-17')).toEqual([1]);
    await expect(load('2026-11-31')).rejects.toThrow(InputError);
    await expect(load('yesterday')).rejects.toThrow(/from: "yesterday" is not a date/);
    await expect(load('2026-11-20', '2026-11-18')).rejects.toThrow(/from: is after to/);
  });

  it('a missing symbol names the symbol and every root searched', async () => {
    const a = await makeRoot({});
    const b = await makeRoot({});
    const err = await loadBars({ roots: [a, b], symbols: ['ZZZ'], timeframe: '5m' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toContain('ZZZ');
    expect((err as DataError).message).toContain(path.join(a, 'market', '5m'));
    expect((err as DataError).message).toContain(path.join(b, 'market', '5m'));
    await expect(loadBars({ roots: [], symbols: ['A'], timeframe: '1d' })).rejects.toThrow(/roots/);
    await expect(loadBars({ roots: [a], symbols: ['../../etc/passwd'], timeframe: '1d' })).rejects.toThrow(InputError);
  });

  it('corrupt gzip and corrupt rows name the file (and line)', async () => {
    const root = await makeRoot({
      'market/5m/BAD.csv.gz': Buffer.from('this is not gzip'),
      'market/1d/ROW.csv.gz': gzipSync(`${HEADER}\n2026-11-19,1,1,1,1,1\n2026-11-20,1,0.5,1,1,1\n`),
    });
    await expect(loadBars({ roots: [root], symbols: ['BAD'], timeframe: '5m' })).rejects.toThrow(/BAD\.csv\.gz.*corrupt gzip/);
    const err = (await loadBars({ roots: [root], symbols: ['ROW'], timeframe: '1d' }).catch((e: unknown) => e)) as DataError;
    expect(err).toBeInstanceOf(DataError);
    expect(err.location).toMatchObject({ file: path.join(root, 'market', '1d', 'ROW.csv.gz'), line: 3, field: 'High' });
  });

  // Load speed is measured by `npm run bench`, not asserted here.
  it('finds the bundled data and loads every daily file in time order', async () => {
    const root = bundledDataRoot();
    expect(path.isAbsolute(root)).toBe(true);
    expect(path.basename(root)).toBe('data');
    const bars = await loadBars({ roots: [root], symbols: ALL_BUNDLED_SYMBOLS, timeframe: '1d' });
    expect(bars.length).toBe(ALL_BUNDLED_SYMBOLS.length * 726);
    for (let i = 1; i < bars.length; i++) {
      const a = bars[i - 1]!;
      const b = bars[i]!;
      if (a.ts > b.ts || (a.ts === b.ts && a.symbol >= b.symbol)) throw new Error(`out of order at ${i}`);
    }
  });
});

describe('earnings calendar', () => {
  it('loads the bundled calendar sorted by date then symbol', async () => {
    const events = await loadEarningsCalendar(bundledDataRoot());
    expect(events.length).toBeGreaterThan(500);
    for (let i = 1; i < events.length; i++) {
      const a = events[i - 1]!;
      const b = events[i]!;
      expect(a.date < b.date || (a.date === b.date && a.symbol < b.symbol)).toBe(true);
    }
  });

  it('rejects bad rows naming file, line and field', () => {
    expect(() => parseEarningsCsv('Sym,Date\n', 'e.csv')).toThrow(/e\.csv, line 1/);
    expect(() => parseEarningsCsv('Symbol,Date,Timing\nAAPL,2026-13-01,AMC\n', 'e.csv')).toThrow(/e\.csv, line 2, AAPL, field Date/);
    expect(() => parseEarningsCsv('Symbol,Date,Timing\nAAPL,2026-11-23,DURING\n', 'e.csv')).toThrow(/field Timing/);
    expect(() => parseEarningsCsv('Symbol,Date,Timing\nAAPL,2026-11-23\n', 'e.csv')).toThrow(/line 2.*expected 3 columns/);
    expect(() => parseEarningsCsv('Symbol,Date,Timing\nAAPL,2026-11-23,AMC\nAAPL,2026-11-23,BMO\n', 'e.csv')).toThrow(/line 3.*duplicate/);
    expect(() => parseEarningsCsv('Symbol,Date,Timing\n$$$,2026-11-23,AMC\n', 'e.csv')).toThrow(/field Symbol/);
    expect(parseEarningsCsv('Symbol,Date,Timing\r\nmsft,2026-11-25,AMC\r\naapl,2026-11-23,BMO\r\n', 'e.csv')).toEqual([
      { symbol: 'AAPL', date: '2026-11-23', timing: 'BMO' },
      { symbol: 'MSFT', date: '2026-11-25', timing: 'AMC' },
    ]);
  });

  it('a missing calendar is a DataError naming the file', async () => {
    const root = await makeRoot({});
    await expect(loadEarningsCalendar(root)).rejects.toThrow(/earnings\.csv: cannot read/);
  });
});
