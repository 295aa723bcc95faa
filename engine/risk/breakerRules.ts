import { z } from 'zod';
import { Decimal } from '../domain/money.js';
import { InputError } from '../domain/errors.js';

/**
 * The automatic trip rules of a circuit breaker (SPEC §4), pure: the engine
 * gathers the metrics, this says whether to TRIP and why. Rules are checked in
 * a fixed order and the first that fires is returned, matching the breaker's
 * "first trip wins".
 *
 * Departures from the original, on purpose:
 * - errors are counted per event, so a burst of failures on one symbol counts
 *   (the original counted distinct symbols only);
 * - the daily loss limit is a fraction of start-of-day equity (§4B), so it
 *   scales with the account instead of a fixed $500;
 * - the two original breakers' conditions are one set: VaR breach and the
 *   VIX spike (never used in §4A) are rules like the others.
 */

export type BreakerRuleReason =
  | 'daily_loss_limit'
  | 'drawdown_limit'
  | 'consecutive_errors'
  | 'error_burst'
  | 'var_breach'
  | 'stale_data'
  | 'volatility_spike';

/** The rules in the order they are checked; the first that fires is the trip's reason. */
export const BREAKER_RULES: readonly BreakerRuleReason[] = [
  'daily_loss_limit',
  'drawdown_limit',
  'consecutive_errors',
  'error_burst',
  'var_breach',
  'stale_data',
  'volatility_spike',
];

export interface BreakerTrip {
  readonly reason: BreakerRuleReason;
  readonly detail: string;
}

export interface BreakerMetrics {
  /** Clock time of the check, epoch ms. */
  readonly now: number;
  readonly equity: Decimal;
  /** Equity at the start of the trading day; the engine rolls it every session. */
  readonly dayStartEquity: Decimal;
  /** Highest equity seen; the drawdown rule applies only once it is > 0. */
  readonly peakEquity: Decimal;
  /** Time of every counted error, epoch ms; duplicates count separately. */
  readonly errorTimes: readonly number[];
  /** Errors since the last fill (a fill resets it, as in the original). */
  readonly consecutiveErrors?: number;
  /** Latest portfolio VaR as a fraction of equity; null/absent when none has been computed. */
  readonly varPct?: number | null;
  /** Latest VIX level; null/absent when the feed has none. */
  readonly vix?: number | null;
  /** End time of the newest market data received; null/absent before the first. */
  readonly lastDataTs?: number | null;
  /** Only a live feed can be stale; a replay's data time is the clock itself. */
  readonly feedLive?: boolean;
}

const fraction = (name: string) =>
  z
    .number({ message: `${name} must be a number` })
    .gt(0, `${name} must be > 0`)
    .lte(1, `${name} must be <= 1 (a fraction, not a percentage)`);
const milliseconds = (name: string) =>
  z.number({ message: `${name} must be a number` }).int(`${name} must be whole milliseconds`).positive(`${name} must be > 0`);

export const breakerLimitsSchema = z.object({
  /** Trip when start-of-day equity − equity ≥ this fraction of start-of-day equity. */
  maxDailyLossPct: fraction('maxDailyLossPct').default(0.06),
  /** Trip when (peak − equity) / peak ≥ this fraction. */
  maxDrawdownPct: fraction('maxDrawdownPct').default(0.1),
  /** Trip when at least this many errors fall inside errorWindowMs. */
  maxErrors: z.number({ message: 'maxErrors must be a number' }).int('maxErrors must be a whole number').positive('maxErrors must be > 0').default(5),
  errorWindowMs: milliseconds('errorWindowMs').default(60_000),
  /** Trip when a live feed's newest data is older than this. */
  maxDataAgeMs: milliseconds('maxDataAgeMs').default(30_000),
  /** Trip when this many errors happen with no fill in between. */
  maxConsecutiveErrors: z
    .number({ message: 'maxConsecutiveErrors must be a number' })
    .int('maxConsecutiveErrors must be a whole number')
    .positive('maxConsecutiveErrors must be > 0')
    .default(5),
  /** Trip when the portfolio VaR (fraction of equity) exceeds this. */
  maxVarPct: fraction('maxVarPct').default(0.05),
  /** Trip when the VIX is at or above this level. */
  vixTripLevel: z.number({ message: 'vixTripLevel must be a number' }).positive('vixTripLevel must be > 0').default(45),
});

export type BreakerLimits = z.output<typeof breakerLimitsSchema>;

/**
 * Defaults: 6 % daily loss, 5 errors in 60 s, data older than 30 s and VIX ≥ 45
 * (SPEC §4B); 10 % drawdown and 5 consecutive errors (§4A); VaR above 5 % of
 * equity (the risk engine's limit, §3).
 */
export const DEFAULT_BREAKER_LIMITS: BreakerLimits = Object.freeze(breakerLimitsSchema.parse({}));

/** Parse limits from configuration; missing fields take the defaults. Throws InputError naming the field. */
export function parseBreakerLimits(raw: unknown): BreakerLimits {
  const result = breakerLimitsSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || 'breakerLimits';
    throw new InputError(field, issue?.message ?? 'invalid breaker limits');
  }
  return result.data;
}

