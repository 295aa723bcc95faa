import { nyParts, sessionCloseUtc, sessionOpenUtc } from '../../domain/session.js';
import { isNyseHoliday, isTradingDay } from '../../market/expiries.js';
import { block, type ComplianceRule } from './types.js';

/**
 * Regular session only: 09:30–16:00 New York on NYSE trading days, both ends
 * inclusive. The close is inclusive because a daily bar's time is its 16:00
 * close: a daily strategy decides on that print, and its order is one the
 * broker queues for the next open. Refusing 16:00 would refuse every daily
 * signal. One millisecond later the session is over.
 *
 * Applies to exits too: outside the session there is no market to leave
 * into, and the strategy raises its exit again on its next bar.
 * Early closes (13:00 on some holiday eves) are not modelled: the calendar in
 * market/expiries.ts knows full-day holidays only.
 */

function hhmmss(ts: number): string {
  const p = nyParts(ts);
  const two = (n: number) => String(n).padStart(2, '0');
  const ms = ((ts % 1000) + 1000) % 1000;
  return `${two(p.hour)}:${two(p.minute)}:${two(p.second)}${ms === 0 ? '' : `.${String(ms).padStart(3, '0')}`}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Why `ts` is outside the regular session, or null when it is inside. */
export function outsideRegularSession(ts: number): string | null {
  const { date, weekday } = nyParts(ts);
  if (!isTradingDay(date)) {
    const why = isNyseHoliday(date) ? 'an NYSE holiday' : `a ${WEEKDAYS[weekday] ?? 'non-trading day'}`;
    return `${date} is ${why}: the market is closed`;
  }
  const open = sessionOpenUtc(date);
  const close = sessionCloseUtc(date);
  if (ts < open) return `${hhmmss(ts)} New York on ${date} is before the 09:30 open`;
  if (ts > close) return `${hhmmss(ts)} New York on ${date} is after the 16:00 close`;
  return null;
}

export function isRegularSession(ts: number): boolean {
  return outsideRegularSession(ts) === null;
}

export const marketHoursRule: ComplianceRule = (ctx) => {
  if (!ctx.limits.enforceMarketHours) return null;
  const why = outsideRegularSession(ctx.now);
  return why === null ? null : block('MARKET_CLOSED', why);
};
