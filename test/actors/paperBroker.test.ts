import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pino } from 'pino';
import { PaperBroker } from '../../actors/brokers/paperBroker.js';
import type { OptionPriceFn } from '../../actors/brokers/paperBroker.js';
import { parsePaperBrokerConfig } from '../../actors/brokers/paperBrokerConfig.js';
import type { PaperBrokerConfigInput } from '../../actors/brokers/paperBrokerConfig.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { ConfigError, DataError, InputError } from '../../engine/domain/errors.js';
import { equity, optionContract } from '../../engine/domain/instrument.js';
import type { Instrument, OptionContract } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal, moneyFromNumber } from '../../engine/domain/money.js';
import type { Fill, Order } from '../../engine/domain/orders.js';
import type { BrokerEvent } from '../../engine/domain/ports.js';

const DAY = 86_400_000;
/** 2024-01-02 16:00 New York (EST): a daily close. */
const T0 = Date.UTC(2024, 0, 2, 21, 0);
const CALL = optionContract({ underlying: 'AAPL', expiry: '2024-02-16', right: 'C', strike: 100 });

/** Intrinsic + 2.00 of time value: simple, monotone, and on the cent grid. */
const fakeOptionPrice: OptionPriceFn = (c, s) => Math.round((Math.max(s - c.strike.toNumber(), 0) + 2) * 100) / 100;

interface Harness {
  clock: SimulatedClock;
  broker: PaperBroker;
  events: BrokerEvent[];
  logs: Array<{ level: number; msg: string }>;
  optionCalls: Array<{ contract: OptionContract; underlying: number; ts: number }>;
}

function harness(config: PaperBrokerConfigInput = {}, optionPrice: OptionPriceFn = fakeOptionPrice): Harness {
  const clock = new SimulatedClock(T0);
  const logs: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  const optionCalls: Harness['optionCalls'] = [];
  const broker = new PaperBroker({
    clock,
    config,
    logger,
    optionPrice: (contract, underlying, ts) => {
      optionCalls.push({ contract, underlying, ts });
      return optionPrice(contract, underlying, ts);
    },
  });
  const events: BrokerEvent[] = [];
  broker.onEvent((e) => events.push(e));
  return { clock, broker, events, logs, optionCalls };
}

function bar(symbol: string, ts: number, open: number, high: number, low: number, close: number, volume = 1_000_000): Bar {
  return { symbol, timeframe: '1d', ts, open, high, low, close, volume };
}

let orderSeq = 0;
function order(h: Harness, fields: Partial<Order> & { instrument?: Instrument } = {}): Order {
  const instrument = fields.instrument ?? equity('AAPL');
  return {
    clientOrderId: `o-${++orderSeq}`,
    strategyId: 'test',
    symbol: instrument.symbol,
    instrument,
    side: 'buy',
    quantity: 10,
    type: 'market',
    limitPrice: null,
    status: 'pending_submit',
    filledQuantity: 0,
    avgFillPrice: null,
    brokerOrderId: null,
    reason: 'test',
    rejectReason: null,
    signalId: null,
    createdAt: h.clock.now(),
    updatedAt: h.clock.now(),
    ...fields,
  };
}

const fills = (h: Harness): Fill[] => h.events.flatMap((e) => (e.type === 'fill' ? [e.fill] : []));
const dec = (s: string) => new Decimal(s);

/** A harness that has seen the signal bar (AAPL closing at 100 at T0), so market buys have a reference price. */
function primed(config: PaperBrokerConfigInput = {}): Harness {
  const h = harness(config);
  h.broker.onBar(bar('AAPL', T0, 99, 101, 98, 100));
  return h;
}

