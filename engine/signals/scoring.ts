import { InputError } from '../domain/errors.js';
import type { Bar } from '../domain/market.js';
import type { Signal } from '../domain/signal.js';
import { normCdf } from '../market/blackScholes.js';
import { SMA } from '../market/indicators/index.js';
import { RollingMoments } from '../market/rollingMoments.js';
import type { ScoringParams, StrategyPolicy, Weights } from './signalConfig.js';

/**
 * The 0–100 signal score (SPEC §5) and the action it leads to. Components are
 * fractions in [0, 1] except strength (the rule's own 0–100) and reward/risk
 * (a ratio); the score is their weighted sum, so it is monotone in each.
 * docs/signals.md gives each formula, its boundary values and how it differs
 * from the original.
 */

/** +1: the signal profits when the underlying rises; −1: when it falls. */
export type Direction = 1 | -1;

export interface ScoreComponents {
  /** The rule's own strength, 0–100. */
  readonly strength: number;
  /** Evidence that the recent drift has the signal's sign (or the strategy's stated confidence). */
  readonly confidence: number;
  /** Fraction of look-back horizons over which price moved in the signal's direction. */
  readonly consistency: number;
  readonly volume: number;
  readonly confluence: number;
  /** Reward / risk of the trade, ≥ 0 (not capped; the score caps it). */
  readonly riskReward: number;
  readonly regime: number;
}

/** What the score needs from a signal besides the bars. */
export interface SignalInputs {
  readonly strength: number;
  readonly direction: Direction;
  /** The strategy's own confidence, when it states one; otherwise it is derived from the bars. */
  readonly confidence?: number | undefined;
  readonly riskReward: number;
}

export type SeriesPoint = Pick<Bar, 'close' | 'volume'>;

/** Direction of an order intent: buying stock or calls, or selling puts, is long the underlying. */
export function intentDirection(intent: Signal['intent']): Direction {
  const buy = intent.side === 'buy';
  if (intent.instrument.kind === 'option' && intent.instrument.right === 'P') return buy ? -1 : 1;
  return buy ? 1 : -1;
}

export interface FeatureProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Read the optional scoring features a strategy may attach: `confidence`
 * (0–1), `riskReward` (≥ 0) and `direction` (+1/−1, overriding the intent's).
 * A missing feature takes its default; a present but malformed one is a
 * problem (returned, not thrown, so the pipeline can reject with a reason).
 */
export function readSignalInputs(signal: Pick<Signal, 'strength' | 'intent' | 'features'>, assumedRiskReward: number): SignalInputs | FeatureProblem {
  const s = signal.strength;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 100) return { field: 'strength', message: `must be a number from 0 to 100, got ${String(s)}` };
  const f = signal.features;
  const own = (k: string): number | undefined => (Object.hasOwn(f, k) ? f[k] : undefined);
  const confidence = own('confidence');
  if (confidence !== undefined && !(Number.isFinite(confidence) && confidence >= 0 && confidence <= 1)) {
    return { field: 'features.confidence', message: `must be a number from 0 to 1, got ${String(confidence)}` };
  }
  const rr = own('riskReward');
  if (rr !== undefined && !(Number.isFinite(rr) && rr >= 0)) return { field: 'features.riskReward', message: `must be a finite number ≥ 0, got ${String(rr)}` };
  const dir = own('direction');
  if (dir !== undefined && dir !== 1 && dir !== -1) return { field: 'features.direction', message: `must be 1 or -1, got ${String(dir)}` };
  return { strength: s, direction: dir ?? intentDirection(signal.intent), confidence, riskReward: rr ?? assumedRiskReward };
}

export function isFeatureProblem(x: SignalInputs | FeatureProblem): x is FeatureProblem {
  return 'field' in x;
}

