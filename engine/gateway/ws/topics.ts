import { randomUUID } from 'node:crypto';
import type { BusMessages } from '../../bus.js';
import { InputError } from '../../domain/errors.js';
import type { Bar } from '../../domain/market.js';
import { OPEN_ORDER_STATUSES, isTerminal, type Order } from '../../domain/orders.js';
import type { EngineControl } from '../control.js';
import { breakerToJson, orderToJson, pnlToJson, positionToJson, signalToJson, strategyToJson } from '../wire.js';
import { Batch, Frame } from './frames.js';
import { Ring } from './ring.js';
import { BARS_PREFIX, topicProblem, type StaticTopic } from './topicNames.js';
import { barToJson, fillToJson } from './wire.js';

/** One subscriber: a WebSocket connection. */
export interface TopicSink {
  /**
   * Frames in publish order. Must neither throw nor wait: a sink that cannot
   * keep up closes itself and calls `detachAll`.
   */
  deliver(batch: Batch): void;
}

export interface TopicHubOptions {
  readonly control: EngineControl;
  /** Deltas kept per topic for clients resuming from a seq (default 1000). */
  readonly bufferSize?: number;
  /** Fills and signals kept for their snapshots (default 100). */
  readonly snapshotItems?: number;
  /** At most one pnl delta per this many ms of engine time (default 0: one per fill). */
  readonly pnlMinIntervalMs?: number;
  /** Distinct bars:SYMBOL topics the hub will hold (default 1000). */
  readonly maxBarTopics?: number;
  /** Wall clock stamped on deltas as `sentAt` (default Date.now). */
  readonly now?: () => number;
  /** Identifies this hub's seq numbering; a resume from another epoch gets a snapshot (default a random UUID). */
  readonly epoch?: string;
  /** How a fan-out is deferred off the publisher's call (default setImmediate). */
  readonly schedule?: (flush: () => void) => void;
}

interface Topic {
  readonly name: string;
  readonly quoted: string;
  seq: number;
  readonly ring: Ring<Frame>;
  readonly sinks: Set<TopicSink>;
  /** The snapshot's `data` as JSON text. */
  readonly snapshot: () => string;
}

interface BarTopic extends Topic {
  readonly symbol: string;
  last: string;
}

interface Group {
  readonly topics: ReadonlySet<Topic>;
  readonly sinks: Set<TopicSink>;
}

export type SubscribeOutcome = 'snapshot' | 'resumed';

/**
 * The live state behind `/ws`. It listens to the engine bus and keeps, per
 * topic, a seq that grows by one per delta and a bounded ring of the last
 * deltas, each serialised once. Publishing costs the engine one
 * serialisation and an array push whatever the number of clients: the
 * fan-out runs later (setImmediate), once per group of connections that share
 * a subscription set, so the engine never waits for a socket.
 *
 * Snapshots come from state the hub keeps in step with the bus (open orders,
 * the last fills, signals and bar) or from EngineControl (positions, pnl,
 * strategies, breakers), so a snapshot with seq N reflects exactly deltas 1..N.
 */
export class TopicHub {
  readonly epoch: string;
  private readonly control: EngineControl;
  private readonly bufferSize: number;
  private readonly maxBarTopics: number;
  private readonly pnlMinIntervalMs: number;
  private readonly now: () => number;
  private readonly schedule: (flush: () => void) => void;
  private readonly topics = new Map<string, Topic>();
  private readonly barTopics = new Map<string, BarTopic>();
  private readonly watchedSymbols = new Set<string>();
  /** clientOrderId → JSON of an order not yet terminal (insertion order ≈ creation order). */
  private readonly openOrders = new Map<string, string>();
  /** Orders the bus reported before `load` finished reading the store (the bus is newer); dropped after. */
  private ordersSeen: Set<string> | undefined = new Set();
  private readonly recentFills: Ring<{ id: string; json: string }>;
  private readonly recentSignals: Ring<{ id: string; json: string }>;
  private readonly memberships = new Map<TopicSink, Set<Topic>>();
  private readonly sinkGroups = new Map<TopicSink, Group>();
  private readonly groups = new Map<string, Group>();
  private pending: Array<{ topic: Topic; frame: Frame }> = [];
  private flushScheduled = false;
  private lastPnlTs = Number.NEGATIVE_INFINITY;
  private pnlDirty = false;
  private closed = false;
  private readonly unsubscribes: Array<() => void> = [];

