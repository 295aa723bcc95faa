import type { Decimal } from './money.js';
import type { OrderIntent } from './orders.js';

export type SignalKind = 'entry' | 'exit';

/** What a strategy's rule function raises; it becomes an order only after validation and risk. */
export interface Signal {
  /** Deterministic: strategy, symbol, bar time and kind, so a replay raises the same ids. */
  readonly id: string;
  readonly strategyId: string;
  /** The underlying symbol the rule looked at. */
  readonly symbol: string;
  readonly kind: SignalKind;
  /** Bar time that raised it, epoch ms UTC. */
  readonly ts: number;
  /** The rule's own 0–100 strength. */
  readonly strength: number;
  readonly reason: string;
  readonly intent: OrderIntent;
  /** Inputs the rule used, for the validation history (numbers only: statistics). */
  readonly features: Readonly<Record<string, number>>;
}

export type SignalDecision = 'accepted' | 'rejected';

/** What the data-quality gate found (engine/signals/dataQuality.ts), as kept in the history. */
export interface DataQualitySummary {
  readonly ok: boolean;
  /** `data_<check>` of the first failed check; null when all passed. */
  readonly reason: string | null;
  readonly checks: ReadonlyArray<{ readonly code: string; readonly passed: boolean; readonly detail: string }>;
}

/** The real result of the trade a signal opened, written when the trade closes. */
export interface SignalOutcome {
  /** Realised P&L of the round trip, after commissions. */
  readonly pnl: Decimal;
  /** pnl / the cost of what was bought (or received for a short), a fraction. */
  readonly returnPct: number;
  readonly holdingMs: number;
  /** When the position went flat, epoch ms UTC. */
  readonly closedAt: number;
}

/** One row of the signal/decision history. */
export interface SignalRecord {
  readonly signalId: string;
  readonly strategyId: string;
  readonly symbol: string;
  readonly kind: SignalKind;
  readonly ts: number;
  readonly strength: number;
  readonly score: number;
  readonly threshold: number;
  readonly decision: SignalDecision;
  /** Reason code: `accepted`, or why it was refused (e.g. `below_threshold`, `risk_max_position`, `breaker_open`). */
  readonly reason: string;
  readonly features: Readonly<Record<string, number>>;
  readonly clientOrderId: string | null;
  /** Grade of the score (excellent … very_poor). */
  readonly grade: string;
  /** Score components (engine/signals/scoring.ts); null when the signal was not scored. */
  readonly components: Readonly<Record<string, number>> | null;
  /** The data-quality gate's result; null when the gate did not run (e.g. the strategy was halted). */
  readonly dataQuality: DataQualitySummary | null;
  /** Null until the trade the signal opened has closed. */
  readonly outcome: SignalOutcome | null;
}
