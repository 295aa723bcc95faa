import type { Bar, Timeframe } from '../domain/market.js';
import { loadBars, type TimeBound } from './barLoader.js';

/** Daily history loaded ahead of an intraday replay, for option marks, realised volatility and VaR. */
export const INTRADAY_DAILY_HISTORY_DAYS = 400;

const DAY_MS = 86_400_000;

function byTime(a: Bar, b: Bar): number {
  return a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);
}

/**
 * The bars a replay feeds the node for strategies of any timeframes: each
 * strategy's own timeframe over its universe within [from, to], and, for
 * intraday strategies, the daily bars of the same symbols from
 * INTRADAY_DAILY_HISTORY_DAYS before the first intraday bar up to it. Option
 * marks, realised volatility and the VaR history learn only from daily
 * closes, so an intraday replay without them would price options at the
 * fallback volatility and refuse every entry for want of VaR history.
 *
 * The daily history stops where the intraday bars begin, so no daily bar
 * (stamped at the 16:00 close, with the day's 09:30 open) ever overlaps
 * intraday trading and fills an intraday order at a stale open.
 */
export async function loadReplayBars(opts: {
  readonly roots: readonly string[];
  readonly strategies: ReadonlyArray<{ readonly timeframe: Timeframe; readonly universe: readonly string[] }>;
  readonly from?: TimeBound | undefined;
  readonly to?: TimeBound | undefined;
  /** Loads one symbol set of one timeframe; the error of a bad file propagates (the daemon skips per symbol). */
  readonly load?: (symbols: readonly string[], timeframe: Timeframe, from: TimeBound | undefined, to: TimeBound | undefined) => Promise<Bar[]>;
}): Promise<Bar[]> {
  const load = opts.load ?? ((symbols, timeframe, from, to) => loadBars({ roots: opts.roots, symbols, timeframe, from, to }));
  const byTimeframe = new Map<Timeframe, Set<string>>();
  for (const s of opts.strategies) {
    const set = byTimeframe.get(s.timeframe) ?? new Set<string>();
    for (const sym of s.universe) set.add(sym);
    byTimeframe.set(s.timeframe, set);
  }
  const parts: Bar[][] = [];
  const daily = byTimeframe.get('1d');
  if (daily) parts.push(await load([...daily].sort(), '1d', opts.from, opts.to));
  const intradaySymbols = new Set<string>();
  let firstIntraday = Number.POSITIVE_INFINITY;
  for (const [timeframe, symbols] of byTimeframe) {
    if (timeframe === '1d') continue;
    const bars = await load([...symbols].sort(), timeframe, opts.from, opts.to);
    parts.push(bars);
    for (const s of symbols) intradaySymbols.add(s);
    if (bars.length > 0) firstIntraday = Math.min(firstIntraday, bars[0]!.ts);
  }
  if (intradaySymbols.size > 0 && Number.isFinite(firstIntraday)) {
    const history = await load([...intradaySymbols].sort(), '1d', firstIntraday - INTRADAY_DAILY_HISTORY_DAYS * DAY_MS, firstIntraday - 1);
    // Symbols a daily strategy already replays are in `parts`; do not feed their bars twice.
    parts.push(daily ? history.filter((b) => !daily.has(b.symbol)) : history);
  }
  return parts.length === 1 ? parts[0]! : parts.flat().sort(byTime);
}
