import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/domain/clock.js';
import { equity } from '../../../../engine/domain/instrument.js';
import type { Order } from '../../../../engine/domain/orders.js';
import { AlpacaError } from '../../../../actors/brokers/alpaca/errors.js';
import type { ReconcileReport } from '../../../../actors/brokers/alpaca/reconcile.js';
import { InMemoryStore } from '../../../../persistence/memoryStore.js';
import { TradeUpdatesStream } from '../../../../actors/brokers/alpaca/tradeStream.js';
import { T0, brokerFor, captureLogger, engineOrder, omsOn, until } from './harness.js';
import { KEY_ID, LoopbackAlpaca, SECRET } from './loopbackAlpaca.js';

let fake: LoopbackAlpaca;
beforeEach(async () => {
  fake = await LoopbackAlpaca.start();
});
afterEach(async () => {
  await fake.close();
});

const intent = (symbol: string, quantity: number) => ({ strategyId: 's1', instrument: equity(symbol), side: 'buy' as const, quantity, type: 'market' as const, limitPrice: null, reason: 'test', signalId: null });

describe('AlpacaBroker: the trade_updates stream', () => {
  it('authenticates, listens, and drives an OMS order to filled from the events', async () => {
    const clock = new SimulatedClock(T0);
    const { broker } = brokerFor(fake, { clock });
    const t = omsOn(broker, clock);
    await broker.start();
    expect(fake.streamMessages).toEqual([{ action: 'auth', key: KEY_ID, secret: SECRET }, { action: 'listen', data: { streams: ['trade_updates'] } }]);
    const order = (await t.oms.place(intent('AAPL', 10), 'sig-happy')) as Order;
    fake.fill(order.clientOrderId, 10, '187.5');
    await until(() => t.terminal.length === 1, 'the order to finish');
    expect(t.terminal[0]).toMatchObject({ status: 'filled', filledQuantity: 10 });
    expect(t.fills.map((f) => f.price.toFixed())).toEqual(['187.5']);
    expect(t.errors).toEqual([]);
    await broker.stop();
  });

  it('a dropped WebSocket mid-stream: reconnects with back-off, subscribes again, and reconciliation recovers the fill made meanwhile', async () => {
    const clock = new SimulatedClock(T0);
    const reports: ReconcileReport[] = [];
    const store = new InMemoryStore();
    const booked: Array<() => Promise<void>> = [];
    const { broker, events } = brokerFor(fake, {
      clock, reconcileStore: store, reconnectBaseMs: 500, onReconciled: (r) => reports.push(r),
      reconcileOptions: { settled: () => booked[0]!() },
    });
    const t = omsOn(broker, clock, store);
    booked.push(t.settled);
    await broker.start();
    const order = (await t.oms.place(intent('AAPL', 10), 'sig-drop')) as Order;
    fake.fill(order.clientOrderId, 4, '100.5');
    await until(() => t.fills.length === 1, 'the first fill');

    fake.dropStreams();
    await until(() => broker.streamState === 'waiting', 'the disconnect');
    fake.fill(order.clientOrderId, 6, '100.7', false);
    expect(t.fills).toHaveLength(1);
    clock.advance(60_000);
    await until(() => reports.length === 1, 'the reconciliation after the reconnect');
    await broker.idle();
    await t.settled();

    const messages = fake.streamMessages.map((m) => m.action);
    expect(messages).toEqual(['auth', 'listen', 'auth', 'listen']);
    expect(t.fills.map((f) => [f.quantity, f.price.toFixed()])).toEqual([[4, '100.5'], [6, '100.7']]);
    expect(t.fills[1]!.fillId).toBe(`alpaca:${order.clientOrderId}:AAPL:10`);
    expect(t.terminal[0]).toMatchObject({ clientOrderId: order.clientOrderId, status: 'filled', filledQuantity: 10 });
    expect(reports[0]!.differences).toEqual([{ kind: 'missed_fill', clientOrderId: order.clientOrderId, fills: 1, quantity: 6 }]);
    expect((await store.listPositions()).find((p) => p.symbol === 'AAPL')?.quantity).toBe(10);

    // The stream's own (late) report of that execution books nothing twice.
    fake.tradeUpdate({ event: 'fill', execution_id: 'late-exec', order: fake.order(order.clientOrderId), qty: '6', price: '100.7', position_qty: '10', timestamp: '2025-01-21T15:00:00Z' });
    // Frames arrive in order: once a later order's acceptance is seen, the late report was handled.
    const probe = await broker.submit(engineOrder({ symbol: 'MSFT', instrument: equity('MSFT') }));
    await until(() => events.some((e) => e.type === 'accepted' && e.clientOrderId === probe.clientOrderId), 'the probe');
    await broker.idle();
    expect(t.fills).toHaveLength(2);
    expect(await store.listFills(order.clientOrderId)).toHaveLength(2);
    expect(t.errors).toEqual([]);
    await broker.stop();
  });

  it('refused credentials stop the stream for good, loudly, without the secret in any log line', async () => {
    const clock = new SimulatedClock(T0);
    const { logger, lines } = captureLogger();
    const fatal: AlpacaError[] = [];
    const { broker } = brokerFor(fake, { clock, logger, settings: { secretKey: 'wrong-secret-value-123' }, onFatal: (e) => fatal.push(e) });
    const e: unknown = await broker.start().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AlpacaError);
    expect((e as AlpacaError).kind).toBe('unauthorized');
    expect(fatal).toHaveLength(1);
    clock.advance(600_000);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(fake.streamMessages.filter((m) => m.action === 'auth')).toHaveLength(1);
    const text = lines.join('\n');
    expect(text).toMatch(/giving up/);
    expect(text).not.toContain('wrong-secret-value-123');
    await broker.stop();
  });

  it('ignores messages it cannot read, reconciles instead, and keeps serving', async () => {
    const clock = new SimulatedClock(T0);
    const reports: ReconcileReport[] = [];
    const { logger, lines } = captureLogger();
    const store = new InMemoryStore();
    const { broker } = brokerFor(fake, { clock, logger, reconcileStore: store, onReconciled: (r) => reports.push(r) });
    const t = omsOn(broker, clock, store);
    await broker.start();
    fake.broadcast('this is not json');
    fake.broadcast({ stream: 'trade_updates', data: { event: 'fill', order: { id: 'x', client_order_id: 'y', filled_qty: 'many' } } });
    await until(() => reports.length === 1, 'a reconciliation');
    expect(lines.join('\n')).toMatch(/field order\.(symbol|filled_qty|status|created_at)/);
    const order = (await t.oms.place(intent('MSFT', 1), 'sig-after')) as Order;
    fake.fill(order.clientOrderId, 1, '410');
    await until(() => t.terminal.length === 1, 'the order after the bad messages');
    expect(t.terminal[0]!.status).toBe('filled');
    await broker.stop();
  });

  it('reconnect delays grow exponentially with jitter, up to the cap', () => {
    const s = new TradeUpdatesStream({
      url: 'ws://127.0.0.1:1/stream', keyId: 'k', secretKey: 's', clock: new SimulatedClock(T0), reconnectBaseMs: 500, reconnectMaxMs: 8_000, jitterSeed: 3,
      onUpdate: () => undefined, onListening: () => undefined, onFatal: () => undefined,
    });
    const delays = Array.from({ length: 8 }, (_, n) => s.reconnectDelay(n));
    delays.forEach((d, n) => {
      const ceiling = Math.min(8_000, 500 * 2 ** n);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    });
    expect(new Set(delays.slice(4)).size).toBeGreaterThan(1);
  });
});
