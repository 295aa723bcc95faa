import { InputError } from '../domain/errors.js';
import { addDays, daysBetween, nthWeekdayOfMonth, nyParts, nyWallTimeToUtc, sessionCloseUtc } from '../domain/session.js';

/**
 * Listed equity option expiries: one a week, on the Friday, or on the trading
 * day before it when the Friday is an NYSE holiday (Good Friday, a Friday
 * Juneteenth, July 4th or Christmas, …). The monthly is the one of the week of
 * the third Friday. Holidays follow the NYSE's standing rules for any year;
 * unscheduled closures (national days of mourning) cannot be known in advance
 * and are not included.
 */

/** Milliseconds in the 365-day year used for option time to expiry. */
export const MS_PER_YEAR = 365 * 86_400_000;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkDate(date: string, field: string): string {
  const ms = typeof date === 'string' && DATE_PATTERN.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) throw new InputError(field, `invalid date ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return date;
}

function checkDays(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0) throw new InputError(field, `must be an integer ≥ 0, got ${String(n)}`);
  return n;
}

function weekday(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay();
}

function ymd(year: number, month1: number, day: number): string {
  return new Date(Date.UTC(year, month1 - 1, day)).toISOString().slice(0, 10);
}

/** Easter Sunday (Gregorian), by the anonymous (Meeus/Jones/Butcher) algorithm. */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(year, month, day);
}

/** Saturday → the Friday before, Sunday → the Monday after (NYSE Rule 7.2). */
function observed(date: string): string {
  const wd = weekday(date);
  return wd === 6 ? addDays(date, -1) : wd === 0 ? addDays(date, 1) : date;
}

function lastWeekdayOfMonth(year: number, month1: number, wd: number): string {
  const last = ymd(year, month1 + 1, 0);
  return addDays(last, -((weekday(last) - wd + 7) % 7));
}

const holidayCache = new Map<number, ReadonlySet<string>>();

/** NYSE full-day holidays of a year, as observed. */
export function nyseHolidays(year: number): ReadonlySet<string> {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const days: string[] = [];
  // New Year's Day on a Saturday is not observed on the Friday before.
  const newYear = ymd(year, 1, 1);
  if (weekday(newYear) !== 6) days.push(observed(newYear));
  days.push(nthWeekdayOfMonth(year, 1, 1, 3)); // Martin Luther King Jr. Day
  days.push(nthWeekdayOfMonth(year, 2, 1, 3)); // Washington's Birthday
  days.push(addDays(easterSunday(year), -2)); // Good Friday
  days.push(lastWeekdayOfMonth(year, 5, 1)); // Memorial Day
  if (year >= 2022) days.push(observed(ymd(year, 6, 19))); // Juneteenth
  days.push(observed(ymd(year, 7, 4)));
  days.push(nthWeekdayOfMonth(year, 9, 1, 1)); // Labor Day
  days.push(nthWeekdayOfMonth(year, 11, 4, 4)); // Thanksgiving
  days.push(observed(ymd(year, 12, 25)));
  const set = new Set(days);
  holidayCache.set(year, set);
  return set;
}

export function isNyseHoliday(date: string): boolean {
  checkDate(date, 'date');
  return nyseHolidays(Number(date.slice(0, 4))).has(date);
}

export function isTradingDay(date: string): boolean {
  const wd = weekday(checkDate(date, 'date'));
  return wd >= 1 && wd <= 5 && !nyseHolidays(Number(date.slice(0, 4))).has(date);
}

/** The expiry of the week whose Friday is `friday`: that Friday, or the last trading day before it. */
function expiryForFriday(friday: string): string {
  let d = friday;
  while (!isTradingDay(d)) d = addDays(d, -1);
  return d;
}

/** True for the monthly expiry (the week of the third Friday). */
export function isMonthlyExpiry(expiry: string): boolean {
  checkDate(expiry, 'expiry');
  const third = nthWeekdayOfMonth(Number(expiry.slice(0, 4)), Number(expiry.slice(5, 7)), 5, 3);
  return expiryForFriday(third) === expiry;
}

/** Every listed expiry from `date` through `date + horizonDays`, inclusive, ascending. */
export function expiriesFrom(date: string, horizonDays: number): string[] {
  checkDate(date, 'date');
  checkDays(horizonDays, 'horizonDays');
  const end = addDays(date, horizonDays);
  const out: string[] = [];
  // The expiry of a week is at most a few days before its Friday, so start at
  // the first Friday on or after `date` and go until a Friday whose expiry
  // would certainly be past `end`.
  let friday = addDays(date, (5 - weekday(date) + 7) % 7);
  for (;;) {
    const exp = expiryForFriday(friday);
    if (exp > end) break;
    if (exp >= date) out.push(exp);
    friday = addDays(friday, 7);
  }
  return out;
}

/**
 * The listed expiry whose days to expiry is nearest `targetDte`; a tie goes to
 * the later one. Never an expiry before `date` (it may be `date` itself).
 */
export function nearestExpiry(date: string, targetDte: number): string {
  checkDate(date, 'date');
  checkDays(targetDte, 'targetDte');
  // Every week has an expiry, so the first one after the target is within 7 days of it.
  const candidates = expiriesFrom(date, targetDte + 10);
  let best = candidates[0];
  let bestGap = Number.POSITIVE_INFINITY;
  for (const e of candidates) {
    const gap = Math.abs(daysBetween(date, e) - targetDte);
    if (gap <= bestGap) {
      best = e;
      bestGap = gap;
    }
  }
  if (best === undefined) throw new InputError('date', `no listed expiry found after ${date}`);
  return best;
}

/** Calendar days from `date` to `expiry` (negative once it has passed). */
export function dte(date: string, expiry: string): number {
  return daysBetween(checkDate(date, 'date'), checkDate(expiry, 'expiry'));
}

/** The instant an option stops trading: 16:00 New York on its expiry date. */
export function expiryCloseUtc(expiry: string): number {
  return sessionCloseUtc(checkDate(expiry, 'expiry'));
}

/** Midnight New York at the start of the expiry date: from then on the contract "expires today". */
export function expiryDayStartUtc(expiry: string): number {
  return nyWallTimeToUtc(checkDate(expiry, 'expiry'), 0, 0);
}

/** Years (of 365 days) from `nowTs` until 16:00 New York on the expiry date; 0 once past. */
export function yearsToExpiry(nowTs: number, expiry: string): number {
  if (!Number.isFinite(nowTs)) throw new InputError('nowTs', `must be a finite epoch millisecond time, got ${String(nowTs)}`);
  return Math.max(0, expiryCloseUtc(expiry) - nowTs) / MS_PER_YEAR;
}

/** The New York calendar date of an instant. */
export function nyDate(ts: number): string {
  if (!Number.isFinite(ts)) throw new InputError('ts', `must be a finite epoch millisecond time, got ${String(ts)}`);
  return nyParts(ts).date;
}
