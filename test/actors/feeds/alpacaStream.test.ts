import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createActor, setup, spawnChild, assign } from 'xstate';
import { alpacaBarStreamActor, createAlpacaBarStream, type AlpacaBarStream, type AlpacaStreamEvent } from '../../../actors/feeds/providers/alpacaStream.js';
import { Secret } from '../../../actors/feeds/providers/secret.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import type { Bar } from '../../../engine/domain/market.js';
import { captureLogs } from './loopback.js';

const KEY_ID = 'PKSTREAM1234567890AB';
const SECRET = 'streamSecret/0987654321zyxwvutsrqpo';
const OPEN = Date.parse('2026-11-20T14:30:00Z'); // 09:30 New York, a Friday
const MIN = 60_000;

/**
 * The documented protocol of wss://stream.data.alpaca.markets/v2/{feed}:
 * a "connected" welcome, auth by message (402 on wrong keys), subscribe
 * acknowledged with the full subscription, then arrays of data messages.
 */
class FakeAlpacaStream {
  readonly server: WebSocketServer;
  readonly connections: WebSocket[] = [];
  readonly received: Record<string, unknown>[] = [];

  constructor(autoPong = true) {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
    this.server.on('connection', (ws) => {
      this.connections.push(ws);
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>;
        this.received.push(msg);
        if (msg.action === 'auth') {
          const ok = msg.key === KEY_ID && msg.secret === SECRET;
          ws.send(JSON.stringify(ok ? [{ T: 'success', msg: 'authenticated' }] : [{ T: 'error', code: 402, msg: 'auth failed' }]));
        } else if (msg.action === 'subscribe') {
          ws.send(JSON.stringify([{ T: 'subscription', trades: [], quotes: [], bars: msg.bars, updatedBars: [], dailyBars: [], statuses: [], lulds: [], corrections: [], cancelErrors: [] }]));
        }
      });
      ws.send(JSON.stringify([{ T: 'success', msg: 'connected' }]));
    });
  }

  async listening(): Promise<string> {
    if (this.server.address() === null) await new Promise((r) => this.server.once('listening', r));
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v2/iex`;
  }

  get current(): WebSocket {
    return this.connections[this.connections.length - 1]!;
  }

  /** Minute bars as Alpaca sends them: T "b", S symbol, t the minute's start. */
  sendMinutes(minutes: { symbol?: string; start: number; o: number; h: number; l: number; c: number; v: number }[]): void {
    this.current.send(JSON.stringify(minutes.map((m) => ({ T: 'b', S: m.symbol ?? 'AAPL', o: m.o, h: m.h, l: m.l, c: m.c, v: m.v, t: new Date(m.start).toISOString(), n: 10, vw: m.c }))));
  }

  close(): Promise<void> {
    for (const c of this.server.clients) c.terminate();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const minute = (i: number, price = 100, v = 10) => ({ start: OPEN + i * MIN, o: price, h: price + 1, l: price - 1, c: price + 0.5, v });

let fake: FakeAlpacaStream | undefined;
let stream: AlpacaBarStream | undefined;
afterEach(async () => {
  stream?.stop();
  stream = undefined;
  await fake?.close();
  fake = undefined;
});

async function start(opts: { symbols?: string[]; secret?: string; heartbeatMs?: number; autoPong?: boolean } = {}) {
  fake = new FakeAlpacaStream(opts.autoPong);
  const url = await fake.listening();
  const clock = new SimulatedClock(OPEN);
  const bars: Bar[] = [];
  const events: AlpacaStreamEvent[] = [];
  const logs = captureLogs();
  stream = createAlpacaBarStream({
    url,
    keyId: new Secret(KEY_ID),
    secretKey: new Secret(opts.secret ?? SECRET),
    symbols: opts.symbols ?? ['AAPL'],
    onBar: (b) => bars.push(b),
    onEvent: (e) => events.push(e),
    logger: logs.logger,
    clock,
    random: () => 0.5,
    reconnect: { baseMs: 1_000, maxMs: 30_000 },
    flushGraceMs: 10_000,
    // Far away unless a test is about heartbeats, so jumps of the simulated clock do not fire them.
    heartbeatMs: opts.heartbeatMs ?? 86_400_000,
  });
  stream.start();
  const s = stream;
  await vi.waitFor(() => expect(s.state === 'streaming' || s.state === 'failed').toBe(true));
  return { server: fake, clock, bars, events, logs, stream: s };
}

describe('Alpaca real-time bar stream', () => {
  it('authenticates, subscribes and turns minute bars into validated five-minute bars', async () => {
    const { server, bars, events } = await start({ symbols: ['aapl', 'AAPL'] });
    expect(server.received.slice(0, 2)).toEqual([{ action: 'auth', key: KEY_ID, secret: SECRET }, { action: 'subscribe', bars: ['AAPL'] }]);
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(['connected', 'authenticated', 'subscribed']);
    server.sendMinutes([{ start: OPEN - 90 * MIN, o: 1, h: 1, l: 1, c: 1, v: 1 }]); // pre-market: not a session bar
    server.sendMinutes([minute(0, 100), minute(1, 102), minute(2, 99)]);
    server.current.send('{"T":"b",'); // malformed: reported, ignored
    server.sendMinutes([minute(3, 101), minute(4, 103)]);
    await vi.waitFor(() => expect(bars).toHaveLength(1));
    expect(bars[0]).toEqual({ symbol: 'AAPL', timeframe: '5m', ts: OPEN + 5 * MIN, open: 100, high: 104, low: 98, close: 103.5, volume: 50 });
    expect(events.some((e) => e.type === 'protocol-error')).toBe(true);
  });

  it('reconnects after a drop mid-stream, resubscribes, and continues without a duplicate bar', async () => {
    const { server, clock, bars, events } = await start();
    server.sendMinutes([0, 1, 2, 3, 4, 5, 6].map((i) => minute(i, 100, 10)));
    await vi.waitFor(() => expect(bars).toHaveLength(1));
    await vi.waitFor(() => expect(events.filter((e) => e.type === 'subscribed')).toHaveLength(1));
    server.current.terminate();
    await vi.waitFor(() => expect(events.some((e) => e.type === 'reconnecting')).toBe(true));
    const reconnecting = events.find((e) => e.type === 'reconnecting') as Extract<AlpacaStreamEvent, { type: 'reconnecting' }>;
    expect(reconnecting).toEqual({ type: 'reconnecting', attempt: 1, delayMs: 750 });
    expect(server.connections).toHaveLength(1);
    clock.advance(750);
    await vi.waitFor(() => expect(events.filter((e) => e.type === 'subscribed')).toHaveLength(2));
    expect(server.received.filter((m) => m.action === 'auth')).toHaveLength(2);
    expect(server.received.filter((m) => m.action === 'subscribe')).toEqual([
      { action: 'subscribe', bars: ['AAPL'] },
      { action: 'subscribe', bars: ['AAPL'] },
    ]);
    // The server repeats the last minutes it sent before the drop, then carries on.
    server.sendMinutes([5, 6, 7, 8, 9].map((i) => minute(i, 100, 10)));
    await vi.waitFor(() => expect(bars).toHaveLength(2));
    expect(bars.map((b) => b.ts)).toEqual([OPEN + 5 * MIN, OPEN + 10 * MIN]);
    expect(bars[1]!.volume).toBe(50);
    expect(events.filter((e) => e.type === 'duplicate').map((e) => (e as { ts: number }).ts)).toEqual([OPEN + 5 * MIN, OPEN + 6 * MIN]);
  });

  it('emits a window whose last minute never comes once the grace period has passed', async () => {
    const { server, clock, bars, events } = await start();
    server.sendMinutes([0, 1, 2, 3].map((i) => minute(i)));
    // Messages are handled in order: once this one is reported, the minutes before it are in.
    server.current.send('not json');
    await vi.waitFor(() => expect(events.some((e) => e.type === 'protocol-error')).toBe(true));
    clock.set(OPEN + 5 * MIN + 9_999);
    expect(bars).toHaveLength(0);
    clock.advance(1);
    expect(bars.map((b) => [b.ts, b.volume])).toEqual([[OPEN + 5 * MIN, 40]]);
  });

  it('ends a connection that stops answering pings and reconnects', async () => {
    const { clock, events } = await start({ heartbeatMs: 30_000, autoPong: false });
    clock.advance(30_000);
    clock.advance(30_000);
    await vi.waitFor(() => expect(events.some((e) => e.type === 'reconnecting')).toBe(true));
    clock.advance(750);
    await vi.waitFor(() => expect(events.filter((e) => e.type === 'subscribed')).toHaveLength(2));
  });

  it('keeps a connection that answers pings', async () => {
    const { server, clock, events } = await start({ heartbeatMs: 30_000 });
    // ws answers a ping with a pong before it emits 'ping', so a frame sent from
    // this handler reaches the client after the pong: its report is the barrier.
    const ws = server.current;
    ws.on('ping', () => ws.send('barrier'));
    for (let i = 1; i <= 3; i++) {
      clock.advance(30_000);
      await vi.waitFor(() => expect(events.filter((e) => e.type === 'protocol-error')).toHaveLength(i));
    }
    expect(events.some((e) => e.type === 'disconnected')).toBe(false);
  });

  it('drops and reports a minute bar that fails the bar check', async () => {
    const { server, bars, events } = await start();
    server.sendMinutes([{ start: OPEN, o: 100, h: 99, l: 101, c: 100, v: 1 }, ...[1, 2, 3, 4].map((i) => minute(i))]);
    await vi.waitFor(() => expect(bars).toHaveLength(1));
    expect(events.find((e) => e.type === 'bar-rejected')).toEqual({ type: 'bar-rejected', symbol: 'AAPL', ts: OPEN, field: 'high', message: 'high 99 is below low 101' });
    expect(bars[0]!.volume).toBe(40);
  });

  it('stops on wrong keys instead of reconnecting, and never logs the keys', async () => {
    const { clock, events, logs, stream: s } = await start({ secret: 'wrong-secret-value-123456' });
    await vi.waitFor(() => expect(events.some((e) => e.type === 'disconnected')).toBe(true));
    expect(s.state).toBe('failed');
    expect(events.find((e) => e.type === 'fatal')).toEqual({ type: 'fatal', code: 402, message: 'auth failed' });
    expect(events.some((e) => e.type === 'reconnecting')).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    expect(logs.text()).toContain('auth failed');
    for (const secret of [KEY_ID, SECRET, 'wrong-secret-value-123456']) expect(logs.text()).not.toContain(secret);
  });
});

describe('alpacaBarStreamActor', () => {
  it('reports the connection to its parent and stops the stream with it', async () => {
    fake = new FakeAlpacaStream();
    const url = await fake.listening();
    const parent = setup({
      types: { context: {} as { connected: number } },
      actors: { feed: alpacaBarStreamActor },
    }).createMachine({
      context: { connected: 0 },
      entry: spawnChild('feed', {
        id: 'feed',
        input: { url, keyId: new Secret(KEY_ID), secretKey: new Secret(SECRET), symbols: ['AAPL'], onBar: () => undefined, logger: captureLogs().logger, clock: new SimulatedClock(OPEN) },
      }),
      on: { 'FEED.CONNECTED': { actions: assign({ connected: ({ context }) => context.connected + 1 }) } },
    });
    const actor = createActor(parent).start();
    await vi.waitFor(() => expect(actor.getSnapshot().context.connected).toBe(1));
    const server = fake;
    actor.stop();
    await vi.waitFor(() => expect(server.server.clients.size).toBe(0));
  });
});
