import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { equity } from '../../../engine/domain/instrument.js';
import type { Order } from '../../../engine/domain/orders.js';
import { TOKEN, type FakeControl } from './fakeControl.js';
import { TestClient, isType, serve, type Json, type Served } from './wsHarness.js';

const T0 = Date.UTC(2025, 0, 6, 21, 0);

function order(id: string, reason = 'test'): Order {
  return {
    clientOrderId: id,
    strategyId: 'dip',
    symbol: 'SPY',
    instrument: equity('SPY'),
    side: 'buy',
    quantity: 1,
    type: 'market',
    limitPrice: null,
    status: 'submitted',
    filledQuantity: 0,
    avgFillPrice: null,
    brokerOrderId: null,
    reason,
    rejectReason: null,
    signalId: null,
    createdAt: T0,
    updatedAt: T0,
  };
}

const auth = { authorization: `Bearer ${TOKEN}` };
let served: Served<FakeControl> | undefined;
const clients: TestClient[] = [];

async function start(opts: Parameters<typeof serve<FakeControl>>[0] = {}): Promise<Served<FakeControl>> {
  served = await serve<FakeControl>(opts);
  return served;
}

async function connect(path = '/ws', headers: Record<string, string> = {}): Promise<TestClient> {
  const c = await TestClient.connect(served!.url(path), headers);
  clients.push(c);
  await c.waitFor(isType('hello'));
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.terminate();
  await served?.close();
  served = undefined;
});