describe('paper broker config', () => {
  it('has documented defaults', () => {
    const c = parsePaperBrokerConfig();
    expect(c.initialCash.eq(100_000)).toBe(true);
    expect(c.slippageBps).toBe(5);
    expect(c.commissionPerShare.eq('0.005')).toBe(true);
    expect(c.minCommissionPerOrder.eq(1)).toBe(true);
    expect(c.commissionPerContract.eq('0.65')).toBe(true);
    expect(c.participation).toBe(0.1);
    expect(c.maxContractsPerBar).toBe(500);
    expect(c.priceDecimals).toEqual({ equity: 2, option: 2 });
    expect(c.allowShort).toBe(false);
  });

  it('accepts money as string, number or Decimal and a partial priceDecimals', () => {
    const c = parsePaperBrokerConfig({ initialCash: '2500.50', commissionPerShare: 0.01, commissionPerContract: dec('0.5'), priceDecimals: { option: 3 } });
    expect(c.initialCash.toFixed()).toBe('2500.5');
    expect(c.commissionPerShare.toFixed()).toBe('0.01');
    expect(c.commissionPerContract.toFixed()).toBe('0.5');
    expect(c.priceDecimals).toEqual({ equity: 2, option: 3 });
  });

  it.each<[PaperBrokerConfigInput, string]>([
    [{ participation: 0 }, 'paperBroker.participation'],
    [{ participation: 1.5 }, 'paperBroker.participation'],
    [{ slippageBps: -1 }, 'paperBroker.slippageBps'],
    [{ initialCash: 'lots' }, 'paperBroker.initialCash'],
    [{ initialCash: -5 }, 'paperBroker.initialCash'],
    [{ commissionPerContract: 'NaN' }, 'paperBroker.commissionPerContract'],
    [{ maxContractsPerBar: 2.5 }, 'paperBroker.maxContractsPerBar'],
    [{ priceDecimals: { option: -1 } }, 'paperBroker.priceDecimals.option'],
    [{ allowShort: 'yes' as unknown as boolean }, 'paperBroker.allowShort'],
    [{ slipageBps: 3 } as unknown as PaperBrokerConfigInput, 'paperBroker.slipageBps'],
  ])('rejects %j naming the field', (input, field) => {
    let err: unknown;
    try {
      parsePaperBrokerConfig(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe(field);
  });

  it('the broker constructor validates its config', () => {
    expect(() => harness({ participation: 0 })).toThrow(ConfigError);
  });
});

describe('paper broker: submit', () => {
  it('acknowledges a new order with a deterministic broker id and an accepted event', async () => {
    const h = primed();
    const o = order(h);
    const state = await h.broker.submit(o);
    expect(state).toEqual({ clientOrderId: o.clientOrderId, brokerOrderId: 'paper-1', status: 'submitted', filledQuantity: 0, avgFillPrice: null });
    expect(h.events).toEqual([{ type: 'accepted', clientOrderId: o.clientOrderId, brokerOrderId: 'paper-1', ts: T0 }]);
    expect((await h.broker.submit(order(h))).brokerOrderId).toBe('paper-2');
    expect(await h.broker.listOpenOrders()).toHaveLength(2);
  });

  it('is idempotent by clientOrderId: a resubmit returns the existing order and creates nothing', async () => {
    const h = primed();
    const o = order(h, { quantity: 10 });
    const first = await h.broker.submit(o);
    const again = await h.broker.submit(o);
    expect(again).toEqual(first);
    expect(h.events.filter((e) => e.type === 'accepted')).toHaveLength(1);
    expect(await h.broker.listOpenOrders()).toHaveLength(1);

    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    expect(fills(h)).toHaveLength(1);
    // After the fill a retry (e.g. after a timeout) still reports, and never re-sends.
    const afterFill = await h.broker.submit(o);
    expect(afterFill.status).toBe('filled');
    expect(afterFill.filledQuantity).toBe(10);
    h.broker.onBar(bar('AAPL', T0 + 2 * DAY, 100, 101, 99, 100));
    expect(fills(h)).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'accepted')).toHaveLength(1);
  });

  it('a resubmit with different fields keeps the original and logs a warning', async () => {
    const h = primed();
    const o = order(h, { quantity: 10 });
    await h.broker.submit(o);
    const state = await h.broker.submit({ ...o, quantity: 99 });
    expect(state.status).toBe('submitted');
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    expect(fills(h).map((f) => f.quantity)).toEqual([10]);
    expect(h.logs.some((l) => l.level === 40 && l.msg.includes('different fields'))).toBe(true);
  });

  it('a rejected order is remembered: resubmitting it returns the same rejection', async () => {
    const h = primed();
    const o = order(h, { quantity: 0 });
    const first = await h.broker.submit(o);
    const again = await h.broker.submit(o);
    expect(again).toEqual(first);
    expect(h.events.filter((e) => e.type === 'rejected')).toHaveLength(1);
  });

  it('throws InputError for an order without a clientOrderId (nothing to be idempotent on)', () => {
    const h = primed();
    expect(() => h.broker.submit(order(h, { clientOrderId: '' }))).toThrow(InputError);
    expect(() => h.broker.submit(order(h, { clientOrderId: '' }))).toThrow(/clientOrderId/);
  });

  const bad: Array<[string, (h: Harness) => Order, string, string]> = [
    ['zero quantity', (h) => order(h, { quantity: 0 }), 'invalid_quantity', 'quantity'],
    ['negative quantity', (h) => order(h, { quantity: -5 }), 'invalid_quantity', 'quantity'],
    ['fractional quantity', (h) => order(h, { quantity: 1.5 }), 'invalid_quantity', 'quantity'],
    ['NaN quantity', (h) => order(h, { quantity: Number.NaN }), 'invalid_quantity', 'quantity'],
    ['unknown side', (h) => order(h, { side: 'hold' as 'buy' }), 'invalid_side', 'side'],
    ['unknown type', (h) => order(h, { type: 'stop' as 'market' }), 'invalid_type', 'type'],
    ['limit without price', (h) => order(h, { type: 'limit', limitPrice: null }), 'invalid_limit_price', 'limitPrice'],
    ['limit at zero', (h) => order(h, { type: 'limit', limitPrice: dec('0') }), 'invalid_limit_price', 'limitPrice'],
    ['limit negative', (h) => order(h, { type: 'limit', limitPrice: dec('-1') }), 'invalid_limit_price', 'limitPrice'],
    ['symbol not matching the instrument', (h) => order(h, { symbol: 'MSFT' }), 'unknown_instrument', 'instrument.symbol'],
    ['malformed ticker', (h) => order(h, { instrument: { kind: 'equity', symbol: 'aapl$' } }), 'unknown_instrument', 'instrument.symbol'],
    [
      'option whose underlying disagrees with its OCC symbol',
      (h) => order(h, { instrument: { ...CALL, underlying: 'MSFT' } }),
      'unknown_instrument',
      'instrument.underlying',
    ],
    ['unknown instrument kind', (h) => order(h, { instrument: { kind: 'future', symbol: 'AAPL' } as unknown as Instrument }), 'unknown_instrument', 'instrument.kind'],
    ['market buy in a symbol never seen', (h) => order(h, { instrument: equity('MSFT') }), 'no_reference_price', 'instrument'],
  ];
  it.each(bad)('rejects %s with a reason code naming the field, without throwing', async (_name, make, code, field) => {
    const h = primed();
    const o = make(h);
    const state = await h.broker.submit(o);
    expect(state.status).toBe('rejected');
    expect(state.brokerOrderId).toMatch(/^paper-\d+$/);
    const rejected = h.events.find((e) => e.type === 'rejected');
    expect(rejected).toBeDefined();
    if (rejected?.type !== 'rejected') throw new Error('unreachable');
    expect(rejected.clientOrderId).toBe(o.clientOrderId);
    expect(rejected.reason.startsWith(`${code}: `)).toBe(true);
    expect(rejected.reason).toContain(field);
    expect(await h.broker.listOpenOrders()).toEqual([]);
    expect((await h.broker.getOrder(o.clientOrderId))?.status).toBe('rejected');
  });

  it('a limit buy needs no prior market data (the limit is the reference)', async () => {
    const h = harness();
    const state = await h.broker.submit(order(h, { instrument: equity('MSFT'), type: 'limit', limitPrice: dec('50') }));
    expect(state.status).toBe('submitted');
  });

  it('refuses a short sale with short_not_allowed, counting shares already being sold', async () => {
    const h = primed();
    const naked = await h.broker.submit(order(h, { side: 'sell', quantity: 1 }));
    expect(naked.status).toBe('rejected');
    expect(h.events.at(-1)).toMatchObject({ type: 'rejected', reason: expect.stringMatching(/^short_not_allowed: quantity 1/) as unknown });

    await h.broker.submit(order(h, { quantity: 10 }));
    h.clock.set(T0 + DAY);
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    const sell10 = await h.broker.submit(order(h, { side: 'sell', quantity: 10 }));
    expect(sell10.status).toBe('submitted');
    const oneMore = await h.broker.submit(order(h, { side: 'sell', quantity: 1 }));
    expect(oneMore.status).toBe('rejected');
    expect(h.events.at(-1)).toMatchObject({ type: 'rejected', reason: expect.stringMatching(/^short_not_allowed/) as unknown });
  });

  it('without allowShort: a cash-secured put and a covered call open; an uncovered call does not', async () => {
    const put = optionContract({ underlying: 'AAPL', expiry: '2024-02-16', right: 'P', strike: 95 });
    const h = primed();
    expect((await h.broker.submit(order(h, { instrument: put, symbol: put.symbol, side: 'sell', quantity: 1 }))).status).toBe('submitted');
    const naked = await h.broker.submit(order(h, { instrument: CALL, symbol: CALL.symbol, side: 'sell', quantity: 1 }));
    expect(naked.status).toBe('rejected');
    expect(h.events.at(-1)).toMatchObject({ type: 'rejected', reason: expect.stringMatching(/^uncovered_short/) as unknown });
    // 100 shares cover one call.
    await h.broker.submit(order(h, { quantity: 100 }));
    h.clock.set(T0 + DAY);
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    expect((await h.broker.submit(order(h, { instrument: CALL, symbol: CALL.symbol, side: 'sell', quantity: 1 }))).status).toBe('submitted');
  });

  it('allows a short sale when allowShort is set', async () => {
    const h = primed({ allowShort: true });
    const s = await h.broker.submit(order(h, { side: 'sell', quantity: 5 }));
    expect(s.status).toBe('submitted');
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    const [p] = await h.broker.listPositions();
    expect(p?.quantity).toBe(-5);
    // 5 × 99.95 − 1.00 minimum commission
    expect((await h.broker.getAccount()).cash.toFixed()).toBe('100498.75');
  });

  it('refuses a buy whose notional + commission exceeds cash, counting working buys', async () => {
    const h = primed({ initialCash: 1000 });
    // 10 × 100 × 1.0005 + 1.00 = 1001.50 > 1000
    const tooBig = await h.broker.submit(order(h, { quantity: 10 }));
    expect(tooBig.status).toBe('rejected');
    expect(h.events.at(-1)).toMatchObject({ type: 'rejected', reason: expect.stringMatching(/^insufficient_buying_power: quantity 10 AAPL needs about 1001\.50/) as unknown });
    // 9 × 100.05 + 1 = 901.45 fits; another 1 × 100.05 + 1 would not fit beside it.
    expect((await h.broker.submit(order(h, { quantity: 9 }))).status).toBe('submitted');
    expect((await h.broker.submit(order(h, { quantity: 1 }))).status).toBe('rejected');
    // A limit buy is checked at its limit price: 1 × 90 + 1 = 91 ≤ 1000 − 901.45.
    expect((await h.broker.submit(order(h, { quantity: 1, type: 'limit', limitPrice: dec('90') }))).status).toBe('submitted');
  });
});