function checkMetrics(m: BreakerMetrics): void {
  if (!Number.isFinite(m.now)) throw new InputError('metrics.now', `must be a finite epoch ms, got ${String(m.now)}`);
  for (const field of ['equity', 'dayStartEquity', 'peakEquity'] as const) {
    const v = m[field];
    if (!(v instanceof Decimal) || !v.isFinite()) throw new InputError(`metrics.${field}`, `must be a finite Decimal, got ${String(v)}`);
  }
  if (m.lastDataTs !== undefined && m.lastDataTs !== null && !Number.isFinite(m.lastDataTs)) {
    throw new InputError('metrics.lastDataTs', `must be a finite epoch ms or null, got ${String(m.lastDataTs)}`);
  }
  if (m.consecutiveErrors !== undefined && (!Number.isSafeInteger(m.consecutiveErrors) || m.consecutiveErrors < 0)) {
    throw new InputError('metrics.consecutiveErrors', `must be a whole number >= 0, got ${String(m.consecutiveErrors)}`);
  }
  for (const field of ['varPct', 'vix'] as const) {
    const v = m[field];
    if (v !== undefined && v !== null && (!Number.isFinite(v) || v < 0)) throw new InputError(`metrics.${field}`, `must be a finite number >= 0 or null, got ${String(v)}`);
  }
}

/** Errors inside the window (now − windowMs, now]; later timestamps count too, so clock skew never hides one. */
export function errorsInWindow(errorTimes: readonly number[], now: number, windowMs: number): number {
  const from = now - windowMs;
  let n = 0;
  for (const t of errorTimes) if (t > from) n++;
  return n;
}

export function evaluateBreakerRules(metrics: BreakerMetrics, limits: BreakerLimits = DEFAULT_BREAKER_LIMITS): BreakerTrip | null {
  checkMetrics(metrics);
  const { equity, dayStartEquity, peakEquity } = metrics;

  if (dayStartEquity.gt(0)) {
    const loss = dayStartEquity.minus(equity);
    const allowed = dayStartEquity.times(limits.maxDailyLossPct);
    if (loss.gte(allowed)) {
      return {
        reason: 'daily_loss_limit',
        detail: `daily loss ${loss.toFixed(2)} >= ${limits.maxDailyLossPct * 100}% of start-of-day equity ${dayStartEquity.toFixed(2)}`,
      };
    }
  }

  if (peakEquity.gt(0)) {
    const drop = peakEquity.minus(equity);
    if (drop.gte(peakEquity.times(limits.maxDrawdownPct))) {
      return {
        reason: 'drawdown_limit',
        detail: `drawdown ${drop.div(peakEquity).times(100).toFixed(2)}% from peak ${peakEquity.toFixed(2)} >= ${limits.maxDrawdownPct * 100}%`,
      };
    }
  }

  const consecutive = metrics.consecutiveErrors ?? 0;
  if (consecutive >= limits.maxConsecutiveErrors) {
    return { reason: 'consecutive_errors', detail: `${consecutive} errors since the last fill (limit ${limits.maxConsecutiveErrors})` };
  }

  const errors = errorsInWindow(metrics.errorTimes, metrics.now, limits.errorWindowMs);
  if (errors >= limits.maxErrors) {
    return { reason: 'error_burst', detail: `${errors} errors within ${limits.errorWindowMs} ms (limit ${limits.maxErrors})` };
  }

  const varPct = metrics.varPct;
  if (varPct !== undefined && varPct !== null && varPct > limits.maxVarPct) {
    return { reason: 'var_breach', detail: `portfolio VaR ${(varPct * 100).toFixed(2)}% of equity > limit ${limits.maxVarPct * 100}%` };
  }

  const last = metrics.lastDataTs;
  if (metrics.feedLive === true && last !== undefined && last !== null) {
    const age = metrics.now - last;
    if (age > limits.maxDataAgeMs) {
      return { reason: 'stale_data', detail: `newest market data is ${age} ms old (limit ${limits.maxDataAgeMs} ms)` };
    }
  }

  const vix = metrics.vix;
  if (vix !== undefined && vix !== null && vix >= limits.vixTripLevel) {
    return { reason: 'volatility_spike', detail: `VIX ${vix.toFixed(2)} >= ${limits.vixTripLevel}` };
  }

  return null;
}

/**
 * The size multiplier for new entries at a VIX level (SPEC §4B): ≥ 25 halves,
 * ≥ 35 quarters, and at the trip level nothing new is opened. No VIX → 1.
 */
export function vixSizeMultiplier(vix: number | null | undefined, limits: Pick<BreakerLimits, 'vixTripLevel'> = DEFAULT_BREAKER_LIMITS): number {
  if (vix === null || vix === undefined || !Number.isFinite(vix)) return 1;
  if (vix >= limits.vixTripLevel) return 0;
  if (vix >= 35) return 0.25;
  if (vix >= 25) return 0.5;
  return 1;
}
