import { InputError } from '../domain/errors.js';
import { DegradationMonitor, windowStats, type ScoredOutcome } from './degradation.js';
import { ThresholdFeedback, type ThresholdChange } from './feedback.js';
import { DEFAULT_SIGNAL_CONFIG, policyFor, type SignalConfig } from './signalConfig.js';

/**
 * The report behind `wsb validate`: score distribution, accuracy by score
 * bucket, the thresholds the feedback loop would have set and the
 * degradation episodes, computed from the signal history by replaying it
 * through the same ThresholdFeedback and DegradationMonitor the engine runs.
 */

/** One row of the signal history, with its outcome once the trade closed. */
export interface ValidationRecordInput {
  readonly strategyId: string;
  /** Signal time, epoch ms. */
  readonly ts: number;
  readonly score: number;
  /** The pipeline's reason (`accepted`, `below_threshold`, `data_stale`, …). */
  readonly reason: string;
  readonly kind?: 'entry' | 'exit' | undefined;
  /** Realised P&L of the trade the signal opened; null or absent while open or when not traded. */
  readonly pnl?: number | null | undefined;
  /** When that trade closed; the signal time when absent. */
  readonly closedTs?: number | null | undefined;
}

export interface ScoreBucket {
  /** Lower bound, inclusive. */
  readonly from: number;
  /** Upper bound, exclusive except for the last bucket, which includes 100. */
  readonly to: number;
  readonly count: number;
  readonly outcomes: number;
  readonly wins: number;
  /** wins / outcomes, null without outcomes. */
  readonly accuracy: number | null;
}

export interface StrategyReport {
  readonly strategyId: string;
  /** Entry signals that were scored. */
  readonly scored: number;
  readonly outcomes: number;
  readonly accuracy: number | null;
  /** Spearman ρ of score with P&L over all outcomes. */
  readonly correlation: number | null;
  readonly configuredThreshold: number;
  /** Where the feedback loop ends after replaying the history. */
  readonly suggestedThreshold: number;
  readonly thresholdChanges: readonly ThresholdChange[];
}

export interface DegradationEpisode {
  readonly strategyId: string;
  readonly start: number;
  /** Null while still degraded at the end of the history. */
  readonly end: number | null;
  readonly accuracyAtStart: number;
  readonly correlationAtStart: number | null;
  readonly breaches: ReadonlyArray<'accuracy' | 'correlation'>;
}

export interface ValidationReport {
  readonly records: number;
  /** Rejected before scoring: bad data or a malformed signal. */
  readonly unscored: number;
  readonly exits: number;
  /** Entry scores in buckets of 10 with the accuracy of those that closed. */
  readonly buckets: readonly ScoreBucket[];
  readonly strategies: readonly StrategyReport[];
  readonly degradationEpisodes: readonly DegradationEpisode[];
}

function checkRecord(r: ValidationRecordInput, i: number): void {
  const f = `records[${i}]`;
  if (typeof r.strategyId !== 'string' || r.strategyId === '') throw new InputError(`${f}.strategyId`, 'must be a non-empty string');
  if (!Number.isFinite(r.ts)) throw new InputError(`${f}.ts`, `must be a finite epoch millisecond time, got ${String(r.ts)}`);
  if (!Number.isFinite(r.score) || r.score < 0 || r.score > 100) throw new InputError(`${f}.score`, `must be from 0 to 100, got ${String(r.score)}`);
  if (typeof r.reason !== 'string') throw new InputError(`${f}.reason`, 'must be a string');
  if (r.pnl !== undefined && r.pnl !== null && !Number.isFinite(r.pnl)) throw new InputError(`${f}.pnl`, `must be a finite number or null, got ${String(r.pnl)}`);
  if (r.closedTs !== undefined && r.closedTs !== null && !Number.isFinite(r.closedTs)) throw new InputError(`${f}.closedTs`, `must be a finite time or null, got ${String(r.closedTs)}`);
}