describe('paper broker: fills', () => {
  it('fills a market order at the NEXT bar open, never in the bar that produced the signal', async () => {
    const h = primed();
    const o = order(h, { quantity: 10 });
    await h.broker.submit(o);
    // The signal bar itself (ended at T0, when the order was created) is replayed to the venue: no fill.
    h.broker.onBar(bar('AAPL', T0, 99, 101, 98, 100));
    // Another symbol's bar: no fill.
    h.broker.onBar(bar('MSFT', T0 + DAY, 300, 301, 299, 300));
    expect(fills(h)).toEqual([]);

    h.clock.set(T0 + DAY);
    h.broker.onBar(bar('AAPL', T0 + DAY, 102, 104, 101, 103));
    expect(fills(h)).toEqual([
      { fillId: `${o.clientOrderId}-f1`, clientOrderId: o.clientOrderId, symbol: 'AAPL', side: 'buy', quantity: 10, price: dec('102.05'), commission: dec('1'), ts: T0 },
    ]);
    const state = await h.broker.getOrder(o.clientOrderId);
    expect(state).toMatchObject({ status: 'filled', filledQuantity: 10 });
    expect(state?.avgFillPrice?.toFixed()).toBe('102.05');
    expect(await h.broker.listOpenOrders()).toEqual([]);
    const account = await h.broker.getAccount();
    expect(account.cash.toFixed()).toBe('98978.5'); // 100000 − 1020.50 − 1.00
    expect(account.buyingPower.eq(account.cash)).toBe(true);
    expect(account.equity.toFixed()).toBe('100008.5'); // cash + 10 × 103 (last close)
  });

  it('an intraday order created mid-bar waits for the bar after', async () => {
    const h = primed();
    const FIVE = 300_000;
    h.clock.set(T0 + DAY + 60_000);
    await h.broker.submit(order(h, { quantity: 1 }));
    const fiveMin = (ts: number, open: number): Bar => ({ symbol: 'AAPL', timeframe: '5m', ts, open, high: open + 1, low: open - 1, close: open, volume: 10_000 });
    h.broker.onBar(fiveMin(T0 + DAY + FIVE, 100)); // opened before the order existed
    expect(fills(h)).toEqual([]);
    h.broker.onBar(fiveMin(T0 + DAY + 2 * FIVE, 110));
    expect(fills(h).map((f) => [f.price.toFixed(), f.ts])).toEqual([['110.06', T0 + DAY + FIVE]]); // 110 × 1.0005 = 110.055 → half-even 110.06
  });

  it('slippage is adverse: buys pay up, sells receive less', async () => {
    const h = primed();
    await h.broker.submit(order(h, { quantity: 100 }));
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    h.clock.set(T0 + DAY);
    await h.broker.submit(order(h, { side: 'sell', quantity: 100 }));
    h.broker.onBar(bar('AAPL', T0 + 2 * DAY, 100, 101, 99, 100));
    expect(fills(h).map((f) => [f.side, f.price.toFixed()])).toEqual([
      ['buy', '100.05'],
      ['sell', '99.95'],
    ]);
    // Round trip at an unchanged price loses exactly slippage (2 × 5.00) and commissions (2 × 1.00).
    expect((await h.broker.getAccount()).cash.toFixed()).toBe('99988');
  });

  it('rounds to the tick with ROUND_HALF_EVEN after slippage', async () => {
    const h = harness({ slippageBps: 50 });
    h.broker.onBar(bar('AAPL', T0, 3, 3, 1, 1));
    await h.broker.submit(order(h, { quantity: 1 }));
    await h.broker.submit(order(h, { quantity: 1 }));
    h.broker.onBar(bar('AAPL', T0 + DAY, 1, 1, 1, 1)); // 1.005 → 1.00
    h.clock.set(T0 + DAY);
    await h.broker.submit(order(h, { quantity: 1 }));
    h.broker.onBar(bar('AAPL', T0 + 2 * DAY, 3, 3, 3, 3)); // 3.015 → 3.02
    expect(fills(h).map((f) => f.price.toFixed(2))).toEqual(['1.00', '1.00', '3.02']);
  });

  it('charges per-share commission with a per-order minimum, and per contract for options', async () => {
    const h = primed({ initialCash: 1_000_000 });
    await h.broker.submit(order(h, { quantity: 100 })); // 0.50 → minimum 1.00
    await h.broker.submit(order(h, { quantity: 1000 })); // 5.00
    await h.broker.submit(order(h, { quantity: 333 })); // 1.665 → 1.66 (half-even to the cent)
    await h.broker.submit(order(h, { instrument: CALL, quantity: 3 })); // 3 × 0.65
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    expect(fills(h).map((f) => f.commission.toFixed(2))).toEqual(['1.00', '5.00', '1.66', '1.95']);
  });

  it('fills partially under the participation cap, then completes; the minimum is charged once', async () => {
    const h = primed();
    const o = order(h, { quantity: 250 });
    await h.broker.submit(o);
    const states: string[] = [];
    for (let i = 1; i <= 4; i++) {
      // volume 1000 × 0.10 = 100 shares per bar
      h.broker.onBar(bar('AAPL', T0 + i * DAY, 100 + i, 110, 90, 100, 1000));
      states.push((await h.broker.getOrder(o.clientOrderId))?.status ?? 'missing');
    }
    const f = fills(h);
    expect(f.map((x) => [x.fillId, x.quantity, x.price.toFixed(), x.commission.toFixed(2)])).toEqual([
      [`${o.clientOrderId}-f1`, 100, '101.05', '1.00'], // cumulative 0.50 → minimum 1.00
      [`${o.clientOrderId}-f2`, 100, '102.05', '0.00'], // cumulative 1.00
      [`${o.clientOrderId}-f3`, 50, '103.05', '0.25'], // cumulative 1.25
    ]);
    expect(states).toEqual(['partially_filled', 'partially_filled', 'filled', 'filled']);
    const s = await h.broker.getOrder(o.clientOrderId);
    expect(s?.filledQuantity).toBe(250);
    expect(s?.avgFillPrice?.toFixed()).toBe('101.85'); // (101.05×100 + 102.05×100 + 103.05×50) / 250
    expect(await h.broker.listOpenOrders()).toEqual([]);
  });

  it('a bar too thin for one share leaves the order working', async () => {
    const h = primed();
    await h.broker.submit(order(h, { quantity: 5 }));
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100, 9)); // 0.9 shares allowed
    expect(fills(h)).toEqual([]);
    expect(await h.broker.listOpenOrders()).toHaveLength(1);
  });

  it('fills a limit buy only when the bar trades through, at min(open, limit), never above the limit', async () => {
    const h = primed();
    const o = order(h, { type: 'limit', limitPrice: dec('99'), quantity: 10 });
    await h.broker.submit(o);
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99.5, 100));
    expect(fills(h)).toEqual([]);
    h.broker.onBar(bar('AAPL', T0 + 2 * DAY, 100, 101, 98, 100));
    // 99 × 1.0005 = 99.05 would breach the limit: capped at 99.
    expect(fills(h).map((f) => f.price.toFixed())).toEqual(['99']);

    const gap = order(h, { type: 'limit', limitPrice: dec('99'), quantity: 10 });
    h.clock.set(T0 + 2 * DAY);
    await h.broker.submit(gap);
    h.broker.onBar(bar('AAPL', T0 + 3 * DAY, 97, 98, 96, 97)); // opens below the limit: fills at the open
    expect(fills(h).at(-1)?.price.toFixed()).toBe('97.05');
  });

  it('fills a limit sell when the high reaches the limit, at max(open, limit)', async () => {
    const h = primed();
    await h.broker.submit(order(h, { quantity: 20 }));
    h.clock.set(T0 + DAY);
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    await h.broker.submit(order(h, { side: 'sell', type: 'limit', limitPrice: dec('105'), quantity: 10 }));
    await h.broker.submit(order(h, { side: 'sell', type: 'limit', limitPrice: dec('101'), quantity: 10 }));
    h.broker.onBar(bar('AAPL', T0 + 2 * DAY, 100, 104.99, 99, 103));
    expect(fills(h).slice(1).map((f) => f.price.toFixed())).toEqual(['101']); // 105 not reached; 101 capped at its limit
    h.broker.onBar(bar('AAPL', T0 + 3 * DAY, 106, 107, 105, 106));
    expect(fills(h).slice(1).map((f) => f.price.toFixed())).toEqual(['101', '105.95']); // gapped above: open 106 − slippage
  });

  it('fills an option from optionPrice at the underlying open, with ×100 cash', async () => {
    const h = primed();
    const o = order(h, { instrument: CALL, quantity: 2 });
    await h.broker.submit(o);
    h.optionCalls.length = 0;
    h.broker.onBar(bar('AAPL', T0 + DAY, 104, 106, 103, 105));
    expect(h.optionCalls[0]).toEqual({ contract: CALL, underlying: 104, ts: T0 });
    // 104 − 100 + 2 = 6.00, × 1.0005 = 6.003 → 6.00
    expect(fills(h)).toEqual([
      { fillId: `${o.clientOrderId}-f1`, clientOrderId: o.clientOrderId, symbol: CALL.symbol, side: 'buy', quantity: 2, price: dec('6'), commission: dec('1.3'), ts: T0 },
    ]);
    const account = await h.broker.getAccount();
    expect(account.cash.toFixed()).toBe('98798.7'); // 100000 − 6.00 × 2 × 100 − 1.30
    // Marked at the model price at the last close 105: 7.00 × 2 × 100.
    expect(account.equity.toFixed()).toBe('100198.7');
    expect((await h.broker.listPositions()).map((p) => [p.symbol, p.quantity, p.avgCost.toFixed()])).toEqual([[CALL.symbol, 2, '6']]);
  });

  it('caps option fills per bar with maxContractsPerBar', async () => {
    const h = primed({ maxContractsPerBar: 3 });
    await h.broker.submit(order(h, { instrument: CALL, quantity: 5 }));
    h.broker.onBar(bar('AAPL', T0 + DAY, 104, 106, 103, 105, 0)); // underlying volume does not limit options
    h.broker.onBar(bar('AAPL', T0 + 2 * DAY, 104, 106, 103, 105, 0));
    expect(fills(h).map((f) => f.quantity)).toEqual([3, 2]);
  });

  it('fills an option limit buy from the range the model gives over the underlying bar', async () => {
    const h = primed();
    await h.broker.submit(order(h, { instrument: CALL, quantity: 1, type: 'limit', limitPrice: dec('4.5') }));
    h.broker.onBar(bar('AAPL', T0 + DAY, 104, 106, 103, 105)); // option 5..8: no
    expect(fills(h)).toEqual([]);
    h.broker.onBar(bar('AAPL', T0 + 2 * DAY, 104, 106, 102, 105)); // option low 4.00: fill at the limit
    expect(fills(h).map((f) => f.price.toFixed())).toEqual(['4.5']);
  });

  it('keeps an option order working when the model gives no usable price', async () => {
    const h = harness({}, () => Number.NaN);
    h.broker.onBar(bar('AAPL', T0, 99, 101, 98, 100));
    await h.broker.submit(order(h, { instrument: CALL, quantity: 1, type: 'limit', limitPrice: dec('5') }));
    h.broker.onBar(bar('AAPL', T0 + DAY, 104, 106, 103, 105));
    expect(fills(h)).toEqual([]);
    expect(await h.broker.listOpenOrders()).toHaveLength(1);
    expect(h.logs.some((l) => l.msg.includes('no usable price'))).toBe(true);
  });

  it('emits fills synchronously in submission order', async () => {
    const h = primed();
    const a = order(h, { quantity: 1 });
    const b = order(h, { instrument: CALL, quantity: 1 });
    const c = order(h, { quantity: 2 });
    for (const o of [a, b, c]) await h.broker.submit(o);
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    expect(fills(h).map((f) => f.clientOrderId)).toEqual([a.clientOrderId, b.clientOrderId, c.clientOrderId]);
  });

  it('rejects an invalid bar with a DataError naming the field', () => {
    const h = primed();
    expect(() => h.broker.onBar(bar('AAPL', T0 + DAY, 100, 99, 101, 100))).toThrow(DataError);
    expect(() => h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100, -1))).toThrow(/volume/);
  });
});

