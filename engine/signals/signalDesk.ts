import { z } from 'zod';
import { DataError } from '../domain/errors.js';
import { ZERO, type Decimal } from '../domain/money.js';
import type { Bar } from '../domain/market.js';
import type { Fill } from '../domain/orders.js';
import type { DataQualitySummary, Signal, SignalOutcome } from '../domain/signal.js';
import type { OptionQuoteInput } from './dataQuality.js';
import { DegradationMonitor, type DegradationEvent, type DegradationSnapshot, type DegradationStatus } from './degradation.js';
import { ThresholdFeedback, type ThresholdChange } from './feedback.js';
import { validateAndScore, type ValidationResult } from './pipeline.js';
import { scoringSpan } from './scoring.js';
import { DEFAULT_SIGNAL_CONFIG, type SignalConfig } from './signalConfig.js';

/** What the desk keeps across a restart (engine_state `signals.state`). */
export interface SignalDeskState {
  readonly changes: readonly ThresholdChange[];
  readonly degradation: DegradationSnapshot;
}

export interface ClosedTrade {
  /** The history row of the entry signal that opened the round (namespaced id). */
  readonly signalId: string;
  readonly strategyId: string;
  readonly score: number;
  readonly outcome: SignalOutcome;
  /** Set when this outcome started or ended a degradation episode. */
  readonly degradation: DegradationEvent | null;
}

interface Round {
  readonly signalId: string | null;
  readonly score: number;
  quantity: number;
  /** Cash the round moved: negative after buying, commissions included. */
  cash: Decimal;
  /** Gross paid to open (or received, for a short): the base of the return. */
  cost: Decimal;
  readonly openedAt: number;
}

/**
 * The engine side of signal validation (engine/signals/pipeline.ts is the
 * pure rule): the bar windows the gate and the score read, the thresholds the
 * feedback loop moves, the degradation monitor, and the link from an entry
 * signal to the trade it opened, so that when the position is flat again its
 * real outcome is written to the signal's history row and fed back.
 */
export class SignalDesk {
  readonly config: SignalConfig;
  private readonly windows = new Map<string, Bar[]>();
  private readonly windowSize: number;
  private readonly feedback: ThresholdFeedback;
  private monitor: DegradationMonitor;
  /** clientOrderId → the entry signal it came from */
  private readonly orderSignals = new Map<string, { signalId: string; score: number }>();
  /** strategyId|symbol → the open round */
  private readonly rounds = new Map<string, Round>();
  private changes: ThresholdChange[] = [];

  constructor(config: SignalConfig = DEFAULT_SIGNAL_CONFIG, saved?: SignalDeskState) {
    this.config = config;
    // The gate wants `historyBars` bars and the score its longest lookback, both ending with the signal's bar.
    this.windowSize = Math.max(scoringSpan(config.scoring), config.dataQuality.minBars ?? 0, 21) + 1;
    this.changes = [...(saved?.changes ?? [])];
    this.feedback = new ThresholdFeedback(config, this.changes);
    this.monitor = saved ? DegradationMonitor.fromSnapshot(saved.degradation, config.degradation) : new DegradationMonitor(config.degradation);
  }

  /** Every bar of a symbol some strategy trades (O(1) amortised; the window is a small array). */
  onBar(bar: Bar): void {
    const key = `${bar.symbol}|${bar.timeframe}`;
    let w = this.windows.get(key);
    if (!w) {
      w = [];
      this.windows.set(key, w);
    }
    w.push(bar);
    // Trim in batches so most bars cost one push.
    if (w.length > this.windowSize * 2) w.splice(0, w.length - this.windowSize);
  }

  /** Gate, score, grade and decide, at the threshold in force for the strategy. */
  validate(signal: Signal, now: number, timeframe: string, optionQuote?: OptionQuoteInput): ValidationResult {
    const w = this.windows.get(`${signal.symbol}|${timeframe}`) ?? [];
    const bars = w.length > this.windowSize ? w.slice(-this.windowSize) : w;
    const result = validateAndScore(signal, { bars, now, optionQuote, config: this.config, threshold: this.feedback.current(signal.strategyId) });
    if (result.reason === 'below_threshold') this.feedback.recordNearMiss({ strategyId: signal.strategyId, ts: now, score: result.score });
    return result;
  }

  threshold(strategyId: string): number {
    return this.feedback.current(strategyId);
  }

