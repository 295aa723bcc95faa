import { z } from 'zod';
import { TIMEFRAME_MS, type Timeframe } from '../../../engine/domain/market.js';
import { sessionCloseUtc } from '../../../engine/domain/session.js';
import { nyDate } from '../../../engine/market/expiries.js';

/**
 * Small pieces every provider's wire format needs: times as they come over
 * the wire, and the step from a provider's bar (stamped at its START, as all
 * of them do) to the engine's Bar (stamped at its END).
 */

/** An RFC-3339 time with a zone (Alpaca writes up to nanoseconds) → epoch ms. */
export const rfc3339Ms = z.string().transform((s, ctx) => {
  const t = /[Zz]|[+-]\d{2}:?\d{2}$/.test(s) ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: 'custom', message: 'must be an RFC-3339 time with a zone' });
    return z.NEVER;
  }
  return t;
});

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

/**
 * The engine's ts of a bar that starts at `startMs`: a daily bar closes at
 * the 16:00 New York close of its session date (providers stamp daily bars
 * at New York midnight or at the open; either lies on that date), an
 * intraday bar at its start plus its length.
 */
export function barEndTs(startMs: number, timeframe: Timeframe): number {
  return timeframe === '1d' ? sessionCloseUtc(nyDate(startMs)) : startMs + TIMEFRAME_MS[timeframe];
}

/**
 * The earliest bar START that can end inside [from, …]: providers filter by
 * start time, the engine by end time.
 */
export function earliestStart(from: number, timeframe: Timeframe): number {
  return from - TIMEFRAME_MS[timeframe];
}

/** ISO string without milliseconds when they are zero (what provider docs show). */
export function isoSeconds(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}
