import { Decimal } from '../domain/money.js';
import { nyParts } from '../domain/session.js';

/**
 * Largest peak-to-trough fall of an equity curve, as a fraction of the peak
 * (0.25 = 25 %). Statistics, so plain numbers.
 */
export function maxDrawdown(equity: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const e of equity) {
    if (e > peak) peak = e;
    if (peak > 0) worst = Math.max(worst, (peak - e) / peak);
  }
  return worst;
}

/**
 * Annualised Sharpe ratio of daily returns (risk-free 0, √252 annualisation,
 * sample standard deviation). 0 when there are fewer than two returns or no variance.
 */
export function sharpeRatio(dailyEquity: readonly number[]): number {
  const r: number[] = [];
  for (let i = 1; i < dailyEquity.length; i++) {
    const prev = dailyEquity[i - 1]!;
    if (prev > 0) r.push(dailyEquity[i]! / prev - 1);
  }
  if (r.length < 2) return 0;
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1);
  if (!(variance > 1e-24)) return 0;
  return (mean / Math.sqrt(variance)) * Math.sqrt(252);
}

/** Last equity of each New York trading day, in order. */
export function dailyCloses(curve: ReadonlyArray<{ ts: number; equity: Decimal }>): number[] {
  const out: number[] = [];
  let lastDate = '';
  for (const p of curve) {
    const date = nyParts(p.ts).date;
    if (date === lastDate) out[out.length - 1] = p.equity.toNumber();
    else out.push(p.equity.toNumber());
    lastDate = date;
  }
  return out;
}

/** Round a statistic for reports so the JSON is stable and readable. */
export function round(n: number, dp = 6): number {
  const f = 10 ** dp;
  return Math.round(n * f) / f;
}

/** One execution, as the round-trip count reads it. */
export interface Execution {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly quantity: number;
  /** price × quantity × multiplier. */
  readonly gross: Decimal;
  readonly commission: Decimal;
}

/**
 * Completed round trips per symbol, in execution order: a round trip ends
 * when the position in the symbol is flat again, and wins when the cash it
 * moved (sales − purchases − commissions) is positive. A position still open
 * at the end is not counted.
 */
export function roundTrips(executions: readonly Execution[]): { trades: number; wins: number } {
  const open = new Map<string, { quantity: number; cash: Decimal }>();
  let trades = 0;
  let wins = 0;
  for (const e of executions) {
    const r = open.get(e.symbol) ?? { quantity: 0, cash: new Decimal(0) };
    r.quantity += e.side === 'buy' ? e.quantity : -e.quantity;
    r.cash = (e.side === 'buy' ? r.cash.minus(e.gross) : r.cash.plus(e.gross)).minus(e.commission);
    if (r.quantity === 0) {
      trades++;
      if (r.cash.gt(0)) wins++;
      open.delete(e.symbol);
    } else {
      open.set(e.symbol, r);
    }
  }
  return { trades, wins };
}
