import { InputError } from '../domain/errors.js';
import { DEFAULT_SIGNAL_CONFIG, type DegradationConfig } from './signalConfig.js';

/**
 * Degradation of a strategy's signals (SPEC gap 4), judged on closed trades:
 * rolling accuracy (fraction with P&L > 0) and the Spearman rank correlation
 * of score with P&L over the last `window` outcomes. Spearman, not Pearson,
 * because only order matters: it is the same whether P&L is in dollars or
 * percent, and one outsized trade cannot swing it.
 *
 * One `degraded` event per episode: raised when a full enough window falls
 * below a floor, and not again until a `recovered` event, which needs the
 * window back above floor + hysteresis. Pure: the caller feeds outcomes in
 * order and turns events into alerts and persisted state.
 */

/** A closed trade and the score of the signal that opened it. */
export interface ScoredOutcome {
  readonly strategyId: string;
  /** When the trade closed, epoch ms (engine time). */
  readonly ts: number;
  readonly score: number;
  /** Realised P&L as a number (any unit: only its sign and rank are used). */
  readonly pnl: number;
}

export function checkOutcome(o: ScoredOutcome, field = 'outcome'): ScoredOutcome {
  if (typeof o.strategyId !== 'string' || o.strategyId === '') throw new InputError(`${field}.strategyId`, 'must be a non-empty string');
  if (!Number.isFinite(o.ts)) throw new InputError(`${field}.ts`, `must be a finite epoch millisecond time, got ${String(o.ts)}`);
  if (!Number.isFinite(o.score) || o.score < 0 || o.score > 100) throw new InputError(`${field}.score`, `must be from 0 to 100, got ${String(o.score)}`);
  if (!Number.isFinite(o.pnl)) throw new InputError(`${field}.pnl`, `must be a finite number, got ${String(o.pnl)}`);
  return o;
}

/** Ranks 1..n, ties sharing the mean of their ranks. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]!] === xs[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]!] = r;
    i = j + 1;
  }
  return out;
}

/** Spearman's ρ (Pearson on average ranks); null when either side is constant or there are fewer than 2 pairs. */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new InputError('ys', `must have the same length as xs (${xs.length}), got ${ys.length}`);
  const n = xs.length;
  if (n < 2) return null;
  const rx = ranks(xs);
  const ry = ranks(ys);
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean;
    const dy = ry[i]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export interface WindowStats {
  /** Fraction of outcomes with P&L > 0 (a flat trade is not a win); null with no outcomes. */
  readonly accuracy: number | null;
  readonly correlation: number | null;
  readonly window: number;
}

export function windowStats(outcomes: readonly ScoredOutcome[]): WindowStats {
  const n = outcomes.length;
  if (n === 0) return { accuracy: null, correlation: null, window: 0 };
  const wins = outcomes.filter((o) => o.pnl > 0).length;
  return { accuracy: wins / n, correlation: spearman(outcomes.map((o) => o.score), outcomes.map((o) => o.pnl)), window: n };
}

export interface DegradationEvent {
  readonly type: 'degraded' | 'recovered';
  readonly strategyId: string;
  readonly ts: number;
  readonly accuracy: number;
  readonly correlation: number | null;
  /** Outcomes in the window that was judged. */
  readonly window: number;
  /** For `degraded`, which floors were breached: 'accuracy', 'correlation'. */
  readonly breaches: ReadonlyArray<'accuracy' | 'correlation'>;
}

export interface DegradationStatus extends WindowStats {
  readonly degraded: boolean;
}

/** Plain JSON the lead persists, so a restart neither forgets an open episode nor raises it twice. */
export interface DegradationSnapshot {
  readonly strategies: Readonly<Record<string, { readonly degraded: boolean; readonly outcomes: readonly ScoredOutcome[] }>>;
}

interface StrategyWindow {
  outcomes: ScoredOutcome[];
  degraded: boolean;
}

export class DegradationMonitor {
  private readonly windows = new Map<string, StrategyWindow>();

  constructor(private readonly config: DegradationConfig = DEFAULT_SIGNAL_CONFIG.degradation) {}

  static fromSnapshot(snapshot: DegradationSnapshot, config: DegradationConfig = DEFAULT_SIGNAL_CONFIG.degradation): DegradationMonitor {
    const m = new DegradationMonitor(config);
    for (const [id, s] of Object.entries(snapshot.strategies).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (typeof s.degraded !== 'boolean') throw new InputError(`strategies.${id}.degraded`, 'must be a boolean');
      const outcomes = s.outcomes.map((o, i) => checkOutcome(o, `strategies.${id}.outcomes[${i}]`)).slice(-config.window);
      m.windows.set(id, { outcomes: [...outcomes], degraded: s.degraded });
    }
    return m;
  }

  snapshot(): DegradationSnapshot {
    const strategies: Record<string, { degraded: boolean; outcomes: ScoredOutcome[] }> = {};
    for (const [id, w] of this.windows) strategies[id] = { degraded: w.degraded, outcomes: [...w.outcomes] };
    return { strategies };
  }

  status(strategyId: string): DegradationStatus {
    const w = this.windows.get(strategyId);
    return { ...windowStats(w?.outcomes ?? []), degraded: w?.degraded ?? false };
  }

  /** Add one closed outcome; returns the event it causes, if any. Throws InputError for a malformed outcome. */
  record(outcome: ScoredOutcome): DegradationEvent | null {
    checkOutcome(outcome);
    let w = this.windows.get(outcome.strategyId);
    if (w === undefined) {
      w = { outcomes: [], degraded: false };
      this.windows.set(outcome.strategyId, w);
    }
    w.outcomes.push(outcome);
    if (w.outcomes.length > this.config.window) w.outcomes.splice(0, w.outcomes.length - this.config.window);
    const stats = windowStats(w.outcomes);
    const accuracy = stats.accuracy!;
    const c = this.config;
    const base = { strategyId: outcome.strategyId, ts: outcome.ts, accuracy, correlation: stats.correlation, window: stats.window };
    if (!w.degraded) {
      if (stats.window < c.minOutcomes) return null;
      const breaches: Array<'accuracy' | 'correlation'> = [];
      if (accuracy < c.accuracyFloor) breaches.push('accuracy');
      // An undefined correlation (constant scores or P&L) is no evidence against the score.
      if (stats.correlation !== null && stats.correlation < c.correlationFloor) breaches.push('correlation');
      if (breaches.length === 0) return null;
      w.degraded = true;
      return { type: 'degraded', ...base, breaches };
    }
    const accuracyBack = accuracy >= c.accuracyFloor + c.accuracyHysteresis;
    const correlationBack = stats.correlation === null || stats.correlation >= c.correlationFloor + c.correlationHysteresis;
    if (!accuracyBack || !correlationBack) return null;
    w.degraded = false;
    return { type: 'recovered', ...base, breaches: [] };
  }
}
