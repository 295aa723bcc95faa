import { equity, optionContract, type Instrument } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import type { Side } from '../../engine/domain/orders.js';
import { createRng } from '../../engine/domain/random.js';
import { addDays, sessionCloseUtc } from '../../engine/domain/session.js';
import type { Signal } from '../../engine/domain/signal.js';
import { isTradingDay } from '../../engine/market/expiries.js';

/** `n` NYSE trading days from `from` (inclusive when it is one). */
export function tradingDays(from: string, n: number): string[] {
  const out: string[] = [];
  for (let d = from; out.length < n; d = addDays(d, 1)) if (isTradingDay(d)) out.push(d);
  return out;
}

/** Daily bars closing at 16:00 New York on consecutive trading days; each bar opens at the previous close. */
export function dailyBars(closes: readonly number[], opts: { symbol?: string; start?: string; volumes?: readonly number[] } = {}): Bar[] {
  const days = tradingDays(opts.start ?? '2024-03-01', closes.length);
  return closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1]!;
    return {
      symbol: opts.symbol ?? 'AAPL',
      timeframe: '1d',
      ts: sessionCloseUtc(days[i]!),
      open,
      high: Math.max(open, close) * 1.002,
      low: Math.min(open, close) * 0.998,
      close,
      volume: opts.volumes?.[i] ?? 1_000_000,
    };
  });
}

/** A seeded geometric random walk of `n` closes. */
export function randomWalk(seed: string, n: number, drift = 0, vol = 0.01, start = 100): number[] {
  const rng = createRng(seed);
  const out = [start];
  for (let i = 1; i < n; i++) out.push(out[i - 1]! * Math.exp(drift + vol * rng.normal()));
  return out;
}

/** Closes rising by `step` each bar (a clean uptrend). */
export function trend(n: number, step = 0.004, start = 100): number[] {
  return Array.from({ length: n }, (_, i) => start * Math.exp(step * i));
}

export const CALL = optionContract({ underlying: 'AAPL', expiry: '2024-06-21', right: 'C', strike: 200 });
export const PUT = optionContract({ underlying: 'AAPL', expiry: '2024-06-21', right: 'P', strike: 150 });

export function makeSignal(over: {
  strategyId?: string;
  ts: number;
  strength?: number;
  kind?: 'entry' | 'exit';
  features?: Record<string, number>;
  instrument?: Instrument;
  side?: Side;
  symbol?: string;
}): Signal {
  const strategyId = over.strategyId ?? 'wsb-dip-bot';
  const id = `${strategyId}:${over.symbol ?? 'AAPL'}:${over.ts}:${over.kind ?? 'entry'}`;
  return {
    id,
    strategyId,
    symbol: over.symbol ?? 'AAPL',
    kind: over.kind ?? 'entry',
    ts: over.ts,
    strength: over.strength ?? 70,
    reason: 'test',
    intent: {
      strategyId,
      instrument: over.instrument ?? equity(over.symbol ?? 'AAPL'),
      side: over.side ?? 'buy',
      quantity: 1,
      type: 'market',
      limitPrice: null,
      reason: 'test',
      signalId: id,
    },
    features: over.features ?? {},
  };
}
