/**
 * US equity market sessions, America/New_York, with daylight saving handled by
 * Intl (the ICU time-zone database bundled with Node), never by fixed offsets.
 */
export const MARKET_TZ = 'America/New_York';

const partsFormatter = new Intl.DateTimeFormat('en-US', {
  timeZone: MARKET_TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  weekday: 'short',
});

export interface NyParts {
  readonly date: string; // YYYY-MM-DD in New York
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export function nyParts(ts: number): NyParts {
  const parts: Record<string, string> = {};
  for (const p of partsFormatter.formatToParts(new Date(ts))) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? -1,
  };
}

/** Offset of New York from UTC at `ts`, in minutes (−300 in winter, −240 in summer). */
export function nyOffsetMinutes(ts: number): number {
  const p = nyParts(ts);
  const asUtc = Date.UTC(Number(p.date.slice(0, 4)), Number(p.date.slice(5, 7)) - 1, Number(p.date.slice(8, 10)), p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(ts / 1000) * 1000) / 60_000);
}

/** The UTC instant of a New York wall-clock time on a New York date. */
export function nyWallTimeToUtc(date: string, hour: number, minute = 0): number {
  const naive = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), hour, minute);
  // Two passes settle the offset even on DST change days.
  let guess = naive - nyOffsetMinutes(naive) * 60_000;
  guess = naive - nyOffsetMinutes(guess) * 60_000;
  return guess;
}

/** 16:00 New York on `date`, the close of the regular session. */
export function sessionCloseUtc(date: string): number {
  return nyWallTimeToUtc(date, 16, 0);
}

/** 09:30 New York on `date`. */
export function sessionOpenUtc(date: string): number {
  return nyWallTimeToUtc(date, 9, 30);
}

export function isWeekday(date: string): boolean {
  const wd = new Date(`${date}T12:00:00Z`).getUTCDay();
  return wd >= 1 && wd <= 5;
}

/** Calendar days between two YYYY-MM-DD dates (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The `n`th (1-based) given weekday of a month, as YYYY-MM-DD. Monthly options expire on the 3rd Friday. */
export function nthWeekdayOfMonth(year: number, month1: number, weekday: number, n: number): string {
  const first = new Date(Date.UTC(year, month1 - 1, 1)).getUTCDay();
  const day = 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
  return new Date(Date.UTC(year, month1 - 1, day)).toISOString().slice(0, 10);
}
