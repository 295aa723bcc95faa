import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MessageBus } from '../bus.js';
import { isTerminal, type OrderStatus } from '../domain/orders.js';
import type { BreakerStatus, VarReport } from './control.js';

/** Stages of one tick whose latency the node reports (`observeStage`). */
export const PIPELINE_STAGES = ['tick', 'strategy', 'validator', 'risk', 'breaker', 'lock', 'submit', 'fill', 'persistence'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** What the daemon lets metrics read at scrape time. */
export interface MetricsSource {
  /** Market data events processed so far (monotonic), e.g. `node.counters.bars`: the tick rate is `rate(wsb_ticks_total[1m])`. */
  ticks(): number;
  breakers(): readonly BreakerStatus[];
  latestVar(): VarReport | null;
}

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const BREAKER_LEVEL = { closed: 0, halfOpen: 1, open: 2 } as const;

export interface EngineMetricsOptions {
  /** Node.js process metrics (event-loop lag, heap, GC…) on this registry; default true. */
  readonly defaultMetrics?: boolean;
}

/**
 * The engine's Prometheus metrics on a registry of its own (never prom-client's
 * global one, so two engines in one process, or tests, never share counters).
 * Fed three ways: bus events (orders, fills, breaker transitions, errors),
 * calls from the node and the daemon (stage latency, actor restarts), and a
 * source read at scrape time (ticks, breaker state, the latest VaR).
 * Labels are bounded sets (statuses, stages, strategy ids, error sources) and
 * never carry a credential.
 */
export class EngineMetrics {
  readonly registry = new Registry();
  private source: MetricsSource | undefined;
  private ticksSeen = 0;
  /** Last known status of each non-terminal order; terminal ones leave, so this stays as small as the working set. */
  private readonly openOrders = new Map<string, OrderStatus>();
  private readonly breakersSeen = new Map<string, BreakerStatus['state']>();

  private readonly ticks = new Counter({
    name: 'wsb_ticks_total',
    help: 'Market data events (bars) the engine has processed.',
    registers: [this.registry],
    collect: () => this.collectTicks(),
  });
  private readonly stageSeconds = new Histogram({
    name: 'wsb_stage_duration_seconds',
    help: 'Latency of each pipeline stage of a tick.',
    labelNames: ['stage'],
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly orderStatusChanges = new Counter({
    name: 'wsb_order_status_changes_total',
    help: 'Orders entering each status.',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly openOrdersGauge = new Gauge({
    name: 'wsb_open_orders',
    help: 'Working (non-terminal) orders by status, as seen since the engine started.',
    labelNames: ['status'],
    registers: [this.registry],
    collect: () => this.collectOpenOrders(),
  });
  private readonly fills = new Counter({
    name: 'wsb_fills_total',
    help: 'Executions booked.',
    labelNames: ['side'],
    registers: [this.registry],
  });
  private readonly breakerState = new Gauge({
    name: 'wsb_breaker_state',
    help: 'Circuit breaker state per scope: 0 closed, 1 half-open, 2 open.',
    labelNames: ['scope'],
    registers: [this.registry],
    collect: () => this.collectBreakers(),
  });
  private readonly breakerTransitions = new Counter({
    name: 'wsb_breaker_transitions_total',
    help: 'Circuit breaker state changes per scope and new state.',
    labelNames: ['scope', 'state'],
    registers: [this.registry],
  });
  private readonly engineErrors = new Counter({
    name: 'wsb_engine_errors_total',
    help: 'Errors the engine reported, by source.',
    labelNames: ['source'],
    registers: [this.registry],
  });
  private readonly actorRestarts = new Counter({
    name: 'wsb_actor_restarts_total',
    help: 'Supervised children restarted after a failure.',
    labelNames: ['actor'],
    registers: [this.registry],
  });
  private readonly varLoss = new Gauge({
    name: 'wsb_var_loss',
    help: 'Latest value-at-risk: a positive loss in account currency, per method and confidence.',
    labelNames: ['method', 'confidence'],
    registers: [this.registry],
    collect: () => this.collectVar(),
  });
  private readonly varTimestamp = new Gauge({
    name: 'wsb_var_report_timestamp_seconds',
    help: 'Engine-clock time of the latest VaR report (absent before the first).',
    registers: [this.registry],
    collect: () => {
      this.varTimestamp.reset();
      const report = this.source?.latestVar() ?? null;
      if (report) this.varTimestamp.set(report.ts / 1000);
    },
  });
  private readonly httpRequests = new Counter({
    name: 'wsb_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly authRefusals = new Counter({
    name: 'wsb_http_auth_refusals_total',
    help: 'Requests refused for missing or invalid credentials.',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor(opts: EngineMetricsOptions = {}) {
    if (opts.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges that prom-client names `_total`: `promtool check metrics` rejects the name, and handles/requests say little here.
      for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  /** Where scrape-time values come from; the daemon sets it once the node exists. */
  setSource(source: MetricsSource): void {
    this.source = source;
    this.ticksSeen = 0;
  }

  /** Listen to the bus; returns the unsubscribe function. */
  attachBus(bus: MessageBus): () => void {
    const offs = [
      bus.subscribe('order.updated', (o) => {
        const before = this.openOrders.get(o.clientOrderId);
        if (before !== o.status) this.orderStatusChanges.inc({ status: o.status });
        if (isTerminal(o.status)) this.openOrders.delete(o.clientOrderId);
        else this.openOrders.set(o.clientOrderId, o.status);
      }),
      bus.subscribe('fill.booked', ({ fill }) => this.fills.inc({ side: fill.side })),
      bus.subscribe('breaker.state', (b) => {
        this.breakerTransitions.inc({ scope: b.scope, state: b.state });
        this.breakersSeen.set(b.scope, b.state);
      }),
      bus.subscribe('engine.error', (e) => this.engineErrors.inc({ source: e.source })),
    ];
    return () => offs.forEach((off) => off());
  }

  observeStage(stage: PipelineStage, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.stageSeconds.observe({ stage }, seconds);
  }

  countActorRestart(actor: string): void {
    this.actorRestarts.inc({ actor });
  }

  countHttpRequest(method: string, route: string, status: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
  }

  countAuthRefusal(reason: 'missing' | 'invalid'): void {
    this.authRefusals.inc({ reason });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  private collectTicks(): void {
    const now = this.source?.ticks() ?? this.ticksSeen;
    // A counter only rises; a source that went backwards (a new node) counts from its new value.
    if (now > this.ticksSeen) this.ticks.inc(now - this.ticksSeen);
    this.ticksSeen = now;
  }

  private collectOpenOrders(): void {
    this.openOrdersGauge.reset();
    const counts = new Map<OrderStatus, number>();
    for (const s of this.openOrders.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const [status, n] of counts) this.openOrdersGauge.set({ status }, n);
  }

  private collectBreakers(): void {
    this.breakerState.reset();
    // The source is authoritative; before there is one, the last transition seen on the bus.
    const states = this.source ? this.source.breakers().map((b) => [b.scope, b.state] as const) : [...this.breakersSeen];
    for (const [scope, state] of states) this.breakerState.set({ scope }, BREAKER_LEVEL[state]);
  }

  private collectVar(): void {
    const report = this.source?.latestVar() ?? null;
    this.varLoss.reset();
    if (!report) return;
    for (const r of report.results) this.varLoss.set({ method: r.method, confidence: String(r.confidence) }, r.var.toNumber());
  }
}
