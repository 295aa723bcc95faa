import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataError, InputError } from '../domain/errors.js';
import { barProblem, TIMEFRAMES, type Bar, type Timeframe } from '../domain/market.js';
import { sessionCloseUtc, nyParts } from '../domain/session.js';

/**
 * Bars as CSV: `Date,Open,High,Low,Close,Volume` (a daily bar's Date is its New
 * York session date and its ts the 16:00 close), or `Datetime,…` where
 * Datetime is the bar's END time as ISO-8601 with an explicit zone. This is
 * the bundled data's form and what Yahoo-style exports look like; an
 * `Adj Close` column is accepted and ignored.
 */

export interface CsvSource {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Named in every error, so the operator can find the row. */
  readonly file: string;
}

const REQUIRED = ['open', 'high', 'low', 'close', 'volume'] as const;
type PriceField = (typeof REQUIRED)[number];
const DISPLAY: Readonly<Record<string, string>> = { open: 'Open', high: 'High', low: 'Low', close: 'Close', volume: 'Volume', date: 'Date', datetime: 'Datetime' };

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const SYMBOL_RE = /^[A-Z0-9][A-Z0-9.-]{0,14}$/;

/** Daily closes repeat across symbols; the New York close of a date is computed once. */
const closeCache = new Map<string, number>();
function dailyTs(date: string): number {
  let ts = closeCache.get(date);
  if (ts === undefined) {
    ts = sessionCloseUtc(date);
    closeCache.set(date, ts);
  }
  return ts;
}

function isRealDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** A symbol as it may appear in a file name: upper case letters, digits, dot and dash. */
export function normaliseSymbol(symbol: string, field = 'symbol'): string {
  const s = symbol.trim().toUpperCase();
  if (!SYMBOL_RE.test(s)) throw new InputError(field, `"${symbol}" is not a valid symbol (letters, digits, "." and "-", at most 15)`);
  return s;
}

interface Header {
  readonly timeColumn: 'date' | 'datetime';
  readonly index: Readonly<Record<PriceField | 'time', number>>;
  readonly columns: number;
}

function parseHeader(line: string, src: CsvSource): Header {
  const names = line.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1').toLowerCase());
  const index: Partial<Record<PriceField | 'time', number>> = {};
  let timeColumn: 'date' | 'datetime' | undefined;
  names.forEach((name, i) => {
    const where = { file: src.file, line: 1, field: name || `column ${i + 1}` };
    if (name === 'date' || name === 'datetime') {
      if (timeColumn !== undefined) throw new DataError('more than one time column (Date/Datetime)', where);
      timeColumn = name;
      index.time = i;
    } else if ((REQUIRED as readonly string[]).includes(name)) {
      const f = name as PriceField;
      if (index[f] !== undefined) throw new DataError(`duplicate column ${DISPLAY[f]}`, where);
      index[f] = i;
    } else if (name !== 'adj close') {
      throw new DataError(`unexpected column "${name}"; expected Date or Datetime, Open, High, Low, Close, Volume (and optionally Adj Close)`, where);
    }
  });
  if (timeColumn === undefined) throw new DataError('missing a Date or Datetime column', { file: src.file, line: 1, field: 'Date' });
  for (const f of REQUIRED) {
    if (index[f] === undefined) throw new DataError(`missing column ${DISPLAY[f]}`, { file: src.file, line: 1, field: DISPLAY[f] });
  }
  if (timeColumn === 'date' && src.timeframe !== '1d') {
    throw new DataError(`a Date column holds daily bars; ${src.timeframe} bars need a Datetime column`, { file: src.file, line: 1, field: 'Date' });
  }
  return { timeColumn, index: index as Record<PriceField | 'time', number>, columns: names.length };
}

/** Validated dates → their session close; most files repeat the same few hundred dates. */
const validDates = new Map<string, number>();

function parseTime(raw: string, kind: 'date' | 'datetime', where: () => { file: string; line: number; symbol: string }): number {
  const field = DISPLAY[kind]!;
  if (kind === 'date') {
    const cached = validDates.get(raw);
    if (cached !== undefined) return cached;
    const m = DATE_RE.exec(raw);
    if (m === null || !isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
      throw new DataError(`"${raw}" is not a date (YYYY-MM-DD)`, { ...where(), field });
    }
    const ts = dailyTs(raw);
    validDates.set(raw, ts);
    return ts;
  }
  const m = DATETIME_RE.exec(raw);
  const ts = m === null ? NaN : Date.parse(raw.replace(' ', 'T'));
  if (m === null || !Number.isFinite(ts) || !isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new DataError(`"${raw}" is not an ISO-8601 date-time with a zone (e.g. 2026-11-20T14:35:00Z)`, { ...where(), field });
  }
  return ts;
}

/**
 * Plain decimals ("185.10", "75514230") are read digit by digit: with at most
 * 15 digits the integer and the power of ten are exact, so one division gives
 * the same correctly rounded double as Number(). Anything else takes the
 * strict regex path.
 */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
function parseNumber(raw: string): number {
  let mant = 0;
  let digits = 0;
  let decimals = -1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (c === 46 && decimals < 0 && i > 0) {
      decimals = 0;
    } else {
      digits = 99; // not a plain decimal: fall through to the strict path
      break;
    }
  }
  if (digits > 0 && digits <= 15 && decimals !== 0) return decimals > 0 ? mant / POW10[decimals]! : mant;
  return NUMBER_RE.test(raw) ? Number(raw) : NaN;
}

