import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../engine/domain/errors.js';
import { equity } from '../../../engine/domain/instrument.js';
import type { Bar } from '../../../engine/domain/market.js';
import { Decimal } from '../../../engine/domain/money.js';
import type { Fill, Order, OrderStatus } from '../../../engine/domain/orders.js';
import type { SignalRecord } from '../../../engine/domain/signal.js';
import type { Batch } from '../../../engine/gateway/ws/frames.js';
import { topicProblem } from '../../../engine/gateway/ws/topicNames.js';
import { TopicHub, type TopicHubOptions, type TopicSink } from '../../../engine/gateway/ws/topics.js';
import { FakeControl } from './fakeControl.js';

type Json = Record<string, unknown>;

const T0 = Date.UTC(2025, 0, 6, 21, 0);

function order(id: string, status: OrderStatus = 'submitted', ts = T0): Order {
  return {
    clientOrderId: id,
    strategyId: 'dip',
    symbol: 'SPY',
    instrument: equity('SPY'),
    side: 'buy',
    quantity: 10,
    type: 'market',
    limitPrice: null,
    status,
    filledQuantity: status === 'filled' ? 10 : 0,
    avgFillPrice: status === 'filled' ? new Decimal('101.5') : null,
    brokerOrderId: null,
    reason: 'test',
    rejectReason: null,
    signalId: null,
    createdAt: ts,
    updatedAt: ts,
  };
}

function fill(id: string, ts = T0): Fill {
  return { fillId: id, clientOrderId: `o-${id}`, symbol: 'SPY', side: 'buy', quantity: 10, price: new Decimal('101.5'), commission: new Decimal('0.35'), ts };
}

function signal(id: string): SignalRecord {
  return { signalId: id, strategyId: 'dip', symbol: 'SPY', kind: 'entry', ts: T0, strength: 80, score: 75, threshold: 60, decision: 'accepted', reason: 'accepted', features: { z: -2.1 }, clientOrderId: null, grade: 'good', components: null, dataQuality: null, outcome: null };
}

function bar(symbol: string, close: number, ts = T0): Bar {
  return { symbol, timeframe: '1d', ts, open: close, high: close + 1, low: close - 1, close, volume: 1000 };
}

/** A sink that parses what it is given; flushes are run by the test, never by a timer. */
class Recorder implements TopicSink {
  readonly frames: Json[] = [];
  readonly batches: Batch[] = [];
  deliver(batch: Batch): void {
    this.batches.push(batch);
    for (const f of batch.frames) this.frames.push(JSON.parse(f.text) as Json);
  }
  of(type: string, topic?: string): Json[] {
    return this.frames.filter((f) => f.type === type && (topic === undefined || f.topic === topic));
  }
}

function makeHub(opts: Partial<TopicHubOptions> = {}) {
  const control = new FakeControl();
  const scheduled: Array<() => void> = [];
  const hub = new TopicHub({ control, epoch: 'e1', now: () => 42, schedule: (f) => scheduled.push(f), ...opts });
  return { control, hub, scheduled };
}

describe('topic names', () => {
  it('accepts the fixed topics and bars:SYMBOL, and names what is wrong otherwise', () => {
    for (const t of ['orders', 'fills', 'positions', 'pnl', 'strategies', 'breaker', 'signals', 'bars:SPY', 'bars:BRK.B']) expect(topicProblem(t)).toBeNull();
    expect(topicProblem('trades')).toMatch(/unknown topic "trades"; topics are orders, fills/);
    expect(topicProblem('bars:spy')).toMatch(/bad symbol "spy"/);
    expect(topicProblem('bars:')).toMatch(/bad symbol ""/);
  });
});

