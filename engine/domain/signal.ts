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
}
