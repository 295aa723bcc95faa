import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { optionContract } from '../../../../engine/domain/instrument.js';
import { InputError } from '../../../../engine/domain/errors.js';
import type { Fill } from '../../../../engine/domain/orders.js';
import { brokerFor, dec, engineOrder, until } from './harness.js';
import { LoopbackAlpaca } from './loopbackAlpaca.js';
import type { Json } from './loopbackAlpaca.js';

let fake: LoopbackAlpaca;
beforeEach(async () => {
  fake = await LoopbackAlpaca.start();
});
afterEach(async () => {
  await fake.close();
});

const ORDERS = /^\/v2\/orders$/;
const posts = () => fake.requests.filter((r) => r.method === 'POST' && ORDERS.test(r.path));
const fillsOf = (events: readonly { type: string }[]) => events.filter((e): e is { type: 'fill'; fill: Fill } => e.type === 'fill').map((e) => e.fill);

describe('AlpacaBroker: orders', () => {
  it('submits with client_order_id, then reports accepted and each fill from the stream', async () => {
    const { broker, events } = brokerFor(fake);
    await broker.start();
    const order = engineOrder({ quantity: 10 });
    const state = await broker.submit(order);
    expect(state).toMatchObject({ clientOrderId: order.clientOrderId, status: 'submitted', filledQuantity: 0 });
    expect(posts()[0]!.body).toEqual({ symbol: 'AAPL', qty: '10', side: 'buy', type: 'market', client_order_id: order.clientOrderId, time_in_force: 'day' });
    fake.fill(order.clientOrderId, 4, '187.12');
    fake.fill(order.clientOrderId, 6, '187.20');
    await until(() => fillsOf(events).length === 2, 'two fills');
    await broker.idle();
    expect(events[0]).toMatchObject({ type: 'accepted', clientOrderId: order.clientOrderId, brokerOrderId: state.brokerOrderId });
    const fills = fillsOf(events);
    expect(fills.map((f) => [f.quantity, f.price.toFixed(), f.side, f.symbol])).toEqual([[4, '187.12', 'buy', 'AAPL'], [6, '187.2', 'buy', 'AAPL']]);
    expect(new Set(fills.map((f) => f.fillId)).size).toBe(2);
    expect(fills[0]!.fillId).toMatch(/^00000000-/);
    expect(await broker.getOrder(order.clientOrderId)).toMatchObject({ status: 'filled', filledQuantity: 10 });
    expect((await broker.getOrder(order.clientOrderId))!.avgFillPrice!.toFixed()).toBe('187.168');
    await broker.stop();
  });

  it('maps limit, stop, stop-limit, bracket and time in force into Alpaca order bodies', async () => {
    const { broker } = brokerFor(fake, { settings: { equityTimeInForce: 'gtc' } });
    await broker.submit(engineOrder({ type: 'limit', limitPrice: dec('101.5'), side: 'sell' }));
    await broker.submitWith(engineOrder({ type: 'market' }), { type: 'stop', stopPrice: dec('95'), timeInForce: 'day' });
    await broker.submitWith(engineOrder({ type: 'limit', limitPrice: dec('94.5') }), { type: 'stop_limit', stopPrice: dec('95') });
    const bracket = engineOrder({ type: 'limit', limitPrice: dec('100') });
    await broker.submitWith(bracket, { bracket: { takeProfitLimit: dec('110'), stopLossStop: dec('95'), stopLossLimit: dec('94.5') } });
    const bodies = posts().map((r) => r.body as Json);
    expect(bodies[0]).toMatchObject({ type: 'limit', limit_price: '101.5', side: 'sell', time_in_force: 'gtc' });
    expect(bodies[1]).toMatchObject({ type: 'stop', stop_price: '95', time_in_force: 'day' });
    expect(bodies[1]).not.toHaveProperty('limit_price');
    expect(bodies[2]).toMatchObject({ type: 'stop_limit', stop_price: '95', limit_price: '94.5' });
    expect(bodies[3]).toMatchObject({ order_class: 'bracket', take_profit: { limit_price: '110' }, stop_loss: { stop_price: '95', limit_price: '94.5' } });
    for (const b of bodies) expect(typeof b.client_order_id).toBe('string');
    // The bracket's exit legs are nested under it at Alpaca, not open orders of their own.
    const open = await broker.listOpenOrders();
    expect(open.map((o) => o.clientOrderId)).toContain(bracket.clientOrderId);
    expect(open).toHaveLength(4);
  });

  it('reports a bracket\'s exit fills to its own handler, not as fills of an order the engine does not hold', async () => {
    const exits: Array<{ parentClientOrderId: string; fill: Fill }> = [];
    const { broker, events } = brokerFor(fake, { onBracketExit: (x) => exits.push(x) });
    await broker.start();
    const entry = engineOrder({ type: 'limit', limitPrice: dec('100'), quantity: 10 });
    await broker.submitWith(entry, { bracket: { takeProfitLimit: dec('110'), stopLossStop: dec('95') } });
    fake.fill(entry.clientOrderId, 10, '100');
    const takeProfit = (fake.order(entry.clientOrderId).legs as Json[])[0]!;
    fake.fill(takeProfit.client_order_id as string, 10, '110');
    await until(() => exits.length === 1, 'the exit fill');
    await broker.idle();
    expect(exits[0]).toMatchObject({ parentClientOrderId: entry.clientOrderId, fill: { side: 'sell', quantity: 10, symbol: 'AAPL' } });
    expect(exits[0]!.fill.price.toFixed()).toBe('110');
    expect(fillsOf(events).map((f) => [f.clientOrderId, f.side, f.quantity])).toEqual([[entry.clientOrderId, 'buy', 10]]);
    await broker.stop();
  });

  it('sends an option with Alpaca\'s unpadded OCC symbol and reports fills under the engine\'s', async () => {
    const { broker, events } = brokerFor(fake);
    await broker.start();
    const call = optionContract({ underlying: 'AAPL', expiry: '2025-03-21', right: 'C', strike: 200 });
    const order = engineOrder({ instrument: call, symbol: call.symbol, type: 'limit', limitPrice: dec('1.25'), quantity: 2 });
    await broker.submit(order);
    expect(posts()[0]!.body).toMatchObject({ symbol: 'AAPL250321C00200000', time_in_force: 'day', limit_price: '1.25' });
    fake.fill(order.clientOrderId, 2, '1.2');
    await until(() => fillsOf(events).length === 1, 'the option fill');
    expect(fillsOf(events)[0]).toMatchObject({ symbol: 'AAPL  250321C00200000', quantity: 2 });
    expect((await broker.listPositions())[0]).toMatchObject({ symbol: 'AAPL  250321C00200000', quantity: 2 });
    await broker.stop();
  });

  it('refuses what Alpaca would refuse, naming the field, before sending anything', async () => {
    const { broker } = brokerFor(fake);
    const call = optionContract({ underlying: 'AAPL', expiry: '2025-03-21', right: 'C', strike: 200 });
    const cases: Array<[Promise<unknown>, string]> = [
      [broker.submitWith(engineOrder({ instrument: call, symbol: call.symbol, type: 'limit', limitPrice: dec(1) }), { timeInForce: 'gtc' }), 'timeInForce'],
      [broker.submitWith(engineOrder(), { type: 'stop' }), 'stopPrice'],
      [broker.submitWith(engineOrder({ side: 'sell' }), { bracket: { takeProfitLimit: dec(110), stopLossStop: dec(95) } }), 'bracket.takeProfitLimit'],
      [broker.submit(engineOrder({ clientOrderId: 'x'.repeat(129) })), 'clientOrderId'],
      [broker.submit(engineOrder({ clientOrderId: '' })), 'clientOrderId'],
      [broker.submitWith(engineOrder({ type: 'market' }), { extendedHours: true }), 'extendedHours'],
    ];
    for (const [p, field] of cases) {
      const e: unknown = await p.then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).field).toBe(field);
    }
    expect(posts()).toHaveLength(0);
  });

  it('submits a spread as one mleg order and reports one fill per leg sharing a group id', async () => {
    const { broker, events } = brokerFor(fake);
    await broker.start();
    const long = optionContract({ underlying: 'AAPL', expiry: '2025-03-21', right: 'C', strike: 200 });
    const short = optionContract({ underlying: 'AAPL', expiry: '2025-03-21', right: 'C', strike: 210 });
    const order = engineOrder({
      instrument: long, symbol: 'AAPL', quantity: 3, type: 'limit', limitPrice: dec('2.5'),
      legs: [{ instrument: long, side: 'buy', ratio: 1 }, { instrument: short, side: 'sell', ratio: 1 }],
    });
    await broker.submit(order);
    expect(posts()[0]!.body).toEqual({
      order_class: 'mleg', qty: '3', type: 'limit', limit_price: '2.5', time_in_force: 'day', client_order_id: order.clientOrderId,
      legs: [{ symbol: 'AAPL250321C00200000', side: 'buy', ratio_qty: '1' }, { symbol: 'AAPL250321C00210000', side: 'sell', ratio_qty: '1' }],
    });
    fake.fill(order.clientOrderId, 3, ['4.1', '1.7']);
    await until(() => fillsOf(events).length === 2, 'both legs');
    const [a, b] = fillsOf(events);
    expect([a!.symbol, a!.side, a!.quantity, a!.price.toFixed()]).toEqual([long.symbol, 'buy', 3, '4.1']);
    expect([b!.symbol, b!.side, b!.quantity, b!.price.toFixed()]).toEqual([short.symbol, 'sell', 3, '1.7']);
    expect(a!.groupId).toBeDefined();
    expect(a!.groupId).toBe(b!.groupId);
    expect(a!.clientOrderId).toBe(order.clientOrderId);
    const state = await broker.getOrder(order.clientOrderId);
    expect(state).toMatchObject({ status: 'filled', filledQuantity: 3 });
    expect(state!.avgFillPrice!.toFixed()).toBe('2.4');
    await broker.stop();
  });

  it('a second submit of a known client_order_id returns the existing order (422 from Alpaca)', async () => {
    const { broker } = brokerFor(fake);
    const order = engineOrder();
    const first = await broker.submit(order);
    const second = await broker.submit(order);
    expect(second.brokerOrderId).toBe(first.brokerOrderId);
    expect(fake.orders.size).toBe(1);
  });

  it('a definite refusal (403) is a rejected order with Alpaca\'s reason, not retried', async () => {
    const { broker, events } = brokerFor(fake);
    fake.plan('POST', ORDERS, { kind: 'status', status: 403, body: { code: 40310000, message: 'insufficient buying power' } });
    const order = engineOrder();
    const state = await broker.submit(order);
    expect(state.status).toBe('rejected');
    expect(events).toEqual([{ type: 'rejected', clientOrderId: order.clientOrderId, reason: 'alpaca_rejected: HTTP 403 insufficient buying power', ts: expect.any(Number) as unknown }]);
    expect(posts()).toHaveLength(1);
  });

  it('cancels through the live order\'s id; the cancelled event follows; a final order is left alone', async () => {
    const { broker, events } = brokerFor(fake);
    await broker.start();
    const order = engineOrder({ type: 'limit', limitPrice: dec(90) });
    await broker.submit(order);
    await broker.cancel(order.clientOrderId);
    await until(() => events.some((e) => e.type === 'cancelled'), 'the cancel');
    expect(events.at(-1)).toMatchObject({ type: 'cancelled', clientOrderId: order.clientOrderId });
    await broker.cancel(order.clientOrderId);
    await broker.cancel('never-placed');
    expect(fake.count('DELETE', /^\/v2\/orders\//)).toBe(1);
    await broker.stop();
  });

  it('replaces a working order as <id>.rpl1; its fills and state stay the engine order\'s', async () => {
    const { broker, events } = brokerFor(fake);
    await broker.start();
    const order = engineOrder({ type: 'limit', limitPrice: dec(90), quantity: 5 });
    const first = await broker.submit(order);
    const replaced = await broker.replace(order.clientOrderId, { limitPrice: dec('91.5') });
    expect(fake.requests.find((r) => r.method === 'PATCH')!.body).toEqual({ client_order_id: `${order.clientOrderId}.rpl1`, limit_price: '91.5' });
    expect(replaced.clientOrderId).toBe(order.clientOrderId);
    expect(replaced.brokerOrderId).not.toBe(first.brokerOrderId);
    fake.fill(`${order.clientOrderId}.rpl1`, 5, '91.4');
    await until(() => fillsOf(events).length === 1, 'the fill of the replacement');
    expect(fillsOf(events)[0]).toMatchObject({ clientOrderId: order.clientOrderId, quantity: 5 });
    expect(await broker.getOrder(order.clientOrderId)).toMatchObject({ status: 'filled', filledQuantity: 5, brokerOrderId: replaced.brokerOrderId });
    const e: unknown = await broker.replace(order.clientOrderId, { limitPrice: dec(92) }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InputError);
    await broker.stop();
  });

  it('getOrder of an unknown id is null; open orders are listed under engine ids', async () => {
    const { broker } = brokerFor(fake);
    expect(await broker.getOrder('nope')).toBeNull();
    const order = engineOrder({ type: 'limit', limitPrice: dec(90) });
    await broker.submit(order);
    await broker.replace(order.clientOrderId, { quantity: 12 });
    expect((await broker.listOpenOrders()).map((o) => o.clientOrderId)).toEqual([order.clientOrderId]);
  });
});
