import { existsSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DataError, InputError } from '../domain/errors.js';
import { TIMEFRAMES, type Bar, type Timeframe } from '../domain/market.js';
import { addDays, nyWallTimeToUtc } from '../domain/session.js';
import { barsPath, normaliseSymbol, parseBarsCsv } from './csvBars.js';

const gunzipAsync = promisify(gunzip);

/**
 * A bound of a bar query: epoch ms, compared with the bar's ts (its end); or a
 * New York date `YYYY-MM-DD`, meaning that whole New York calendar day (from
 * midnight to midnight). Both bounds are inclusive.
 */
export type TimeBound = number | string;

export interface LoadBarsOptions {
  /** Data roots in priority order; for each symbol the first root holding its file wins. */
  readonly roots: readonly string[];
  readonly symbols: readonly string[];
  readonly timeframe: Timeframe;
  readonly from?: TimeBound;
  readonly to?: TimeBound;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function boundMs(bound: TimeBound, field: 'from' | 'to'): number {
  if (typeof bound === 'number') {
    if (!Number.isFinite(bound)) throw new InputError(field, `must be a finite epoch millisecond time, got ${bound}`);
    return bound;
  }
  if (!DATE_RE.test(bound) || Number.isNaN(Date.parse(`${bound}T00:00:00Z`)) || new Date(`${bound}T00:00:00Z`).toISOString().slice(0, 10) !== bound) {
    throw new InputError(field, `"${bound}" is not a date (YYYY-MM-DD) or epoch milliseconds`);
  }
  // A date covers its whole New York day: from its midnight, to just before the next one.
  return field === 'from' ? nyWallTimeToUtc(bound, 0, 0) : nyWallTimeToUtc(addDays(bound, 1), 0, 0) - 1;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false; // absence is the answer here, not an error
  }
}

/** The file holding a symbol's bars: the first root with `.csv` (preferred, e.g. an import) or `.csv.gz`. */
async function locate(roots: readonly string[], timeframe: Timeframe, symbol: string): Promise<string> {
  for (const root of roots) {
    for (const ext of ['.csv', '.csv.gz'] as const) {
      const file = barsPath(root, timeframe, symbol, ext);
      if (await exists(file)) return file;
    }
  }
  throw new DataError(`no ${timeframe} bars found; searched ${roots.map((r) => path.join(r, 'market', timeframe)).join(', ')}`, { symbol });
}

async function readBarsFile(file: string, symbol: string, timeframe: Timeframe): Promise<Bar[]> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    throw new DataError(`cannot read: ${(e as Error).message}`, { file, symbol });
  }
  let text: string;
  if (file.endsWith('.gz')) {
    try {
      text = (await gunzipAsync(raw)).toString('utf8');
    } catch (e) {
      throw new DataError(`corrupt gzip: ${(e as Error).message}`, { file, symbol });
    }
  } else {
    text = raw.toString('utf8');
  }
  return parseBarsCsv(text, { symbol, timeframe, file });
}

function byTime(a: Bar, b: Bar): number {
  return a.ts - b.ts;
}

/**
 * Loads bars of several symbols, merged in time order with ties broken by
 * symbol, so the sequence is the same on every run.
 */
export async function loadBars(opts: LoadBarsOptions): Promise<Bar[]> {
  if (opts.roots.length === 0) throw new InputError('roots', 'at least one data root is needed');
  if (!(TIMEFRAMES as readonly string[]).includes(opts.timeframe)) throw new InputError('timeframe', `must be one of ${TIMEFRAMES.join(', ')}`);
  const from = opts.from === undefined ? -Infinity : boundMs(opts.from, 'from');
  const to = opts.to === undefined ? Infinity : boundMs(opts.to, 'to');
  if (from > to) throw new InputError('from', 'is after to');
  // Sorted so that concatenation lists tied bars in symbol order; the stable sort below keeps it.
  const symbols = [...new Set(opts.symbols.map((s) => normaliseSymbol(s, 'symbols')))].sort();
  const perSymbol = await Promise.all(
    symbols.map(async (symbol) => {
      const bars = await readBarsFile(await locate(opts.roots, opts.timeframe, symbol), symbol, opts.timeframe);
      return from === -Infinity && to === Infinity ? bars : bars.filter((b) => b.ts >= from && b.ts <= to);
    }),
  );
  if (perSymbol.length === 1) return perSymbol[0]!;
  // Each file is already in time order: TimSort finds those runs and merges them in O(n log k).
  return perSymbol.flat().sort(byTime);
}

let cachedRoot: string | undefined;

/**
 * The repository's `data/` folder: found by walking up from this module until
 * a directory holds `data/market/manifest.json`, so it works from
 * `engine/market` under tsx and from `dist/engine/market` after tsc.
 */
export function bundledDataRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'data');
    if (existsSync(path.join(candidate, 'market', 'manifest.json'))) {
      cachedRoot = candidate;
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new DataError('bundled data set not found (no data/market/manifest.json above the engine)', { file: fileURLToPath(import.meta.url) });
    dir = parent;
  }
}

export type EarningsTiming = 'AMC' | 'BMO';

export interface EarningsEvent {
  readonly symbol: string;
  /** New York date of the report. */
  readonly date: string;
  /** After the market close or before the open. */
  readonly timing: EarningsTiming;
}

/** Parses `Symbol,Date,Timing`; events come back sorted by date, then symbol. */
export function parseEarningsCsv(text: string, file: string): EarningsEvent[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  if (header.join(',') !== 'symbol,date,timing') throw new DataError('expected the header Symbol,Date,Timing', { file, line: 1 });
  const out: EarningsEvent[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const where = { file, line: i + 1 };
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 3) throw new DataError(`expected 3 columns, got ${cells.length}`, where);
    const [rawSymbol, date, timing] = cells as [string, string, string];
    let symbol: string;
    try {
      symbol = normaliseSymbol(rawSymbol);
    } catch {
      throw new DataError(`"${rawSymbol}" is not a symbol`, { ...where, field: 'Symbol' });
    }
    if (!DATE_RE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
      throw new DataError(`"${date}" is not a date (YYYY-MM-DD)`, { ...where, field: 'Date', symbol });
    }
    if (timing !== 'AMC' && timing !== 'BMO') throw new DataError(`"${timing}" is not AMC or BMO`, { ...where, field: 'Timing', symbol });
    const key = `${symbol} ${date}`;
    if (seen.has(key)) throw new DataError(`duplicate event ${symbol} on ${date}`, { ...where, field: 'Date', symbol });
    seen.add(key);
    out.push({ symbol, date, timing });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/** The earnings calendar of a data root (`<root>/market/earnings.csv`). */
export async function loadEarningsCalendar(root: string): Promise<EarningsEvent[]> {
  const file = path.join(root, 'market', 'earnings.csv');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read the earnings calendar: ${(e as Error).message}`, { file });
  }
  return parseEarningsCsv(text, file);
}

/** The earnings calendar of the first root that has one (`market/earnings.csv`); the bundled data always does. */
export async function loadEarningsCalendarFrom(roots: readonly string[]): Promise<EarningsEvent[]> {
  for (const root of roots) {
    if (await exists(path.join(root, 'market', 'earnings.csv'))) return loadEarningsCalendar(root);
  }
  return loadEarningsCalendar(bundledDataRoot());
}
