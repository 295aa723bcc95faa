import { barProblem, type Bar, type Quote, type Timeframe } from '../../../engine/domain/market.js';
import { MarketDataError } from './marketDataError.js';
import type { ProviderName } from './types.js';

/** A bar that was not passed on, and why: which provider, symbol, bar time and field. */
export interface BarRejection {
  readonly provider: ProviderName;
  readonly symbol: string;
  readonly ts: number;
  readonly field: string;
  readonly message: string;
}

/**
 * The bars of one answer that may reach a strategy: in time order, each
 * passing `barProblem`, of the symbol and timeframe asked for, inside
 * [from, to] and at most one per time. Every other bar is returned in
 * `rejected`, never passed on.
 */
export function screenBars(args: {
  provider: ProviderName;
  symbol: string;
  timeframe: Timeframe;
  from: number;
  to: number;
  bars: readonly Bar[];
}): { bars: Bar[]; rejected: BarRejection[] } {
  const { provider, symbol, timeframe, from, to } = args;
  const rejected: BarRejection[] = [];
  const reject = (bar: Bar, field: string, message: string): void => {
    rejected.push({ provider, symbol, ts: bar.ts, field, message });
  };
  // Stable: equal times keep the provider's order, so the first of a duplicate pair wins.
  const sorted = [...args.bars].sort((a, b) => a.ts - b.ts);
  const out: Bar[] = [];
  let lastTs = Number.NEGATIVE_INFINITY;
  for (const bar of sorted) {
    if (bar.symbol !== symbol) {
      reject(bar, 'symbol', `is ${bar.symbol}, not ${symbol}`);
      continue;
    }
    if (bar.timeframe !== timeframe) {
      reject(bar, 'timeframe', `is ${bar.timeframe}, not ${timeframe}`);
      continue;
    }
    const problem = barProblem(bar);
    if (problem !== null) {
      reject(bar, problem.field, problem.message);
      continue;
    }
    if (bar.ts < from || bar.ts > to) {
      reject(bar, 'ts', 'is outside the requested range');
      continue;
    }
    if (bar.ts === lastTs) {
      reject(bar, 'ts', 'duplicates the bar before it');
      continue;
    }
    lastTs = bar.ts;
    out.push(bar);
  }
  return { bars: out, rejected };
}

/** Throws a MarketDataError naming the field when a quote cannot be used. */
export function assertUsableQuote(provider: ProviderName, q: Quote): Quote {
  const fail = (field: string, message: string): never => {
    throw new MarketDataError(provider, 'shape', message, { symbol: q.symbol, field });
  };
  for (const f of ['bid', 'ask', 'bidSize', 'askSize'] as const) {
    const v = q[f];
    if (!Number.isFinite(v) || v < 0) fail(f, `must be a finite number ≥ 0, got ${String(v)}`);
  }
  if (!Number.isFinite(q.ts)) fail('ts', 'must be a finite epoch millisecond time');
  // An ask of 0 means no offer; only two real sides can be crossed.
  if (q.bid > 0 && q.ask > 0 && q.bid > q.ask) fail('bid', `bid ${q.bid} is above ask ${q.ask}`);
  if (q.bid === 0 && q.ask === 0) fail('ask', 'no bid and no ask');
  return q;
}
