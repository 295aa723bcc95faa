import { InputError } from '../domain/errors.js';
import { checkOutcome, type ScoredOutcome } from './degradation.js';
import { DEFAULT_SIGNAL_CONFIG, policyFor, type SignalConfig } from './signalConfig.js';

/**
 * The feedback loop on per-strategy thresholds (SPEC gap 6; the original only
 * logged). With T the threshold in force, b the band, s the step, and at most
 * one automatic change per strategy per `minIntervalMs` of engine time:
 *
 * - raise: at least `minSamples` closed outcomes scored in [T, T + b), and
 *   their accuracy (P&L > 0) below `targetAccuracy` → T := min(ceiling, T + s);
 * - lower: else, that accuracy ≥ target + `lowerMargin`, and at least
 *   `minNearMisses` signals scored in [T − b, T) were rejected by the
 *   threshold alone → T := max(floor, T − s);
 * - otherwise nothing.
 *
 * Strategies are evaluated in id order and all input is fed in order, so the
 * same history gives the same changes. Each change is returned for the lead
 * to persist; an operator can set or restore a threshold, and that also
 * restarts the interval so the loop does not undo it at once.
 */

/** A signal rejected by the threshold alone (pipeline reason `below_threshold`). */
export interface NearMiss {
  readonly strategyId: string;
  readonly ts: number;
  readonly score: number;
}

export interface ThresholdChange {
  readonly strategyId: string;
  readonly before: number;
  readonly after: number;
  readonly reason: string;
  readonly ts: number;
  readonly source: 'feedback' | 'operator';
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;
const fmt = (x: number): string => String(round(x));

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

export class ThresholdFeedback {
  private readonly overrides = new Map<string, number>();
  private readonly lastChangeTs = new Map<string, number>();
  private readonly outcomes = new Map<string, ScoredOutcome[]>();
  private readonly nearMisses = new Map<string, NearMiss[]>();

  /** `persisted`: the change history, oldest first, replayed to restore the thresholds in force. */
  constructor(private readonly config: SignalConfig = DEFAULT_SIGNAL_CONFIG, persisted: readonly ThresholdChange[] = []) {
    for (const c of persisted) this.apply(c);
  }

  /** The threshold in force for a strategy. */
  current(strategyId: string): number {
    return this.overrides.get(strategyId) ?? policyFor(this.config, strategyId).threshold;
  }

