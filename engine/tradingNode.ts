import { createActor, type Actor, type InspectionEvent } from 'xstate';
import type { Logger } from 'pino';
import { strategyLifecycleMachine } from '../machines/strategyLifecycle.js';
import { symbolLockMachine } from '../machines/symbolLock.js';
import type { BreakerLimits } from './risk/breakerRules.js';
import { BreakerBoard, GLOBAL_SCOPE, RISK_STATE_KEY, type BreakerState, type PersistedRiskState } from './risk/breakerBoard.js';
import type { Clock } from './domain/clock.js';
import { ConflictError } from './domain/errors.js';
import type { Decimal } from './domain/money.js';
import { barProblem, type Bar } from './domain/market.js';
import { instrumentFromSymbol, multiplierOf, underlyingOf } from './domain/instrument.js';
import type { Fill, OptionExpiryEvent, Order } from './domain/orders.js';
import { tradeFromFill } from './domain/position.js';
import { fillInstrument } from './domain/optionLegs.js';
import type { Broker, LegExecution, SimulatedVenue } from './domain/ports.js';
import type { Signal, SignalRecord } from './domain/signal.js';
import { nyParts } from './domain/session.js';
import type { HeldQuantity, StrategyRules, StrategyView } from './strategies/types.js';
import type { OptionMarkModel } from './market/optionMarks.js';
import { MessageBus } from './bus.js';
import { OrderManager } from './oms.js';
import type { Portfolio} from './portfolio.js';
import { type MarkSource } from './portfolio.js';
import { SignalDesk, dataQualitySummary, type SignalDeskState } from './signals/signalDesk.js';
import type { SignalConfig } from './signals/signalConfig.js';
import type { ValidationResult } from './signals/pipeline.js';
import type { ThresholdChange } from './signals/feedback.js';
import { RiskGate } from './risk/riskGate.js';
import { allocationOf, DEFAULT_PRE_TRADE_LIMITS, type PreTradeLimits } from './risk/preTradeLimits.js';
import { describeRejection } from './risk/preTrade.js';
import type { PersistenceWriter } from '../actors/persistenceWriter.js';
import { clientOrderIdFor } from './ids.js';

interface StrategySlot {
  readonly rules: StrategyRules;
  readonly lifecycle: Actor<typeof strategyLifecycleMachine>;
  readonly view: StrategyView;
  /** underlying → working client order ids */
  readonly working: Map<string, Set<string>>;
}

export interface TradingNodeOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly venue: Broker & Partial<Pick<SimulatedVenue, 'onBar'>>;
  readonly writer: PersistenceWriter;
  readonly marks: OptionMarkModel;
  readonly strategies: readonly StrategyRules[];
  readonly portfolio: Portfolio;
  /** Signal scoring, gate, degradation and feedback settings (default DEFAULT_SIGNAL_CONFIG). */
  readonly signalConfig?: SignalConfig;
  /** Thresholds and degradation episodes of the last run (engine_state `signals.state`). */
  readonly signalState?: SignalDeskState;
  /** Pre-trade sizing, caps and compliance limits (default DEFAULT_PRE_TRADE_LIMITS). */
  readonly preTradeLimits?: PreTradeLimits;
  readonly breakerLimits?: BreakerLimits;
  /** Limits of each strategy's own breaker (default DEFAULT_STRATEGY_BREAKER_LIMITS). */
  readonly strategyBreakerLimits?: BreakerLimits;
  readonly lockQueueSize?: number;
  readonly bus?: MessageBus;
  /** Namespace of client order ids (see ids.ts). */
  readonly idNamespace: string;
  /** Bars of this symbol feed the volatility-spike rule (default 'VIX'). */
  readonly volatilityIndexSymbol?: string;
  /** On a global trip, close every position with market orders once the cancels are confirmed (default false). */
  readonly flattenOnTrip?: boolean;
  /** Observer of every actor's inspection events (the Stately inspector stream, WSB_INSPECTOR). */
  readonly inspect?: (event: InspectionEvent) => void;
  /** Receives stage latencies (metrics): every 64th bar's whole tick, and each signal's risk and submit stages. */
  readonly observeStage?: (stage: 'tick' | 'risk' | 'submit', seconds: number) => void;
}

export interface NodeCounters {
  bars: number;
  barsRejected: number;
  signals: number;
  signalsRejected: number;
  fills: number;
  errors: number;
}

/**
 * One trading node: the path data → strategy → validator → risk → breaker →
 * symbol lock → OMS → broker → fill → portfolio → persistence and bus.
 * Backtest and daemon use this same class; only the clock, the feed's pace
 * and the store differ.
 *
 * The per-bar path is plain synchronous code (no actor hop per bar); machines
 * receive events only when a lifecycle changes: a signal, an order event, HALT.
 */