  constructor(opts: TopicHubOptions) {
    this.control = opts.control;
    this.bufferSize = positiveInt(opts.bufferSize ?? 1000, 'bufferSize');
    this.maxBarTopics = positiveInt(opts.maxBarTopics ?? 1000, 'maxBarTopics');
    const items = positiveInt(opts.snapshotItems ?? 100, 'snapshotItems');
    this.recentFills = new Ring(items);
    this.recentSignals = new Ring(items);
    this.pnlMinIntervalMs = opts.pnlMinIntervalMs ?? 0;
    if (!(this.pnlMinIntervalMs >= 0)) throw new InputError('pnlMinIntervalMs', `must be a non-negative number, got ${this.pnlMinIntervalMs}`);
    this.now = opts.now ?? Date.now;
    this.epoch = opts.epoch ?? randomUUID();
    this.schedule = opts.schedule ?? ((f) => void setImmediate(f));

    const c = this.control;
    const list = (items: Iterable<string>) => `[${[...items].join(',')}]`;
    this.addTopic('orders', () => list(this.openOrders.values()));
    this.addTopic('fills', () => list(this.recentFills.slice().map((f) => f.json)));
    this.addTopic('signals', () => list(this.recentSignals.slice().map((s) => s.json)));
    this.addTopic('positions', () => JSON.stringify(c.positions().map(positionToJson)));
    this.addTopic('pnl', () => JSON.stringify(pnlToJson(c.pnl())));
    this.addTopic('strategies', () => JSON.stringify(c.strategies().map(strategyToJson)));
    this.addTopic('breaker', () => JSON.stringify(c.breakers().map(breakerToJson)));

    const bus = c.bus;
    this.unsubscribes.push(
      bus.subscribe('order.updated', (o) => this.onOrder(o)),
      bus.subscribe('fill.booked', (m) => this.onFill(m)),
      bus.subscribe('signal.decided', (s) => this.onSignal(s)),
      bus.subscribe('strategy.state', (m) => this.onStrategy(m)),
      bus.subscribe('breaker.state', (m) => this.onBreaker(m)),
    );
  }

  /**
   * Seed the snapshots with what the store already holds (open orders, the
   * last fills and signals). Whatever the bus said meanwhile is newer and wins.
   */
  async load(): Promise<void> {
    const store = this.control.store;
    const [orders, fills, signals] = await Promise.all([store.listOrders({ status: OPEN_ORDER_STATUSES }), store.listFills(), store.listSignals()]);
    const busOrders = new Map(this.openOrders);
    this.openOrders.clear();
    const seen = this.ordersSeen ?? new Set<string>();
    this.ordersSeen = undefined;
    for (const o of orders) if (!seen.has(o.clientOrderId)) this.openOrders.set(o.clientOrderId, JSON.stringify(orderToJson(o)));
    for (const [id, json] of busOrders) this.openOrders.set(id, json);
    reseed(this.recentFills, fills.map((f) => ({ id: f.fillId, json: JSON.stringify(fillToJson(f, null)) })));
    reseed(this.recentSignals, signals.map((s) => ({ id: s.signalId, json: JSON.stringify(signalToJson(s)) })));
  }

  /** Stop listening to the bus; pending frames are dropped. */
  close(): void {
    this.closed = true;
    for (const u of this.unsubscribes.splice(0)) u();
    this.pending = [];
  }

  /** Current seq of a topic (0 before its first delta). */
  seq(name: string): number {
    return this.topics.get(name)?.seq ?? 0;
  }

  /** Whether any client watches bars of this symbol; the node calls `onBar` only then. O(1). */
  wantsBars(symbol: string): boolean {
    return this.watchedSymbols.has(symbol);
  }

  /** A bar for `bars:SYMBOL` subscribers (see `wantsBars`). */
  onBar(bar: Bar): void {
    const topic = this.barTopics.get(bar.symbol);
    if (topic === undefined || topic.sinks.size === 0) return;
    topic.last = JSON.stringify(barToJson(bar));
    this.publish(topic, topic.last);
  }

