import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Clock } from '../../../engine/domain/clock.js';
import { RealClock } from '../../../engine/domain/clock.js';
import { InputError, errorMessage } from '../../../engine/domain/errors.js';
import { ZERO } from '../../../engine/domain/money.js';
import type { Fill, Order, Position } from '../../../engine/domain/orders.js';
import type { Broker, BrokerAccount, BrokerEvent, BrokerOrderState } from '../../../engine/domain/ports.js';
import type { AlpacaSettings } from './config.js';
import { AlpacaError, isDuplicateClientOrderId } from './errors.js';
import { FillLedger, executionsOf, wholeQuantity } from './fillLedger.js';
import { AlpacaHttp, createAlpacaQueue } from './http.js';
import { engineClientOrderId, fromAlpacaSymbol, replacementClientOrderId } from './identifiers.js';
import { buildOrderRequest, buildReplaceRequest } from './orderRequest.js';
import type { AlpacaOrderOptions, AlpacaReplace } from './orderRequest.js';
import { isAlpacaFinal, stateOfChain } from './orderState.js';
import { reconcileAlpaca } from './reconcile.js';
import type { ReconcileOptions, ReconcileReport, ReconcileStore } from './reconcile.js';
import { parseWith, tradeUpdateSchema } from './schemas.js';
import type { AlpacaOrder, TradeUpdate } from './schemas.js';
import { TradeUpdatesStream } from './tradeStream.js';
import { AlpacaTradingApi } from './tradingApi.js';

export type AlpacaConnection = Pick<
  AlpacaSettings,
  'baseUrl' | 'streamUrl' | 'keyId' | 'secretKey' | 'requestTimeoutMs' | 'requestsPerMinute' | 'maxRetries' | 'equityTimeInForce' | 'reconnectMaxDelayMs' | 'heartbeatMs'
>;

export interface AlpacaBrokerOptions {
  readonly settings: AlpacaConnection;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** The account's one Trading API queue (createAlpacaQueue), shared with anything else using it. */
  readonly queue?: PQueue;
  /** Where a fill already booked is found (the store), so a restart reports nothing twice. */
  readonly bookedFills?: (clientOrderId: string) => Promise<readonly Fill[]>;
  /** Given, the broker reconciles with it after every reconnect of the stream. */
  readonly reconcileStore?: ReconcileStore;
  readonly onReconciled?: (report: ReconcileReport) => void;
  /** For the reconciliations the broker runs itself (e.g. `settled`: the writer's flush). */
  readonly reconcileOptions?: ReconcileOptions;
  /**
   * An exit leg of a bracket order (its take-profit or stop-loss) executed.
   * Those legs are Alpaca's orders, not the engine's, so their fills come
   * here rather than as BrokerEvents (the OMS would count them as fills of
   * an unknown order). Without a handler they are logged, and the position
   * change shows at the next reconciliation.
   */
  readonly onBracketExit?: (exit: { readonly parentClientOrderId: string; readonly fill: Fill }) => void;
  /** The stream gave up (credentials refused): the caller should halt trading. */
  readonly onFatal?: (error: AlpacaError) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly jitterSeed?: number;
  readonly fetch?: typeof globalThis.fetch;
  readonly reconnectBaseMs?: number;
}

/**
 * The Alpaca broker (Trading API v2 and the trade_updates stream), the
 * second implementation of the Broker port next to the paper venue, with
 * the same contract: submit is idempotent by client_order_id, events say
 * accepted / fill / cancelled / rejected / expired, and each execution is
 * reported once (see FillLedger). Stream events and reconciliation run one
 * at a time, in arrival order.
 */
export class AlpacaBroker implements Broker {
  readonly name = 'alpaca';
  readonly http: AlpacaHttp;
  /** The REST calls, for reconciliation and for anything the Broker port does not cover. */
  readonly api: AlpacaTradingApi;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly ledger: FillLedger;
  private readonly serial = new PQueue({ concurrency: 1 });
  private readonly listeners = new Set<(event: BrokerEvent) => void>();
  /**
   * Engine orders whose acceptance has been reported, so a fill never precedes
   * it. Kept (like the ledger's entries) for the life of the process: a late
   * event for a finished order must not look like a new one.
   */
  private readonly accepted = new Set<string>();
  /** Alpaca id of each known bracket exit leg → the engine order it protects. */
  private readonly bracketExits = new Map<string, string>();
  private stream: TradeUpdatesStream | null = null;