describe('/ws', () => {
  it('greets, then sends a snapshot and the deltas in order', async () => {
    const { control } = await start();
    const c = await connect();
    expect(c.frames[0]).toMatchObject({ type: 'hello', epoch: 'test-epoch', principal: null, openReads: true, batch: false, limits: { maxMessageBytes: 65536 } });
    c.send({ op: 'subscribe', topics: ['orders', 'strategies'] });
    await c.waitFor(isType('snapshot', { topic: 'strategies' }));
    for (const id of ['a', 'b', 'c']) control.bus.publish('order.updated', order(id));
    await c.waitFor(isType('delta', { seq: 3 }));
    const deltas = c.frames.filter(isType('delta'));
    expect(deltas.map((d) => [d.seq, (d.data as Json).clientOrderId])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    c.send({ op: 'ping', id: 1 });
    expect(await c.waitFor(isType('pong'))).toEqual({ type: 'pong', id: 1 });
    c.send({ op: 'unsubscribe', topics: ['orders'] });
    expect(await c.waitFor(isType('unsubscribed'))).toEqual({ type: 'unsubscribed', topics: ['orders'] });
  });

  it('packs several frames into one message, newline-separated, with ?batch=1', async () => {
    const { control } = await start();
    const c = await connect('/ws?batch=1');
    expect(c.frames[0]).toMatchObject({ batch: true });
    c.send({ op: 'subscribe', topics: ['orders'] });
    await c.waitFor(isType('snapshot'));
    for (const id of ['a', 'b', 'c']) control.bus.publish('order.updated', order(id));
    await c.waitFor(isType('delta', { seq: 3 }));
    expect(c.messages.at(-1)!.split('\n').map((l) => (JSON.parse(l) as Json).seq)).toEqual([1, 2, 3]);
  });

  it('answers bad messages with a clear error and keeps serving that client and the others', async () => {
    const { control } = await start();
    const bad = await connect();
    const other = await connect();
    other.send({ op: 'subscribe', topics: ['orders'] });
    await other.waitFor(isType('snapshot'));
    bad.send('{"op": "subscribe", topics');
    expect(await bad.waitFor(isType('error'))).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'message' }, message: expect.stringMatching(/^message: not valid JSON/) as unknown });
    let seen = bad.frames.length;
    bad.send({ op: 'teleport', id: 'q1' });
    expect(await bad.waitFor(isType('error'), seen)).toMatchObject({ id: 'q1', code: 'INPUT_INVALID', details: { field: 'op' } });
    seen = bad.frames.length;
    bad.send({ op: 'subscribe', topics: ['orders', 'gossip'] });
    expect(await bad.waitFor(isType('error'), seen)).toMatchObject({ details: { field: 'topics.1' }, message: expect.stringMatching(/unknown topic "gossip"/) as unknown });
    seen = bad.frames.length;
    bad.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await bad.waitFor(isType('error'), seen)).toMatchObject({ message: expect.stringMatching(/binary frames are not accepted/) as unknown });
    bad.send({ op: 'subscribe', topics: ['orders'] });
    await bad.waitFor(isType('snapshot'));
    control.bus.publish('order.updated', order('a'));
    await other.waitFor(isType('delta', { seq: 1 }));
    await bad.waitFor(isType('delta', { seq: 1 }));
  });

  it('closes a client that sends an oversized message with 1009 and a reason, and serves the others', async () => {
    const { control } = await start({ limits: { maxMessageBytes: 1024 } });
    const big = await connect();
    const other = await connect();
    other.send({ op: 'subscribe', topics: ['orders'] });
    await other.waitFor(isType('snapshot'));
    big.send({ op: 'ping', pad: 'x'.repeat(2000) });
    expect(await big.waitFor(isType('error'))).toMatchObject({ code: 'MESSAGE_TOO_LARGE', message: expect.stringMatching(/over the limit of 1024 bytes/) as unknown });
    expect(await big.closed).toEqual({ code: 1009, reason: 'message too large (limit 1024 bytes)' });
    control.bus.publish('order.updated', order('a'));
    await other.waitFor(isType('delta', { seq: 1 }));
  });

  it('rate-limits a client: errors past the burst, then close 1008 when it keeps on', async () => {
    await start({ limits: { burst: 5, ratePerSecond: 1, maxStrikes: 3 }, now: () => 0 });
    const c = await connect();
    for (let i = 0; i < 9; i++) c.send({ op: 'ping', id: i });
    expect(await c.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    expect(c.frames.filter(isType('pong')).map((p) => p.id)).toEqual([0, 1, 2, 3, 4]);
    const errors = c.frames.filter(isType('error'));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ code: 'RATE_LIMITED', message: 'over 1 messages/s (burst 5); message dropped' });
  });

  it('closes a slow consumer with 1013 and a reason while a fast one receives everything', async () => {
    const { control, hub, app } = await start({ limits: { maxBufferedBytes: 64 * 1024 } });
    const slow = await connect();
    const fast = await connect();
    for (const c of [slow, fast]) c.send({ op: 'subscribe', topics: ['orders'] });
    await slow.waitFor(isType('snapshot'));
    await fast.waitFor(isType('snapshot'));
    slow.socket.pause();
    const reason = 'r'.repeat(8 * 1024);
    const slowClosed = () => [...app.websocketServer.clients].some((s) => s.readyState !== WebSocket.OPEN);
    let n = 0;
    // Fill the kernel's buffers and then ours: bounded, so a broken limit fails rather than hangs.
    while (!slowClosed() && n < 20_000) {
      for (let i = 0; i < 50; i++) control.bus.publish('order.updated', order(`o${n++}`, reason));
      await new Promise((r) => setImmediate(r));
    }
    expect(slowClosed()).toBe(true);
    for (let i = 0; i < 5; i++) control.bus.publish('order.updated', order(`after${i}`));
    const last = hub.seq('orders');
    await fast.waitFor(isType('delta', { seq: last }));
    const fastSeqs = fast.frames.filter(isType('delta')).map((d) => d.seq);
    expect(fastSeqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    slow.socket.resume();
    expect(await slow.closed).toEqual({ code: 1013, reason: 'slow consumer: over 65536 bytes unsent' });
    expect(slow.frames.filter(isType('delta')).length).toBeLessThan(last);
  });

  it('refuses more connections than configured with HTTP 503', async () => {
    await start({ limits: { maxConnections: 1 } });
    await connect();
    await expect(TestClient.connect(served!.url('/ws'))).rejects.toThrow('HTTP 503');
  });
});

