import { InputError } from '../domain/errors.js';
import type { Bar } from '../domain/market.js';
import { nyOffsetMinutes } from '../domain/session.js';

/**
 * The last N daily closes of every symbol the daemon sees, for the VaR
 * service: the scheduled Monte Carlo report and the pre-trade delta-normal
 * estimate both build their returns from it.
 *
 * `onBar` runs for every bar of the feed, so it is O(1) and allocates nothing
 * once a symbol has its ring buffer. Only daily bars count (timeframe '1d'):
 * mixing intraday and daily returns in one series would be meaningless. A
 * repeated or older daily bar is ignored (as in OptionMarkModel); a later bar
 * of the same New York date replaces that date's close (a corrected bar).
 */

export const DEFAULT_HISTORY_DAYS = 260;
const MAX_HISTORY_DAYS = 10_000;
const MS_PER_DAY = 86_400_000;

interface Ring {
  readonly closes: Float64Array;
  /** New York calendar day number (days since 1970-01-01 in New York) of each close. */
  readonly days: Int32Array;
  /** Slot the next close is written to. */
  head: number;
  count: number;
  lastTs: number;
}

/** Returns of several symbols on the dates they have in common, oldest first. */
export interface AlignedReturns {
  readonly assets: readonly string[];
  /** Date (YYYY-MM-DD, New York) of each row: the later close of the pair. */
  readonly dates: readonly string[];
  /** columns[a][t]: the return of assets[a] from the close before dates[t] to the close on it. */
  readonly columns: readonly Float64Array[];
  /** Symbols asked for but left out, with why (too few closes, too few dates in common). */
  readonly excluded: ReadonlyArray<{ readonly symbol: string; readonly reason: string }>;
}

/** New York calendar day number of an instant: bars of one New York date share it. */
export function nyDayNumber(ts: number): number {
  return Math.floor((ts + nyOffsetMinutes(ts) * 60_000) / MS_PER_DAY);
}

