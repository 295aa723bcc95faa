import { createActor, type Actor, type InspectionEvent } from 'xstate';
import { circuitBreakerMachine } from '../../machines/circuitBreaker.js';
import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/money.js';
import { evaluateBreakerRules, DEFAULT_BREAKER_LIMITS, type BreakerLimits } from './breakerRules.js';

/** What one breaker keeps across a restart. */
export interface PersistedBreaker {
  readonly state: string;
  readonly reason: string | null;
  readonly detail: string | null;
  readonly manual: boolean;
  readonly haltedBy: string | null;
  readonly peakEquity: string;
}

export interface BreakerReactions {
  tripped(reason: string, detail: string): void;
  halfOpen(): void;
  closed(by: string): void;
}

/**
 * One circuit breaker (the global one, or one strategy's) with the
 * measurements its rules need: the breaker actor (machines/circuitBreaker.ts),
 * the start-of-day equity, the drawdown peak, the errors, and for the global
 * scope the VaR and VIX. For a strategy, "equity" is its allocated capital at
 * the start of the day plus its P&L since (see BreakerBoard). What a trip
 * does to strategies and orders stays with the trading node.
 */
export class ScopedBreaker {
  readonly actor: Actor<typeof circuitBreakerMachine>;
  private peakEquity: Decimal;
  private dayStartEquity: Decimal | null = null;
  private readonly errorTimes: number[] = [];
  private consecutiveErrors = 0;
  private varPct: number | null = null;
  private vix: number | null = null;

  constructor(
    readonly scope: string,
    private readonly clock: Clock,
    initialEquity: Decimal,
    reactions: BreakerReactions,
    private readonly limits: BreakerLimits = DEFAULT_BREAKER_LIMITS,
    inspect?: (event: InspectionEvent) => void,
  ) {
    this.peakEquity = initialEquity;
    this.actor = createActor(circuitBreakerMachine, { input: { scope }, clock, ...(inspect ? { inspect } : {}) });
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

  /** What survives a restart. */
  persisted(): PersistedBreaker {
    const snap = this.actor.getSnapshot();
    return {
      state: String(snap.value),
      reason: snap.context.reason,
      detail: snap.context.detail,
      manual: snap.context.manual,
      haltedBy: snap.context.haltedBy,
      peakEquity: this.peakEquity.toFixed(),
    };
  }

  /**
   * Re-impose what the breaker was doing when the engine last stopped. An open
   * or half-open breaker opens again through its own events (a fresh cool-down;
   * a manual halt still waits for an operator reset), so a restart never
   * clears a trip.
   */
  restore(b: PersistedBreaker): void {
    const peak = new Decimal(b.peakEquity);
    if (peak.isFinite() && peak.gt(this.peakEquity)) this.peakEquity = peak;
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