describe('/ws authentication', () => {
  it('refuses a wrong token in the Authorization header or ?token= before the upgrade (HTTP 401)', async () => {
    await start({ openReads: false });
    await expect(TestClient.connect(served!.url('/ws'), { authorization: 'Bearer wrong' })).rejects.toThrow('HTTP 401');
    await expect(TestClient.connect(served!.url('/ws?token=wrong'))).rejects.toThrow('HTTP 401');
    const ok = await connect(`/ws?token=${TOKEN}`);
    expect(ok.frames[0]).toMatchObject({ principal: 'alice', openReads: false });
  });

  it('needs a token to subscribe when reads are not open; {op:auth} gives one, wrong tokens close after 3 tries', async () => {
    await start({ openReads: false });
    const c = await connect();
    c.send({ op: 'subscribe', topics: ['orders'], id: 's1' });
    expect(await c.waitFor(isType('error'))).toMatchObject({ id: 's1', code: 'UNAUTHORIZED' });
    // Sent back to back: the subscribe waits for the auth before it.
    c.send({ op: 'auth', token: TOKEN, id: 'a1' });
    c.send({ op: 'subscribe', topics: ['orders'] });
    expect(await c.waitFor(isType('authenticated'))).toEqual({ type: 'authenticated', id: 'a1', principal: 'alice' });
    await c.waitFor(isType('snapshot'));

    const guesser = await connect();
    for (let i = 0; i < 3; i++) guesser.send({ op: 'auth', token: `guess${i}` });
    expect(await guesser.closed).toEqual({ code: 1008, reason: 'too many failed authentications' });
    expect(guesser.frames.filter(isType('error', { code: 'UNAUTHORIZED', message: 'invalid token' }))).toHaveLength(3);
  });
});

describe('/ws commands', () => {
  it('acknowledges a command by id; the halt arrives on the strategies topic and is audited', async () => {
    const { control } = await start();
    const c = await connect('/ws', auth);
    c.send({ op: 'subscribe', topics: ['strategies'] });
    await c.waitFor(isType('snapshot'));
    c.send({ op: 'command', id: 'h1', command: { type: 'halt_strategy', strategyId: 'dip', reason: 'news' } });
    expect(await c.waitFor(isType('ack', { id: 'h1' }))).toEqual({ type: 'ack', id: 'h1', ok: true, result: { id: 'dip', state: 'halted' } });
    expect((await c.waitFor(isType('delta', { topic: 'strategies' }))).data).toMatchObject({ id: 'dip', state: 'halted', haltReason: 'news', haltSource: 'operator' });
    expect(control.commands).toEqual([{ command: { type: 'halt_strategy', strategyId: 'dip', reason: 'news' }, by: { subject: 'alice', method: 'token' } }]);
    expect(await control.store.listEvents({ category: 'command' })).toEqual([expect.objectContaining({ action: 'halt_strategy', actor: 'alice', scope: 'dip' })]);
  });

  it('acks failures with typed errors', async () => {
    const { control } = await start();
    const c = await connect('/ws', auth);
    const ack = async (id: string, command: Json | string) => {
      c.send(typeof command === 'string' ? command : { op: 'command', id, command });
      return c.waitFor(isType('ack', { id }));
    };
    expect(await ack('n1', { type: 'halt_strategy', strategyId: 'ghost' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'strategy ghost not found' } });
    expect(await ack('c1', { type: 'resume_strategy', strategyId: 'dip' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await ack('v1', { type: 'halt_strategy', strategyId: '' })).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', details: { field: 'command.strategyId' } } });
    expect(await ack('t1', '{"op":"command","id":"t1","command":{"type":"self_destruct"}}')).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', details: { field: 'command.type' } } });
    control.failWith = new Error('disk on fire');
    expect(await ack('x1', { type: 'run_var' })).toEqual({ type: 'ack', id: 'x1', ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
  });

  it('refuses commands without a principal even when reads are open', async () => {
    const { control } = await start({ openReads: true });
    const c = await connect();
    c.send({ op: 'command', id: 1, command: { type: 'halt_all' } });
    expect(await c.waitFor(isType('ack', { id: 1 }))).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(control.commands).toEqual([]);
  });
});
