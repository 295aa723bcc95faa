import { DataError } from '../../domain/errors.js';

/**
 * A table of periodic (daily) simple returns, one column per asset, as read
 * from a CSV: a header `date,<ASSET>,<ASSET>…` and one row per date. Every
 * cell must hold a finite number ≥ −1 (a simple return cannot lose more than
 * everything); a missing, non-numeric or NaN cell is an error naming the
 * asset, the date and the line, never skipped or filled in, because any fill
 * (zeros, the original's padding) understates the risk.
 */
export interface ReturnsTable {
  /** Asset names from the header, in column order. */
  readonly assets: readonly string[];
  /** Dates (YYYY-MM-DD), one per row, unique, in file order. */
  readonly dates: readonly string[];
  /** `columns[a][t]`: the return of asset a on dates[t]. */
  readonly columns: readonly Float64Array[];
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Parse the CSV text of a returns file; `file` names it in errors. */
export function parseReturnsCsv(text: string, file = 'returns'): ReturnsTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new DataError('empty file: expected a header row "date,<ASSET>,…"', { file, line: 1 });

  const header = lines[0]!.split(',').map((s) => s.trim());
  if (header.length < 2) throw new DataError('header needs a date column then at least one asset column', { file, line: 1 });
  const assets = header.slice(1);
  const seenAssets = new Set<string>();
  assets.forEach((a, i) => {
    if (a === '') throw new DataError(`column ${i + 2} of the header has no asset name`, { file, line: 1 });
    if (seenAssets.has(a)) throw new DataError(`asset ${a} appears twice in the header`, { file, line: 1, symbol: a });
    seenAssets.add(a);
  });

  const rows = lines.length - 1;
  const columns = assets.map(() => new Float64Array(rows));
  const dates: string[] = new Array<string>(rows);
  const seenDates = new Map<string, number>();
  for (let r = 0; r < rows; r++) {
    const line = r + 2;
    const cells = lines[r + 1]!.split(',');
    if (cells.length !== header.length) {
      throw new DataError(`expected ${header.length} comma-separated cells (date and ${assets.length} returns), got ${cells.length}`, { file, line });
    }
    const date = cells[0]!.trim();
    if (!isRealDate(date)) throw new DataError(`expected a date YYYY-MM-DD in the first column, got ${JSON.stringify(date)}`, { file, line, field: header[0] });
    const previous = seenDates.get(date);
    if (previous !== undefined) throw new DataError(`date ${date} appears twice (also on line ${previous})`, { file, line, field: header[0] });
    seenDates.set(date, line);
    dates[r] = date;
    for (let a = 0; a < assets.length; a++) {
      const raw = cells[a + 1]!.trim();
      const symbol = assets[a]!;
      if (raw === '') throw new DataError(`missing return on ${date} (empty cell)`, { file, line, symbol, field: date });
      const value = Number(raw);
      if (!NUMBER.test(raw) || !Number.isFinite(value)) {
        throw new DataError(`return on ${date} is not a finite number: ${JSON.stringify(raw)}`, { file, line, symbol, field: date });
      }
      if (value < -1) throw new DataError(`return on ${date} is ${raw}, below −1 (a simple return cannot lose more than 100 %)`, { file, line, symbol, field: date });
      columns[a]![r] = value;
    }
  }
  return { assets, dates, columns };
}

/** Build a table from in-memory columns, with the same checks as the CSV reader. */
export function returnsTable(assets: readonly string[], dates: readonly string[], columns: readonly ArrayLike<number>[]): ReturnsTable {
  if (assets.length === 0) throw new DataError('a returns table needs at least one asset', { field: 'assets' });
  if (columns.length !== assets.length) throw new DataError(`${assets.length} assets but ${columns.length} columns`, { field: 'columns' });
  const out = columns.map((c, a) => {
    if (c.length !== dates.length) throw new DataError(`column has ${c.length} returns for ${dates.length} dates`, { symbol: assets[a], field: 'columns' });
    const col = Float64Array.from(c);
    for (let t = 0; t < col.length; t++) {
      if (!Number.isFinite(col[t]!) || col[t]! < -1) {
        throw new DataError(`return on ${dates[t]} is ${col[t]} (must be a finite number ≥ −1)`, { symbol: assets[a], field: dates[t] });
      }
    }
    return col;
  });
  return { assets: [...assets], dates: [...dates], columns: out };
}

/**
 * The columns as log returns ln(1 + r), for models that move prices
 * (S₀·e^R): a book with options. A −100 % return has no logarithm and is an
 * error naming the asset and date.
 */
export function logReturnColumns(table: ReturnsTable, file?: string): Float64Array[] {
  return table.columns.map((col, a) =>
    col.map((r, t) => {
      if (!(r > -1)) throw new DataError(`return on ${table.dates[t]} is ${r}: a −100 % move has no log return, so a book with options cannot be revalued on it`, { file, symbol: table.assets[a], field: table.dates[t] });
      return Math.log1p(r);
    }),
  );
}
