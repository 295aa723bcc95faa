import type { Side } from '../domain/orders.js';
import { InputError } from '../domain/errors.js';
import { addDays, nyParts } from '../domain/session.js';
import { isTradingDay } from '../market/expiries.js';

/**
 * Day-trade history for the pattern-day-trader rule (FINRA 4210): a day trade
 * is opening a position and closing it (in part or whole) on the same New York
 * trading day. The tracker is fed every fill of the account in execution
 * order and keeps its own signed position per symbol (equity ticker or OCC
 * symbol), so it can tell opening fills from closing ones.
 *
 * Counting follows the brokers' convention: one day trade per round, where a
 * round is a run of opening fills followed by closing fills. Buy, buy, sell
 * is one; buy, sell, buy, sell is two; the partial fills of one closing order
 * are one. A position carried from a previous day and closed today is not a
 * day trade; adding to it today and then selling is (FINRA counts the shares
 * bought today).
 */

export interface DayTradeFill {
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  /** Execution time, epoch ms UTC. */
  readonly ts: number;
}

export interface DayTrade {
  readonly symbol: string;
  /** New York trading date, YYYY-MM-DD. */
  readonly date: string;
}

/** What the PDT rule reads. */
export interface DayTradeHistory {
  /** Day trades on the `tradingDays` NYSE trading days ending with the New York date of `now`. */
  dayTradesInWindow(now: number, tradingDays: number): number;
  /**
   * Symbols held now whose current round opened on the New York date of `now`
   * and has not been counted yet: closing any of them today adds a day trade.
   */
  openRoundsToday(now: number): readonly string[];
}

interface OpenRound {
  readonly date: string;
  counted: boolean;
}

/** Day trades older than this many calendar days can no longer fall in a window of ≤ 20 trading days. */
const KEEP_DAYS = 40;

/** The earliest date of the `tradingDays` trading days ending on or before `date`. */
export function tradingWindowStart(date: string, tradingDays: number): string {
  if (!Number.isInteger(tradingDays) || tradingDays < 1) throw new InputError('tradingDays', `must be a whole number >= 1, got ${String(tradingDays)}`);
  let d = date;
  let found = 0;
  let start = date;
  // 20 trading days span at most about 30 calendar days, holidays included.
  for (let i = 0; i < 10 * tradingDays + 10 && found < tradingDays; i++) {
    if (isTradingDay(d)) {
      found++;
      start = d;
    }
    d = addDays(d, -1);
  }
  return start;
}

export class DayTradeTracker implements DayTradeHistory {
  private readonly positions = new Map<string, number>();
  private readonly rounds = new Map<string, OpenRound>();
  private readonly trades: DayTrade[] = [];

  /** `initial`: positions held before the first recorded fill; they count as opened on an earlier day. */
  constructor(initial: Iterable<{ readonly symbol: string; readonly quantity: number }> = []) {
    for (const p of initial) {
      if (!Number.isSafeInteger(p.quantity)) throw new InputError('initial.quantity', `must be a whole number, got ${String(p.quantity)}`);
      if (p.quantity !== 0) this.positions.set(p.symbol, p.quantity);
    }
  }

  record(fill: DayTradeFill): void {
    if (!Number.isSafeInteger(fill.quantity) || fill.quantity <= 0) throw new InputError('fill.quantity', `must be a whole number > 0, got ${String(fill.quantity)}`);
    if (!Number.isFinite(fill.ts)) throw new InputError('fill.ts', `must be a finite epoch ms, got ${String(fill.ts)}`);
    if (fill.side !== 'buy' && fill.side !== 'sell') throw new InputError('fill.side', `must be buy or sell, got ${String(fill.side)}`);
    const date = nyParts(fill.ts).date;
    const before = this.positions.get(fill.symbol) ?? 0;
    const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
    const after = before + signed;

    if (before === 0 || Math.sign(before) === Math.sign(signed)) {
      this.openRound(fill.symbol, date);
    } else {
      const round = this.rounds.get(fill.symbol);
      if (round !== undefined && round.date === date && !round.counted) {
        round.counted = true;
        this.trades.push({ symbol: fill.symbol, date });
        this.prune(date);
      }
      if (after === 0) this.rounds.delete(fill.symbol);
      // Selling through zero opens the other side today.
      else if (Math.sign(after) !== Math.sign(before)) this.rounds.set(fill.symbol, { date, counted: false });
    }
    if (after === 0) this.positions.delete(fill.symbol);
    else this.positions.set(fill.symbol, after);
  }

  private openRound(symbol: string, date: string): void {
    const round = this.rounds.get(symbol);
    // A new opening fill starts a new round, unless the current one (opened today) is still uncounted.
    if (round === undefined || round.date !== date || round.counted) this.rounds.set(symbol, { date, counted: false });
  }

  private prune(latest: string): void {
    const oldest = addDays(latest, -KEEP_DAYS);
    let drop = 0;
    while (drop < this.trades.length && this.trades[drop]!.date < oldest) drop++;
    if (drop > 0) this.trades.splice(0, drop);
  }

  dayTradesInWindow(now: number, tradingDays: number): number {
    const today = nyParts(now).date;
    const start = tradingWindowStart(today, tradingDays);
    let n = 0;
    for (const t of this.trades) if (t.date >= start && t.date <= today) n++;
    return n;
  }

  openRoundsToday(now: number): readonly string[] {
    const today = nyParts(now).date;
    const out: string[] = [];
    for (const [symbol, round] of this.rounds) if (round.date === today && !round.counted) out.push(symbol);
    return out;
  }

  /** Every recorded day trade still kept (the last 40 calendar days), oldest first. */
  history(): readonly DayTrade[] {
    return this.trades;
  }

  /** Signed quantity the tracker believes is held; for reconciliation checks. */
  position(symbol: string): number {
    return this.positions.get(symbol) ?? 0;
  }
}
