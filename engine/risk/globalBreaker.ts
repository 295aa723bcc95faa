import { createActor, type Actor } from 'xstate';
import { z } from 'zod';
import { circuitBreakerMachine } from '../../machines/circuitBreaker.js';
import type { Clock } from '../domain/clock.js';
import { DataError } from '../domain/errors.js';
import { Decimal } from '../domain/money.js';
import { evaluateBreakerRules, DEFAULT_BREAKER_LIMITS, type BreakerLimits } from './breakerRules.js';

/** engine_state key of the breaker and drawdown peak. */
export const RISK_STATE_KEY = 'risk.state';

export interface PersistedRiskState {
  readonly breaker: { readonly state: string; readonly reason: string | null; readonly detail: string | null; readonly manual: boolean; readonly haltedBy: string | null };
  readonly peakEquity: string;
}

const riskStateSchema = z.object({
  breaker: z.object({ state: z.string(), reason: z.string().nullable(), detail: z.string().nullable(), manual: z.boolean(), haltedBy: z.string().nullable() }),
  peakEquity: z.string().regex(/^-?\d+(\.\d+)?$/),
});

/** The stored breaker state, checked: a corrupt row is an error naming the key, never a silently closed breaker. */
export function parseRiskState(text: string): PersistedRiskState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DataError('not JSON', { field: RISK_STATE_KEY });
  }
  const parsed = riskStateSchema.safeParse(raw);
  if (!parsed.success) throw new DataError(parsed.error.issues[0]?.message ?? 'invalid', { field: `${RISK_STATE_KEY}.${parsed.error.issues[0]?.path.join('.') ?? ''}` });
  return parsed.data;
}

export interface GlobalBreakerReactions {
  tripped(reason: string, detail: string): void;
  halfOpen(): void;
  closed(by: string): void;
}

/**
 * The global circuit breaker with the measurements its rules need: the
 * breaker actor (machines/circuitBreaker.ts), the start-of-day equity, the
 * drawdown peak and the recent error times. What a trip does to strategies and
 * orders stays with the trading node, which passes its reactions in.
 */
export class GlobalBreaker {
  readonly actor: Actor<typeof circuitBreakerMachine>;
  private peakEquity: Decimal;
  private dayStartEquity: Decimal | null = null;
  private readonly errorTimes: number[] = [];
  private consecutiveErrors = 0;
  private varPct: number | null = null;
  private vix: number | null = null;

  constructor(
    private readonly clock: Clock,
    initialEquity: Decimal,
    reactions: GlobalBreakerReactions,
    private readonly limits: BreakerLimits = DEFAULT_BREAKER_LIMITS,
  ) {
    this.peakEquity = initialEquity;
    this.actor = createActor(circuitBreakerMachine, { input: { scope: 'global' }, clock });
    this.actor.on('tripped', (e) => reactions.tripped(e.reason, e.detail));
    this.actor.on('halfOpen', () => reactions.halfOpen());
    this.actor.on('closed', (e) => reactions.closed(e.by));
    this.actor.start();
  }

  state(): 'closed' | 'open' | 'halfOpen' {
    return this.actor.getSnapshot().value;
  }

  startDay(equity: Decimal): void {
    this.dayStartEquity = equity;
  }

  /**
   * The breaker closed (probe or operator): measure the next drawdown from
   * here and forget the errors that led to the trip. The daily loss is not
   * forgiven: it is measured from the start of the trading day until the next
   * one begins (startDay), so a reset with the day's loss still over the limit
   * trips again at the next check.
   */
  acknowledge(equity: Decimal): void {
    this.peakEquity = equity;
    this.consecutiveErrors = 0;
    this.errorTimes.length = 0;
  }

  /** A fill resets the consecutive-error count and is the probe a half-open breaker waits for. */
  recordFill(): void {
    this.consecutiveErrors = 0;
    if (this.state() === 'halfOpen') this.actor.send({ type: 'PROBE_SUCCEEDED' });
  }

  /** The latest portfolio VaR as a fraction of equity (the VaR breach rule). */
  setVar(pct: number | null): void {
    this.varPct = pct;
  }

  /** The latest VIX level (the volatility spike rule, and sizing). */
  setVix(level: number | null): void {
    this.vix = level;
  }

  currentVix(): number | null {
    return this.vix;
  }

  recordError(): void {
    this.consecutiveErrors++;
    this.errorTimes.push(this.clock.now());
    if (this.errorTimes.length > 1000) this.errorTimes.splice(0, this.errorTimes.length - 1000);
    if (this.state() === 'halfOpen') this.actor.send({ type: 'PROBE_FAILED' });
  }

  /** Evaluate the rules against the current equity; trips the breaker when one holds. */
  check(equity: Decimal): void {
    if (this.state() !== 'closed') return;
    if (equity.gt(this.peakEquity)) this.peakEquity = equity;
    const trip = evaluateBreakerRules(
      {
        now: this.clock.now(),
        equity,
        dayStartEquity: this.dayStartEquity ?? equity,
        peakEquity: this.peakEquity,
        errorTimes: this.errorTimes,
        consecutiveErrors: this.consecutiveErrors,
        varPct: this.varPct,
        vix: this.vix,
      },
      this.limits,
    );
    if (trip) this.actor.send({ type: 'TRIP', reason: trip.reason, detail: trip.detail });
  }

  /** What survives a restart (see RISK_STATE_KEY). */
  persisted(): PersistedRiskState {
    const snap = this.actor.getSnapshot();
    return {
      breaker: { state: String(snap.value), reason: snap.context.reason, detail: snap.context.detail, manual: snap.context.manual, haltedBy: snap.context.haltedBy },
      peakEquity: this.peakEquity.toFixed(),
    };
  }

  /**
   * Re-impose what the breaker was doing when the engine last stopped. An open
   * or half-open breaker opens again through its own events (a fresh cool-down;
   * a manual halt still waits for an operator reset), so a restart never
   * clears a trip.
   */
  restore(saved: PersistedRiskState): void {
    const peak = new Decimal(saved.peakEquity);
    if (peak.isFinite() && peak.gt(this.peakEquity)) this.peakEquity = peak;
    const b = saved.breaker;
    if (b.state === 'closed') return;
    if (b.manual) this.actor.send({ type: 'MANUAL_HALT', by: b.haltedBy ?? 'restored' });
    else this.actor.send({ type: 'TRIP', reason: b.reason ?? 'restored', detail: `${b.detail ?? ''} (restored after restart)`.trim() });
  }

  reset(by: string): void {
    this.actor.send({ type: 'RESET', by });
  }

  manualHalt(by: string): void {
    this.actor.send({ type: 'MANUAL_HALT', by });
  }

  stop(): void {
    this.actor.stop();
  }
}
