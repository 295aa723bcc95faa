import { TIMEFRAME_MS, type Timeframe } from '../../../engine/domain/market.js';
import { addDays, daysBetween, sessionCloseUtc, sessionOpenUtc } from '../../../engine/domain/session.js';
import { isTradingDay, nyDate } from '../../../engine/market/expiries.js';

/**
 * When is data stale? Markets close at night, at weekends and on holidays,
 * so age is measured against what SHOULD exist by now: the newest bar that
 * has closed, or the last instant the market was open. Early closes (13:00
 * half days) are not modelled: on those afternoons intraday data looks late.
 */

/** Sessions are never further apart than this many calendar days (the longest US closure run is 4). */
const MAX_GAP_DAYS = 10;

function previousSessionClose(date: string): number {
  let d = addDays(date, -1);
  for (let i = 0; i < MAX_GAP_DAYS && !isTradingDay(d); i++) d = addDays(d, -1);
  return sessionCloseUtc(d);
}

/** The ts (end) of the newest bar of `timeframe` that has closed at instant `t`. */
export function newestClosedBarTs(timeframe: Timeframe, t: number): number {
  const date = nyDate(t);
  const trading = isTradingDay(date);
  if (timeframe === '1d') return trading && sessionCloseUtc(date) <= t ? sessionCloseUtc(date) : previousSessionClose(date);
  if (!trading) return previousSessionClose(date);
  const open = sessionOpenUtc(date);
  const close = sessionCloseUtc(date);
  if (t >= close) return close;
  const step = TIMEFRAME_MS[timeframe];
  const lastEnd = open + Math.floor((t - open) / step) * step;
  return t < open + step ? previousSessionClose(date) : lastEnd;
}

/** The last instant at or before `t` when the regular session was open. */
export function lastOpenInstant(t: number): number {
  const date = nyDate(t);
  if (isTradingDay(date)) {
    if (t >= sessionOpenUtc(date) && t <= sessionCloseUtc(date)) return t;
    if (t > sessionCloseUtc(date)) return sessionCloseUtc(date);
  }
  return previousSessionClose(date);
}

export interface BarFreshness {
  readonly stale: boolean;
  /** The newest bar ts the answer should have held (undefined: none was due in the range). */
  readonly expectedTs: number | undefined;
  readonly newestTs: number | undefined;
}

/**
 * Bars answering [from, to] are stale when the newest is older than the
 * newest bar that had closed `maxAgeMs` ago (so a provider may publish a bar
 * up to `maxAgeMs` late). A range in the past is judged at `to`.
 */
export function barFreshness(args: { timeframe: Timeframe; from: number; to: number; now: number; maxAgeMs: number; newestTs: number | undefined }): BarFreshness {
  const reference = Math.min(args.to, args.now) - args.maxAgeMs;
  const expected = newestClosedBarTs(args.timeframe, reference);
  if (expected < args.from) return { stale: false, expectedTs: undefined, newestTs: args.newestTs };
  return { stale: args.newestTs === undefined || args.newestTs < expected, expectedTs: expected, newestTs: args.newestTs };
}

/** A quote is stale when it is older than `maxAgeMs` at the last instant the market was open. */
export function quoteIsStale(quoteTs: number, now: number, maxAgeMs: number): boolean {
  return lastOpenInstant(now) - quoteTs > maxAgeMs;
}

/** A daily series (a yield) is stale when its newest observation is more than `maxAgeDays` calendar days old. */
export function observationIsStale(date: string, now: number, maxAgeDays: number): boolean {
  return daysBetween(date, nyDate(now)) > maxAgeDays;
}
