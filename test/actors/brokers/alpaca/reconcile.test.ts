import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/domain/clock.js';
import { Decimal } from '../../../../engine/domain/money.js';
import { OPEN_ORDER_STATUSES } from '../../../../engine/domain/orders.js';
import type { Order } from '../../../../engine/domain/orders.js';
import { InMemoryStore } from '../../../../persistence/memoryStore.js';
import { reconcileAlerts, reconcileAlpaca } from '../../../../actors/brokers/alpaca/reconcile.js';
import { T0, bookFill, brokerFor, engineOrder, omsOn } from './harness.js';
import { LoopbackAlpaca } from './loopbackAlpaca.js';

let fake: LoopbackAlpaca;
beforeEach(async () => {
  fake = await LoopbackAlpaca.start();
});
afterEach(async () => {
  await fake.close();
});

/**
 * The last run placed A, B, C and wrote D, then stopped. While it was down
 * Alpaca filled A, filled more of B, cancelled C; D never reached Alpaca;
 * F did, but the store never heard back;
 * someone placed E by hand and holds TSLA the engine never bought.
 */
async function lastRun(store: InMemoryStore) {
  const before = brokerFor(fake).broker;
  const a = engineOrder({ clientOrderId: 'wsb-a', quantity: 10 });
  const b = engineOrder({ clientOrderId: 'wsb-b', quantity: 10, symbol: 'MSFT', instrument: { kind: 'equity', symbol: 'MSFT' } });
  const c = engineOrder({ clientOrderId: 'wsb-c', quantity: 5, type: 'limit', limitPrice: new Decimal(90) });
  const d = engineOrder({ clientOrderId: 'wsb-d', quantity: 1 });
  const stored: Record<string, Order> = {};
  for (const o of [a, b, c]) {
    const state = await before.submit(o);
    stored[o.clientOrderId] = { ...o, status: 'submitted', brokerOrderId: state.brokerOrderId };
  }
  stored['wsb-d'] = d;
  // F reached Alpaca, but the process died before the answer: the store still says pending_submit.
  const f = engineOrder({ clientOrderId: 'wsb-f', quantity: 1, type: 'limit', limitPrice: new Decimal(80) });
  await before.submit(f);
  stored['wsb-f'] = f;
  for (const o of Object.values(stored)) await store.insertOrder(o);
  // B had 3 filled and booked before the stop.
  fake.fill('wsb-b', 3, '400', false);
  const bBooked = { ...stored['wsb-b']!, status: 'partially_filled' as const, filledQuantity: 3, avgFillPrice: new Decimal(400) };
  await bookFill(store, { fillId: 'exec-b-1', clientOrderId: 'wsb-b', symbol: 'MSFT', side: 'buy', quantity: 3, price: new Decimal(400), commission: new Decimal(0), ts: T0 }, bBooked);
  // While down:
  fake.fill('wsb-a', 10, '187.5', false);
  fake.fill('wsb-b', 4, '407', false);
  fake.cancelAtVenue('wsb-c', false);
  await before.submit(engineOrder({ clientOrderId: 'by-hand-1', quantity: 2, symbol: 'NVDA', instrument: { kind: 'equity', symbol: 'NVDA' } }));
  fake.positions.set('TSLA', { qty: new Decimal(5), avg: new Decimal(250), assetClass: 'us_equity' });
}

