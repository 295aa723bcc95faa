import { z } from 'zod';
import type { InspectionEvent } from 'xstate';
import type { Clock } from '../domain/clock.js';
import { DataError, NotFoundError } from '../domain/errors.js';
import type { Decimal} from '../domain/money.js';
import { ZERO } from '../domain/money.js';
import { DEFAULT_BREAKER_LIMITS, parseBreakerLimits, type BreakerLimits } from './breakerRules.js';
import { ScopedBreaker, type PersistedBreaker } from './scopedBreaker.js';

/** engine_state key of every breaker's state and drawdown peak. */
export const RISK_STATE_KEY = 'risk.state';
export const GLOBAL_SCOPE = 'global';

export interface PersistedRiskState {
  readonly global: PersistedBreaker;
  readonly strategies: Readonly<Record<string, PersistedBreaker>>;
}

const breakerSchema = z.object({
  state: z.string(),
  reason: z.string().nullable(),
  detail: z.string().nullable(),
  manual: z.boolean(),
  haltedBy: z.string().nullable(),
  peakEquity: z.string().regex(/^-?\d+(\.\d+)?$/),
});
const riskStateSchema = z.object({ global: breakerSchema, strategies: z.record(z.string(), breakerSchema) });
/** The row as the first releases wrote it (global breaker only). */
const legacyRiskStateSchema = z.object({ breaker: breakerSchema.omit({ peakEquity: true }), peakEquity: breakerSchema.shape.peakEquity });

/** The stored breaker state, checked: a corrupt row is an error naming the key, never a silently closed breaker. */
export function parseRiskState(text: string): PersistedRiskState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DataError('not JSON', { field: RISK_STATE_KEY });
  }
  const fail = (e: z.ZodError): never => {
    throw new DataError(e.issues[0]?.message ?? 'invalid', { field: `${RISK_STATE_KEY}.${e.issues[0]?.path.join('.') ?? ''}` });
  };
  if (typeof raw === 'object' && raw !== null && 'breaker' in raw) {
    const legacy = legacyRiskStateSchema.safeParse(raw);
    if (!legacy.success) return fail(legacy.error);
    return { global: { ...legacy.data.breaker, peakEquity: legacy.data.peakEquity }, strategies: {} };
  }
  const parsed = riskStateSchema.safeParse(raw);
  if (!parsed.success) return fail(parsed.error);
  return parsed.data;
}

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface BreakerBoardReactions {
  tripped(scope: string, reason: string, detail: string): void;
  halfOpen(scope: string): void;
  closed(scope: string, by: string): void;
}

/**
 * A strategy's own breaker trips on its daily loss measured against the
 * capital allocated to it, and on its own errors (rejected orders). Drawdown is
 * left to the global breaker (a limit of 1 = a 100 % loss never happens
 * before the daily limit), as are VaR, stale data and the VIX.
 */
export const DEFAULT_STRATEGY_BREAKER_LIMITS: BreakerLimits = Object.freeze(parseBreakerLimits({ maxDrawdownPct: 1 }));

interface StrategyScope {
  readonly breaker: ScopedBreaker;
  /** Share of account equity allocated to the strategy (its capital base). */
  readonly allocation: number;
  /** Allocated capital at the start of the day. */
  dayBase: Decimal;
  /** The strategy's book value (cash flows + marked holdings) at the start of the day. */
  dayStartValue: Decimal | null;
}

/**
 * Every circuit breaker of the engine: one global, one per strategy. It feeds
 * each its measurements and says which scope changed; the trading node
 * decides what a trip does (halt, cancel) through the reactions.
 */
export class BreakerBoard {
  readonly global: ScopedBreaker;
  private readonly strategies = new Map<string, StrategyScope>();

