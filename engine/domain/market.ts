import { DataError } from './errors.js';

/**
 * Market data is statistics: plain numbers, converted to Decimal only where
 * money is booked (`moneyFromNumber`). This keeps the bar hot path free of
 * allocations.
 */
export type Timeframe = '1d' | '5m';
export const TIMEFRAMES: readonly Timeframe[] = ['1d', '5m'];
export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = { '1d': 86_400_000, '5m': 300_000 };

export interface Bar {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Time the bar closed (its end), epoch ms UTC. A daily bar closes at the 16:00 New York close. */
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface Quote {
  readonly symbol: string;
  readonly ts: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
}

/**
 * The edge check every bar passes before it reaches a strategy. Returns the
 * problem (naming the field) rather than throwing, so the hot path can count
 * and log a rejection without exception overhead; `assertValidBar` throws.
 */
export function barProblem(bar: Bar): { field: string; message: string } | null {
  const prices = ['open', 'high', 'low', 'close'] as const;
  for (const f of prices) {
    const v = bar[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) return { field: f, message: `must be a finite number, got ${String(v)}` };
    if (v <= 0) return { field: f, message: `must be positive, got ${v}` };
  }
  if (typeof bar.volume !== 'number' || !Number.isFinite(bar.volume)) return { field: 'volume', message: `must be a finite number, got ${String(bar.volume)}` };
  if (bar.volume < 0) return { field: 'volume', message: `must not be negative, got ${bar.volume}` };
  if (bar.high < bar.low) return { field: 'high', message: `high ${bar.high} is below low ${bar.low}` };
  if (bar.open > bar.high || bar.open < bar.low) return { field: 'open', message: `open ${bar.open} is outside [low ${bar.low}, high ${bar.high}]` };
  if (bar.close > bar.high || bar.close < bar.low) return { field: 'close', message: `close ${bar.close} is outside [low ${bar.low}, high ${bar.high}]` };
  if (!Number.isFinite(bar.ts)) return { field: 'ts', message: 'must be a finite epoch millisecond time' };
  return null;
}

export function assertValidBar(bar: Bar, location: { file?: string; line?: number } = {}): Bar {
  const p = barProblem(bar);
  if (p) throw new DataError(p.message, { ...location, field: p.field, symbol: bar.symbol });
  return bar;
}
