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
});

export interface NyParts {
  readonly date: string; // YYYY-MM-DD in New York
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}


function intlOffsetMinutes(ts: number): number {
  const parts: Record<string, string> = {};
  for (const p of partsFormatter.formatToParts(new Date(ts))) parts[p.type] = p.value;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(ts / 1000) * 1000) / 60_000);
}

/**
 * New York's UTC offset changes only on whole UTC hours (DST switches at 02:00
 * local), so the Intl answer is cached per UTC hour: the replay hot path asks
 * for the same few hours millions of times, and Intl costs microseconds a call.
 */
const offsetByHour = new Map<number, number>();
const OFFSET_CACHE_LIMIT = 200_000;

/** Offset of New York from UTC at `ts`, in minutes (−300 in winter, −240 in summer). */
export function nyOffsetMinutes(ts: number): number {
  const hour = Math.floor(ts / 3_600_000);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    offset = intlOffsetMinutes(hour * 3_600_000);
    if (offsetByHour.size >= OFFSET_CACHE_LIMIT) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset;
}

export function nyParts(ts: number): NyParts {
  const local = new Date(ts + nyOffsetMinutes(ts) * 60_000);
  return {
    date: local.toISOString().slice(0, 10),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay(),
  };
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
