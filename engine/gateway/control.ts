import type { MessageBus } from '../bus.js';
import type { Decimal } from '../domain/money.js';
import type { Position } from '../domain/orders.js';
import type { TradingStore } from '../domain/ports.js';

/**
 * What the gateway (HTTP and WebSocket) may see and do in a running engine.
 * The daemon implements it over its trading node; the gateway never touches
 * the node, the OMS or the breakers directly, so every operator command goes
 * through one audited path (`EngineControl.command`).
 */

export interface StrategyStatus {
  readonly id: string;
  /** Lifecycle state: running, halted, stopped, failed. */
  readonly state: string;
  readonly haltReason: string | null;
  readonly haltSource: string | null;
  /** State of the strategy's own breaker. */
  readonly breaker: 'closed' | 'open' | 'halfOpen';
  readonly universe: readonly string[];
  readonly timeframe: string;
  /** Current parameters (JSON-safe). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Signal validation: the threshold in force and the rolling quality of its signals' outcomes. */
  readonly signals: {
    readonly threshold: number;
    readonly degraded: boolean;
    /** Share of closed trades in the window that made money; null before any. */
    readonly accuracy: number | null;
    /** Spearman correlation of score with P&L in the window; null when undefined. */
    readonly correlation: number | null;
    readonly window: number;
  };
}

export interface BreakerStatus {
  /** 'global' or a strategy id. */
  readonly scope: string;
  readonly state: 'closed' | 'open' | 'halfOpen';
  readonly reason: string | null;
  readonly detail: string | null;
  readonly manual: boolean;
}

export interface PnlSnapshot {
  readonly ts: number;
  readonly equity: Decimal;
  readonly cash: Decimal;
  readonly realized: Decimal;
  /** equity − cash − cost of open positions. */
  readonly unrealized: Decimal;
}

export interface VarReportResult {
  readonly method: string;
  readonly confidence: number;
  /** Positive loss in currency. */
  readonly var: Decimal;
  readonly cvar: Decimal;
}

export interface VarReport {
  readonly ts: number;
  readonly horizonDays: number;
  readonly portfolioValue: Decimal;
  readonly results: readonly VarReportResult[];
}

/** Operator commands; every one is audited with who, what, when and the result. */
export type EngineCommand =
  | { readonly type: 'halt_strategy'; readonly strategyId: string; readonly reason?: string }
  | { readonly type: 'resume_strategy'; readonly strategyId: string }
  | { readonly type: 'start_strategy'; readonly strategyId: string }
  | { readonly type: 'stop_strategy'; readonly strategyId: string }
  | { readonly type: 'halt_all'; readonly reason?: string }
  | { readonly type: 'reset_breaker'; readonly scope: string }
  | { readonly type: 'cancel_order'; readonly clientOrderId: string }
  | { readonly type: 'set_parameters'; readonly strategyId: string; readonly params: Readonly<Record<string, unknown>> }
  /** Set a strategy's signal threshold (0–100, within its floor and ceiling), or `restore` the configured one. */
  | { readonly type: 'set_signal_threshold'; readonly strategyId: string; readonly threshold: number | 'restore'; readonly reason?: string }
  | { readonly type: 'run_var' };

export interface CommandResult {
  readonly ok: true;
  /** JSON-safe outcome, e.g. the new state or parameters. */
  readonly result: Readonly<Record<string, unknown>>;
}

/** Who issued a command (from the bearer token or the JWT subject). */
export interface Principal {
  readonly subject: string;
  /** How they authenticated: 'token', 'jwt', 'loopback' (open reads), 'bot'. */
  readonly method: string;
}

export interface EngineControl {
  readonly bus: MessageBus;
  readonly store: TradingStore;
  strategies(): StrategyStatus[];
  breakers(): BreakerStatus[];
  positions(): Position[];
  pnl(): PnlSnapshot;
  latestVar(): VarReport | null;
  /**
   * Run a command as `by`. Throws a WsbError (InputError naming the field,
   * NotFoundError for an unknown strategy/scope/order, ConflictError when the
   * state does not allow it); the caller maps it to its protocol. Audited
   * either way (category 'command').
   */
  command(command: EngineCommand, by: Principal): Promise<CommandResult>;
}

/**
 * Turns a request's credentials into a principal. `engine/gateway/auth.ts`
 * implements it (a bearer token from configuration compared in constant time,
 * or an OIDC JWT checked against the issuer's JWKS).
 */
export interface Authenticator {
  /** The principal for an `Authorization` header value, or null when it is missing or wrong. Never throws for bad credentials. */
  authenticate(authorizationHeader: string | undefined): Promise<Principal | null>;
  /** Whether reads without credentials are allowed (only when bound to loopback and configured so). */
  readonly openReads: boolean;
}
