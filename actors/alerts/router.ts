import type { Logger } from 'pino';
import type { Alert, AlertSeverity, BusMessages, MessageBus } from '../../engine/bus.js';
import type { Clock } from '../../engine/domain/clock.js';
import { InputError, errorMessage } from '../../engine/domain/errors.js';
import { singleEntry, type AlertEntry } from './batch.js';
import type { AlertChannel } from './channels/channel.js';
import { dailyPnlMessage, type DailyPnl } from './dailyPnl.js';
import { Deduplicator } from './dedup.js';
import { ChannelDispatcher, type DispatcherStats } from './dispatcher.js';
import type { RetryPolicy } from './retry.js';
import { DEFAULT_ROUTE, routeAccepts, type ChannelRoute } from './routes.js';

/** Alert types this router raises itself (the engine raises CIRCUIT_BREAKER_TRIPPED and SIGNAL_VALIDATION_DEGRADATION). */
export const ALERT_TYPES = {
  breakerTripped: 'CIRCUIT_BREAKER_TRIPPED',
  breakerReset: 'CIRCUIT_BREAKER_RESET',
  breakerHalfOpen: 'CIRCUIT_BREAKER_HALF_OPEN',
  orderRejected: 'ORDER_REJECTED',
  fill: 'FILL',
  dailyPnl: 'DAILY_PNL_SUMMARY',
  actorFailed: 'ACTOR_FAILED',
  reconciliation: 'RECONCILIATION_DIFFERENCE',
  feedStale: 'DATA_FEED_STALE',
} as const;

export interface AlertRouterOptions {
  readonly bus: MessageBus;
  readonly channels: readonly AlertChannel[];
  /** Per channel name; channels not named get DEFAULT_ROUTE. */
  readonly routes?: Readonly<Record<string, ChannelRoute | undefined>>;
  /** Wall clock: dedup windows, rate limits, retry waits. */
  readonly clock: Clock;
  /** Time stamped on alerts the router makes itself (the engine's clock; in a replay, simulated). Default: `clock`. */
  readonly engineNow?: () => number;
  readonly logger: Logger;
  readonly dedupWindowMs: number;
  readonly queueSize: number;
  readonly rate: { readonly perMinute: number; readonly burst: number };
  readonly retry: RetryPolicy;
  /** Above this many entries a message is folded into one summary per type (default 10). */
  readonly maxEntriesPerMessage?: number;
  /** Jitter source; default Math.random (jitter only spreads retries, it decides nothing). */
  readonly random?: () => number;
}

export interface ReconciliationDifference {
  /** What differs: 'unknown_broker_order', 'missed_fill', 'position_mismatch', … */
  readonly kind: string;
  readonly message: string;
  /** A symbol, a client order id or 'account'. */
  readonly scope?: string;
  readonly severity?: AlertSeverity;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface FeedStale {
  readonly feed: string;
  readonly staleForMs: number;
  /** Time of the last data received, if any. */
  readonly lastTs: number | null;
  readonly symbol?: string;
}

/** Credentials inside URLs in free-text errors (a database URL in a crash message). */
function redactUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):[^@\s/]+@/gi, '$1:[redacted]@');
}

const LOG_LEVEL: Readonly<Record<AlertSeverity, 'info' | 'warn' | 'error'>> = { info: 'info', warning: 'warn', critical: 'error' };
const REJECTED_MEMORY = 10_000;

/**
 * Turns engine events into alerts and routes them to channels. Every bus
 * handler here is synchronous and only enqueues: routing, deduplication and
 * queueing are in-memory steps, and delivery runs in each channel's
 * dispatcher, so a slow or hanging provider never holds up the engine.
 */
export class AlertRouter {
  private readonly dispatchers: ChannelDispatcher[];
  private readonly routes = new Map<string, ChannelRoute>();
  private readonly dedup: Deduplicator;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly rejectedSeen = new Set<string>();
  /** Scopes whose trip the engine announced with an alert.raised in the current tick. */
  private readonly tripsAnnounced = new Set<string>();
  private readonly engineNow: () => number;
  private counts = { raised: 0, suppressed: 0, logOnly: 0 };
  private closed = false;