export function dayNumberToDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export class DailyCloseHistory {
  readonly capacity: number;
  private readonly rings = new Map<string, Ring>();
  private latest = Number.NEGATIVE_INFINITY;

  constructor(capacity = DEFAULT_HISTORY_DAYS) {
    if (!(Number.isInteger(capacity) && capacity >= 2 && capacity <= MAX_HISTORY_DAYS)) {
      throw new InputError('historyDays', `must be a whole number of daily closes from 2 to ${MAX_HISTORY_DAYS}, got ${String(capacity)}`);
    }
    this.capacity = capacity;
  }

  onBar(bar: Bar): void {
    if (bar.timeframe !== '1d') return;
    // Bars are validated at the data edge; a close that is not positive has no return, so it cannot enter a series.
    if (!(bar.close > 0 && bar.close < Number.POSITIVE_INFINITY)) return;
    let ring = this.rings.get(bar.symbol);
    if (ring === undefined) {
      ring = { closes: new Float64Array(this.capacity), days: new Int32Array(this.capacity), head: 0, count: 0, lastTs: Number.NEGATIVE_INFINITY };
      this.rings.set(bar.symbol, ring);
    }
    if (!(bar.ts > ring.lastTs)) return;
    ring.lastTs = bar.ts;
    const day = nyDayNumber(bar.ts);
    const last = (ring.head + this.capacity - 1) % this.capacity;
    if (ring.count > 0 && ring.days[last] === day) {
      ring.closes[last] = bar.close;
    } else {
      ring.closes[ring.head] = bar.close;
      ring.days[ring.head] = day;
      ring.head = (ring.head + 1) % this.capacity;
      if (ring.count < this.capacity) ring.count++;
    }
    if (day > this.latest) this.latest = day;
  }

  /** Day number of the newest daily close of any symbol; it changes once per trading day (caches key on it). */
  get latestDay(): number {
    return this.latest;
  }

  /** Daily closes kept for `symbol` (at most `capacity`). */
  count(symbol: string): number {
    return this.rings.get(symbol)?.count ?? 0;
  }

  latestClose(symbol: string): number | undefined {
    const ring = this.rings.get(symbol);
    if (ring === undefined || ring.count === 0) return undefined;
    return ring.closes[(ring.head + this.capacity - 1) % this.capacity];
  }

  symbols(): string[] {
    return [...this.rings.keys()].filter((s) => this.count(s) > 0);
  }

  /** The kept closes of `symbol`, oldest first (a copy). */
  history(symbol: string): { readonly dates: string[]; readonly closes: number[] } {
    const dates: string[] = [];
    const closes: number[] = [];
    this.forEach(symbol, (day, close) => {
      dates.push(dayNumberToDate(day));
      closes.push(close);
    });
    return { dates, closes };
  }

  private forEach(symbol: string, fn: (day: number, close: number) => void): void {
    const ring = this.rings.get(symbol);
    if (ring === undefined) return;
    const start = (ring.head + this.capacity - ring.count) % this.capacity;
    for (let k = 0; k < ring.count; k++) {
      const i = (start + k) % this.capacity;
      fn(ring.days[i]!, ring.closes[i]!);
    }
  }

  /**
   * Daily returns of `symbols` on the dates all of them have a close, at
   * least `minRows` rows. A symbol with fewer than minRows + 1 closes is left
   * out; if the rest share too few dates, the one with the fewest closes is
   * left out until they do, so one short history costs that symbol, not
   * the whole table.
   * Returns are simple (c₁/c₀ − 1) or log (ln c₁/c₀).
   */
  alignedReturns(symbols: readonly string[], minRows: number, kind: 'simple' | 'log'): AlignedReturns {
    const excluded: Array<{ symbol: string; reason: string }> = [];
    const needed = minRows + 1;
    let eligible = [...new Set(symbols)].filter((s) => {
      const n = this.count(s);
      if (n >= needed) return true;
      excluded.push({ symbol: s, reason: `${s}: ${n} daily close(s) kept; VaR needs at least ${needed} (${minRows} daily returns)` });
      return false;
    });
    let common = this.commonDays(eligible);
    while (eligible.length > 0 && common.length < needed) {
      const shortest = eligible.reduce((a, b) => (this.count(b) < this.count(a) || (this.count(b) === this.count(a) && b > a) ? b : a));
      eligible = eligible.filter((s) => s !== shortest);
      excluded.push({
        symbol: shortest,
        reason: `${shortest}: only ${common.length} date(s) with a close of every symbol (${[shortest, ...eligible].join(', ')}); VaR needs at least ${needed}`,
      });
      common = this.commonDays(eligible);
    }
    if (eligible.length === 0) return { assets: [], dates: [], columns: [], excluded };

    const rows = common.length - 1;
    const position = new Map(common.map((d, i) => [d, i] as const));
    const columns = eligible.map((s) => {
      const aligned = new Float64Array(common.length);
      this.forEach(s, (day, close) => {
        const i = position.get(day);
        if (i !== undefined) aligned[i] = close;
      });
      const out = new Float64Array(rows);
      for (let t = 0; t < rows; t++) out[t] = kind === 'log' ? Math.log(aligned[t + 1]! / aligned[t]!) : aligned[t + 1]! / aligned[t]! - 1;
      return out;
    });
    return { assets: eligible, dates: common.slice(1).map(dayNumberToDate), columns, excluded };
  }

  /** Day numbers on which every symbol has a close, ascending. */
  private commonDays(symbols: readonly string[]): number[] {
    if (symbols.length === 0) return [];
    const seen = new Map<number, number>();
    for (const s of symbols) this.forEach(s, (day) => seen.set(day, (seen.get(day) ?? 0) + 1));
    return [...seen].filter(([, n]) => n === symbols.length).map(([day]) => day).sort((a, b) => a - b);
  }
}