  /**
   * Subscribe `sink` to a topic and hand it, synchronously, either a snapshot
   * or — when `resume.since` is still covered by the ring and the epoch
   * matches — a `resumed` frame and the deltas after `since`. Live deltas
   * follow, none missed and none repeated.
   */
  subscribe(sink: TopicSink, name: string, resume?: { readonly since: number; readonly epoch?: string }): SubscribeOutcome {
    const topic = this.topicFor(name);
    // Whatever is pending predates what this sink is about to receive.
    this.flush();
    const since = resume?.since;
    const resumable =
      since !== undefined &&
      (resume?.epoch === undefined || resume.epoch === this.epoch) &&
      Number.isSafeInteger(since) &&
      since <= topic.seq &&
      since >= topic.seq - topic.ring.length;
    let batch: Batch;
    if (resumable) {
      const missed = topic.ring.slice(topic.ring.length - (topic.seq - since));
      batch = new Batch([new Frame(`{"type":"resumed","topic":${topic.quoted},"since":${since},"seq":${topic.seq}}`), ...missed]);
    } else {
      const resumedField = resume === undefined ? '' : ',"resumed":false';
      batch = new Batch([new Frame(`{"type":"snapshot","topic":${topic.quoted},"seq":${topic.seq},"epoch":${JSON.stringify(this.epoch)}${resumedField},"data":${topic.snapshot()}}`)]);
    }
    const members = this.memberships.get(sink) ?? new Set<Topic>();
    members.add(topic);
    this.memberships.set(sink, members);
    this.attach(sink, topic);
    this.regroup(sink);
    sink.deliver(batch);
    return resumable ? 'resumed' : 'snapshot';
  }

  unsubscribe(sink: TopicSink, name: string): void {
    const topic = this.topics.get(name);
    const members = this.memberships.get(sink);
    if (!topic || !members?.delete(topic)) return;
    this.detach(sink, topic);
    if (members.size === 0) this.memberships.delete(sink);
    this.regroup(sink);
  }

  /** Drop every subscription of a sink (its connection closed). */
  detachAll(sink: TopicSink): void {
    const members = this.memberships.get(sink);
    if (!members) return;
    this.memberships.delete(sink);
    for (const topic of members) this.detach(sink, topic);
    this.regroup(sink);
  }

  /** Topics a sink is subscribed to. */
  subscriptions(sink: TopicSink): string[] {
    return [...(this.memberships.get(sink) ?? [])].map((t) => t.name);
  }

  /**
   * Deliver pending deltas now. Runs by itself after each publish burst;
   * public so that tests and a subscribe can force it.
   */
  flush(): void {
    if (this.pnlDirty && !this.closed) this.publishPnl();
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    for (const group of this.groups.values()) {
      let frames: Frame[] | undefined;
      for (const p of pending) if (group.topics.has(p.topic)) (frames ??= []).push(p.frame);
      if (frames === undefined) continue;
      const batch = new Batch(frames);
      // A copy: a sink that closes itself leaves the group while this loop runs.
      for (const sink of [...group.sinks]) sink.deliver(batch);
    }
  }

  private addTopic(name: string, snapshot: () => string): Topic {
    const topic: Topic = { name, quoted: JSON.stringify(name), seq: 0, ring: new Ring<Frame>(this.bufferSize), sinks: new Set(), snapshot };
    this.topics.set(name, topic);
    return topic;
  }

  private topicFor(name: string): Topic {
    const problem = topicProblem(name);
    if (problem !== null) throw new InputError('topic', problem);
    const existing = this.topics.get(name);
    if (existing) return existing;
    if (this.barTopics.size >= this.maxBarTopics) throw new InputError('topic', `too many bar topics on this server (limit ${this.maxBarTopics})`);
    const symbol = name.slice(BARS_PREFIX.length);
    const topic: BarTopic = {
      name,
      quoted: JSON.stringify(name),
      seq: 0,
      ring: new Ring<Frame>(this.bufferSize),
      sinks: new Set(),
      symbol,
      last: 'null',
      snapshot: () => topic.last,
    };
    this.topics.set(name, topic);
    this.barTopics.set(symbol, topic);
    return topic;
  }

  private attach(sink: TopicSink, topic: Topic): void {
    topic.sinks.add(sink);
    if (isBarTopic(topic)) this.watchedSymbols.add(topic.symbol);
  }

  private detach(sink: TopicSink, topic: Topic): void {
    topic.sinks.delete(sink);
    if (isBarTopic(topic) && topic.sinks.size === 0) {
      // Nobody watches: the node stops sending these bars, so the history has a
      // hole. A seq step without a delta makes every later resume a snapshot.
      this.watchedSymbols.delete(topic.symbol);
      topic.seq++;
      topic.ring.clear();
      topic.last = 'null';
    }
  }