describe('paper broker: cancel and events', () => {
  it('cancels a working order, which then never fills', async () => {
    const h = primed();
    const o = order(h, { quantity: 250 });
    await h.broker.submit(o);
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100, 1000));
    h.clock.set(T0 + DAY + 1);
    await h.broker.cancel(o.clientOrderId);
    expect(h.events.at(-1)).toEqual({ type: 'cancelled', clientOrderId: o.clientOrderId, reason: 'cancel_requested', ts: T0 + DAY + 1 });
    h.broker.onBar(bar('AAPL', T0 + 2 * DAY, 100, 101, 99, 100, 1000));
    expect(fills(h).map((f) => f.quantity)).toEqual([100]);
    expect(await h.broker.getOrder(o.clientOrderId)).toMatchObject({ status: 'cancelled', filledQuantity: 100 });
    expect(await h.broker.listOpenOrders()).toEqual([]);
  });

  it('cancel of an unknown or final order is a logged no-op', async () => {
    const h = primed();
    const o = order(h, { quantity: 1 });
    await h.broker.submit(o);
    h.broker.onBar(bar('AAPL', T0 + DAY, 100, 101, 99, 100));
    const before = h.events.length;
    await expect(h.broker.cancel('nope')).resolves.toBeUndefined();
    await expect(h.broker.cancel(o.clientOrderId)).resolves.toBeUndefined();
    expect(h.events.length).toBe(before);
    expect(h.logs.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'paper: cancel of an unknown order ignored',
      'paper: cancel of a final order ignored',
    ]);
    expect((await h.broker.getOrder(o.clientOrderId))?.status).toBe('filled');
  });

  it('a throwing listener is logged and does not stop other listeners; unsubscribe works', async () => {
    const h = primed();
    const seen: string[] = [];
    h.broker.onEvent(() => {
      throw new Error('boom');
    });
    const off = h.broker.onEvent((e) => seen.push(e.type));
    await h.broker.submit(order(h, { quantity: 1 }));
    off();
    await h.broker.submit(order(h, { quantity: 1 }));
    expect(seen).toEqual(['accepted']);
    expect(h.events.filter((e) => e.type === 'accepted')).toHaveLength(2);
    expect(h.logs.some((l) => l.level === 50 && l.msg.includes('listener threw'))).toBe(true);
  });
});

