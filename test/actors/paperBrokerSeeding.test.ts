import { describe, expect, it } from 'vitest';
import { PaperBroker } from '../../actors/brokers/paperBroker.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { equity } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Fill, Order, Position } from '../../engine/domain/orders.js';
import { ConfigError } from '../../engine/domain/errors.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2, 21, 0);

function bar(ts: number, price: number): Bar {
  return { symbol: 'AAPL', timeframe: '1d', ts, open: price, high: price, low: price, close: price, volume: 10_000_000 };
}

function order(id: string, side: 'buy' | 'sell', quantity: number, now: number): Order {
  const instrument = equity('AAPL');
  return {
    clientOrderId: id, strategyId: 't', symbol: 'AAPL', instrument, side, quantity, type: 'market', limitPrice: null,
    status: 'pending_submit', filledQuantity: 0, avgFillPrice: null, brokerOrderId: null, reason: 't', rejectReason: null,
    signalId: null, createdAt: now, updatedAt: now,
  };
}

async function fillPrice(config: { seed: number; slippageJitterBps: number }, id = 'o-1'): Promise<Decimal> {
  const clock = new SimulatedClock(T0);
  const broker = new PaperBroker({ clock, config: { slippageBps: 0, priceDecimals: { equity: 6, option: 2 }, ...config }, optionPrice: () => 1 });
  const fills: Fill[] = [];
  broker.onEvent((e) => e.type === 'fill' && fills.push(e.fill));
  broker.onBar(bar(T0, 100));
  await broker.submit(order(id, 'buy', 10, clock.now()));
  clock.set(T0 + DAY);
  broker.onBar(bar(T0 + DAY, 100));
  expect(fills).toHaveLength(1);
  return fills[0]!.price;
}

describe('paper broker: seeded slippage jitter', () => {
  it('is off by default-equivalent settings and adverse when on', async () => {
    expect((await fillPrice({ seed: 1, slippageJitterBps: 0 })).toFixed()).toBe('100');
    const p = await fillPrice({ seed: 1, slippageJitterBps: 5 });
    expect(p.gte(100)).toBe(true);
    expect(p.lte(100.05)).toBe(true);
  });

  it('gives the same fill for the same seed and a different one for another seed', async () => {
    const a = await fillPrice({ seed: 42, slippageJitterBps: 5 });
    const b = await fillPrice({ seed: 42, slippageJitterBps: 5 });
    const c = await fillPrice({ seed: 43, slippageJitterBps: 5 });
    expect(a.eq(b)).toBe(true);
    expect(a.eq(c)).toBe(false);
  });

  it('names a bad seed', () => {
    expect(() => new PaperBroker({ clock: new SimulatedClock(0), config: { seed: -1 }, optionPrice: () => 1 })).toThrow(ConfigError);
    expect(() => new PaperBroker({ clock: new SimulatedClock(0), config: { seed: 1.5 }, optionPrice: () => 1 })).toThrow(/paperBroker.seed/);
  });
});

describe('paper broker: positions handed back after a restart', () => {
  it('lets the engine close what it already holds instead of calling it a short', async () => {
    const clock = new SimulatedClock(T0);
    const held: Position = { symbol: 'AAPL', quantity: 20, avgCost: new Decimal(90), realizedPnl: new Decimal(0), updatedAt: T0 };
    const broker = new PaperBroker({ clock, initialPositions: [held], optionPrice: () => 1 });
    broker.onBar(bar(T0, 100));
    const state = await broker.submit(order('s-1', 'sell', 20, clock.now()));
    expect(state.status).toBe('submitted');
    const fresh = new PaperBroker({ clock, optionPrice: () => 1 });
    fresh.onBar(bar(T0, 100));
    expect((await fresh.submit(order('s-2', 'sell', 20, clock.now()))).status).toBe('rejected');
  });
});