  private regroup(sink: TopicSink): void {
    const old = this.sinkGroups.get(sink);
    if (old) {
      old.sinks.delete(sink);
      this.sinkGroups.delete(sink);
      if (old.sinks.size === 0) this.groups.delete(groupKey(old.topics));
    }
    const members = this.memberships.get(sink);
    if (!members || members.size === 0) return;
    const key = groupKey(members);
    let group = this.groups.get(key);
    if (!group) {
      group = { topics: new Set(members), sinks: new Set() };
      this.groups.set(key, group);
    }
    group.sinks.add(sink);
    this.sinkGroups.set(sink, group);
  }

  private publish(topic: Topic, dataJson: string): void {
    if (this.closed) return;
    topic.seq++;
    const frame = new Frame(`{"type":"delta","topic":${topic.quoted},"seq":${topic.seq},"sentAt":${this.now()},"data":${dataJson}}`);
    topic.ring.push(frame);
    if (topic.sinks.size === 0) return;
    this.pending.push({ topic, frame });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    this.schedule(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private byName(name: StaticTopic): Topic {
    return this.topics.get(name)!;
  }

  private onOrder(order: Order): void {
    const json = JSON.stringify(orderToJson(order));
    this.ordersSeen?.add(order.clientOrderId);
    if (isTerminal(order.status)) this.openOrders.delete(order.clientOrderId);
    else this.openOrders.set(order.clientOrderId, json);
    this.publish(this.byName('orders'), json);
  }

  private onFill(m: BusMessages['fill.booked']): void {
    const fill = JSON.stringify(fillToJson(m.fill, m.order.strategyId));
    this.recentFills.push({ id: m.fill.fillId, json: fill });
    this.publish(this.byName('fills'), fill);
    this.publish(this.byName('positions'), JSON.stringify(positionToJson(m.position)));
    // P&L costs a full revaluation: once per flush, however many fills the burst had.
    this.pnlDirty = true;
    this.scheduleFlush();
  }

  private publishPnl(): void {
    this.pnlDirty = false;
    const pnl = this.control.pnl();
    if (this.lastPnlTs !== Number.NEGATIVE_INFINITY && pnl.ts - this.lastPnlTs < this.pnlMinIntervalMs) return;
    this.lastPnlTs = pnl.ts;
    this.publish(this.byName('pnl'), JSON.stringify(pnlToJson(pnl)));
  }

  private onSignal(record: BusMessages['signal.decided']): void {
    const json = JSON.stringify(signalToJson(record));
    this.recentSignals.push({ id: record.signalId, json });
    this.publish(this.byName('signals'), json);
  }

  private onStrategy(m: BusMessages['strategy.state']): void {
    const status = this.control.strategies().find((s) => s.id === m.strategyId);
    // A strategy the control does not list (yet) still gets its change through.
    const data = status ? strategyToJson(status) : { id: m.strategyId, state: m.state, haltReason: m.reason };
    this.publish(this.byName('strategies'), JSON.stringify(data));
  }

  private onBreaker(m: BusMessages['breaker.state']): void {
    const status = this.control.breakers().find((b) => b.scope === m.scope);
    const data = status ? breakerToJson(status) : { scope: m.scope, state: m.state, reason: m.reason, detail: null, manual: false };
    this.publish(this.byName('breaker'), JSON.stringify(data));
  }
}

function isBarTopic(t: Topic): t is BarTopic {
  return 'symbol' in t;
}

function groupKey(topics: Iterable<Topic>): string {
  return [...topics]
    .map((t) => t.name)
    .sort()
    .join('\n');
}

function positiveInt(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 1) throw new InputError(field, `must be a positive integer, got ${n}`);
  return n;
}

/** Put the store's items (oldest first) before those the bus already delivered, without duplicates. */
function reseed(ring: Ring<{ id: string; json: string }>, fromStore: ReadonlyArray<{ id: string; json: string }>): void {
  const fromBus = ring.slice();
  const seen = new Set(fromBus.map((x) => x.id));
  const merged = [...fromStore.filter((x) => !seen.has(x.id)), ...fromBus];
  ring.clear();
  for (const x of merged.slice(-ring.capacity)) ring.push(x);
}
