import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, InputError } from '../../engine/domain/errors.js';
import type { Bar } from '../../engine/domain/market.js';
import { sessionCloseUtc } from '../../engine/domain/session.js';
import { formatBarsCsv, importBarsCsv, parseBarsCsv } from '../../engine/market/csvBars.js';

const SRC = { symbol: 'AAPL', timeframe: '1d', file: 'aapl.csv' } as const;
const HEADER = 'Date,Open,High,Low,Close,Volume';

function parseError(text: string, src: { symbol: string; timeframe: '1d' | '5m'; file: string } = SRC): DataError {
  try {
    parseBarsCsv(text, src);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

describe('parseBarsCsv', () => {
  it('parses daily rows; ts is the 16:00 New York close (DST handled)', () => {
    const bars = parseBarsCsv(`${HEADER}\n2026-07-01,10,11,9,10.5,100\n2026-11-20,10.5,12,10,11,0\n`, SRC);
    expect(bars).toEqual([
      { symbol: 'AAPL', timeframe: '1d', ts: Date.parse('2026-07-01T20:00:00Z'), open: 10, high: 11, low: 9, close: 10.5, volume: 100 },
      { symbol: 'AAPL', timeframe: '1d', ts: Date.parse('2026-11-20T21:00:00Z'), open: 10.5, high: 12, low: 10, close: 11, volume: 0 },
    ]);
  });

  it('accepts CRLF, a BOM, any header case and column order, and ignores Adj Close', () => {
    const text = '\uFEFFdate,OPEN,high,low,close,Adj Close,volume\r\n2026-11-20,10,11,9,10.5,10.1,100\r\n\r\n';
    const [bar] = parseBarsCsv(text, SRC);
    expect(bar).toMatchObject({ ts: sessionCloseUtc('2026-11-20'), open: 10, close: 10.5, volume: 100 });
    const reordered = parseBarsCsv('Volume,Close,Low,High,Open,Date\n5,2,1,3,2.5,2026-11-20\n', SRC);
    expect(reordered[0]).toMatchObject({ open: 2.5, high: 3, low: 1, close: 2, volume: 5 });
  });

  it('parses intraday ISO date-times with a zone (Z, offsets, space separator)', () => {
    const text = 'Datetime,Open,High,Low,Close,Volume\n2026-11-20T14:35:00Z,1,2,1,2,5\n2026-11-20 09:40:00-05:00,2,2,1,1,5\n2026-11-20T14:45:00.000+00:00,1,1,1,1,0\n';
    const bars = parseBarsCsv(text, { symbol: 'spy', timeframe: '5m', file: 'spy.csv' });
    expect(bars.map((b) => b.ts)).toEqual([Date.parse('2026-11-20T14:35:00Z'), Date.parse('2026-11-20T14:40:00Z'), Date.parse('2026-11-20T14:45:00Z')]);
    expect(bars[0]!.symbol).toBe('SPY');
  });

  it.each([
    ['wrong column count', `${HEADER}\n2026-11-20,1,2,1,2\n`, 2, undefined, /expected 6 columns, got 5/],
    ['unparsable number', `${HEADER}\n2026-11-19,1,2,1,2,5\n2026-11-20,1,abc,1,2,5\n`, 3, 'High', /"abc" is not a number/],
    ['empty value', `${HEADER}\n2026-11-20,1,2,,2,5\n`, 2, 'Low', /missing value/],
    ['null as Yahoo writes it', `${HEADER}\n2026-11-20,null,null,null,null,null\n`, 2, 'Open', /"null" is not a number/],
    ['non-positive price', `${HEADER}\n2026-11-20,0,2,1,2,5\n`, 2, 'Open', /must be positive/],
    ['negative price', `${HEADER}\n2026-11-20,1,2,-1,2,5\n`, 2, 'Low', /must be positive/],
    ['negative volume', `${HEADER}\n2026-11-20,1,2,1,2,-5\n`, 2, 'Volume', /must not be negative/],
    ['high below low', `${HEADER}\n2026-11-20,1,1,2,1,5\n`, 2, 'High', /below low/],
    ['open outside the range', `${HEADER}\n2026-11-20,3,2,1,2,5\n`, 2, 'Open', /outside/],
    ['close outside the range', `${HEADER}\n2026-11-20,1,2,1,0.5,5\n`, 2, 'Close', /outside/],
    ['unparsable date', `${HEADER}\n20/11/2026,1,2,1,2,5\n`, 2, 'Date', /not a date/],
    ['impossible date', `${HEADER}\n2026-02-30,1,2,1,2,5\n`, 2, 'Date', /not a date/],
    ['duplicate date', `${HEADER}\n2026-11-20,1,2,1,2,5\n2026-11-20,1,2,1,2,5\n`, 3, 'Date', /duplicate/],
    ['out-of-order date', `${HEADER}\n2026-11-20,1,2,1,2,5\n2026-11-19,1,2,1,2,5\n`, 3, 'Date', /before the previous row/],
  ])('rejects %s, naming file, line and field', (_name, text, line, field, message) => {
    const e = parseError(text);
    expect(e.location.file).toBe('aapl.csv');
    expect(e.location.line).toBe(line);
    expect(e.location.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`aapl.csv, line ${line}`);
  });

  it('rejects bad headers and bad intraday times', () => {
    expect(parseError('').message).toMatch(/empty file/);
    expect(parseError('Date,Open,High,Low,Close\n').message).toMatch(/missing column Volume/);
    expect(parseError('Open,High,Low,Close,Volume\n').message).toMatch(/missing a Date or Datetime/);
    expect(parseError('Date,Open,High,Low,Close,Volume,Foo\n').location).toMatchObject({ line: 1, field: 'foo' });
    expect(parseError('Date,Open,Open,High,Low,Close,Volume\n').message).toMatch(/duplicate column Open/);
    expect(parseError(`${HEADER}\n`, { symbol: 'X', timeframe: '5m', file: 'x.csv' }).message).toMatch(/need a Datetime column/);
    const noZone = parseError('Datetime,Open,High,Low,Close,Volume\n2026-11-20T14:35:00,1,2,1,2,5\n', { symbol: 'X', timeframe: '5m', file: 'x.csv' });
    expect(noZone.location).toMatchObject({ line: 2, field: 'Datetime' });
    expect(() => parseBarsCsv(`${HEADER}\n`, { ...SRC, symbol: '../etc' })).toThrow(InputError);
  });

  it('format → parse round-trips any valid bars', () => {
    const barArb = fc
      .record({
        low: fc.double({ min: 0.0001, max: 1e6, noNaN: true }),
        spread: fc.double({ min: 0, max: 1e3, noNaN: true }),
        o: fc.double({ min: 0, max: 1, noNaN: true }),
        c: fc.double({ min: 0, max: 1, noNaN: true }),
        volume: fc.nat(),
      })
      .map(({ low, spread, o, c, volume }) => {
        const high = low + spread;
        return { open: Math.min(high, low + o * spread), high, low, close: Math.min(high, low + c * spread), volume };
      });
    fc.assert(
      fc.property(fc.array(barArb, { maxLength: 20 }), fc.boolean(), (rows, daily) => {
        const start = Date.parse('2026-01-05T21:00:00Z');
        const bars: Bar[] = rows.map((r, i) => ({
          symbol: 'ABC', timeframe: daily ? '1d' : '5m',
          ts: daily ? sessionCloseUtc(new Date(start + i * 86_400_000).toISOString().slice(0, 10)) : start + i * 300_000,
          ...r,
        }));
        const text = formatBarsCsv(bars, { timeframe: daily ? '1d' : '5m' });
        expect(parseBarsCsv(text, { symbol: 'ABC', timeframe: daily ? '1d' : '5m', file: 'p.csv' })).toEqual(bars);
      }),
    );
  });

  it('formats with fixed decimals and ISO end times', () => {
    const bars: Bar[] = [{ symbol: 'X', timeframe: '5m', ts: Date.parse('2026-11-20T14:35:00Z'), open: 1.5, high: 2, low: 1, close: 1.25, volume: 7 }];
    expect(formatBarsCsv(bars, { priceDecimals: 2 })).toBe('Datetime,Open,High,Low,Close,Volume\n2026-11-20T14:35:00Z,1.50,2.00,1.00,1.25,7\n');
    expect(() => formatBarsCsv([{ ...bars[0]!, timeframe: '1d' }])).toThrow(/not a 16:00 New York close/);
    expect(() => formatBarsCsv([bars[0]!, { ...bars[0]!, timeframe: '1d' }])).toThrow(/mixed timeframes/);
  });
});

describe('importBarsCsv', () => {
  it('validates, then writes the normalised CSV atomically into <dataDir>/market/<tf>/<SYMBOL>.csv', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wsb-import-'));
    const source = path.join(dir, 'in.csv');
    await writeFile(source, 'Date,Open,High,Low,Close,Adj Close,Volume\r\n2026-11-19,10,11,9,10.5,10.4,100\r\n2026-11-20,10.5,12,10,11,10.9,200\r\n');
    const res = await importBarsCsv({ sourceFile: source, symbol: 'abc', timeframe: '1d', dataDir: path.join(dir, 'root') });
    expect(res).toEqual({ file: path.join(dir, 'root', 'market', '1d', 'ABC.csv'), rows: 2 });
    expect(await readFile(res.file, 'utf8')).toBe(`${HEADER}\n2026-11-19,10,11,9,10.5,100\n2026-11-20,10.5,12,10,11,200\n`);
    expect(await readdir(path.dirname(res.file))).toEqual(['ABC.csv']);
  });

  it('writes nothing when any row is bad, and keeps an existing file intact', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wsb-import-'));
    const root = path.join(dir, 'root');
    const good = path.join(dir, 'good.csv');
    await writeFile(good, `${HEADER}\n2026-11-20,1,2,1,2,5\n`);
    await importBarsCsv({ sourceFile: good, symbol: 'ABC', timeframe: '1d', dataDir: root });
    const before = await readFile(path.join(root, 'market', '1d', 'ABC.csv'), 'utf8');
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, `${HEADER}\n2026-11-19,1,2,1,2,5\n2026-11-20,1,2,1,2,-1\n`);
    await expect(importBarsCsv({ sourceFile: bad, symbol: 'ABC', timeframe: '1d', dataDir: root })).rejects.toThrow(/bad\.csv, line 3, ABC, field Volume/);
    await expect(importBarsCsv({ sourceFile: bad, symbol: 'NEW', timeframe: '1d', dataDir: root })).rejects.toThrow(DataError);
    expect(await readFile(path.join(root, 'market', '1d', 'ABC.csv'), 'utf8')).toBe(before);
    expect(await readdir(path.join(root, 'market', '1d'))).toEqual(['ABC.csv']);
    await expect(importBarsCsv({ sourceFile: path.join(dir, 'missing.csv'), symbol: 'ABC', timeframe: '1d', dataDir: root })).rejects.toThrow(/missing\.csv: cannot read/);
    await expect(importBarsCsv({ sourceFile: good, symbol: '../x', timeframe: '1d', dataDir: root })).rejects.toThrow(/symbol/);
  });
});