  constructor(private readonly opts: AlertRouterOptions) {
    this.engineNow = opts.engineNow ?? (() => opts.clock.now());
    const names = new Set<string>();
    this.dispatchers = opts.channels.map((channel) => {
      if (names.has(channel.name)) throw new InputError('channels', `alert channel ${channel.name} is configured twice`);
      names.add(channel.name);
      this.routes.set(channel.name, opts.routes?.[channel.name] ?? DEFAULT_ROUTE);
      return new ChannelDispatcher({
        channel,
        clock: opts.clock,
        logger: opts.logger,
        queueSize: opts.queueSize,
        rate: opts.rate,
        retry: opts.retry,
        maxEntriesPerMessage: opts.maxEntriesPerMessage ?? 10,
        random: opts.random ?? Math.random,
      });
    });
    this.dedup = new Deduplicator(opts.dedupWindowMs, opts.clock, (entry) => this.dispatch(entry));
    const bus = opts.bus;
    this.unsubscribe.push(
      bus.subscribe('alert.raised', (a) => this.onRaised(a)),
      bus.subscribe('breaker.state', (m) => this.onBreaker(m)),
      bus.subscribe('order.updated', (o) => this.onOrder(o)),
      bus.subscribe('fill.booked', (f) => this.onFill(f)),
    );
  }

  /** Route one alert: log it, count it into its dedup window or queue it for every channel whose route accepts it. */
  raise(alert: Alert): void {
    if (this.closed) return;
    this.counts.raised++;
    const targets = this.dispatchers.filter((d) => routeAccepts(this.route(d.name), alert));
    const fields = { alert: alert.type, scope: alert.scope, severity: alert.severity };
    if (targets.length === 0) {
      this.counts.logOnly++;
      this.opts.logger.info({ ...fields, channels: [] }, `alert (log only): ${alert.message}`);
      return;
    }
    if (!this.dedup.offer(alert)) {
      this.counts.suppressed++;
      this.opts.logger.debug(fields, 'alert repeated within the dedup window: counted, not sent');
      return;
    }
    this.opts.logger[LOG_LEVEL[alert.severity]]({ ...fields, channels: targets.map((d) => d.name) }, `alert: ${alert.message}`);
    const entry = singleEntry(alert, this.opts.clock.now());
    for (const d of targets) d.enqueue(entry);
  }

  private dispatch(entry: AlertEntry): void {
    if (this.closed) return;
    for (const d of this.dispatchers) if (routeAccepts(this.route(d.name), entry)) d.enqueue(entry);
  }

  private route(name: string): ChannelRoute {
    return this.routes.get(name) ?? DEFAULT_ROUTE;
  }

  private make(type: string, severity: AlertSeverity, scope: string, message: string, detail: Record<string, unknown>, ts = this.engineNow()): Alert {
    return { type, severity, scope, message, ts, detail };
  }

  private onRaised(alert: Alert): void {
    if (alert.type === ALERT_TYPES.breakerTripped) {
      this.tripsAnnounced.add(alert.scope);
      queueMicrotask(() => this.tripsAnnounced.delete(alert.scope));
    }
    this.raise(alert);
  }

  /**
   * The engine announces a trip twice in one tick: breaker.state 'open' and an
   * alert.raised with the reason's detail. The richer one wins; the state
   * change alone raises the alert only when no alert.raised came with it.
   */
  private onBreaker(m: BusMessages['breaker.state']): void {
    const who = m.scope === 'global' ? 'global circuit breaker' : `circuit breaker of ${m.scope}`;
    if (m.state === 'open') {
      queueMicrotask(() => {
        if (this.tripsAnnounced.has(m.scope)) return;
        this.raise(this.make(ALERT_TYPES.breakerTripped, 'critical', m.scope, `${who} tripped (${m.reason ?? 'no reason given'})`, { reason: m.reason }));
      });
    } else if (m.state === 'closed') {
      this.raise(this.make(ALERT_TYPES.breakerReset, 'warning', m.scope, `${who} closed: trading may resume`, {}));
    } else {
      this.raise(this.make(ALERT_TYPES.breakerHalfOpen, 'info', m.scope, `${who} half-open: probing with breaker-halted strategies`, {}));
    }
  }

  private onOrder(o: BusMessages['order.updated']): void {
    if (o.status !== 'rejected' || this.rejectedSeen.has(o.clientOrderId)) return;
    this.rejectedSeen.add(o.clientOrderId);
    if (this.rejectedSeen.size > REJECTED_MEMORY) {
      const oldest = this.rejectedSeen.values().next().value;
      if (oldest !== undefined) this.rejectedSeen.delete(oldest);
    }
    const reason = o.rejectReason ?? 'no reason given';
    this.raise(
      this.make(ALERT_TYPES.orderRejected, 'warning', o.strategyId, `${o.side} ${o.quantity} ${o.symbol} rejected: ${reason} (order ${o.clientOrderId})`, {
        clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, reason,
      }, o.updatedAt),
    );
  }

