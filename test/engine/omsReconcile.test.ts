import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { OrderManager } from '../../engine/oms.js';
import { MessageBus } from '../../engine/bus.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { equity } from '../../engine/domain/instrument.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Fill, Order } from '../../engine/domain/orders.js';
import { PaperBroker } from '../../actors/brokers/paperBroker.js';
import { PersistenceWriter } from '../../actors/persistenceWriter.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';

const T0 = Date.UTC(2025, 0, 6, 21, 0);
const DAY = 86_400_000;
const silent = pino({ enabled: false });

function stored(id: string, status: Order['status'], filled = 0): Order {
  const instrument = equity('AAPL');
  return {
    clientOrderId: id, strategyId: 's', symbol: 'AAPL', instrument, side: 'buy', quantity: 10, type: 'market', limitPrice: null, status,
    filledQuantity: filled, avgFillPrice: filled > 0 ? new Decimal(100) : null, brokerOrderId: status === 'pending_submit' ? null : 'paper-old',
    reason: 'r', rejectReason: null, signalId: `sig-${id}`, createdAt: T0 - DAY, updatedAt: T0 - DAY,
  };
}

function setup() {
  const clock = new SimulatedClock(T0);
  const store = new InMemoryStore();
  const broker = new PaperBroker({ clock, config: { slippageBps: 0 }, optionPrice: () => 1 });
  const fills: Fill[] = [];
  const terminal: Order[] = [];
  const oms = new OrderManager({
    broker, writer: new PersistenceWriter(store, silent), bus: new MessageBus(), clock, logger: silent, idNamespace: 't',
    hooks: { onFill: (f) => fills.push(f), onTerminal: (o) => terminal.push(o), onError: () => undefined },
  });
  return { clock, store, broker, oms, fills, terminal };
}

describe('OMS reconciliation after a restart', () => {
  it('resubmits never-filled orders a simulated venue forgot, with the same client_order_id, and they fill', async () => {
    const t = setup();
    t.broker.onBar({ symbol: 'AAPL', timeframe: '1d', ts: T0, open: 100, high: 100, low: 100, close: 100, volume: 1e7 });
    for (const o of [stored('a', 'pending_submit'), stored('b', 'submitted')]) {
      await t.store.insertOrder(o);
      t.oms.adopt(o);
      await t.oms.reconcileWith(o.clientOrderId, await t.broker.getOrder(o.clientOrderId), { resubmitUnknown: true });
    }
    expect(await t.broker.getOrder('a')).not.toBeNull();
    expect(await t.broker.getOrder('b')).not.toBeNull();
    t.clock.set(T0 + DAY);
    t.broker.onBar({ symbol: 'AAPL', timeframe: '1d', ts: T0 + DAY, open: 101, high: 101, low: 101, close: 101, volume: 1e7 });
    expect(t.fills.map((f) => f.clientOrderId).sort()).toEqual(['a', 'b']);
    expect(t.terminal.map((o) => o.status)).toEqual(['filled', 'filled']);
  });

  it('closes with a reason what it must not resubmit: partly filled, or a real broker that does not know it', async () => {
    const t = setup();
    const partial = stored('p', 'partially_filled', 4);
    const lost = stored('l', 'submitted');
    const never = stored('n', 'pending_submit');
    for (const o of [partial, lost, never]) {
      await t.store.insertOrder(o);
      t.oms.adopt(o);
    }
    await t.oms.reconcileWith('p', null, { resubmitUnknown: true });
    await t.oms.reconcileWith('l', null, { resubmitUnknown: false });
    await t.oms.reconcileWith('n', null, { resubmitUnknown: false });
    expect(t.terminal.map((o) => [o.clientOrderId, o.status, o.rejectReason])).toEqual([
      ['p', 'expired', 'unknown_at_broker_after_restart'],
      ['l', 'expired', 'unknown_at_broker_after_restart'],
      ['n', 'rejected', 'not_at_broker_after_restart'],
    ]);
    expect(await t.broker.getOrder('p')).toBeNull();
  });
});