export class TradingNode {
  readonly bus: MessageBus;
  readonly oms: OrderManager;
  readonly counters: NodeCounters = { bars: 0, barsRejected: 0, signals: 0, signalsRejected: 0, fills: 0, errors: 0 };
  private readonly breakers: BreakerBoard;
  readonly signals: SignalDesk;
  readonly riskGate: RiskGate;
  private readonly slots = new Map<string, StrategySlot>();
  private readonly bySymbol = new Map<string, StrategySlot[]>();
  private readonly locks = new Map<string, Actor<typeof symbolLockMachine>>();
  /** requestId (signal id) → the signal waiting for its lock */
  private readonly waitingForLock = new Map<string, { signal: Signal; score: number; threshold: number; validation: ValidationResult }>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly markSource: MarkSource;
  private lastTs = Number.NEGATIVE_INFINITY;
  private currentDate = '';
  private readonly equityCurve: Array<{ ts: number; equity: Decimal }> = [];
  private trackEquity = true;
  private warmingUp = false;
  private barTap: { wantsBars(symbol: string): boolean; onBar(bar: Bar): void } | undefined;
  /** Client order ids of working exit orders (a strategy's own breaker trip leaves them working). */
  private readonly exitOrders = new Set<string>();

  constructor(private readonly opts: TradingNodeOptions) {
    this.bus = opts.bus ?? new MessageBus();
    this.markSource = {
      lastPrice: (s) => opts.marks.lastPrice(s),
      optionMark: (c, ts) => {
        const u = opts.marks.lastPrice(c.underlying);
        return u === undefined ? undefined : opts.marks.price(c, ts, u);
      },
    };
    this.oms = new OrderManager({
      broker: opts.venue,
      writer: opts.writer,
      bus: this.bus,
      clock: opts.clock,
      logger: opts.logger,
      idNamespace: opts.idNamespace,
      ...(opts.inspect ? { inspect: opts.inspect } : {}),
      hooks: {
        onFill: (fill, order) => this.onFill(fill, order),
        onFillGroup: (fills, order) => this.onFillGroup(fills, order),
        onExpiry: (event) => this.onExpiry(event),
        onTerminal: (order) => this.onOrderTerminal(order),
        onError: (source, message) => this.recordError(source, message),
      },
    });
    this.signals = new SignalDesk(opts.signalConfig, opts.signalState);
    const limits = opts.preTradeLimits ?? DEFAULT_PRE_TRADE_LIMITS;
    this.riskGate = new RiskGate({ clock: opts.clock, portfolio: opts.portfolio, marks: this.markSource, limits });
    this.breakers = new BreakerBoard({
      clock: opts.clock,
      initialEquity: opts.portfolio.cash,
      // SPEC §1.11: a strategy's max position size doubles as its allocation.
      strategies: opts.strategies.map((r) => ({ id: r.id, allocation: allocationOf(limits, r.id) })),
      reactions: {
        tripped: (scope, reason, detail) => this.onBreakerTripped(scope, reason, detail),
        halfOpen: (scope) => this.onBreakerHalfOpen(scope),
        closed: (scope, by) => this.onBreakerClosed(scope, by),
      },
      ...(opts.breakerLimits ? { limits: opts.breakerLimits } : {}),
      ...(opts.strategyBreakerLimits ? { strategyLimits: opts.strategyBreakerLimits } : {}),
      ...(opts.inspect ? { inspect: opts.inspect } : {}),
    });
    for (const rules of opts.strategies) this.addStrategy(rules);
  }

  private addStrategy(rules: StrategyRules): void {
    const lifecycle = createActor(strategyLifecycleMachine, { input: { strategyId: rules.id }, ...this.inspectOption() });
    const working = new Map<string, Set<string>>();
    const view: StrategyView = {
      now: () => this.opts.clock.now(),
      equity: () => this.equity(),
      holding: (u) => this.opts.portfolio.holding(rules.id, u),
      hasWorkingOrder: (u) => (working.get(u)?.size ?? 0) > 0,
      positions: (u) => {
        const out: HeldQuantity[] = [];
        for (const [symbol, quantity] of this.opts.portfolio.strategyQuantities(rules.id)) {
          if (quantity === 0) continue;
          const instrument = instrumentFromSymbol(symbol);
          if (underlyingOf(instrument) === u) out.push({ instrument, quantity });
        }
        return out;
      },
    };
    const slot: StrategySlot = { rules, lifecycle, view, working };
    lifecycle.on('signal', (e) => this.onStrategySignal(slot, e.signal));
    lifecycle.on('signalDropped', (e) => this.decide(e.signal, { score: 0, threshold: 0, decision: 'rejected', reason: `strategy_${e.reason}`, clientOrderId: null }, null));
    lifecycle.subscribe((s) => this.bus.publish('strategy.state', { strategyId: rules.id, state: String(s.value), reason: s.context.haltReason ?? null }));
    lifecycle.start();
    lifecycle.send({ type: 'START' });
    this.slots.set(rules.id, slot);
    for (const sym of rules.universe) {
      const list = this.bySymbol.get(sym) ?? [];
      list.push(slot);
      this.bySymbol.set(sym, list);
    }
  }

