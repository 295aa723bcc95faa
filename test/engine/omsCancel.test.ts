import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { OrderManager } from '../../engine/oms.js';
import { MessageBus } from '../../engine/bus.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { equity } from '../../engine/domain/instrument.js';
import type { Order, OrderIntent } from '../../engine/domain/orders.js';
import type { BrokerOrderState } from '../../engine/domain/ports.js';
import { PaperBroker } from '../../actors/brokers/paperBroker.js';
import { PersistenceWriter } from '../../actors/persistenceWriter.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';

const T0 = Date.UTC(2025, 0, 6, 21, 0);
const DAY = 86_400_000;
const silent = pino({ enabled: false });
const bar = (ts: number, px: number) => ({ symbol: 'AAPL', timeframe: '1d' as const, ts, open: px, high: px, low: px, close: px, volume: 1e7 });

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const intent: OrderIntent = { strategyId: 's', instrument: equity('AAPL'), side: 'buy', quantity: 10, type: 'market', limitPrice: null, reason: 'test', signalId: null };

/** A paper broker and a store whose insert and submit can be held, to put a cancel inside either await. */
function setup() {
  const clock = new SimulatedClock(T0);
  const store = new InMemoryStore();
  const broker = new PaperBroker({ clock, config: { slippageBps: 0 }, optionPrice: () => 1 });
  broker.onBar(bar(T0, 100));
  const gates = { insert: null as null | Promise<void>, submit: null as null | Promise<void> };
  const insert = store.insertOrder.bind(store);
  store.insertOrder = async (o: Order) => {
    if (gates.insert) await gates.insert;
    return insert(o);
  };
  const submit = broker.submit.bind(broker);
  const submitted: string[] = [];
  broker.submit = async (o: Order): Promise<BrokerOrderState> => {
    const state = await submit(o);
    submitted.push(o.clientOrderId);
    if (gates.submit) await gates.submit;
    return state;
  };
  const errors: string[] = [];
  const terminal: Order[] = [];
  const oms = new OrderManager({
    broker, writer: new PersistenceWriter(store, silent), bus: new MessageBus(), clock, logger: silent, idNamespace: 't',
    hooks: { onFill: () => undefined, onTerminal: (o) => terminal.push(o), onError: (_s, m) => errors.push(m) },
  });
  return { clock, store, broker, oms, gates, submitted, errors, terminal };
}

describe('OMS: cancel racing a submit', () => {
  it('a cancel-all during the write-ahead insert cancels before the broker ever sees the order', async () => {
    const t = setup();
    const hold = deferred();
    t.gates.insert = hold.promise;
    const placing = t.oms.place(intent, 'sig-1');
    const cancelling = t.oms.cancelAll('breaker:drawdown_limit');
    hold.resolve();
    const [order, result] = await Promise.all([placing, cancelling]);
    expect(order?.status).toBe('cancelled');
    expect(order?.rejectReason).toBe('breaker:drawdown_limit');
    expect(t.submitted).toEqual([]);
    expect(result).toEqual({ requested: 1, confirmed: 1, unconfirmed: [] });
    expect((await t.store.getOrder(order!.clientOrderId))?.status).toBe('cancelled');
  });

  it('a cancel-all while the submit is on its way cancels at the broker once it lands: nothing stays working', async () => {
    const t = setup();
    const hold = deferred();
    t.gates.submit = hold.promise;
    const placing = t.oms.place(intent, 'sig-2');
    // Let the insert finish and the submit reach the broker.
    while (t.submitted.length === 0) await Promise.resolve();
    const cancelling = t.oms.cancelAll('breaker:daily_loss_limit');
    hold.resolve();
    const [order, result] = await Promise.all([placing, cancelling]);
    expect(result.confirmed).toBe(1);
    expect(order?.status).toBe('cancelled');
    expect(await t.broker.listOpenOrders()).toEqual([]);
    // The next bar would have filled a live order; nothing fills.
    t.clock.set(T0 + DAY);
    t.broker.onBar(bar(T0 + DAY, 101));
    expect(t.terminal.map((o) => o.status)).toEqual(['cancelled']);
  });

  it('an order filled before the cancel arrives is booked, not lost, and counts as final', async () => {
    const t = setup();
    const order = await t.oms.place(intent, 'sig-3');
    expect(order?.status).toBe('submitted');
    t.clock.set(T0 + DAY);
    t.broker.onBar(bar(T0 + DAY, 101)); // fills at the open
    const result = await t.oms.cancelAll();
    expect(result).toEqual({ requested: 0, confirmed: 0, unconfirmed: [] });
    expect(t.terminal.map((o) => o.status)).toEqual(['filled']);
  });

  it('a broker that never confirms is reported after the timeout, naming the order', async () => {
    const t = setup();
    const order = await t.oms.place(intent, 'sig-4');
    t.broker.cancel = () => Promise.resolve(); // swallowed: no cancelled event ever comes
    const cancelling = t.oms.cancelAll('test', 5_000);
    await new Promise((r) => setImmediate(r)); // let the cancel be sent and the confirmation timer start
    t.clock.advance(5_000);
    const result = await cancelling;
    expect(result.unconfirmed).toEqual([order!.clientOrderId]);
    expect(t.errors.some((m) => m.includes(order!.clientOrderId) && m.includes('not confirmed'))).toBe(true);
  });
});

describe('OMS: a broker event that closes the order before the submit answers', () => {
  it('a rejection already booked from the event stream is not rejected again (no illegal-transition error)', async () => {
    const t = setup();
    const venue = t.broker as unknown as { emit(e: unknown): void };
    t.broker.submit = (o: Order): Promise<BrokerOrderState> => {
      // The venue reports the rejection on its event stream before the submit call returns.
      venue.emit({ type: 'rejected', clientOrderId: o.clientOrderId, reason: 'venue refused', ts: T0 });
      return Promise.resolve({ clientOrderId: o.clientOrderId, brokerOrderId: 'b-1', status: 'rejected', filledQuantity: 0, avgFillPrice: null });
    };
    const order = await t.oms.place(intent, 'sig-r');
    expect(order?.status).toBe('rejected');
    expect(order?.rejectReason).toBe('venue refused');
    expect(t.errors).toEqual([]);
  });
});