  /** The thresholds that override configuration (set by the loop or an operator), by strategy id. */
  thresholds(): Readonly<Record<string, number>> {
    return Object.fromEntries([...this.overrides].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  recordOutcome(outcome: ScoredOutcome): void {
    checkOutcome(outcome);
    const list = this.outcomes.get(outcome.strategyId) ?? [];
    this.outcomes.set(outcome.strategyId, list);
    pushBounded(list, outcome, this.config.feedback.historySize);
  }

  recordNearMiss(miss: NearMiss): void {
    checkOutcome({ ...miss, pnl: 0 }, 'nearMiss');
    const list = this.nearMisses.get(miss.strategyId) ?? [];
    this.nearMisses.set(miss.strategyId, list);
    pushBounded(list, miss, this.config.feedback.historySize);
  }

  /** Apply the rule to every strategy with outcomes, in id order; returns the changes made. */
  evaluate(now: number): ThresholdChange[] {
    if (!Number.isFinite(now)) throw new InputError('now', `must be a finite epoch millisecond time, got ${String(now)}`);
    const out: ThresholdChange[] = [];
    for (const id of [...this.outcomes.keys()].sort()) {
      const c = this.evaluateStrategy(id, now);
      if (c !== null) out.push(c);
    }
    return out;
  }

  private evaluateStrategy(id: string, now: number): ThresholdChange | null {
    const f = this.config.feedback;
    const last = this.lastChangeTs.get(id);
    if (last !== undefined && now - last < f.minIntervalMs) return null;
    const policy = policyFor(this.config, id);
    const t = this.current(id);
    const hi = t + f.band;
    const above = (this.outcomes.get(id) ?? []).filter((o) => o.score >= t);
    const marginal = above.filter((o) => o.score < hi);
    // The marginal band decides when it has enough trades; when it is thin (a strategy whose
    // signals all score well above the threshold) every trade above the threshold does, so a
    // strategy that keeps losing is still reined in.
    const wide = marginal.length < f.minSamples;
    const band = wide ? above : marginal;
    if (band.length < f.minSamples) return null;
    const wins = band.filter((o) => o.pnl > 0).length;
    const accuracy = wins / band.length;
    const where = wide ? `all scores ≥ ${fmt(t)} (the band [${fmt(t)}, ${fmt(hi)}) holds only ${marginal.length})` : `scores in [${fmt(t)}, ${fmt(hi)})`;
    if (accuracy < f.targetAccuracy) {
      if (t >= policy.ceiling) return null;
      const after = round(Math.min(policy.ceiling, t + f.step));
      return this.change(id, after, `raise: accuracy ${wins}/${band.length} = ${fmt(accuracy)} below target ${fmt(f.targetAccuracy)} for ${where}`, now, 'feedback');
    }
    // Lowering needs the marginal band itself to be good: strong trades far above say nothing about the edge.
    if (wide || accuracy < f.targetAccuracy + f.lowerMargin || t <= policy.floor) return null;
    const lo = t - f.band;
    const near = (this.nearMisses.get(id) ?? []).filter((m) => m.score >= lo && m.score < t).length;
    if (near < f.minNearMisses) return null;
    const after = round(Math.max(policy.floor, t - f.step));
    return this.change(
      id,
      after,
      `lower: accuracy ${wins}/${band.length} = ${fmt(accuracy)} at least ${fmt(f.targetAccuracy + f.lowerMargin)} for ${where}, ${near} rejected in [${fmt(lo)}, ${fmt(t)})`,
      now,
      'feedback',
    );
  }

  private change(strategyId: string, after: number, reason: string, ts: number, source: ThresholdChange['source']): ThresholdChange {
    const before = this.current(strategyId);
    this.overrides.set(strategyId, after);
    this.lastChangeTs.set(strategyId, ts);
    return { strategyId, before, after, reason, ts, source };
  }

  private checkOperator(strategyId: string, reason: string, ts: number): void {
    if (typeof strategyId !== 'string' || strategyId === '') throw new InputError('strategyId', 'must be a non-empty string');
    if (typeof reason !== 'string' || reason.trim() === '') throw new InputError('reason', 'an operator change needs a reason');
    if (!Number.isFinite(ts)) throw new InputError('ts', `must be a finite epoch millisecond time, got ${String(ts)}`);
  }

  /** Operator override, within the strategy's [floor, ceiling]. */
  setThreshold(strategyId: string, value: number, reason: string, ts: number): ThresholdChange {
    this.checkOperator(strategyId, reason, ts);
    const p = policyFor(this.config, strategyId);
    if (!Number.isFinite(value) || value < p.floor || value > p.ceiling) {
      throw new InputError('threshold', `must be within [${p.floor}, ${p.ceiling}] for ${strategyId}, got ${String(value)}`);
    }
    return this.change(strategyId, value, `operator: ${reason.trim()}`, ts, 'operator');
  }

  /** Operator: back to the configured threshold. */
  restoreThreshold(strategyId: string, reason: string, ts: number): ThresholdChange {
    this.checkOperator(strategyId, reason, ts);
    const configured = policyFor(this.config, strategyId).threshold;
    const c = this.change(strategyId, configured, `operator restore: ${reason.trim()}`, ts, 'operator');
    this.overrides.delete(strategyId);
    return c;
  }

  /**
   * Replay a persisted change. A value outside today's [floor, ceiling] (the
   * configuration changed since) is clamped into it rather than refused, so a
   * restart never fails on old history.
   */
  apply(change: ThresholdChange): void {
    if (typeof change.strategyId !== 'string' || change.strategyId === '') throw new InputError('change.strategyId', 'must be a non-empty string');
    if (!Number.isFinite(change.after)) throw new InputError('change.after', `must be a finite number, got ${String(change.after)}`);
    if (!Number.isFinite(change.ts)) throw new InputError('change.ts', `must be a finite epoch millisecond time, got ${String(change.ts)}`);
    const p = policyFor(this.config, change.strategyId);
    this.overrides.set(change.strategyId, Math.min(p.ceiling, Math.max(p.floor, change.after)));
    this.lastChangeTs.set(change.strategyId, Math.max(change.ts, this.lastChangeTs.get(change.strategyId) ?? Number.NEGATIVE_INFINITY));
  }
}