/**
 * Parses and validates every row; throws a DataError naming the file, the
 * 1-based line and the field of the first bad one. Rows must be in strictly
 * increasing time order.
 */
export function parseBarsCsv(text: string, src: CsvSource): Bar[] {
  if (!(TIMEFRAMES as readonly string[]).includes(src.timeframe)) throw new InputError('timeframe', `must be one of ${TIMEFRAMES.join(', ')}`);
  const symbol = normaliseSymbol(src.symbol);
  const timeframe = src.timeframe;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  const first = lines[0]?.replace(/\r$/, '') ?? '';
  if (first.trim() === '') throw new DataError('empty file: expected a header line', { file: src.file, line: 1 });
  const header = parseHeader(first, src);
  const { time: iT, open: iO, high: iH, low: iL, close: iC, volume: iV } = header.index;
  const bars: Bar[] = [];
  let prevTs = -Infinity;
  let lineNo = 0;
  // Built only when a row is bad: the hot loop allocates nothing but the bar.
  const where = (): { file: string; line: number; symbol: string } => ({ file: src.file, line: lineNo, symbol });
  const num = (cells: string[], i: number, field: PriceField): number => {
    const raw = cells[i]!.trim();
    const v = parseNumber(raw);
    if (Number.isNaN(v)) throw new DataError(raw === '' ? 'missing value' : `"${raw}" is not a number`, { ...where(), field: DISPLAY[field]! });
    return v;
  };
  for (let i = 1; i < lines.length; i++) {
    lineNo = i + 1;
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== header.columns) {
      throw new DataError(`expected ${header.columns} columns, got ${cells.length}`, where());
    }
    const ts = parseTime(cells[iT]!.trim(), header.timeColumn, where);
    const bar: Bar = {
      symbol, timeframe, ts,
      open: num(cells, iO, 'open'), high: num(cells, iH, 'high'), low: num(cells, iL, 'low'), close: num(cells, iC, 'close'), volume: num(cells, iV, 'volume'),
    };
    const problem = barProblem(bar);
    if (problem !== null) throw new DataError(problem.message, { ...where(), field: DISPLAY[problem.field] ?? problem.field });
    if (ts <= prevTs) {
      const t = cells[iT]!.trim();
      const field = DISPLAY[header.timeColumn]!;
      throw new DataError(ts === prevTs ? `duplicate time ${t}` : `time ${t} is before the previous row's (rows must be in time order)`, { ...where(), field });
    }
    prevTs = ts;
    bars.push(bar);
  }
  return bars;
}

export interface FormatOptions {
  /** Chooses the header when `bars` is empty (otherwise the bars' own timeframe); default 1d. */
  readonly timeframe?: Timeframe;
  /** Fixed decimals for prices (e.g. 2 for cents); default: the shortest text that reads back to the same number. */
  readonly priceDecimals?: number;
}

function isoSeconds(ts: number): string {
  const iso = new Date(ts).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/**
 * The CSV `parseBarsCsv` reads back: daily bars by New York date, intraday
 * bars by ISO UTC end time. Rows end in `\n`, with a trailing newline.
 */
export function formatBarsCsv(bars: readonly Bar[], options: FormatOptions = {}): string {
  const tf = bars[0]?.timeframe ?? options.timeframe ?? '1d';
  const daily = tf === '1d';
  const fmt = options.priceDecimals === undefined ? (x: number): string => String(x) : (x: number): string => x.toFixed(options.priceDecimals);
  const out: string[] = [daily ? 'Date,Open,High,Low,Close,Volume' : 'Datetime,Open,High,Low,Close,Volume'];
  for (const b of bars) {
    if (b.timeframe !== tf) throw new InputError('bars', `mixed timeframes (${tf} and ${b.timeframe}) cannot share one file`);
    let time: string;
    if (daily) {
      time = nyParts(b.ts).date;
      if (dailyTs(time) !== b.ts) throw new InputError('bars', `daily bar ts ${isoSeconds(b.ts)} is not a 16:00 New York close`);
    } else {
      time = isoSeconds(b.ts);
    }
    out.push(`${time},${fmt(b.open)},${fmt(b.high)},${fmt(b.low)},${fmt(b.close)},${String(b.volume)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Where a symbol's bars live under a data root. */
export function barsPath(dataDir: string, timeframe: Timeframe, symbol: string, ext: '.csv' | '.csv.gz' = '.csv'): string {
  return path.join(dataDir, 'market', timeframe, `${symbol}${ext}`);
}

let tempCounter = 0;

/**
 * Imports a CSV of bars into `<dataDir>/market/<tf>/<SYMBOL>.csv`. Every row is
 * validated first; the file is written to a temporary name and renamed into
 * place, so a bad row writes nothing and a reader never sees half a file.
 */
export async function importBarsCsv(args: { sourceFile: string; symbol: string; timeframe: Timeframe; dataDir: string }): Promise<{ file: string; rows: number }> {
  const symbol = normaliseSymbol(args.symbol);
  let text: string;
  try {
    text = await readFile(args.sourceFile, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read: ${(e as Error).message}`, { file: args.sourceFile });
  }
  const bars = parseBarsCsv(text, { symbol, timeframe: args.timeframe, file: args.sourceFile });
  const target = path.resolve(barsPath(args.dataDir, args.timeframe, symbol));
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.tmp-${process.pid}-${++tempCounter}`;
  try {
    await writeFile(temp, formatBarsCsv(bars));
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return { file: target, rows: bars.length };
}
