import type { Signal } from '../domain/signal.js';

/**
 * The validator stage of the pipeline. In this first cut the score is the
 * rule's own strength, gated by a per-strategy threshold; the full 0–100
 * scoring, data-quality gate and feedback loop plug in here (issue 5).
 * Exit signals reduce risk and are never held back by a score.
 */
export interface ValidatorConfig {
  readonly defaultThreshold: number;
  readonly thresholds: Readonly<Record<string, number>>;
}

export const DEFAULT_VALIDATOR_CONFIG: ValidatorConfig = {
  defaultThreshold: 50,
  // SPEC §5 (SignalValidationMonitor): dip bot 55.
  thresholds: { 'wsb-dip-bot': 55 },
};

export interface Validation {
  readonly accepted: boolean;
  readonly score: number;
  readonly threshold: number;
  readonly reason: 'accepted' | 'exit_always_allowed' | 'below_threshold' | 'invalid_strength';
}

export function validateSignal(signal: Signal, config: ValidatorConfig = DEFAULT_VALIDATOR_CONFIG): Validation {
  const threshold = config.thresholds[signal.strategyId] ?? config.defaultThreshold;
  const s = signal.strength;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 100) {
    return { accepted: false, score: 0, threshold, reason: 'invalid_strength' };
  }
  if (signal.kind === 'exit') return { accepted: true, score: s, threshold, reason: 'exit_always_allowed' };
  if (s < threshold) return { accepted: false, score: s, threshold, reason: 'below_threshold' };
  return { accepted: true, score: s, threshold, reason: 'accepted' };
}
