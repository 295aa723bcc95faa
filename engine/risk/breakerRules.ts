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
 *   scales with the account instead of a fixed $500.
 */

export type BreakerRuleReason = 'daily_loss_limit' | 'drawdown_limit' | 'error_burst' | 'stale_data';

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
});

export type BreakerLimits = z.output<typeof breakerLimitsSchema>;

/** SPEC §4B defaults: 6 % daily loss, 10 % drawdown (§4A), 5 errors in 60 s, data older than 30 s. */
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

  const errors = errorsInWindow(metrics.errorTimes, metrics.now, limits.errorWindowMs);
  if (errors >= limits.maxErrors) {
    return { reason: 'error_burst', detail: `${errors} errors within ${limits.errorWindowMs} ms (limit ${limits.maxErrors})` };
  }

  const last = metrics.lastDataTs;
  if (metrics.feedLive === true && last !== undefined && last !== null) {
    const age = metrics.now - last;
    if (age > limits.maxDataAgeMs) {
      return { reason: 'stale_data', detail: `newest market data is ${age} ms old (limit ${limits.maxDataAgeMs} ms)` };
    }
  }

  return null;
}