  private inspectOption(): { inspect?: (event: InspectionEvent) => void } {
    return this.opts.inspect ? { inspect: this.opts.inspect } : {};
  }

  /** Bars for live subscribers (the WebSocket `bars:SYMBOL` topics); asked per bar in O(1), called only when wanted. */
  setBarTap(tap: { wantsBars(symbol: string): boolean; onBar(bar: Bar): void } | undefined): void {
    this.barTap = tap;
  }

  strategyIds(): string[] {
    return [...this.slots.keys()];
  }

  strategyState(id: string): string | undefined {
    const slot = this.slots.get(id);
    return slot ? String(slot.lifecycle.getSnapshot().value) : undefined;
  }

  /** Lifecycle state, halt and rules of a strategy, for operators; undefined when unknown. */
  strategyInfo(id: string): { state: string; haltReason: string | null; haltSource: string | null; rules: StrategyRules } | undefined {
    const slot = this.slots.get(id);
    if (!slot) return undefined;
    const snap = slot.lifecycle.getSnapshot();
    return { state: String(snap.value), haltReason: snap.context.haltReason, haltSource: snap.context.haltSource, rules: slot.rules };
  }

  /** The breaker of a scope: 'global' (default) or a strategy id. */
  breakerState(scope: string = GLOBAL_SCOPE): BreakerState {
    return this.breakers.state(scope);
  }

  breakerScopes(): string[] {
    return this.breakers.scopes();
  }

  /** The latest portfolio VaR as a fraction of equity, from the risk engine (VaR breach rule). */
  setPortfolioVar(pct: number | null): void {
    // A book of short premium can show a VaR slightly below 0 (a gain at the quantile): no loss, so 0.
    this.breakers.global.setVar(pct === null || !Number.isFinite(pct) ? null : Math.max(0, pct));
    this.checkBreaker();
  }

  /** Bars before this time only warm indicators up (a restart resuming from its cursor). */
  setWarmup(on: boolean): void {
    this.warmingUp = on;
  }

  /** Turn off the equity curve (the pure throughput benchmark). */
  setEquityTracking(on: boolean): void {
    this.trackEquity = on;
  }

  /**
   * The hot path. Returns a promise only when the bar started asynchronous work
   * (an order being persisted and sent), so a replay can await exactly then.
   */
  onBar(bar: Bar): Promise<void> | undefined {
    const observe = this.opts.observeStage;
    if (observe !== undefined && (this.counters.bars & 63) === 0) {
      const t0 = performance.now();
      const r = this.onBarInner(bar);
      observe('tick', (performance.now() - t0) / 1000);
      return r;
    }
    return this.onBarInner(bar);
  }