describe('TopicHub', () => {
  it('gives each topic a seq that grows by one per delta, and delivers in publish order after a snapshot', () => {
    const { control, hub, scheduled } = makeHub();
    const sink = new Recorder();
    expect(hub.subscribe(sink, 'orders')).toBe('snapshot');
    hub.subscribe(sink, 'signals');
    control.bus.publish('order.updated', order('a'));
    control.bus.publish('signal.decided', signal('s1'));
    control.bus.publish('order.updated', order('a', 'filled'));
    control.bus.publish('order.updated', order('b'));
    expect(sink.of('delta')).toHaveLength(0); // nothing is sent on the publisher's call
    expect(scheduled).toHaveLength(1); // one deferred flush for the whole burst
    scheduled[0]!();
    expect(sink.frames.map((f) => [f.type, f.topic, f.seq])).toEqual([
      ['snapshot', 'orders', 0],
      ['snapshot', 'signals', 0],
      ['delta', 'orders', 1],
      ['delta', 'signals', 1],
      ['delta', 'orders', 2],
      ['delta', 'orders', 3],
    ]);
    const delta = sink.of('delta', 'orders')[1]!;
    expect(delta.sentAt).toBe(42);
    expect(delta.data).toMatchObject({ clientOrderId: 'a', status: 'filled', avgFillPrice: '101.5', createdAt: new Date(T0).toISOString() });
    expect(hub.seq('orders')).toBe(3);
  });

  it('serialises a delta once: connections with the same subscriptions share one batch', () => {
    const { control, hub } = makeHub();
    const a = new Recorder();
    const b = new Recorder();
    const other = new Recorder();
    for (const s of [a, b]) hub.subscribe(s, 'orders');
    hub.subscribe(other, 'orders');
    hub.subscribe(other, 'fills');
    control.bus.publish('order.updated', order('a'));
    hub.flush();
    expect(a.batches[1]).toBe(b.batches[1]);
    expect(a.batches[1]!.frames[0]).toBe(other.batches[2]!.frames[0]);
  });

  it('sends snapshots of open orders only, and load() adds the store’s open orders under newer bus updates', async () => {
    const { control, hub } = makeHub();
    await control.store.insertOrder(order('stored-open', 'submitted', T0 - 1));
    await control.store.insertOrder(order('closed-on-bus', 'submitted', T0 - 1));
    control.bus.publish('order.updated', order('closed-on-bus', 'cancelled'));
    control.bus.publish('order.updated', order('live'));
    await hub.load();
    const sink = new Recorder();
    hub.subscribe(sink, 'orders');
    const snap = sink.of('snapshot')[0]!;
    expect(snap).toMatchObject({ seq: 2, epoch: 'e1' });
    expect((snap.data as Json[]).map((o) => o.clientOrderId)).toEqual(['stored-open', 'live']);
    expect(snap).not.toHaveProperty('resumed');
  });

  it('books a fill as fills and positions deltas, and pnl once per flush and at most once per pnlMinIntervalMs of engine time', () => {
    const { control, hub, scheduled } = makeHub({ pnlMinIntervalMs: 1000 });
    const sink = new Recorder();
    for (const t of ['fills', 'positions', 'pnl']) hub.subscribe(sink, t);
    const position = { symbol: 'SPY', quantity: 10, avgCost: new Decimal('101.5'), realizedPnl: new Decimal('-0.35'), updatedAt: T0 };
    let pnlReads = 0;
    const pnl = control.pnl.bind(control);
    control.pnl = () => (pnlReads++, pnl());
    const book = (id: string, ts: number) => {
      control.pnlSnapshot = { ...control.pnlSnapshot, ts };
      control.bus.publish('fill.booked', { fill: fill(id, ts), order: order(`o-${id}`, 'filled', ts), position });
    };
    pnlReads = 0;
    book('f1', T0);
    book('f2', T0 + 10);
    expect(pnlReads).toBe(0); // nothing revalued on the engine's call
    expect(scheduled).toHaveLength(1);
    scheduled.shift()!();
    expect(pnlReads).toBe(1);
    book('f3', T0 + 500);
    hub.flush();
    book('f4', T0 + 1500);
    hub.flush();
    expect(sink.of('delta', 'fills').map((f) => (f.data as Json).fillId)).toEqual(['f1', 'f2', 'f3', 'f4']);
    expect(sink.of('delta', 'fills')[0]!.data).toMatchObject({ strategyId: 'dip', price: '101.5', commission: '0.35' });
    expect(sink.of('delta', 'positions')[0]!.data).toMatchObject({ symbol: 'SPY', quantity: 10, avgCost: '101.5', realizedPnl: '-0.35' });
    expect(sink.of('delta', 'pnl').map((f) => (f.data as Json).ts)).toEqual([new Date(T0 + 10).toISOString(), new Date(T0 + 1500).toISOString()]);
  });

  it('keeps the last snapshotItems fills and signals for their snapshots', () => {
    const { control, hub } = makeHub({ snapshotItems: 2 });
    for (const id of ['s1', 's2', 's3']) control.bus.publish('signal.decided', signal(id));
    const sink = new Recorder();
    hub.subscribe(sink, 'signals');
    expect((sink.of('snapshot')[0]!.data as Json[]).map((s) => s.signalId)).toEqual(['s2', 's3']);
  });

  it('publishes strategy and breaker changes as the control’s full status', () => {
    const { control, hub } = makeHub();
    const sink = new Recorder();
    hub.subscribe(sink, 'strategies');
    hub.subscribe(sink, 'breaker');
    expect(sink.of('snapshot', 'strategies')[0]!.data).toEqual([expect.objectContaining({ id: 'dip', state: 'running', universe: ['SPY'] })]);
    control.strategyList = [{ ...control.strategyList[0]!, state: 'halted', haltReason: 'operator' }];
    control.bus.publish('strategy.state', { strategyId: 'dip', state: 'halted', reason: 'operator' });
    control.breakerList = [{ scope: 'global', state: 'open', reason: 'daily_loss', detail: '-6%', manual: false }];
    control.bus.publish('breaker.state', { scope: 'global', state: 'open', reason: 'daily_loss' });
    hub.flush();
    expect(sink.of('delta', 'strategies')[0]!.data).toMatchObject({ id: 'dip', state: 'halted', haltReason: 'operator', timeframe: '1d' });
    expect(sink.of('delta', 'breaker')[0]!.data).toEqual({ scope: 'global', state: 'open', reason: 'daily_loss', detail: '-6%', manual: false });
  });

  it('resumes from a seq still in the ring with exactly the missed deltas, and snapshots an older one', () => {
    const { control, hub } = makeHub({ bufferSize: 5 });
    for (let i = 1; i <= 12; i++) control.bus.publish('order.updated', order(`o${i}`));
    const fresh = new Recorder();
    expect(hub.subscribe(fresh, 'orders', { since: 7, epoch: 'e1' })).toBe('resumed');
    expect(fresh.frames.map((f) => f.type === 'resumed' ? `resumed ${String(f.since)}..${String(f.seq)}` : f.seq)).toEqual(['resumed 7..12', 8, 9, 10, 11, 12]);
    const old = new Recorder();
    expect(hub.subscribe(old, 'orders', { since: 6 })).toBe('snapshot');
    expect(old.frames[0]).toMatchObject({ type: 'snapshot', seq: 12, resumed: false });
    const ahead = new Recorder();
    expect(hub.subscribe(ahead, 'orders', { since: 13 })).toBe('snapshot');
    const current = new Recorder();
    expect(hub.subscribe(current, 'orders', { since: 12 })).toBe('resumed');
    expect(current.frames).toEqual([{ type: 'resumed', topic: 'orders', since: 12, seq: 12 }]);
  });

  it('answers a resume from another epoch (a restarted server) with a snapshot', () => {
    const { control, hub } = makeHub();
    control.bus.publish('order.updated', order('a'));
    const sink = new Recorder();
    expect(hub.subscribe(sink, 'orders', { since: 0, epoch: 'previous-process' })).toBe('snapshot');
    expect(sink.frames[0]).toMatchObject({ type: 'snapshot', resumed: false, seq: 1 });
  });

  it('property: a client that reconnects with its last seq rebuilds the open orders exactly, never seeing a gap or a duplicate', () => {
    const step = fc.record({ connected: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 8 }), away: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 12 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(step, { minLength: 1, maxLength: 6 }), (bufferSize, steps) => {
        const { control, hub } = makeHub({ bufferSize });
        const publish = ([n, done]: [number, boolean]) => control.bus.publish('order.updated', order(`o${n}`, done ? 'filled' : 'submitted'));
        const known = new Map<string, Json>();
        let lastSeq: number | undefined;
        for (const s of steps) {
          const sink = new Recorder();
          const outcome = hub.subscribe(sink, 'orders', lastSeq === undefined ? undefined : { since: lastSeq, epoch: 'e1' });
          for (const p of s.connected) publish(p);
          hub.flush();
          for (const f of sink.frames) {
            if (f.type === 'snapshot') {
              known.clear();
              for (const o of f.data as Json[]) known.set(o.clientOrderId as string, o);
              lastSeq = f.seq as number;
            } else if (f.type === 'resumed') {
              expect(f.since).toBe(lastSeq);
            } else {
              expect(f.seq).toBe((lastSeq ?? 0) + 1);
              lastSeq = f.seq as number;
              const o = f.data as Json;
              if (o.status === 'filled') known.delete(o.clientOrderId as string);
              else known.set(o.clientOrderId as string, o);
            }
          }
          if (outcome === 'snapshot' && sink.frames[0]!.resumed === false) expect(sink.frames[0]!.seq).toBeGreaterThan(bufferSize);
          expect(lastSeq).toBe(hub.seq('orders'));
          const truth = new Recorder();
          hub.subscribe(truth, 'orders');
          expect([...known.values()].map((o) => o.clientOrderId).sort()).toEqual((truth.frames[0]!.data as Json[]).map((o) => o.clientOrderId).sort());
          hub.detachAll(truth);
          hub.detachAll(sink);
          for (const p of s.away) publish(p);
        }
      }),
    );
  });

  it('publishes bars only for watched symbols; when the last watcher leaves, a resume gets a snapshot', () => {
    const { hub } = makeHub();
    expect(hub.wantsBars('SPY')).toBe(false);
    hub.onBar(bar('SPY', 100));
    const sink = new Recorder();
    hub.subscribe(sink, 'bars:SPY');
    expect(sink.frames[0]).toMatchObject({ type: 'snapshot', topic: 'bars:SPY', seq: 0, data: null });
    expect(hub.wantsBars('SPY')).toBe(true);
    expect(hub.wantsBars('QQQ')).toBe(false);
    hub.onBar(bar('SPY', 101));
    hub.onBar(bar('SPY', 102, T0 + 86_400_000));
    hub.flush();
    expect(sink.of('delta').map((f) => (f.data as Json).close)).toEqual([101, 102]);
    const late = new Recorder();
    hub.subscribe(late, 'bars:SPY');
    expect(late.frames[0]).toMatchObject({ seq: 2, data: { symbol: 'SPY', close: 102, timeframe: '1d' } });
    hub.unsubscribe(sink, 'bars:SPY');
    hub.detachAll(late);
    expect(hub.wantsBars('SPY')).toBe(false);
    const back = new Recorder();
    expect(hub.subscribe(back, 'bars:SPY', { since: 2 })).toBe('snapshot');
    expect(back.frames[0]).toMatchObject({ seq: 3, resumed: false, data: null });
  });

  it('refuses a bad topic and more bar topics than configured, with InputError', () => {
    const { hub } = makeHub({ maxBarTopics: 1 });
    const sink = new Recorder();
    expect(() => hub.subscribe(sink, 'nope')).toThrow(InputError);
    hub.subscribe(sink, 'bars:SPY');
    expect(() => hub.subscribe(sink, 'bars:QQQ')).toThrow(/too many bar topics/);
    expect(hub.subscriptions(sink)).toEqual(['bars:SPY']);
  });

  it('keeps delivering to the others when a sink drops itself mid-flush', () => {
    const { control, hub } = makeHub();
    const quitter: TopicSink = { deliver: (b) => b.frames.some((f) => f.text.startsWith('{"type":"delta"')) && hub.detachAll(quitter) };
    const stayer = new Recorder();
    hub.subscribe(quitter, 'orders');
    hub.subscribe(stayer, 'orders');
    control.bus.publish('order.updated', order('a'));
    hub.flush();
    control.bus.publish('order.updated', order('b'));
    hub.flush();
    expect(stayer.of('delta').map((f) => f.seq)).toEqual([1, 2]);
    expect(hub.subscriptions(quitter)).toEqual([]);
  });

  it('stops listening to the bus when closed', () => {
    const { control, hub } = makeHub();
    hub.close();
    control.bus.publish('order.updated', order('a'));
    expect(hub.seq('orders')).toBe(0);
  });
});