/** Bars the score reads with these parameters: the longest window plus the bar before it (for returns). */
export function scoringSpan(p: ScoringParams): number {
  return Math.max(
    ...p.consistencyHorizons.map((h) => h + 1),
    p.confidenceWindow + 1,
    p.volumeLongWindow,
    p.volumeMinBars,
    p.smaWindow,
    p.momentumWindow + 1,
    p.dispersionWindow,
    p.trendWindow + 1,
  );
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function checkSeries(series: readonly SeriesPoint[]): void {
  for (let i = 0; i < series.length; i++) {
    const b = series[i]!;
    if (typeof b.close !== 'number' || !Number.isFinite(b.close) || b.close <= 0) throw new InputError(`bars[${i}].close`, `must be a finite number > 0, got ${String(b.close)}`);
    if (typeof b.volume !== 'number' || !Number.isFinite(b.volume) || b.volume < 0) throw new InputError(`bars[${i}].volume`, `must be a finite number ≥ 0, got ${String(b.volume)}`);
  }
}

function meanOfLast(values: readonly number[], k: number): number {
  const sma = new SMA(k);
  for (let i = values.length - k; i < values.length; i++) sma.update(values[i]!);
  return sma.value!;
}

/** Population coefficient of variation of the last k values (np.std / np.mean, as the original). */
function dispersionOfLast(values: readonly number[], k: number): number {
  const m = new RollingMoments(k);
  for (let i = values.length - k; i < values.length; i++) m.push(values[i]!);
  return Math.sqrt(m.m2 / k) / m.mean;
}

/**
 * One-sided evidence that the drift has the signal's sign: Φ(t) with
 * t = dir · mean / (sd / √n) over the last n log returns. 0.5 when the series
 * is flat (no evidence either way); 0 with fewer than 2 returns (no data, no credit).
 */
export function driftConfidence(closes: readonly number[], direction: Direction, window: number): number {
  const n = Math.min(window, closes.length - 1);
  if (n < 2) return 0;
  const m = new RollingMoments(n);
  for (let i = closes.length - n; i < closes.length; i++) m.push(Math.log(closes[i]! / closes[i - 1]!));
  const mean = direction * m.mean;
  const sd = Math.sqrt(m.m2 / (n - 1));
  if (sd === 0) return mean > 0 ? 1 : mean < 0 ? 0 : 0.5;
  return clamp01(normCdf(mean / (sd / Math.sqrt(n))));
}

/**
 * The components of a signal over its bars (oldest first, the signal's bar
 * last). Windows longer than the series are left out of the mean they belong
 * to; a component with no window left is 0 (no evidence earns no credit).
 * Throws InputError naming a non-positive close or a negative volume.
 */
export function scoreComponents(series: readonly SeriesPoint[], input: SignalInputs, p: ScoringParams): ScoreComponents {
  checkSeries(series);
  const n = series.length;
  const closes = series.map((b) => b.close);
  const last = closes[n - 1] ?? 0;
  const dir = input.direction;
  const moved = (back: number): number => dir * (last - closes[n - 1 - back]!);

  const horizons = p.consistencyHorizons.filter((h) => h <= n - 1);
  const consistency = horizons.length === 0 ? 0 : horizons.filter((h) => moved(h) > 0).length / horizons.length;

  const confidence = input.confidence ?? driftConfidence(closes, dir, p.confidenceWindow);

  let volume = 0;
  if (n >= p.volumeMinBars && n >= p.volumeShortWindow) {
    const volumes = series.map((b) => b.volume);
    const long = meanOfLast(volumes, Math.min(p.volumeLongWindow, n));
    // No traded volume is no confirmation (the original scored a zero average as a full 1).
    if (long > 0) volume = clamp01(2 * (meanOfLast(volumes, p.volumeShortWindow) / long - 0.5));
  }

  const dispersion = n >= p.dispersionWindow ? dispersionOfLast(closes, p.dispersionWindow) : null;
  const confluenceParts: number[] = [];
  if (n >= p.smaWindow) confluenceParts.push(dir * (last - meanOfLast(closes, p.smaWindow)) > 0 ? 1 : 0);
  if (n >= p.momentumWindow + 1) confluenceParts.push(moved(p.momentumWindow) > 0 ? 1 : 0);
  if (dispersion !== null) confluenceParts.push(dispersion < p.maxDispersion ? 1 : 0);
  const confluence = confluenceParts.length === 0 ? 0 : confluenceParts.reduce((a, b) => a + b, 0) / confluenceParts.length;

  const regimeParts: number[] = [];
  if (n >= p.trendWindow + 1) regimeParts.push(Math.min(1, p.trendScale * Math.abs(last / closes[n - 1 - p.trendWindow]! - 1)));
  if (dispersion !== null) regimeParts.push(Math.max(0, 1 - p.dispersionScale * dispersion));
  const regime = regimeParts.length === 0 ? 0 : regimeParts.reduce((a, b) => a + b, 0) / regimeParts.length;

  return { strength: input.strength, confidence, consistency, volume, confluence, riskReward: input.riskReward, regime };
}

function checkComponents(c: ScoreComponents): void {
  if (!(Number.isFinite(c.strength) && c.strength >= 0 && c.strength <= 100)) throw new InputError('components.strength', `must be from 0 to 100, got ${String(c.strength)}`);
  if (!(Number.isFinite(c.riskReward) && c.riskReward >= 0)) throw new InputError('components.riskReward', `must be a finite number ≥ 0, got ${String(c.riskReward)}`);
  for (const k of ['confidence', 'consistency', 'volume', 'confluence', 'regime'] as const) {
    const v = c[k];
    if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw new InputError(`components.${k}`, `must be from 0 to 1, got ${String(v)}`);
  }
}

/**
 * score = w.strength·strength + 100·(w.confidence·confidence + w.consistency·consistency
 *   + w.volume·volume + w.confluence·confluence + w.riskReward·min(1, RR/cap) + w.regime·regime),
 * rounded to 1e-6 so a persisted score compares with a threshold as it prints.
 */
export function computeScore(c: ScoreComponents, w: Weights, riskRewardCap: number): number {
  checkComponents(c);
  const raw =
    w.strength * c.strength +
    100 *
      (w.confidence * c.confidence +
        w.consistency * c.consistency +
        w.volume * c.volume +
        w.confluence * c.confluence +
        w.riskReward * Math.min(1, c.riskReward / riskRewardCap) +
        w.regime * c.regime);
  return Math.min(100, Math.max(0, Math.round(raw * 1e6) / 1e6));
}

export type Decision = 'trade' | 'reduce' | 'reject';

/**
 * The checks, in the order a rejection reports them. `below_threshold` is
 * last on purpose: a signal whose reason is `below_threshold` passed every
 * other check, which is what the feedback loop counts as a near miss.
 */
export const CHECK_ORDER = ['low_confidence', 'low_consistency', 'low_risk_reward', 'regime_mismatch', 'below_threshold'] as const;
export type CheckFailure = (typeof CHECK_ORDER)[number];

export interface Action {
  readonly decision: Decision;
  readonly reason: 'accepted' | 'accepted_reduced' | CheckFailure;
  readonly failedChecks: readonly CheckFailure[];
  /** The validator's own size multiplier: 1, the reduce factor, or 0. Sizing's grade × confidence factor is separate. */
  readonly sizeFactor: number;
}

/**
 * Every check passes and score ≥ max(threshold, fullSizeScore): trade at full
 * size. Every check passes and threshold ≤ score < fullSizeScore: reduce
 * (the original's "trade with reduced size" tier). Anything else: reject (the
 * original's "monitor" never traded, so it maps to reject).
 */
export function decideAction(score: number, c: ScoreComponents, policy: StrategyPolicy, threshold: number, reduceSizeFactor: number): Action {
  const failed: CheckFailure[] = [];
  if (c.confidence < policy.minConfidence) failed.push('low_confidence');
  if (c.consistency < policy.minConsistency) failed.push('low_consistency');
  if (c.riskReward < policy.minRiskReward) failed.push('low_risk_reward');
  if (c.regime < policy.minRegime) failed.push('regime_mismatch');
  if (score < threshold) failed.push('below_threshold');
  if (failed.length > 0) return { decision: 'reject', reason: failed[0]!, failedChecks: failed, sizeFactor: 0 };
  if (score >= policy.fullSizeScore) return { decision: 'trade', reason: 'accepted', failedChecks: failed, sizeFactor: 1 };
  return { decision: 'reduce', reason: 'accepted_reduced', failedChecks: failed, sizeFactor: reduceSizeFactor };
}