  private onBarInner(bar: Bar): Promise<void> | undefined {
    const problem = barProblem(bar);
    if (problem) {
      this.counters.barsRejected++;
      this.opts.logger.warn({ symbol: bar.symbol, ts: bar.ts, field: problem.field }, `bar rejected: ${problem.message}`);
      this.bus.publish('bar.rejected', { bar, field: problem.field, message: problem.message });
      return undefined;
    }
    this.counters.bars++;
    if (this.barTap?.wantsBars(bar.symbol) === true) this.barTap.onBar(bar);
    if (bar.symbol === (this.opts.volatilityIndexSymbol ?? 'VIX')) this.breakers.global.setVix(bar.close);
    if (bar.ts !== this.lastTs) this.onNewTime(bar.ts);
    this.opts.marks.onBar(bar);
    if (!this.warmingUp) this.opts.venue.onBar?.(bar);
    const slots = this.bySymbol.get(bar.symbol);
    if (slots !== undefined) {
      this.signals.onBar(bar);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        if (slot.rules.timeframe !== bar.timeframe) continue;
        const signal = slot.rules.onBar(bar, slot.view);
        if (signal !== null && !this.warmingUp) {
          this.counters.signals++;
          slot.lifecycle.send({ type: 'SIGNAL', signal });
        }
      }
    }
    return this.pending.size > 0 ? this.idle() : undefined;
  }

  /** Wait until every asynchronous step started so far (and any it started) is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.opts.writer.flush();
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((e: unknown) => this.recordError('pipeline', e instanceof Error ? e.message : String(e))).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private onNewTime(ts: number): void {
    if (this.trackEquity && this.lastTs !== Number.NEGATIVE_INFINITY) {
      this.equityCurve.push({ ts: this.lastTs, equity: this.equity() });
    }
    this.lastTs = ts;
    if (this.warmingUp) return;
    // The marks are still those of the previous bar time: check them against the day
    // they belong to before a new day, if this is one, resets the daily loss.
    this.checkBreaker();
    const date = nyParts(ts).date;
    if (date !== this.currentDate) {
      if (this.currentDate !== '') this.persistRiskState();
      this.currentDate = date;
      this.breakers.startDay(this.equity(), this.strategyValue);
      for (const change of this.signals.evaluateFeedback(ts)) this.onThresholdChanged(change);
    }
  }

  equity(): Decimal {
    return this.opts.portfolio.equity(this.markSource, this.opts.clock.now());
  }

  private readonly strategyValue = (id: string): Decimal => this.opts.portfolio.strategyValue(id, this.markSource, this.opts.clock.now());

  equityHistory(): ReadonlyArray<{ ts: number; equity: Decimal }> {
    return this.equityCurve;
  }

  /** Close the equity curve at the last bar (backtests call this at the end). */
  finishEquityCurve(): void {
    if (this.trackEquity && this.lastTs !== Number.NEGATIVE_INFINITY) this.equityCurve.push({ ts: this.lastTs, equity: this.equity() });
  }

  private onStrategySignal(slot: StrategySlot, signal: Signal): void {
    const now = this.opts.clock.now();
    const v = this.signals.validate(signal, now, slot.rules.timeframe, this.optionQuoteFor(signal, now));
    if (v.decision === 'reject') {
      this.decide(signal, { score: v.score, threshold: v.threshold, decision: 'rejected', reason: v.reason, clientOrderId: null }, v);
      return;
    }
    // A strategy's own breaker refuses its new risk but lets an exit out; the global breaker refuses everything.
    const closedReason = this.breakerBlock(slot.rules.id, signal.kind);
    if (closedReason !== null) {
      this.decide(signal, { score: v.score, threshold: v.threshold, decision: 'rejected', reason: closedReason, clientOrderId: null }, v);
      return;
    }
    // One working order per strategy per underlying (the lock is re-entrant for its owner): a second one
    // could cross the first (a buy and a sell at once) or double it.
    const underlyingNow = underlyingOf(signal.intent.instrument);
    if ((slot.working.get(underlyingNow)?.size ?? 0) > 0) {
      this.decide(signal, { score: v.score, threshold: v.threshold, decision: 'rejected', reason: 'working_order_pending', clientOrderId: null }, v);
      return;
    }
    // Risk before the lock: a rejected intent never reaches a lock or a broker.
    const t0 = this.opts.observeStage !== undefined ? performance.now() : 0;
    const risk = this.riskGate.assess(scaledIntent(signal, v), { score: v.score, confidence: confidenceOf(v) });
    this.opts.observeStage?.('risk', (performance.now() - t0) / 1000);
    if (!risk.approved) {
      this.decide(signal, { score: v.score, threshold: v.threshold, decision: 'rejected', reason: describeRejection(risk), clientOrderId: null }, v);
      return;
    }
    const underlying = underlyingOf(signal.intent.instrument);
    const lock = this.lockFor(underlying);
    this.waitingForLock.set(signal.id, { signal, score: v.score, threshold: v.threshold, validation: v });
    lock.send({ type: 'ACQUIRE', ownerId: slot.rules.id, requestId: signal.id });
  }

  /** The quote the data-quality gate checks for an option signal: the model's mark at this time. */
  private optionQuoteFor(signal: Signal, now: number): { ts: number; mark: number; symbol: string } | undefined {
    const instrument = signal.intent.instrument;
    if (instrument.kind !== 'option') return undefined;
    const mark = this.markSource.optionMark(instrument, now);
    return mark === undefined ? undefined : { ts: now, mark, symbol: instrument.symbol };
  }

  private lockFor(symbol: string): Actor<typeof symbolLockMachine> {
    let lock = this.locks.get(symbol);
    if (!lock) {
      lock = createActor(symbolLockMachine, { input: { symbol, maxQueue: this.opts.lockQueueSize ?? 8 }, ...this.inspectOption() });
      lock.on('granted', (e) => this.onLockGranted(e.requestId));
      lock.on('rejected', (e) => {
        const w = this.waitingForLock.get(e.requestId);
        if (!w) return;
        this.waitingForLock.delete(e.requestId);
        this.decide(w.signal, { score: w.score, threshold: w.threshold, decision: 'rejected', reason: `lock_${e.reason}`, clientOrderId: null }, w.validation);
      });
      lock.start();
      this.locks.set(symbol, lock);
    }
    return lock;
  }

  private onLockGranted(requestId: string): void {
    const w = this.waitingForLock.get(requestId);
    if (!w) return;
    this.waitingForLock.delete(requestId);
    const { signal } = w;
    const slot = this.slots.get(signal.strategyId);
    const underlying = underlyingOf(signal.intent.instrument);
    const release = () => this.lockFor(underlying).send({ type: 'RELEASE', ownerId: signal.strategyId });
    // Re-check at grant time: a breaker may have tripped while this waited.
    const blocked = slot ? this.breakerBlock(slot.rules.id, signal.kind) : null;
    if (!slot || blocked !== null || !this.mayTrade(slot, signal)) {
      this.decide(signal, { score: w.score, threshold: w.threshold, decision: 'rejected', reason: blocked ?? 'strategy_not_running', clientOrderId: null }, w.validation);
      release();
      return;
    }
    // Sized again at grant time: while this waited, another order may have used the cash or the room.
    const risk = this.riskGate.assess(scaledIntent(signal, w.validation), { score: w.score, confidence: confidenceOf(w.validation) });
    if (!risk.approved) {
      this.decide(signal, { score: w.score, threshold: w.threshold, decision: 'rejected', reason: describeRejection(risk), clientOrderId: null }, w.validation);
      release();
      return;
    }
    this.riskGate.recordApproval(risk);
    const clientOrderId = clientOrderIdFor(this.opts.idNamespace, signal.id);
    let set = slot.working.get(underlying);
    if (!set) {
      set = new Set();
      slot.working.set(underlying, set);
    }
    set.add(clientOrderId);
    const warned = risk.warnings.length > 0 ? ` (warnings: ${risk.warnings.map((x) => x.code).join(', ')})` : '';
    this.decide(
      signal,
      {
        score: w.score,
        threshold: w.threshold,
        decision: 'accepted',
        reason: `${w.validation.reason}${risk.resized ? `; resized${risk.bindingCap ? `: ${risk.bindingCap.code}` : ''}` : ''}${warned}`,
        clientOrderId,
      },
      w.validation,
    );
    if (signal.kind === 'entry') this.signals.linkOrder(clientOrderId, this.historyId(signal), w.score);
    else this.exitOrders.add(clientOrderId);
    const placedAt = performance.now();
    this.track(
      this.oms.place(risk.intent, signal.id).then((order) => {
        this.opts.observeStage?.('submit', (performance.now() - placedAt) / 1000);
        if (order === null) {
          set.delete(clientOrderId);
          release();
        }
      }),
    );
  }

  /** The history row id of a signal: namespaced like client order ids, so runs sharing a database never collide. */
  private historyId(signal: Signal): string {
    return `${this.opts.idNamespace}:${signal.id}`;
  }

  private decide(signal: Signal, d: Pick<SignalRecord, 'score' | 'threshold' | 'decision' | 'reason' | 'clientOrderId'>, v: ValidationResult | null): void {
    if (d.decision === 'rejected') this.counters.signalsRejected++;
    const record: SignalRecord = {
      signalId: this.historyId(signal),
      grade: v?.grade ?? 'very_poor',
      components: v?.components ? { ...v.components } : null,
      dataQuality: v ? dataQualitySummary(v) : null,
      outcome: null,
      strategyId: signal.strategyId,
      symbol: signal.symbol,
      kind: signal.kind,
      ts: signal.ts,
      strength: signal.strength,
      features: signal.features,
      ...d,
    };
    this.opts.writer.enqueue('recordSignal', async (s) => {
      try {
        await s.recordSignal(record);
      } catch (e) {
        // A restart that re-reads the bars of an unfinished timestamp decides the same signal again.
        if (!(e instanceof ConflictError)) throw e;
      }
    });
    this.bus.publish('signal.decided', record);
  }

  private onFill(fill: Fill, order: Order): void {
    const { position, trade } = this.bookFill(fill, order);
    this.opts.writer.enqueue('recordFill', (s) => s.recordFill(fill, order, position, trade));
    this.bus.publish('fill.booked', { fill, order, position });
    this.breakers.recordFill(order.strategyId);
    this.checkBreaker();
  }

  /** Every leg of one multi-leg execution: into the book in this one call, persisted in one transaction. */
  private onFillGroup(fills: readonly Fill[], order: Order): void {
    const executions = fills.map((fill) => this.bookFill(fill, order));
    this.opts.writer.enqueue('recordFillGroup', (s) => s.recordFillGroup(order, executions));
    for (const x of executions) this.bus.publish('fill.booked', { fill: x.fill, order, position: x.position });
    this.breakers.recordFill(order.strategyId);
    this.checkBreaker();
  }

  /** One execution into the book, the risk gate and the signal desk; a spread's leg at its own contract's multiplier. */
  private bookFill(fill: Fill, order: Order): LegExecution {
    this.counters.fills++;
    const multiplier = multiplierOf(fillInstrument(order, fill.symbol));
    const before = this.opts.portfolio.position(fill.symbol)?.quantity ?? 0;
    const { position, realized } = this.opts.portfolio.apply(fill, order.strategyId);
    this.riskGate.onFill(fill, realized, before);
    const closed = this.signals.onFill(fill, order.strategyId, multiplier);
    if (closed) this.onTradeClosed(closed);
    return { fill, position, trade: tradeFromFill(fill, order.strategyId, multiplier) };
  }

  /**
   * An expiry the broker settled: each holder's share is booked in this one
   * call, persisted in one transaction (idempotent on the event id) and
   * announced per strategy. A contract the book no longer holds (the event
   * seen again after a restart) moves nothing. Not a trade for the risk
   * gate's day-trade and loss-sale rules.
   */
  private onExpiry(event: OptionExpiryEvent): void {
    const applied = this.opts.portfolio.applyExpiry(event);
    for (const m of applied.mismatches) this.recordError('oms.expiry', `expiry ${event.eventId}: the broker settled ${m.broker} ${m.symbol.trim()} but the book held ${m.book}`);
    if (applied.moves.length === 0) return;
    for (const move of applied.moves) {
      for (const fill of move.fills) {
        const closed = this.signals.onFill(fill, move.strategyId, multiplierOf(instrumentFromSymbol(fill.symbol)));
        if (closed) this.onTradeClosed(closed);
      }
    }
    const booking = { event, trades: applied.trades, positions: applied.positions };
    this.opts.writer.enqueue('recordExpiry', (s) => s.recordExpiry(booking));
    for (const move of applied.moves) {
      const topic = move.change.outcome === 'assigned' ? 'option.assigned' : move.change.outcome === 'exercised' ? 'option.exercised' : 'position.expired';
      this.bus.publish(topic, { eventId: event.eventId, strategyId: move.strategyId, underlying: event.underlying, expiry: event.expiry, change: move.change, quantity: move.quantity, shares: move.shares, ts: event.ts });
    }
    this.checkBreaker();
  }

  private onOrderTerminal(order: Order): void {
    this.exitOrders.delete(order.clientOrderId);
    if (order.status === 'rejected') this.recordError('oms.rejected', `order ${order.clientOrderId} rejected: ${order.rejectReason ?? 'no reason'}`, order.strategyId);
    const underlying = underlyingOf(order.instrument);
    const slot = this.slots.get(order.strategyId);
    slot?.working.get(underlying)?.delete(order.clientOrderId);
    this.lockFor(underlying).send({ type: 'RELEASE', ownerId: order.strategyId });
  }

  private recordError(source: string, message: string, strategyId?: string): void {
    this.counters.errors++;
    this.bus.publish('engine.error', { source, message });
    this.opts.logger.error({ source, ...(strategyId !== undefined ? { strategyId } : {}) }, message);
    this.breakers.recordError(strategyId);
    this.checkBreaker();
  }

  private checkBreaker(): void {
    this.breakers.check(this.equity(), this.strategyValue);
  }

  /** Running, or halted by its own breaker and this is an exit (see strategyLifecycle). */
  private mayTrade(slot: StrategySlot, signal: Signal): boolean {
    const snap = slot.lifecycle.getSnapshot();
    if (snap.value === 'running') return true;
    return snap.value === 'halted' && signal.kind === 'exit' && snap.context.haltSource === 'strategy_breaker';
  }

  /** Why an intent of this strategy is refused by a breaker, or null; an exit passes the strategy's own breaker. */
  private breakerBlock(strategyId: string, kind: Signal['kind']): string | null {
    if (this.breakers.state(GLOBAL_SCOPE) === 'open') return 'breaker_open';
    if (kind === 'entry' && this.breakers.has(strategyId) && this.breakers.state(strategyId) === 'open') return 'strategy_breaker_open';
    return null;
  }

  private onBreakerTripped(scope: string, reason: string, detail: string): void {
    const global = scope === GLOBAL_SCOPE;
    this.opts.logger.warn({ scope, reason, detail }, `${global ? 'global' : scope} circuit breaker tripped: halting ${global ? 'strategies' : 'the strategy'} and cancelling working orders`);
    this.persistRiskState();
    this.audit(scope, 'tripped', { reason, detail });
    this.bus.publish('breaker.state', { scope, state: 'open', reason });
    const halted = global ? [...this.slots.values()] : [this.slots.get(scope)].filter((x): x is StrategySlot => x !== undefined);
    for (const slot of halted) slot.lifecycle.send({ type: 'HALT', reason: `breaker:${reason}`, source: global ? 'global_breaker' : 'strategy_breaker' });
    this.bus.publish('alert.raised', {
      type: 'CIRCUIT_BREAKER_TRIPPED',
      severity: 'critical',
      scope,
      message: `${global ? 'global' : `strategy ${scope}`} circuit breaker tripped (${reason}): ${detail}`,
      ts: this.opts.clock.now(),
      detail: { reason, detail },
    });
    // A strategy's own trip cancels its entries only: its exits may still go out (see strategyLifecycle).
    const cancelling = global
      ? this.oms.cancelAll(`breaker:${reason}`)
      : this.oms.cancelWhere((o) => o.strategyId === scope && !this.exitOrders.has(o.clientOrderId), `breaker:${scope}:${reason}`);
    const trippedAt = this.opts.clock.now();
    this.track(
      cancelling.then(async (r) => {
        this.audit(scope, 'orders_cancelled', { requested: r.requested, confirmed: r.confirmed, unconfirmed: [...r.unconfirmed] });
        if (global && this.opts.flattenOnTrip === true) await this.flatten(`flatten:${trippedAt}`, reason);
      }),
    );
  }

  /**
   * Close every strategy's holdings with market orders (WSB_FLATTEN_ON_TRIP).
   * Exits bypass the breaker gate on purpose: they only reduce risk. Each gets
   * a deterministic signal id, so a restart during the flatten does not double it.
   */
  private async flatten(tag: string, reason: string): Promise<void> {
    const placed: string[] = [];
    for (const strategyId of this.slots.keys()) {
      // Every symbol the strategy holds, each leg of a spread on its own: all of them close.
      for (const [symbol, quantity] of this.opts.portfolio.strategyQuantities(strategyId)) {
        if (quantity === 0) continue;
        const intent = {
          strategyId,
          instrument: instrumentFromSymbol(symbol),
          side: quantity > 0 ? ('sell' as const) : ('buy' as const),
          quantity: Math.abs(quantity),
          type: 'market' as const,
          limitPrice: null,
          reason: `flatten after breaker trip: ${reason}`,
          signalId: null,
        };
        const order = await this.oms.place(intent, `${tag}:${strategyId}:${symbol}`);
        if (order) placed.push(order.clientOrderId);
      }
    }
    this.audit(GLOBAL_SCOPE, 'flatten', { orders: placed });
  }

  /**
   * Half-open: strategies the breaker halted may trade again so that a probe
   * can happen; the first fill closes the breaker, the next error re-opens it.
   */
  private onBreakerHalfOpen(scope: string): void {
    this.opts.logger.info({ scope }, 'circuit breaker half-open: resuming breaker-halted strategies for a probe');
    this.bus.publish('breaker.state', { scope, state: 'halfOpen', reason: null });
    this.audit(scope, 'half_open', {});
    this.persistRiskState();
    this.resumeBreakerHalted();
  }

  private onBreakerClosed(scope: string, by: string): void {
    this.breakers.acknowledge(scope, this.equity(), this.strategyValue);
    this.opts.logger.info({ scope, by }, 'circuit breaker closed');
    this.bus.publish('breaker.state', { scope, state: 'closed', reason: null });
    this.audit(scope, 'closed', { by });
    this.persistRiskState();
    this.resumeBreakerHalted();
  }

  private audit(scope: string, action: string, detail: Record<string, unknown>, category: 'breaker' | 'signals' = 'breaker'): void {
    const event = { ts: this.opts.clock.now(), category, scope, action, actor: 'engine', detail };
    this.opts.writer.enqueue('appendEvent', (s) => s.appendEvent(event));
  }

  /** What survives a restart of the breakers and their drawdown peaks (engine_state). */
  riskState(): PersistedRiskState {
    return this.breakers.persisted();
  }

  private persistRiskState(): void {
    const value = JSON.stringify(this.riskState());
    this.opts.writer.enqueue('riskState', (s) => s.setState(RISK_STATE_KEY, value));
  }

  /** Re-impose the breaker states of the last run (see ScopedBreaker.restore). */
  restoreRiskState(saved: PersistedRiskState): void {
    this.breakers.restore(saved);
  }

  /** A strategy halted by a breaker trades again once neither the global breaker nor its own is open. */
  private resumeBreakerHalted(): void {
    if (this.breakers.state(GLOBAL_SCOPE) === 'open') return;
    for (const [id, slot] of this.slots) {
      const source = slot.lifecycle.getSnapshot().context.haltSource;
      if (source !== 'global_breaker' && source !== 'strategy_breaker') continue;
      if (this.breakers.state(id) === 'open') continue;
      slot.lifecycle.send({ type: 'RESUME' });
    }
  }

  /** A round trip opened by an entry signal is flat again: its outcome goes to the signal's history row. */
  private onTradeClosed(closed: NonNullable<ReturnType<SignalDesk['onFill']>>): void {
    const { signalId, outcome } = closed;
    this.opts.writer.enqueue('recordSignalOutcome', (s) => s.recordSignalOutcome(signalId, outcome));
    this.bus.publish('signal.outcome', { signalId, strategyId: closed.strategyId, score: closed.score, outcome });
    const e = closed.degradation;
    if (e === null) return;
    const degraded = e.type === 'degraded';
    const correlation = e.correlation === null ? 'n/a' : e.correlation.toFixed(2);
    const message = `${e.strategyId}: signal validation ${degraded ? 'degraded' : 'recovered'}: accuracy ${(e.accuracy * 100).toFixed(1)}%, score–outcome correlation ${correlation} over the last ${e.window} trades`;
    this.opts.logger.warn({ strategyId: e.strategyId, accuracy: e.accuracy, correlation: e.correlation, breaches: e.breaches }, message);
    this.audit(e.strategyId, degraded ? 'validation_degraded' : 'validation_recovered', { accuracy: e.accuracy, correlation: e.correlation, window: e.window, breaches: [...e.breaches] }, 'signals');
    if (degraded) {
      this.bus.publish('alert.raised', {
        type: 'SIGNAL_VALIDATION_DEGRADATION', severity: 'warning', scope: e.strategyId, message, ts: this.opts.clock.now(),
        detail: { accuracy: e.accuracy, correlation: e.correlation, window: e.window, breaches: [...e.breaches] },
      });
    }
    this.persistSignalState();
  }

  private onThresholdChanged(change: ThresholdChange): void {
    this.opts.logger.info({ ...change }, 'signal threshold changed');
    this.audit(change.strategyId, 'threshold_changed', { before: change.before, after: change.after, reason: change.reason, source: change.source }, 'signals');
    this.persistSignalState();
  }

  /** An operator sets (or, with 'restore', restores) a strategy's signal threshold. */
  setSignalThreshold(strategyId: string, value: number | 'restore', reason: string): ThresholdChange {
    const change = this.signals.setThreshold(strategyId, value, reason, this.opts.clock.now());
    this.onThresholdChanged(change);
    return change;
  }

  private persistSignalState(): void {
    const value = JSON.stringify(this.signals.state());
    this.opts.writer.enqueue('signalState', (s) => s.setState(SIGNAL_STATE_KEY, value));
  }

  /** Operator commands (also used by tests). */
  haltStrategy(id: string, reason: string): boolean {
    const slot = this.slots.get(id);
    if (!slot) return false;
    slot.lifecycle.send({ type: 'HALT', reason, source: 'operator' });
    return true;
  }

  resumeStrategy(id: string): boolean {
    const slot = this.slots.get(id);
    if (!slot) return false;
    slot.lifecycle.send({ type: 'RESUME' });
    return true;
  }

  /** START or STOP a strategy's lifecycle (a stopped strategy drops its signals; a halt in force survives). */
  setStrategyRunning(id: string, running: boolean): boolean {
    const slot = this.slots.get(id);
    if (!slot) return false;
    slot.lifecycle.send({ type: running ? 'START' : 'STOP' });
    return true;
  }

  resetBreaker(by: string, scope: string = GLOBAL_SCOPE): void {
    this.breakers.reset(scope, by);
  }

  /** An operator's halt: stays open until resetBreaker, whatever the cool-down. */
  manualHalt(by: string, scope: string = GLOBAL_SCOPE): void {
    this.breakers.manualHalt(scope, by);
  }

  async stop(): Promise<void> {
    await this.idle();
    this.persistRiskState();
    this.persistSignalState();
    await this.opts.writer.flush();
    for (const slot of this.slots.values()) {
      slot.lifecycle.send({ type: 'STOP' });
      slot.lifecycle.stop();
    }
    for (const lock of this.locks.values()) lock.stop();
    this.breakers.stop();
  }
}

/** engine_state key of the signal thresholds (with their change history) and degradation episodes. */
export const SIGNAL_STATE_KEY = 'signals.state';

/** The validator's size multiplier applied once, before sizing by grade (a reduced trade keeps at least one unit). */
function scaledIntent(signal: Signal, v: ValidationResult): Signal['intent'] {
  if (v.sizeFactor >= 1 || signal.kind === 'exit') return signal.intent;
  const quantity = Math.max(1, Math.floor(signal.intent.quantity * v.sizeFactor));
  return quantity === signal.intent.quantity ? signal.intent : { ...signal.intent, quantity };
}

/** The score's confidence component drives sizing; an unscored exit sizes at full confidence. */
function confidenceOf(v: ValidationResult): number {
  return v.components?.confidence ?? 1;
}
