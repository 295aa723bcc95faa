import { addDays } from '../../engine/domain/session.js';
import type { Rng } from '../../engine/domain/random.js';
import { CALENDAR_LAST, nextTradingDayOnOrAfter } from './calendar.js';
import { SPEC_EARNINGS_OFFSETS } from './profiles.js';

export type EarningsTiming = 'AMC' | 'BMO';

export interface EarningsDate {
  readonly symbol: string;
  readonly date: string;
  readonly timing: EarningsTiming;
}

/** Reports come every 13 weeks, so a company keeps its weekday and its place in the season. */
const QUARTER_DAYS = 91;

/**
 * A company's report dates from `firstDate` to the end of the holiday list.
 * Each company has an anchor report in the current season (mid-October to late
 * November relative to the data's end), and reports every 13 weeks either side
 * of it, moved to the next trading day. The eight names of SPEC §1.5 are
 * anchored at SPEC's offsets after `endDate`, after the close.
 */
export function earningsSchedule(symbol: string, rng: Rng, firstDate: string, endDate: string): EarningsDate[] {
  const specOffset = SPEC_EARNINGS_OFFSETS[symbol];
  const offset = specOffset ?? -37 + rng.int(42);
  const timing: EarningsTiming = specOffset !== undefined || rng.chance(0.6) ? 'AMC' : 'BMO';
  const anchor = addDays(endDate, offset);
  const out: EarningsDate[] = [];
  for (let k = -12; k <= 2; k++) {
    const raw = addDays(anchor, k * QUARTER_DAYS);
    if (raw < firstDate || raw > CALENDAR_LAST) continue;
    const date = nextTradingDayOnOrAfter(raw);
    if (date > CALENDAR_LAST) continue;
    out.push({ symbol, date, timing });
  }
  return out;
}

/**
 * The trading day whose open first reflects the report: the report day itself
 * before the open, the next session after the close. Returns the index into
 * `days`, or −1 when that session is outside the data.
 */
export function reactionIndex(e: EarningsDate, dayIndex: ReadonlyMap<string, number>): number {
  const i = dayIndex.get(e.date);
  if (i === undefined) return -1;
  const r = e.timing === 'BMO' ? i : i + 1;
  return r < dayIndex.size ? r : -1;
}
