import { addDays, isWeekday } from '../../engine/domain/session.js';

/**
 * NYSE full-day closures for the years the bundled data covers (and the
 * earnings calendar looks ahead into). Hard-coded from the exchange's
 * published schedule; 2025-01-09 is the national day of mourning for
 * President Carter. Early closes (13:00) are not modelled: none falls in the
 * intraday window, and daily bars do not show them.
 */
export const NYSE_HOLIDAYS: ReadonlySet<string> = new Set([
  // 2024
  '2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25',
  // 2025
  '2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25',
  // 2026 (Independence Day falls on a Saturday: observed Friday 3 July)
  '2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25',
  // 2027, as far as the earnings look-ahead goes
  '2027-01-01', '2027-01-18', '2027-02-15',
]);

/** First and last day the holiday list is complete for. */
export const CALENDAR_FIRST = '2024-01-01';
export const CALENDAR_LAST = '2027-02-26';

export function isTradingDay(date: string): boolean {
  return isWeekday(date) && !NYSE_HOLIDAYS.has(date);
}

/** Trading days in [from, to], both inclusive. */
export function tradingDays(from: string, to: string): string[] {
  if (from < CALENDAR_FIRST || to > CALENDAR_LAST) throw new RangeError(`holiday list covers ${CALENDAR_FIRST}..${CALENDAR_LAST}, asked ${from}..${to}`);
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTradingDay(d)) out.push(d);
  return out;
}

/** The first trading day on or after `date`. */
export function nextTradingDayOnOrAfter(date: string): string {
  let d = date;
  while (!isTradingDay(d)) d = addDays(d, 1);
  return d;
}