describe('reconcileAlpaca at start', () => {
  it('books missed fills through the OMS, closes what Alpaca finished, and reports the rest', async () => {
    const store = new InMemoryStore();
    await lastRun(store);
    const clock = new SimulatedClock(T0 + 3_600_000);
    const { broker } = brokerFor(fake, { clock, reconcileStore: store });
    const t = omsOn(broker, clock, store);
    for (const o of await store.listOrders({ status: OPEN_ORDER_STATUSES })) t.oms.adopt(o);

    const report = await reconcileAlpaca(broker, store, { settled: t.settled });
    await t.settled();

    expect(report.checkedOrders).toBe(5);
    expect(report.missedFills.map((f) => [f.clientOrderId, f.quantity, f.price.toFixed(), f.fillId])).toEqual([
      ['wsb-a', 10, '187.5', 'alpaca:wsb-a:AAPL:10'],
      ['wsb-b', 4, '407', 'alpaca:wsb-b:MSFT:7'],
    ]);
    expect(report.notAtBroker).toEqual(['wsb-d']);
    expect(report.differences).toEqual(expect.arrayContaining([
      { kind: 'missed_fill', clientOrderId: 'wsb-a', fills: 1, quantity: 10 },
      { kind: 'missed_fill', clientOrderId: 'wsb-b', fills: 1, quantity: 4 },
      { kind: 'status', clientOrderId: 'wsb-c', store: 'submitted', broker: 'cancelled' },
      { kind: 'not_at_broker', clientOrderId: 'wsb-d', store: 'pending_submit' },
      expect.objectContaining({ kind: 'unknown_broker_order', clientOrderId: 'by-hand-1', symbol: 'NVDA', status: 'new' }),
      { kind: 'position_mismatch', symbol: 'TSLA', store: 0, broker: 5 },
    ]));
    expect(report.differences).toHaveLength(6);

    // The OMS booked and closed them.
    expect(t.terminal.map((o) => [o.clientOrderId, o.status])).toEqual([['wsb-a', 'filled'], ['wsb-c', 'cancelled']]);
    expect(t.oms.get('wsb-b')).toMatchObject({ status: 'partially_filled', filledQuantity: 7 });
    expect(t.oms.get('wsb-f')).toMatchObject({ status: 'submitted', brokerOrderId: fake.order('wsb-f').id });
    expect((await store.listPositions()).map((p) => [p.symbol, p.quantity]).sort()).toEqual([['AAPL', 10], ['MSFT', 7]]);
    expect(t.errors).toEqual([]);

    const [alert] = reconcileAlerts(report);
    expect(alert).toMatchObject({ type: 'RECONCILIATION_DIFFERENCE', severity: 'critical', scope: 'alpaca' });
    expect(alert!.message).toMatch(/2 missed_fill/);
  });

  it('run again, or after another restart, it reports no fill twice', async () => {
    const store = new InMemoryStore();
    await lastRun(store);
    const clock = new SimulatedClock(T0 + 3_600_000);
    const first = brokerFor(fake, { clock, reconcileStore: store }).broker;
    const t = omsOn(first, clock, store);
    for (const o of await store.listOrders({ status: OPEN_ORDER_STATUSES })) t.oms.adopt(o);
    await reconcileAlpaca(first, store, { settled: t.settled });
    await t.settled();
    const again = await reconcileAlpaca(first, store, { settled: t.settled });
    expect(again.missedFills).toEqual([]);

    // A new process: its broker knows nothing but the store.
    const second = brokerFor(fake, { clock, reconcileStore: store }).broker;
    const t2 = omsOn(second, clock, store);
    for (const o of await store.listOrders({ status: OPEN_ORDER_STATUSES })) t2.oms.adopt(o);
    const afterRestart = await reconcileAlpaca(second, store, { settled: t2.settled });
    expect(afterRestart.missedFills).toEqual([]);
    expect(t2.fills).toEqual([]);
    expect((await store.listFills('wsb-b')).map((f) => f.quantity)).toEqual([3, 4]);
  });

  it('with nothing to find, reports nothing and raises no alert', async () => {
    const store = new InMemoryStore();
    const { broker } = brokerFor(fake, { reconcileStore: store });
    const report = await reconcileAlpaca(broker, store);
    expect(report).toMatchObject({ checkedOrders: 0, missedFills: [], notAtBroker: [], differences: [] });
    expect(reconcileAlerts(report)).toEqual([]);
  });
});
