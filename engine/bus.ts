import type { ExpiryChange, Fill, Order, Position } from './domain/orders.js';
import type { SignalOutcome, SignalRecord } from './domain/signal.js';
import type { Bar } from './domain/market.js';
import type { VarReport } from './gateway/control.js';

/**
 * Messages on the one engine bus. Components never call each other across
 * these lines: the gateway, the persistence writer and metrics listen here.
 */
export interface BusMessages {
  'order.updated': Order;
  'fill.booked': { fill: Fill; order: Order; position: Position };
  'signal.decided': SignalRecord;
  /** The trade an entry signal opened has closed (its outcome is written to the history row). */
  'signal.outcome': { signalId: string; strategyId: string; score: number; outcome: SignalOutcome };
  'bar.rejected': { bar: Bar; field: string; message: string };
  'strategy.state': { strategyId: string; state: string; reason: string | null };
  'breaker.state': { scope: string; state: 'closed' | 'open' | 'halfOpen'; reason: string | null };
  'engine.error': { source: string; message: string };
  /** A portfolio VaR report (the scheduled run or one an operator asked for). */
  'var.report': VarReport;
  /** Something an operator must hear about; alert channels subscribe here. */
  'alert.raised': Alert;
  /** An option a strategy held expired worthless (one message per strategy holding it). */
  'position.expired': ExpiryNotice;
  /** A short option a strategy held was assigned at expiry: shares delivered or received at the strike. */
  'option.assigned': ExpiryNotice;
  /** A long option a strategy held was exercised at expiry. */
  'option.exercised': ExpiryNotice;
}

/** One strategy's share of one option expiry, as booked (engine/portfolio.ts applyExpiry). */
export interface ExpiryNotice {
  readonly eventId: string;
  readonly strategyId: string;
  readonly underlying: string;
  /** `YYYY-MM-DD`. */
  readonly expiry: string;
  readonly change: ExpiryChange;
  /** The strategy's signed contracts (long > 0). */
  readonly quantity: number;
  /** Signed shares the strategy received (+) or delivered (−) at the strike; 0 when it expired worthless. */
  readonly shares: number;
  readonly ts: number;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface Alert {
  /** Stable event type, e.g. CIRCUIT_BREAKER_TRIPPED. */
  readonly type: string;
  readonly severity: AlertSeverity;
  /** 'global', a strategy id, a symbol. */
  readonly scope: string;
  readonly message: string;
  readonly ts: number;
  readonly detail: Readonly<Record<string, unknown>>;
}

export type BusTopic = keyof BusMessages;
type Handler<T extends BusTopic> = (message: BusMessages[T]) => void;

export class MessageBus {
  private readonly handlers = new Map<BusTopic, Set<Handler<BusTopic>>>();

  subscribe<T extends BusTopic>(topic: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler as Handler<BusTopic>);
    return () => set.delete(handler as Handler<BusTopic>);
  }

  /**
   * Synchronous delivery in subscription order. A failing subscriber is
   * isolated (reported on `engine.error`) so one bad listener cannot stop the
   * engine or starve the others.
   */
  publish<T extends BusTopic>(topic: T, message: BusMessages[T]): void {
    const set = this.handlers.get(topic);
    if (!set) return;
    for (const h of set) {
      try {
        h(message);
      } catch (e) {
        if (topic === 'engine.error') continue;
        this.publish('engine.error', { source: `bus:${topic}`, message: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}