const isUnscored = (reason: string): boolean => reason.startsWith('data_') || reason.startsWith('invalid_');
const bucketOf = (score: number): number => Math.min(9, Math.floor(score / 10));

type ReplayEvent = { time: number; order: number; nearMiss?: ScoredOutcome; outcome?: ScoredOutcome };

export function validationReport(records: readonly ValidationRecordInput[], config: SignalConfig = DEFAULT_SIGNAL_CONFIG): ValidationReport {
  records.forEach(checkRecord);
  const counts = Array.from({ length: 10 }, () => ({ count: 0, outcomes: 0, wins: 0 }));
  const byStrategy = new Map<string, { scored: number; outcomes: ScoredOutcome[] }>();
  const events: ReplayEvent[] = [];
  let unscored = 0;
  let exits = 0;

  records.forEach((r, i) => {
    if (r.kind === 'exit' || r.reason === 'exit_always_allowed') {
      exits++;
      return;
    }
    if (isUnscored(r.reason)) {
      unscored++;
      return;
    }
    const s = byStrategy.get(r.strategyId) ?? { scored: 0, outcomes: [] };
    byStrategy.set(r.strategyId, s);
    s.scored++;
    const bucket = counts[bucketOf(r.score)]!;
    bucket.count++;
    if (r.reason === 'below_threshold') events.push({ time: r.ts, order: 2 * i, nearMiss: { strategyId: r.strategyId, ts: r.ts, score: r.score, pnl: 0 } });
    if (r.pnl !== undefined && r.pnl !== null) {
      const outcome = { strategyId: r.strategyId, ts: r.closedTs ?? r.ts, score: r.score, pnl: r.pnl };
      bucket.outcomes++;
      if (r.pnl > 0) bucket.wins++;
      s.outcomes.push(outcome);
      // The outcome is only known when the trade closed: replay it then, after that time's signals.
      events.push({ time: outcome.ts, order: 2 * i + 1, outcome });
    }
  });

  events.sort((a, b) => a.time - b.time || a.order - b.order);
  const feedback = new ThresholdFeedback(config);
  const monitor = new DegradationMonitor(config.degradation);
  const changes: ThresholdChange[] = [];
  const episodes: Array<{ -readonly [K in keyof DegradationEpisode]: DegradationEpisode[K] }> = [];
  for (const e of events) {
    if (e.nearMiss) feedback.recordNearMiss(e.nearMiss);
    if (e.outcome) {
      feedback.recordOutcome(e.outcome);
      const ev = monitor.record(e.outcome);
      if (ev?.type === 'degraded') {
        episodes.push({ strategyId: ev.strategyId, start: ev.ts, end: null, accuracyAtStart: ev.accuracy, correlationAtStart: ev.correlation, breaches: ev.breaches });
      } else if (ev?.type === 'recovered') {
        const open = episodes.findLast((x) => x.strategyId === ev.strategyId && x.end === null);
        if (open) open.end = ev.ts;
      }
    }
    changes.push(...feedback.evaluate(e.time));
  }

  const strategies = [...byStrategy.keys()].sort().map((id): StrategyReport => {
    const s = byStrategy.get(id)!;
    const stats = windowStats(s.outcomes);
    return {
      strategyId: id,
      scored: s.scored,
      outcomes: s.outcomes.length,
      accuracy: stats.accuracy,
      correlation: stats.correlation,
      configuredThreshold: policyFor(config, id).threshold,
      suggestedThreshold: feedback.current(id),
      thresholdChanges: changes.filter((c) => c.strategyId === id),
    };
  });
  const buckets = counts.map((c, i): ScoreBucket => ({ from: i * 10, to: i * 10 + 10, ...c, accuracy: c.outcomes === 0 ? null : c.wins / c.outcomes }));
  return { records: records.length, unscored, exits, buckets, strategies, degradationEpisodes: episodes };
}