describe('paper broker: properties', () => {
  type Action =
    | { kind: 'order'; option: boolean; side: 'buy' | 'sell'; quantity: number; type: 'market' | 'limit'; offsetCents: number }
    | { kind: 'bar'; moveCents: number; rangeCents: number; volume: number }
    | { kind: 'cancel'; pick: number };

  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.record({
      kind: fc.constant('order' as const),
      option: fc.boolean(),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      quantity: fc.integer({ min: 1, max: 400 }),
      type: fc.constantFrom('market' as const, 'limit' as const),
      offsetCents: fc.integer({ min: -300, max: 300 }),
    }),
    fc.record({
      kind: fc.constant('bar' as const),
      moveCents: fc.integer({ min: -400, max: 400 }),
      rangeCents: fc.integer({ min: 0, max: 300 }),
      volume: fc.integer({ min: 0, max: 3000 }),
    }),
    fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  );

  it('never over-fills, books every fill once, and conserves value up to commissions and slippage', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 40 }), fc.boolean(), async (actions, allowShort) => {
        const h = harness({ initialCash: 50_000, allowShort, maxContractsPerBar: 7 });
        const submitted: Array<{ order: Order; at: number }> = [];
        const barOpenAt = new Map<number, number>();
        let ts = T0;
        // Prices are generated in whole cents, so the slippage bound below is exact.
        let closeC = 10_000;
        let close = 100;
        h.broker.onBar(bar('AAPL', ts, close, close, close, close));
        for (const a of actions) {
          if (a.kind === 'bar') {
            ts += DAY;
            h.clock.set(ts);
            const openC = Math.max(100, closeC + a.moveCents);
            closeC = Math.max(100, openC + (a.moveCents % 7));
            const highC = Math.max(openC, closeC) + a.rangeCents;
            const lowC = Math.max(50, Math.min(openC, closeC) - a.rangeCents);
            const open = openC / 100;
            close = closeC / 100;
            const high = highC / 100;
            const low = lowC / 100;
            barOpenAt.set(ts - DAY, open);
            h.broker.onBar(bar('AAPL', ts, open, high, low, close, a.volume));
          } else if (a.kind === 'order') {
            const instrument = a.option ? CALL : equity('AAPL');
            const ref = a.option ? fakeOptionPrice(CALL, close, ts) : close;
            const limit = Math.max(0.01, Math.round(ref * 100 + a.offsetCents) / 100);
            const o = order(h, { instrument, side: a.side, quantity: a.quantity, type: a.type, limitPrice: a.type === 'limit' ? moneyFromNumber(limit) : null });
            submitted.push({ order: o, at: ts });
            await h.broker.submit(o);
          } else if (submitted.length > 0) {
            const victim = submitted[a.pick % submitted.length];
            if (victim) await h.broker.cancel(victim.order.clientOrderId);
          }
        }

        const all = fills(h);
        expect(new Set(all.map((f) => f.fillId)).size).toBe(all.length);
        for (const { order: o, at } of submitted) {
          const mine = all.filter((f) => f.clientOrderId === o.clientOrderId);
          const total = mine.reduce((s, f) => s + f.quantity, 0);
          expect(total).toBeLessThanOrEqual(o.quantity);
          expect((await h.broker.getOrder(o.clientOrderId))?.filledQuantity).toBe(total);
          for (const f of mine) {
            expect(f.ts).toBeGreaterThanOrEqual(at); // never in the bar that was open when it was sent
            if (o.type === 'limit' && o.limitPrice) {
              if (o.side === 'buy') expect(f.price.lte(o.limitPrice)).toBe(true);
              else expect(f.price.gte(o.limitPrice)).toBe(true);
            } else {
              // Market fills are adverse by at most the slippage plus half a tick.
              const underlyingOpen = barOpenAt.get(f.ts) as number;
              const raw = moneyFromNumber(o.instrument.kind === 'option' ? fakeOptionPrice(CALL, underlyingOpen, f.ts) : underlyingOpen);
              const adverse = o.side === 'buy' ? f.price.minus(raw) : raw.minus(f.price);
              expect(adverse.gte(0)).toBe(true);
              expect(adverse.lte(raw.times('0.0005').plus('0.005'))).toBe(true);
            }
          }
        }

        const multiplier = (symbol: string) => (symbol === CALL.symbol ? 100 : 1);
        const signed = (f: Fill) => (f.side === 'buy' ? f.quantity : -f.quantity);
        const commissions = all.reduce((s, f) => s.plus(f.commission), new Decimal(0));
        const flows = all.reduce((s, f) => s.minus(f.price.times(signed(f)).times(multiplier(f.symbol))), new Decimal(0));
        const account = await h.broker.getAccount();
        expect(account.cash.eq(new Decimal(50_000).plus(flows).minus(commissions))).toBe(true);

        const positions = await h.broker.listPositions();
        const marks: Record<string, Decimal> = { AAPL: moneyFromNumber(close), [CALL.symbol]: moneyFromNumber(fakeOptionPrice(CALL, close, ts)) };
        for (const symbol of ['AAPL', CALL.symbol]) {
          const qty = all.filter((f) => f.symbol === symbol).reduce((s, f) => s + signed(f), 0);
          expect(positions.find((p) => p.symbol === symbol)?.quantity ?? 0).toBe(qty);
          if (!allowShort) expect(qty).toBeGreaterThanOrEqual(0);
        }
        // Value only moves by commissions and by the mark moving away from each fill price.
        const drift = all.reduce((s, f) => s.plus((marks[f.symbol] as Decimal).minus(f.price).times(signed(f)).times(multiplier(f.symbol))), new Decimal(0));
        expect(account.equity.eq(new Decimal(50_000).minus(commissions).plus(drift))).toBe(true);
      }),
      { seed: 20240102, numRuns: 200 },
    );
  });
});
