import type { Decimal } from '../../engine/domain/money.js';
import { nyParts } from '../../engine/domain/session.js';
import type { PnlSnapshot } from '../../engine/gateway/control.js';

/** One New York trading day's result, for the DAILY_PNL_SUMMARY alert. */
export interface DailyPnl {
  /** New York date, YYYY-MM-DD. */
  readonly date: string;
  readonly startEquity: Decimal;
  readonly endEquity: Decimal;
  /** Realised during the day. */
  readonly realized?: Decimal;
  /** Open positions' unrealised P&L at the end of the day. */
  readonly unrealized?: Decimal;
}

function signed(d: Decimal): string {
  return `${d.isNegative() ? '' : '+'}${d.toFixed(2)}`;
}

export function dailyPnlMessage(d: DailyPnl): string {
  const pnl = d.endEquity.minus(d.startEquity);
  const pct = d.startEquity.isZero() ? null : pnl.dividedBy(d.startEquity).times(100);
  const parts = [`${d.date} P&L ${signed(pnl)}${pct !== null ? ` (${signed(pct)}%)` : ''}: equity ${d.endEquity.toFixed(2)} (start ${d.startEquity.toFixed(2)})`];
  if (d.realized !== undefined) parts.push(`realized ${signed(d.realized)}`);
  if (d.unrealized !== undefined) parts.push(`unrealized ${signed(d.unrealized)}`);
  return parts.join(', ');
}

/**
 * Derives the daily summary from P&L snapshots: when a snapshot falls on a
 * new New York date, the previous day is reported (its first equity to its
 * last). The lead may instead call `AlertRouter.dailySummary` at each
 * session close; this is for a caller that only sees equity over time.
 */
export class DailyPnlTracker {
  private day: { date: string; startEquity: Decimal; startRealized: Decimal; last: PnlSnapshot } | null = null;

  constructor(private readonly report: (d: DailyPnl) => void) {}

  observe(s: PnlSnapshot): void {
    const date = nyParts(s.ts).date;
    const day = this.day;
    if (day === null) {
      this.day = { date, startEquity: s.equity, startRealized: s.realized, last: s };
      return;
    }
    if (s.ts < day.last.ts) return;
    if (date === day.date) {
      day.last = s;
      return;
    }
    this.report({ date: day.date, startEquity: day.startEquity, endEquity: day.last.equity, realized: day.last.realized.minus(day.startRealized), unrealized: day.last.unrealized });
    // The new day starts where the old one ended, so no move between snapshots goes unreported.
    this.day = { date, startEquity: day.last.equity, startRealized: day.last.realized, last: s };
  }
}
