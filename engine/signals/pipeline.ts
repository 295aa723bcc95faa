import { InputError } from '../domain/errors.js';
import type { Bar } from '../domain/market.js';
import type { Signal } from '../domain/signal.js';
import { checkDataQuality, type DataQualityResult, type OptionQuoteInput } from './dataQuality.js';
import { gradeOf, type Grade } from './grade.js';
import {
  computeScore,
  decideAction,
  isFeatureProblem,
  readSignalInputs,
  scoreComponents,
  scoringSpan,
  type CheckFailure,
  type Decision,
  type ScoreComponents,
} from './scoring.js';
import { DEFAULT_SIGNAL_CONFIG, policyFor, type SignalConfig } from './signalConfig.js';

/**
 * The validator stage as one call: data-quality gate, then the 0–100 score,
 * its grade and the action. Pure and synchronous; the node supplies the
 * bars window, the clock time, the option quote and the threshold in force.
 * It never throws on a bad signal or bad data: those are rejections with a
 * reason code. Only a malformed context (a threshold outside 0–100) throws.
 */

export interface ValidationContext {
  /** The symbol's recent bars of the signal's timeframe, oldest first, ending with the signal's bar (≥ 21 with defaults). */
  readonly bars: readonly Bar[];
  /** Engine clock time. */
  readonly now: number;
  /** Required for option signals: the contract's quote or model mark. */
  readonly optionQuote?: OptionQuoteInput | undefined;
  readonly config?: SignalConfig | undefined;
  /** The threshold in force (ThresholdFeedback.current); defaults to the configured one. */
  readonly threshold?: number | undefined;
}

export type ValidationReason =
  | 'accepted'
  | 'accepted_reduced'
  | 'exit_always_allowed'
  | 'invalid_strength'
  | 'invalid_features'
  | CheckFailure
  | `data_${string}`;

export interface ValidationResult {
  readonly decision: Decision;
  /** 0–100; 0 when the signal was not scored (bad data or a malformed signal). */
  readonly score: number;
  readonly grade: Grade;
  /** The validator's multiplier on the strategy's size: 1 (trade), the reduce factor, or 0 (reject). */
  readonly sizeFactor: number;
  readonly reason: ValidationReason;
  /** Human-readable detail of the reason (which field, which check). */
  readonly detail: string;
  readonly failedChecks: readonly CheckFailure[];
  readonly threshold: number;
  /** Null when the signal was not scored. */
  readonly components: ScoreComponents | null;
  readonly dataQuality: DataQualityResult;
}

function unscored(base: Pick<ValidationResult, 'threshold' | 'dataQuality'>, reason: ValidationReason, detail: string, exit: boolean): ValidationResult {
  return exit
    ? { ...base, decision: 'trade', score: 0, grade: 'very_poor', sizeFactor: 1, reason: 'exit_always_allowed', detail: `${reason}: ${detail}`, failedChecks: [], components: null }
    : { ...base, decision: 'reject', score: 0, grade: 'very_poor', sizeFactor: 0, reason, detail, failedChecks: [], components: null };
}

/**
 * Gate, score, grade and decide. Exit signals reduce risk, so they are always
 * traded at full size; they still go through the gate and the score so the
 * history records what they were raised on.
 */
export function validateAndScore(signal: Signal, context: ValidationContext): ValidationResult {
  const config = context.config ?? DEFAULT_SIGNAL_CONFIG;
  const policy = policyFor(config, signal.strategyId);
  const threshold = context.threshold ?? policy.threshold;
  // The threshold comes from the engine, not the strategy: a bad one is a wiring bug.
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) throw new InputError('threshold', `must be from 0 to 100, got ${String(threshold)}`);
  const exit = signal.kind === 'exit';
  const span = scoringSpan(config.scoring);
  const dataQuality = checkDataQuality({ signal, bars: context.bars, now: context.now, optionQuote: context.optionQuote }, config.dataQuality, span);
  const base = { threshold, dataQuality };

  const inputs = readSignalInputs(signal, policy.assumedRiskReward);
  if (isFeatureProblem(inputs)) {
    const reason = inputs.field === 'strength' ? 'invalid_strength' : 'invalid_features';
    return unscored(base, reason, `${inputs.field}: ${inputs.message}`, exit);
  }
  if (!dataQuality.ok) {
    const failed = dataQuality.checks.find((c) => !c.passed);
    return unscored(base, dataQuality.reason ?? 'data_invalid', failed?.detail ?? 'data quality check failed', exit);
  }

  const components = scoreComponents(context.bars.slice(-span), inputs, config.scoring);
  const score = computeScore(components, config.weights, config.scoring.riskRewardCap);
  const grade = gradeOf(score);
  if (exit) {
    return { ...base, decision: 'trade', score, grade, sizeFactor: 1, reason: 'exit_always_allowed', detail: 'exits reduce risk', failedChecks: [], components };
  }
  const action = decideAction(score, components, policy, threshold, config.reduceSizeFactor);
  const detail =
    action.decision === 'reject'
      ? `failed ${action.failedChecks.join(', ')} (score ${score}, threshold ${threshold})`
      : `score ${score} ${action.decision === 'trade' ? '≥' : '<'} full size ${policy.fullSizeScore}, threshold ${threshold}`;
  return { ...base, ...action, score, grade, detail, components };
}