  constructor(private readonly opts: AlpacaBrokerOptions) {
    this.log = opts.logger ?? pino({ enabled: false });
    this.clock = opts.clock ?? new RealClock();
    const s = opts.settings;
    this.http = new AlpacaHttp({
      baseUrl: s.baseUrl, keyId: s.keyId, secretKey: s.secretKey, timeoutMs: s.requestTimeoutMs, maxRetries: s.maxRetries,
      logger: this.log, clock: this.clock,
      queue: opts.queue ?? createAlpacaQueue(s.requestsPerMinute),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      ...(opts.jitterSeed !== undefined ? { jitterSeed: opts.jitterSeed } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.api = new AlpacaTradingApi(this.http, this.log, (o) => this.remember(o));
    const booked = opts.bookedFills ?? (opts.reconcileStore ? (id: string) => opts.reconcileStore!.listFills(id) : undefined);
    this.ledger = new FillLedger(booked);
  }

  // ---- lifecycle ------------------------------------------------------------

  /** Open the trade_updates stream; resolves once listening. */
  async start(): Promise<void> {
    if (this.stream) return;
    const s = this.opts.settings;
    this.stream = new TradeUpdatesStream({
      url: s.streamUrl, keyId: s.keyId, secretKey: s.secretKey, clock: this.clock, logger: this.log,
      reconnectMaxMs: s.reconnectMaxDelayMs, heartbeatMs: s.heartbeatMs,
      ...(this.opts.reconnectBaseMs !== undefined ? { reconnectBaseMs: this.opts.reconnectBaseMs } : {}),
      ...(this.opts.jitterSeed !== undefined ? { jitterSeed: this.opts.jitterSeed } : {}),
      onUpdate: (data) => void this.serial.add(() => this.onTradeUpdate(data)),
      onListening: (reconnect) => {
        if (reconnect) void this.reconcileInBackground();
      },
      onFatal: (e) => this.opts.onFatal?.(e),
    });
    await this.stream.start();
  }

  async stop(): Promise<void> {
    await this.stream?.stop();
    this.stream = null;
    await this.serial.onIdle();
  }

  /** The broker's clock (live: real time). */
  now(): number {
    return this.clock.now();
  }

  get streamState(): string {
    return this.stream?.state ?? 'idle';
  }

  /** Run `work` between stream events (reconciliation does), never interleaved with them. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.serial.add(work);
  }

  /** Resolves once every stream event received so far is handled. */
  idle(): Promise<void> {
    return this.serial.onIdle();
  }

  // ---- the Broker port ------------------------------------------------------

  submit(order: Order): Promise<BrokerOrderState> {
    return this.submitWith(order, {});
  }

  /**
   * Submit with Alpaca's extras (stop, stop-limit, bracket, time in force).
   * A failure that leaves it unknown whether Alpaca took the order makes the
   * broker look the order up by client_order_id before sending it again, and
   * Alpaca refuses a second order with the same id, so a retry never creates
   * a second order. A definite refusal (403, 422) is a rejected order.
   */
  async submitWith(order: Order, options: AlpacaOrderOptions): Promise<BrokerOrderState> {
    const body = buildOrderRequest(order, options, this.opts.settings.equityTimeInForce);
    const id = order.clientOrderId;
    try {
      const placed = await this.api.create(`submit ${id}`, id, { method: 'POST', path: '/v2/orders', body });
      return stateOfChain(id, [placed]);
    } catch (e) {
      if (e instanceof AlpacaError && !e.ambiguous && e.kind === 'http' && e.status !== undefined && e.status >= 400 && e.status < 500 && !isDuplicateClientOrderId(e)) {
        const reason = `alpaca_rejected: HTTP ${e.status} ${e.message.replace(/^.*?HTTP \d+ /, '')}`;
        this.log.info({ clientOrderId: id, status: e.status }, 'alpaca: order refused');
        this.emit({ type: 'rejected', clientOrderId: id, reason, ts: this.clock.now() });
        return { clientOrderId: id, brokerOrderId: '', status: 'rejected', filledQuantity: 0, avgFillPrice: null };
      }
      throw e;
    }
  }

  /**
   * Replace a working order (PATCH). The replacement is a new Alpaca order
   * named `<id>.rpl<n>`, so it stays the engine's order. Refused once
   * anything filled: cancel and place the remainder instead.
   */
  async replace(clientOrderId: string, patch: AlpacaReplace): Promise<BrokerOrderState> {
    const chain = await this.api.orderChain(clientOrderId);
    const live = chain?.[chain.length - 1];
    if (!chain || !live) throw new InputError('clientOrderId', `no order ${clientOrderId} at Alpaca`);
    if (isAlpacaFinal(live)) throw new InputError('clientOrderId', `order ${clientOrderId} is ${live.status} at Alpaca and cannot be replaced`);
    if (stateOfChain(clientOrderId, chain).filledQuantity > 0) throw new InputError('clientOrderId', `order ${clientOrderId} has fills; cancel it and place the remainder`);
    const newId = replacementClientOrderId(clientOrderId, engineClientOrderId(live.client_order_id).generation + 1);
    const body = buildReplaceRequest(patch, newId);
    const replacement = await this.api.create(`replace ${clientOrderId}`, newId, { method: 'PATCH', path: `/v2/orders/${encodeURIComponent(live.id)}`, body });
    return stateOfChain(clientOrderId, [...chain, replacement]);
  }

  /** Ask Alpaca to cancel; the `cancelled` event follows on the stream (or at reconciliation). */
  async cancel(clientOrderId: string): Promise<void> {
    const chain = await this.api.orderChain(clientOrderId);
    const live = chain?.[chain.length - 1];
    if (!live) {
      this.log.warn({ clientOrderId }, 'alpaca: cancel of an order Alpaca does not know ignored');
      return;
    }
    if (isAlpacaFinal(live)) {
      this.log.warn({ clientOrderId, status: live.status }, 'alpaca: cancel of a final order ignored');
      return;
    }
    try {
      await this.api.cancelOrder(live.id);
    } catch (e) {
      // 404: gone; 422: no longer cancelable (it filled or is already being cancelled). Its final event tells.
      if (e instanceof AlpacaError && (e.status === 404 || e.status === 422)) {
        this.log.warn({ clientOrderId, status: e.status }, 'alpaca: cancel refused; the order is already final or closing');
        return;
      }
      throw e;
    }
  }

  async getOrder(clientOrderId: string): Promise<BrokerOrderState | null> {
    const chain = await this.api.orderChain(clientOrderId);
    return chain ? stateOfChain(clientOrderId, chain) : null;
  }

  async listOpenOrders(): Promise<BrokerOrderState[]> {
    const open = await this.api.listOrders({ status: 'open' });
    return open.map((o) => stateOfChain(engineClientOrderId(o.client_order_id).id, [o]));
  }

  async getAccount(): Promise<BrokerAccount> {
    const a = await this.api.account();
    return { cash: a.cash, equity: a.equity, buyingPower: a.buying_power };
  }

  /** Open positions at Alpaca, in the engine's symbols (signed quantities). Not part of the Broker port. */
  async listPositions(): Promise<Position[]> {
    const rows = await this.api.positions();
    const now = this.clock.now();
    return rows.map((p, i) => {
      const qty = wholeQuantity(p.qty.abs(), `${i}.qty`);
      return { symbol: fromAlpacaSymbol(p.symbol, p.asset_class), quantity: p.side === 'short' ? -qty : qty, avgCost: p.avg_entry_price, realizedPnl: ZERO, updatedAt: now };
    });
  }

  onEvent(listener: (event: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Report the fills of `order` the engine has not heard of (reconciliation uses this). */
  async catchUpFills(engineId: string, order: AlpacaOrder): Promise<Fill[]> {
    const fills = await this.ledger.catchUp(engineId, order, [], order.order_class === 'mleg' ? `${order.id}:${order.filled_qty.toFixed()}` : undefined);
    if (fills.length > 0) this.ensureAccepted(engineId, order.id, order.submitted_at ?? order.created_at);
    for (const fill of fills) this.emit({ type: 'fill', fill });
    return fills;
  }

  /** Report a status Alpaca has that the engine missed (reconciliation uses this). */
  reportStatus(engineId: string, order: AlpacaOrder): void {
    const ts = order.updated_at ?? this.clock.now();
    if (order.status === 'canceled') this.emit({ type: 'cancelled', clientOrderId: engineId, reason: 'cancelled_at_alpaca', ts });
    else if (order.status === 'expired') this.emit({ type: 'expired', clientOrderId: engineId, ts });
    else if (order.status === 'rejected') this.emit({ type: 'rejected', clientOrderId: engineId, reason: 'rejected_by_alpaca', ts });
    else this.ensureAccepted(engineId, order.id, order.submitted_at ?? order.created_at);
  }

  // ---- internals ------------------------------------------------------------

  private async onTradeUpdate(data: unknown): Promise<void> {
    let u: TradeUpdate;
    try {
      u = parseWith(tradeUpdateSchema, data, 'trade update');
    } catch (e) {
      // The order behind it is caught up by a reconciliation rather than guessed at.
      this.log.error({ err: errorMessage(e) }, 'alpaca: trade update of unexpected shape ignored; reconciling');
      if (this.opts.reconcileStore) void this.reconcileInBackground();
      return;
    }
    const engineId = engineClientOrderId(u.order.client_order_id).id;
    const ts = u.timestamp ?? u.at ?? u.order.updated_at ?? this.clock.now();
    this.remember(u.order);
    const parent = this.bracketExits.get(u.order.id);
    try {
      if (parent !== undefined) {
        await this.onBracketExit(parent, u, ts);
        return;
      }
      switch (u.event) {
        case 'new':
        case 'accepted':
        case 'pending_new':
          this.ensureAccepted(engineId, u.order.id, ts);
          return;
        case 'fill':
        case 'partial_fill':
          await this.onFill(engineId, u, ts);
          return;
        case 'canceled':
        case 'expired':
        case 'rejected':
          await this.catchUpFills(engineId, u.order);
          this.reportStatus(engineId, u.order);
          return;
        case 'replaced':
          // The order lives on as its replacement, under the same engine order.
          await this.catchUpFills(engineId, u.order);
          return;
        case 'order_cancel_rejected':
        case 'order_replace_rejected':
          this.log.warn({ clientOrderId: engineId, event: u.event }, 'alpaca: request on a working order refused');
          return;
        default:
          this.log.debug({ clientOrderId: engineId, event: u.event }, 'alpaca: trade update with nothing to report');
      }
    } catch (e) {
      this.log.error({ clientOrderId: engineId, event: u.event, err: errorMessage(e) }, 'alpaca: trade update could not be applied; reconciling');
      if (this.opts.reconcileStore) void this.reconcileInBackground();
    }
  }

  private async onFill(engineId: string, u: TradeUpdate, ts: number): Promise<void> {
    const o = u.order;
    const groupId = o.order_class === 'mleg' ? `${o.id}:${o.filled_qty.toFixed()}` : undefined;
    const fills = await this.ledger.catchUp(engineId, o, executionsOf(u, ts), groupId);
    if (fills.length === 0) return;
    this.ensureAccepted(engineId, o.id, ts);
    for (const fill of fills) this.emit({ type: 'fill', fill });
  }

  private async onBracketExit(parentClientOrderId: string, u: TradeUpdate, ts: number): Promise<void> {
    if (u.event !== 'fill' && u.event !== 'partial_fill') {
      this.log.debug({ parentClientOrderId, event: u.event }, 'alpaca: bracket exit leg update');
      return;
    }
    for (const fill of await this.ledger.catchUp(u.order.client_order_id, u.order, executionsOf(u, ts))) {
      if (this.opts.onBracketExit) this.opts.onBracketExit({ parentClientOrderId, fill });
      else this.log.warn({ parentClientOrderId, fillId: fill.fillId, quantity: fill.quantity }, 'alpaca: bracket exit filled with no handler; reconciliation will show the position');
    }
  }

  /** Note a bracket's exit legs, so their events are known for what they are. */
  private remember(order: AlpacaOrder): AlpacaOrder {
    if (order.order_class === 'bracket' && order.legs) {
      const parent = engineClientOrderId(order.client_order_id).id;
      for (const leg of order.legs) this.bracketExits.set(leg.id, parent);
    }
    return order;
  }

  private ensureAccepted(engineId: string, brokerOrderId: string, ts: number): void {
    if (this.accepted.has(engineId)) return;
    this.accepted.add(engineId);
    this.emit({ type: 'accepted', clientOrderId: engineId, brokerOrderId, ts });
  }

  private async reconcileInBackground(): Promise<void> {
    const store = this.opts.reconcileStore;
    if (!store) return;
    try {
      const report = await reconcileAlpaca(this, store, this.opts.reconcileOptions);
      this.opts.onReconciled?.(report);
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, 'alpaca: reconciliation failed; it runs again at the next reconnect');
    }
  }

  private emit(event: BrokerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        this.log.error({ err: errorMessage(e), event: event.type }, 'alpaca: broker event listener threw');
      }
    }
  }
}
