import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { OrderManager } from '../../../../engine/oms.js';
import { MessageBus } from '../../../../engine/bus.js';
import { SimulatedClock } from '../../../../engine/domain/clock.js';
import { equity } from '../../../../engine/domain/instrument.js';
import type { Order } from '../../../../engine/domain/orders.js';
import { PersistenceWriter } from '../../../../actors/persistenceWriter.js';
import { InMemoryStore } from '../../../../persistence/memoryStore.js';
import { AlpacaError } from '../../../../actors/brokers/alpaca/errors.js';
import { T0, brokerFor, engineOrder } from './harness.js';
import { LoopbackAlpaca } from './loopbackAlpaca.js';

let fake: LoopbackAlpaca;
beforeEach(async () => {
  fake = await LoopbackAlpaca.start();
});
afterEach(async () => {
  await fake.close();
});

const ORDERS = /^\/v2\/orders$/;
const BY_CLIENT_ID = /^\/v2\/orders:by_client_order_id$/;
const postCount = () => fake.count('POST', ORDERS);

describe('AlpacaBroker: a retried submit never creates a second order', () => {
  it.each([
    ['the connection drops after Alpaca created it', 'apply-then-drop'],
    ['the response never comes (timeout)', 'apply-then-hang'],
    ['the response is unreadable', 'apply-then-malformed'],
  ] as const)('%s: looked up by client_order_id, not sent again', async (_what, kind) => {
    const { broker } = brokerFor(fake, { settings: { requestTimeoutMs: 200 } });
    fake.plan('POST', ORDERS, { kind });
    const order = engineOrder();
    const state = await broker.submit(order);
    expect(state).toMatchObject({ clientOrderId: order.clientOrderId, status: 'submitted' });
    expect(state.brokerOrderId).toBe(fake.order(order.clientOrderId).id);
    expect(postCount()).toBe(1);
    expect(fake.count('GET', BY_CLIENT_ID)).toBe(1);
    expect(fake.orders.size).toBe(1);
  });

  it('a 5xx before anything was created: looked up (404), then sent again with the same id', async () => {
    const { broker } = brokerFor(fake);
    fake.plan('POST', ORDERS, { kind: 'status', status: 502 });
    const order = engineOrder();
    await broker.submit(order);
    expect(postCount()).toBe(2);
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { client_order_id: string }).client_order_id)).toEqual([order.clientOrderId, order.clientOrderId]);
    expect(fake.orders.size).toBe(1);
  });

  it('created, response lost, and the lookup failing too: the resend is refused as a duplicate and the order fetched', async () => {
    const { broker } = brokerFor(fake, { settings: { maxRetries: 3 } });
    fake.plan('POST', ORDERS, { kind: 'apply-then-drop' });
    for (let i = 0; i < 4; i++) fake.plan('GET', BY_CLIENT_ID, { kind: 'status', status: 503 });
    const order = engineOrder();
    const state = await broker.submit(order);
    expect(state.brokerOrderId).toBe(fake.order(order.clientOrderId).id);
    expect(postCount()).toBe(2);
    expect(fake.orders.size).toBe(1);
  });

  it('a 429 on submit waits its Retry-After and sends once more', async () => {
    const { broker, delays } = brokerFor(fake);
    fake.plan('POST', ORDERS, { kind: 'status', status: 429, body: { code: 42910000, message: 'rate limit exceeded' }, headers: { 'retry-after': '2' } });
    await broker.submit(engineOrder());
    expect(postCount()).toBe(2);
    expect(delays[0]).toBeGreaterThanOrEqual(2_000);
    expect(fake.orders.size).toBe(1);
  });

  it('gives up after its budget with a typed error, still with at most one order', async () => {
    const { broker } = brokerFor(fake, { settings: { maxRetries: 2 } });
    for (let i = 0; i < 3; i++) fake.plan('POST', ORDERS, { kind: 'status', status: 500 });
    const e: unknown = await broker.submit(engineOrder()).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AlpacaError);
    expect((e as AlpacaError).status).toBe(500);
    expect(postCount()).toBe(3);
    expect(fake.orders.size).toBe(0);
  });

  it('through the OMS: a submit whose response was lost leaves one working order, not a rejection', async () => {
    const clock = new SimulatedClock(T0);
    const silent = pino({ enabled: false });
    const store = new InMemoryStore();
    const { broker } = brokerFor(fake);
    const errors: string[] = [];
    const oms = new OrderManager({
      broker, writer: new PersistenceWriter(store, silent), bus: new MessageBus(), clock, logger: silent, idNamespace: 'alpaca-test',
      hooks: { onFill: () => undefined, onTerminal: () => undefined, onError: (source, message) => errors.push(`${source}: ${message}`) },
    });
    fake.plan('POST', ORDERS, { kind: 'apply-then-drop' });
    const order = (await oms.place(
      { strategyId: 's1', instrument: equity('MSFT'), side: 'buy', quantity: 3, type: 'market', limitPrice: null, reason: 'test', signalId: 'sig-1' },
      'sig-1',
    )) as Order;
    expect(order.status).toBe('submitted');
    expect(order.brokerOrderId).toBe(fake.order(order.clientOrderId).id);
    expect(errors).toEqual([]);
    expect(postCount()).toBe(1);
    expect(fake.orders.size).toBe(1);
  });
});