  private onFill(m: BusMessages['fill.booked']): void {
    const { fill, order } = m;
    this.raise(
      this.make(ALERT_TYPES.fill, 'info', order.strategyId, `${fill.side.toUpperCase()} ${fill.quantity} ${fill.symbol} @ ${fill.price.toString()} (${order.strategyId}, order ${fill.clientOrderId})`, {
        fillId: fill.fillId, clientOrderId: fill.clientOrderId, symbol: fill.symbol, side: fill.side, quantity: fill.quantity, price: fill.price.toString(), commission: fill.commission.toString(),
      }, fill.ts),
    );
  }

  /** The New York day's P&L; the lead calls it at each session close (or feeds a DailyPnlTracker). */
  dailySummary(pnl: DailyPnl): void {
    const change = pnl.endEquity.minus(pnl.startEquity);
    this.raise(this.make(ALERT_TYPES.dailyPnl, 'info', 'account', dailyPnlMessage(pnl), {
      date: pnl.date, startEquity: pnl.startEquity.toString(), endEquity: pnl.endEquity.toString(), pnl: change.toString(),
      ...(pnl.realized !== undefined ? { realized: pnl.realized.toString() } : {}),
      ...(pnl.unrealized !== undefined ? { unrealized: pnl.unrealized.toString() } : {}),
    }));
  }

  /** A supervised child failed past its restart budget and is marked failed. */
  actorFailed(childId: string, error: unknown, restarts?: number): void {
    const why = redactUrlCredentials(errorMessage(error));
    this.raise(this.make(ALERT_TYPES.actorFailed, 'critical', childId, `actor ${childId} failed past its restart budget${restarts !== undefined ? ` (${restarts} restarts)` : ''}: ${why}`, { error: why, ...(restarts !== undefined ? { restarts } : {}) }));
  }

  /** Reconciliation found the broker and the database disagreeing. */
  reconciliationDifference(d: ReconciliationDifference): void {
    this.raise(this.make(ALERT_TYPES.reconciliation, d.severity ?? 'warning', d.scope ?? 'account', `reconciliation: ${d.kind}: ${d.message}`, { kind: d.kind, ...d.detail }));
  }

  /** A market data feed has delivered nothing for too long. */
  feedStale(d: FeedStale): void {
    const last = d.lastTs === null ? 'never' : new Date(d.lastTs).toISOString();
    const scope = d.symbol !== undefined ? `${d.feed}:${d.symbol}` : d.feed;
    this.raise(this.make(ALERT_TYPES.feedStale, 'warning', scope, `data feed ${scope} stale: nothing for ${Math.round(d.staleForMs / 1000)} s (last data ${last})`, { feed: d.feed, staleForMs: d.staleForMs, lastTs: d.lastTs, ...(d.symbol !== undefined ? { symbol: d.symbol } : {}) }));
  }

  stats(): { raised: number; suppressed: number; logOnly: number; channels: Record<string, DispatcherStats> } {
    const channels: Record<string, DispatcherStats> = {};
    for (const d of this.dispatchers) channels[d.name] = d.stats();
    return { ...this.counts, channels };
  }

  /** True while any channel still has alerts queued, in flight or waiting for a retry. */
  get active(): boolean {
    return this.dispatchers.some((d) => d.active);
  }

  /** Resolves once no channel has a request in flight (each is idle or waiting on the clock). */
  async settled(): Promise<void> {
    await Promise.all(this.dispatchers.map((d) => d.settled()));
  }

  /** Resolves when every channel's queue is empty and nothing is being sent. */
  async idle(): Promise<void> {
    await Promise.all(this.dispatchers.map((d) => d.idle()));
  }

  /**
   * Shutdown: stop listening, emit the summaries of open dedup windows, give
   * the channels up to `graceMs` (on the wall clock) to send what is queued,
   * then cancel whatever is still in flight and wait for the cancellations.
   */
  async close(graceMs = 0): Promise<void> {
    if (this.closed) return;
    for (const off of this.unsubscribe) off();
    this.dedup.flush();
    this.closed = true;
    if (graceMs > 0) {
      let timer: unknown;
      await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = this.opts.clock.setTimeout(resolve, graceMs)))]);
      this.opts.clock.clearTimeout(timer);
    }
    for (const d of this.dispatchers) d.close();
    // Cancelled requests settle promptly (email's SMTP deadline bounds the one that cannot be cancelled).
    await this.idle();
  }
}