  constructor(opts: {
    readonly clock: Clock;
    readonly initialEquity: Decimal;
    readonly strategies: ReadonlyArray<{ readonly id: string; readonly allocation: number }>;
    readonly reactions: BreakerBoardReactions;
    readonly limits?: BreakerLimits;
    readonly strategyLimits?: BreakerLimits;
    /** Inspection observer for every breaker actor (WSB_INSPECTOR). */
    readonly inspect?: (event: InspectionEvent) => void;
  }) {
    const { clock, reactions } = opts;
    const forScope = (scope: string) => ({
      tripped: (reason: string, detail: string) => reactions.tripped(scope, reason, detail),
      halfOpen: () => reactions.halfOpen(scope),
      closed: (by: string) => reactions.closed(scope, by),
    });
    this.global = new ScopedBreaker(GLOBAL_SCOPE, clock, opts.initialEquity, forScope(GLOBAL_SCOPE), opts.limits ?? DEFAULT_BREAKER_LIMITS, opts.inspect);
    for (const { id, allocation } of opts.strategies) {
      const base = opts.initialEquity.times(allocation);
      const breaker = new ScopedBreaker(id, clock, base, forScope(id), opts.strategyLimits ?? DEFAULT_STRATEGY_BREAKER_LIMITS, opts.inspect);
      this.strategies.set(id, { breaker, allocation, dayBase: base, dayStartValue: null });
    }
  }

  scopes(): string[] {
    return [GLOBAL_SCOPE, ...this.strategies.keys()];
  }

  private breaker(scope: string): ScopedBreaker {
    if (scope === GLOBAL_SCOPE) return this.global;
    const s = this.strategies.get(scope);
    if (!s) throw new NotFoundError('breaker scope', scope);
    return s.breaker;
  }

  has(scope: string): boolean {
    return scope === GLOBAL_SCOPE || this.strategies.has(scope);
  }

  state(scope: string = GLOBAL_SCOPE): BreakerState {
    return this.breaker(scope).state();
  }

  /** A new America/New_York trading day: every daily loss is measured from here. */
  startDay(accountEquity: Decimal, strategyValue: (id: string) => Decimal): void {
    this.global.startDay(accountEquity);
    for (const [id, s] of this.strategies) {
      s.dayBase = accountEquity.times(s.allocation);
      s.dayStartValue = strategyValue(id);
      s.breaker.startDay(s.dayBase);
    }
  }

  /** Evaluate every closed breaker's rules. */
  check(accountEquity: Decimal, strategyValue: (id: string) => Decimal): void {
    if (this.global.state() === 'closed') this.global.check(accountEquity);
    for (const [id, s] of this.strategies) {
      if (s.breaker.state() !== 'closed') continue;
      const pnlToday = s.dayStartValue === null ? ZERO : strategyValue(id).minus(s.dayStartValue);
      s.breaker.check(s.dayBase.plus(pnlToday));
    }
  }

  /** An error: the global breaker always counts it; the strategy's too when it is known. */
  recordError(strategyId?: string): void {
    this.global.recordError();
    if (strategyId !== undefined) this.strategies.get(strategyId)?.breaker.recordError();
  }

  recordFill(strategyId: string): void {
    this.global.recordFill();
    this.strategies.get(strategyId)?.breaker.recordFill();
  }

  reset(scope: string, by: string): void {
    this.breaker(scope).reset(by);
  }

  manualHalt(scope: string, by: string): void {
    this.breaker(scope).manualHalt(by);
  }

  /** The drawdown and errors that led to a trip are forgiven once the scope closes. */
  acknowledge(scope: string, accountEquity: Decimal, strategyValue: (id: string) => Decimal): void {
    if (scope === GLOBAL_SCOPE) {
      this.global.acknowledge(accountEquity);
      return;
    }
    const s = this.strategies.get(scope);
    if (!s) throw new NotFoundError('breaker scope', scope);
    s.breaker.acknowledge(s.dayBase.plus(s.dayStartValue === null ? ZERO : strategyValue(scope).minus(s.dayStartValue)));
  }

  persisted(): PersistedRiskState {
    const strategies: Record<string, PersistedBreaker> = {};
    for (const [id, s] of this.strategies) strategies[id] = s.breaker.persisted();
    return { global: this.global.persisted(), strategies };
  }

  /** Re-impose the states of the last run; a scope no longer configured is ignored. */
  restore(saved: PersistedRiskState): void {
    this.global.restore(saved.global);
    for (const [id, b] of Object.entries(saved.strategies)) this.strategies.get(id)?.breaker.restore(b);
  }

  stop(): void {
    this.global.stop();
    for (const s of this.strategies.values()) s.breaker.stop();
  }
}
