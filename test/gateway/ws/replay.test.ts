import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/domain/market.js';
import { bundledDataRoot, loadBars } from '../../../engine/market/barLoader.js';
import { TOKEN } from './fakeControl.js';
import { NodeControl, startReplay } from './nodeRig.js';
import { TestClient, isType, serve, type Json, type Served } from './wsHarness.js';


/**
 * The proof, against a real TradingNode replaying the bundled data:
 * subscribe, receive a snapshot and ordered deltas, disconnect, resume from
 * the last seq without gaps or duplicates, and halt the strategy by command.
 */
describe('WebSocket clients during a replay', () => {
  let served: Served<NodeControl>;
  let bars: Bar[];
  const control = new NodeControl();
  let hubRef: Served<NodeControl>['hub'] | undefined;
  const rig = startReplay(control, { onBar: (b) => (hubRef?.wantsBars(b.symbol) ? hubRef.onBar(b) : undefined) });
  const BARS = `bars:${rig.rules.universe[0]!}`;
  const TOPICS = ['orders', 'fills', 'signals', 'strategies', BARS];
  /** Every order update the engine published, in order: the truth the client must rebuild. */
  const published: string[] = [];
  control.bus.subscribe('order.updated', (o) => published.push(`${o.clientOrderId}:${o.status}`));

  beforeAll(async () => {
    bars = await loadBars({ roots: [bundledDataRoot()], symbols: rig.rules.universe, timeframe: '1d' });
    served = await serve({ control, hub: { bufferSize: 5000 } });
    hubRef = served.hub;
  });
  afterAll(async () => {
    await served.close();
    await rig.node.stop();
  });

  const sessionDeltas = (c: TestClient, topic: string) => c.frames.filter((f) => f.type === 'delta' && f.topic === topic);
  const waitCaughtUp = async (c: TestClient) => {
    for (const t of TOPICS) {
      const seq = served.hub.seq(t);
      if (seq > 0 && t !== BARS) await c.waitFor(isType('delta', { topic: t, seq }));
    }
  };

  it('resumes from its seqs after a disconnect without gaps or duplicates, and a command halts the strategy', async () => {
    const third = Math.floor(bars.length / 3);
    const first = await TestClient.connect(served.url('/ws?batch=1'), { authorization: `Bearer ${TOKEN}` });
    first.send({ op: 'subscribe', topics: [...TOPICS] });
    await first.waitFor(isType('snapshot', { topic: BARS }));
    const epoch = (first.frames.find(isType('hello'))!).epoch as string;

    await rig.replay(bars.slice(0, third));
    await waitCaughtUp(first);
    expect(sessionDeltas(first, 'orders').length).toBeGreaterThan(10);
    expect(sessionDeltas(first, BARS).length).toBeGreaterThan(10);
    // An operator halts the strategy and lets it go again: each change arrives on the strategies topic.
    expect(control.strategies()[0]).toMatchObject({ id: 'wsb-dip-bot', state: 'running' });
    const before = first.frames.length;
    first.send({ op: 'command', id: 'halt-1', command: { type: 'halt_strategy', strategyId: 'wsb-dip-bot', reason: 'operator test' } });
    expect(await first.waitFor(isType('ack', { id: 'halt-1' }), before)).toMatchObject({ ok: true, result: { id: 'wsb-dip-bot', state: 'halted' } });
    expect((await first.waitFor(isType('delta', { topic: 'strategies' }), before)).data).toMatchObject({ id: 'wsb-dip-bot', state: 'halted', haltReason: 'operator test' });
    first.send({ op: 'command', id: 'resume-1', command: { type: 'resume_strategy', strategyId: 'wsb-dip-bot' } });
    await first.waitFor(isType('ack', { id: 'resume-1', ok: true }), before);
    await first.waitFor((f) => f.type === 'delta' && f.topic === 'strategies' && (f.data as Json).state === 'running', before);
    expect(await control.store.listEvents({ category: 'command' })).toEqual([
      expect.objectContaining({ action: 'halt_strategy', actor: 'alice' }),
      expect.objectContaining({ action: 'resume_strategy', actor: 'alice' }),
    ]);

    const since: Record<string, number> = {};
    for (const t of TOPICS) since[t] = (sessionDeltas(first, t).at(-1)?.seq as number | undefined) ?? 0;
    await first.close();

    await rig.replay(bars.slice(third, 2 * third));
    const missedOrders = served.hub.seq('orders') - since.orders!;
    expect(missedOrders).toBeGreaterThan(10);

    const second = await TestClient.connect(served.url('/ws'), { authorization: `Bearer ${TOKEN}` });
    second.send({ op: 'subscribe', topics: [...TOPICS], since, epoch });
    await second.waitFor(isType('snapshot', { topic: BARS }));
    for (const t of ['orders', 'fills', 'signals'] as const) expect(second.frames.find(isType('resumed', { topic: t }))).toMatchObject({ since: since[t] });
    // Nobody watched those bars while it was away: a fresh snapshot, never a silent gap.
    expect(second.frames.find(isType('snapshot', { topic: BARS }))).toMatchObject({ resumed: false });

    await rig.replay(bars.slice(2 * third));
    await waitCaughtUp(second);
    for (const t of ['orders', 'fills', 'signals'] as const) {
      const seqs = [...sessionDeltas(first, t), ...sessionDeltas(second, t)].map((d) => d.seq as number);
      expect(seqs).toEqual(Array.from({ length: served.hub.seq(t) }, (_, i) => i + 1));
    }
    const rebuilt = [...sessionDeltas(first, 'orders'), ...sessionDeltas(second, 'orders')].map((d) => `${(d.data as Json).clientOrderId as string}:${(d.data as Json).status as string}`);
    expect(rebuilt).toEqual(published);

    await second.close();
  });
});