  status(strategyId: string): DegradationStatus & { threshold: number } {
    return { ...this.monitor.status(strategyId), threshold: this.feedback.current(strategyId) };
  }

  /** An entry signal became an order: its fills open the round whose outcome goes to this signal. */
  linkOrder(clientOrderId: string, signalId: string, score: number): void {
    this.orderSignals.set(clientOrderId, { signalId, score });
  }

  /**
   * A booked fill. Returns the closed trade when it brought the strategy's
   * position in the symbol back to flat after an entry signal opened it.
   */
  onFill(fill: Fill, strategyId: string, multiplier: number): ClosedTrade | null {
    const key = `${strategyId}|${fill.symbol}`;
    let round = this.rounds.get(key);
    const link = this.orderSignals.get(fill.clientOrderId);
    if (!round) {
      round = { signalId: link?.signalId ?? null, score: link?.score ?? 0, quantity: 0, cash: ZERO, cost: ZERO, openedAt: fill.ts };
      this.rounds.set(key, round);
    }
    const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
    const gross = fill.price.times(fill.quantity).times(multiplier);
    const opening = round.quantity === 0 || Math.sign(signed) === Math.sign(round.quantity);
    if (opening) round.cost = round.cost.plus(gross);
    round.cash = (fill.side === 'buy' ? round.cash.minus(gross) : round.cash.plus(gross)).minus(fill.commission);
    round.quantity += signed;
    if (round.quantity !== 0) return null;
    this.rounds.delete(key);
    if (round.signalId === null) return null;
    const pnl = round.cash;
    const outcome: SignalOutcome = {
      pnl,
      returnPct: round.cost.gt(0) ? pnl.div(round.cost).toNumber() : 0,
      holdingMs: Math.max(0, fill.ts - round.openedAt),
      closedAt: fill.ts,
    };
    const scored = { strategyId, ts: fill.ts, score: round.score, pnl: pnl.toNumber() };
    this.feedback.recordOutcome(scored);
    const degradation = this.monitor.record(scored);
    return { signalId: round.signalId, strategyId, score: round.score, outcome, degradation };
  }

  /** The feedback loop's periodic step (it rate-limits itself per strategy). */
  evaluateFeedback(now: number): ThresholdChange[] {
    const changes = this.feedback.evaluate(now);
    this.changes.push(...changes);
    return changes;
  }

  /** An operator sets a strategy's threshold; `restore` goes back to the configured one. */
  setThreshold(strategyId: string, value: number | 'restore', reason: string, now: number): ThresholdChange {
    const change = value === 'restore' ? this.feedback.restoreThreshold(strategyId, reason, now) : this.feedback.setThreshold(strategyId, value, reason, now);
    this.changes.push(change);
    return change;
  }

  state(): SignalDeskState {
    return { changes: this.changes.slice(-this.config.feedback.historySize), degradation: this.monitor.snapshot() };
  }
}

const thresholdChangeSchema = z.object({
  strategyId: z.string().min(1),
  before: z.number().min(0).max(100),
  after: z.number().min(0).max(100),
  reason: z.string(),
  ts: z.number(),
  source: z.enum(['feedback', 'operator']),
});
const deskStateSchema = z.object({
  changes: z.array(thresholdChangeSchema),
  degradation: z.object({
    strategies: z.record(
      z.string(),
      z.object({ degraded: z.boolean(), outcomes: z.array(z.object({ strategyId: z.string(), ts: z.number(), score: z.number().min(0).max(100), pnl: z.number() })) }),
    ),
  }),
});

/** The stored desk state, checked: a corrupt row is an error naming the key, never silently reset thresholds. */
export function parseSignalDeskState(text: string): SignalDeskState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DataError('not JSON', { field: 'signals.state' });
  }
  const parsed = deskStateSchema.safeParse(raw);
  if (!parsed.success) throw new DataError(parsed.error.issues[0]?.message ?? 'invalid', { field: `signals.state.${parsed.error.issues[0]?.path.join('.') ?? ''}` });
  return parsed.data;
}

/** The gate's result as the history keeps it. */
export function dataQualitySummary(result: ValidationResult): DataQualitySummary {
  return {
    ok: result.dataQuality.ok,
    reason: result.dataQuality.reason ?? null,
    checks: result.dataQuality.checks.map((c) => ({ code: c.code, passed: c.passed, detail: c.detail })),
  };
}
