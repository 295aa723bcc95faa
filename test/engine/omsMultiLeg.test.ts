import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { OrderManager, type OmsHooks } from '../../engine/oms.js';
import { MessageBus } from '../../engine/bus.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { optionContract } from '../../engine/domain/instrument.js';
import { Decimal } from '../../engine/domain/money.js';
import { spreadIntent } from '../../engine/domain/optionLegs.js';
import type { Fill, OptionExpiryEvent, Order, OrderLeg } from '../../engine/domain/orders.js';
import type { Broker, BrokerEvent, BrokerOrderState } from '../../engine/domain/ports.js';
import { PersistenceWriter } from '../../actors/persistenceWriter.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';

const T0 = Date.UTC(2025, 0, 6, 21, 0);
const silent = pino({ enabled: false });
const call = (strike: number) => optionContract({ underlying: 'SPY', expiry: '2025-02-21', right: 'C', strike });
const LEGS: OrderLeg[] = [
  { instrument: call(590), side: 'buy', ratio: 1 },
  { instrument: call(600), side: 'sell', ratio: 1 },
];

/** A broker that acknowledges everything and reports only what a test makes it report. */
class ScriptedBroker implements Broker {
  readonly name = 'scripted';
  readonly submitted: Order[] = [];
  private readonly listeners = new Set<(e: BrokerEvent) => void>();
  submit(order: Order): Promise<BrokerOrderState> {
    this.submitted.push(order);
    return Promise.resolve({ clientOrderId: order.clientOrderId, brokerOrderId: `b-${order.clientOrderId}`, status: 'submitted', filledQuantity: 0, avgFillPrice: null });
  }
  cancel(): Promise<void> {
    return Promise.resolve();
  }
  getOrder(): Promise<BrokerOrderState | null> {
    return Promise.resolve(null);
  }
  listOpenOrders(): Promise<BrokerOrderState[]> {
    return Promise.resolve([]);
  }
  getAccount() {
    return Promise.resolve({ cash: new Decimal(0), equity: new Decimal(0), buyingPower: new Decimal(0) });
  }
  onEvent(listener: (e: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(e: BrokerEvent): void {
    for (const l of this.listeners) l(e);
  }
}

function setup(withGroupHook = true, withExpiryHook = true) {
  const broker = new ScriptedBroker();
  const store = new InMemoryStore();
  const calls = { single: [] as Fill[], groups: [] as Array<{ fills: readonly Fill[]; order: Order }>, expiries: [] as OptionExpiryEvent[], errors: [] as string[] };
  const hooks: OmsHooks = {
    onFill: (f) => calls.single.push(f),
    onTerminal: () => undefined,
    onError: (source, m) => calls.errors.push(`${source}: ${m}`),
    ...(withGroupHook ? { onFillGroup: (fills: readonly Fill[], order: Order) => calls.groups.push({ fills, order }) } : {}),
    ...(withExpiryHook ? { onExpiry: (e: OptionExpiryEvent) => calls.expiries.push(e) } : {}),
  };
  const oms = new OrderManager({ broker, writer: new PersistenceWriter(store, silent), bus: new MessageBus(), clock: new SimulatedClock(T0), logger: silent, idNamespace: 't', hooks });
  return { broker, store, oms, calls };
}

function groupFor(order: Order, prices: [string, string], legs: readonly OrderLeg[] = LEGS): Extract<BrokerEvent, { type: 'fillGroup' }> {
  const groupId = `${order.clientOrderId}-g1`;
  const fills = legs.map((l, i) => ({
    fillId: `${groupId}-l${i + 1}`,
    clientOrderId: order.clientOrderId,
    symbol: l.instrument.symbol,
    side: l.side,
    quantity: order.quantity,
    price: new Decimal(prices[i]!),
    commission: new Decimal('0.65'),
    ts: T0,
    groupId,
  }));
  const net = new Decimal(prices[0]).minus(prices[1]);
  return { type: 'fillGroup', clientOrderId: order.clientOrderId, groupId, spreads: order.quantity, netPrice: net, fills, ts: T0 };
}

const intent = () => spreadIntent({ strategyId: 'debit_spreads', legs: LEGS, quantity: 2, netLimit: new Decimal('4.2'), reason: 'bull call' });

describe('OMS: multi-leg orders', () => {
  it('writes one order on the underlying, with its legs, and sends it with them', async () => {
    const t = setup();
    const order = await t.oms.place(intent(), 'sig-1');
    expect(order).toMatchObject({ symbol: 'SPY', instrument: LEGS[0]!.instrument, legs: LEGS, quantity: 2, status: 'submitted' });
    expect(t.broker.submitted[0]?.legs).toEqual(LEGS);
    expect((await t.store.getOrder(order!.clientOrderId))?.legs).toEqual(LEGS);
  });

  it('moves the order once per group by the spreads filled, at the signed net, and hands every leg over together', async () => {
    const t = setup();
    const order = (await t.oms.place(intent(), 'sig-2'))!;
    t.broker.emit(groupFor(order, ['7.15', '3.05']));
    expect(t.calls.groups).toHaveLength(1);
    expect(t.calls.groups[0]?.fills.map((f) => f.symbol)).toEqual(LEGS.map((l) => l.instrument.symbol));
    expect(t.calls.groups[0]?.order).toMatchObject({ status: 'filled', filledQuantity: 2 });
    expect(t.calls.groups[0]?.order.avgFillPrice?.toFixed()).toBe('4.1');
    expect(t.calls.single).toEqual([]);
    expect(t.oms.get(order.clientOrderId)).toBeUndefined();
  });

  it('refuses a group that is not exactly the legs, and a leg reported alone, booking nothing', async () => {
    const t = setup();
    const order = (await t.oms.place(intent(), 'sig-3'))!;
    const half = groupFor(order, ['7.15', '3.05']);
    t.broker.emit({ ...half, fills: half.fills.slice(0, 1) });
    const wrongSide = groupFor(order, ['7.15', '3.05'], [LEGS[0]!, { ...LEGS[1]!, side: 'buy' }]);
    t.broker.emit(wrongSide);
    t.broker.emit({ type: 'fill', fill: half.fills[0]! });
    expect(t.calls.groups).toEqual([]);
    expect(t.calls.single).toEqual([]);
    expect(t.calls.errors).toEqual([
      `oms.fill: fill group ${half.groupId} does not match the legs of order ${order.clientOrderId}; not booked`,
      `oms.fill: fill group ${half.groupId} does not match the legs of order ${order.clientOrderId}; not booked`,
      `oms.fill: fill ${half.fills[0]!.fillId} of multi-leg order ${order.clientOrderId} arrived alone; its legs must arrive as one group`,
    ]);
    expect(t.oms.get(order.clientOrderId)?.status).toBe('submitted');
  });

  it('without a group hook, hands each leg to onFill', async () => {
    const t = setup(false);
    const order = (await t.oms.place(intent(), 'sig-4'))!;
    t.broker.emit(groupFor(order, ['7.15', '3.05']));
    expect(t.calls.single.map((f) => f.symbol)).toEqual(LEGS.map((l) => l.instrument.symbol));
  });

  it('passes an expiry to its hook, and reports one nothing books', () => {
    const event: OptionExpiryEvent = { eventId: 'expiry:2025-02-21:SPY', underlying: 'SPY', expiry: '2025-02-21', settlementPrice: new Decimal(595), ts: T0, changes: [] };
    const t = setup();
    t.broker.emit({ type: 'expiry', event });
    expect(t.calls.expiries).toEqual([event]);
    const u = setup(true, false);
    u.broker.emit({ type: 'expiry', event });
    expect(u.calls.errors).toEqual(['oms.expiry: expiry expiry:2025-02-21:SPY reported but nothing books expiries']);
  });
});
