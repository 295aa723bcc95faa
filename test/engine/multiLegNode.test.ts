import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/domain/errors.js';
import { spreadIntent } from '../../engine/domain/optionLegs.js';
import type { Order } from '../../engine/domain/orders.js';
import { DAY, T0, contract, dec, leg, nextSignal, nodeHarness } from './multiLegHarness.js';

const BULL_CALL = [leg('buy', 'C', 100), leg('sell', 'C', 110)];
const BULL_PUT = [leg('sell', 'P', 100), leg('buy', 'P', 90)];
const C100 = contract('C', 100).symbol;
const C110 = contract('C', 110).symbol;
const P100 = contract('P', 100).symbol;
const P90 = contract('P', 90).symbol;

describe('multi-leg orders through the OMS and the book', () => {
  it('writes one order row with its legs ahead, then books one fill, one position and one trade per leg', async () => {
    const t = nodeHarness();
    const seenAtEachAnnouncement: Array<[number | undefined, number | undefined]> = [];
    t.node.bus.subscribe('fill.booked', () => seenAtEachAnnouncement.push([t.portfolio.position(C100)?.quantity, t.portfolio.position(C110)?.quantity]));
    await t.step('AAPL', T0, 100);
    const order = await t.node.oms.place(spreadIntent({ strategyId: 'debit_spreads', legs: BULL_CALL, quantity: 2, netLimit: dec('5.10'), reason: 'bull call' }), nextSignal('s'));
    expect(order).toMatchObject({ symbol: 'AAPL', status: 'submitted', quantity: 2, side: 'buy', legs: BULL_CALL });
    const id = order!.clientOrderId;
    expect((await t.store.getOrder(id))?.legs).toEqual(BULL_CALL);
    await t.step('AAPL', T0 + DAY, 105);
    const stored = await t.store.getOrder(id);
    expect(stored).toMatchObject({ status: 'filled', filledQuantity: 2, legs: BULL_CALL });
    expect(stored?.avgFillPrice?.toFixed()).toBe('5');
    expect((await t.store.listFills(id)).map((f) => [f.symbol, f.side, f.quantity, f.price.toFixed(2), f.groupId])).toEqual([
      [C100, 'buy', 2, '7.50', `${id}-g1`],
      [C110, 'sell', 2, '2.50', `${id}-g1`],
    ]);
    expect((await t.store.listTrades()).map((x) => [x.clientOrderId, x.symbol, x.side, x.quantity, x.grossAmount.toFixed()])).toEqual([
      [id, C100, 'BUY', 2, '1500'],
      [id, C110, 'SELL', 2, '500'],
    ]);
    expect(t.portfolio.position(C100)?.quantity).toBe(2);
    expect(t.portfolio.position(C110)?.quantity).toBe(-2);
    expect(t.portfolio.strategyQuantities('debit_spreads')).toEqual(new Map([[C100, 2], [C110, -2]]));
    // Debit 5.00 × 100 × 2 and four contracts of commission.
    expect(t.portfolio.cash.toFixed(2)).toBe('998997.40');
    expect((await t.store.listPositions()).map((p) => [p.symbol, p.quantity])).toEqual([[C100, 2], [C110, -2]]);
    // Both legs were in the book before the first was announced.
    expect(seenAtEachAnnouncement).toEqual([[2, -2], [2, -2]]);
  });

  it('realises P&L right on a buy-to-close leg: a credit spread opened and closed', async () => {
    const t = nodeHarness();
    await t.step('AAPL', T0, 102);
    await t.node.oms.place(spreadIntent({ strategyId: 'spx_credit_spreads', legs: BULL_PUT, quantity: 1, netLimit: dec('-0.90'), reason: 'open' }), nextSignal('o'));
    await t.step('AAPL', T0 + DAY, 102); // sells P100 at 2.80, buys P90 at 1.80: credit 1.00
    const close = [leg('buy', 'P', 100), leg('sell', 'P', 90)];
    await t.node.oms.place(spreadIntent({ strategyId: 'spx_credit_spreads', legs: close, quantity: 1, netLimit: dec('1.20'), reason: 'close' }), nextSignal('c'));
    await t.step('AAPL', T0 + 2 * DAY, 110); // buys P100 back at 2.00, sells P90 at 1.00: debit 1.00
    const short = t.portfolio.position(P100);
    const long = t.portfolio.position(P90);
    expect([short?.quantity, long?.quantity]).toEqual([0, 0]);
    // Bought back 0.80 under its sale: +80, less a 0.65 commission on each of its two fills.
    expect(short?.realizedPnl.toFixed(2)).toBe('78.70');
    expect(long?.realizedPnl.toFixed(2)).toBe('-81.30');
    expect(t.portfolio.realizedPnl.toFixed(2)).toBe('-2.60');
    expect(t.portfolio.cash.toFixed(2)).toBe('999997.40');
    const stored = Object.fromEntries((await t.store.listPositions()).map((p) => [p.symbol, p.realizedPnl.toFixed(2)]));
    expect(stored).toEqual({ [P100]: '78.70', [P90]: '-81.30' });
  });

  it('refuses a malformed spread before anything is written or sent', async () => {
    const t = nodeHarness();
    const intent = { ...spreadIntent({ strategyId: 's', legs: BULL_CALL, quantity: 1, netLimit: dec('5'), reason: 'x' }), legs: [BULL_CALL[0]!, { ...BULL_CALL[1]!, ratio: 3 }] };
    const err = await t.node.oms.place(intent, nextSignal('bad')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe('legs[1].ratio');
    const wrongFirst = { ...spreadIntent({ strategyId: 's', legs: BULL_CALL, quantity: 1, netLimit: dec('5'), reason: 'x' }), instrument: BULL_CALL[1]!.instrument };
    expect(await t.node.oms.place(wrongFirst, nextSignal('bad')).catch((e: unknown) => (e as InputError).field)).toBe('instrument');
    expect(await t.store.listOrders()).toEqual([]);
    expect(await t.venue.listOpenOrders()).toEqual([]);
  });

  it('after a restart, a working spread is resubmitted with its legs under the same id and fills whole', async () => {
    const first = nodeHarness();
    await first.step('AAPL', T0, 100);
    const placed = await first.node.oms.place(spreadIntent({ strategyId: 'debit_spreads', legs: BULL_CALL, quantity: 1, netLimit: dec('1'), reason: 'cheap' }), nextSignal('r'));
    await first.step('AAPL', T0 + DAY, 105); // net 5.00: not at 1.00
    await first.node.stop();
    // A new process: the store survives, the paper venue's book does not.
    const restarted = nodeHarness({ store: first.store });
    const [working] = await first.store.listOrders({ status: ['submitted'] }) as [Order];
    expect(working.legs).toEqual(BULL_CALL);
    restarted.node.oms.adopt(working);
    await restarted.node.oms.reconcileWith(working.clientOrderId, null, { resubmitUnknown: true });
    expect(await restarted.venue.getOrder(placed!.clientOrderId)).toMatchObject({ status: 'submitted' });
    await restarted.step('AAPL', T0 + 2 * DAY, 100); // net 3.00 − 2.00 = 1.00: at the limit
    const fills = await first.store.listFills(working.clientOrderId);
    expect(fills.map((f) => f.symbol)).toEqual([C100, C110]);
    expect((await first.store.getOrder(working.clientOrderId))?.status).toBe('filled');
    expect(restarted.portfolio.position(C100)?.quantity).toBe(1);
    expect(restarted.portfolio.position(C110)?.quantity).toBe(-1);
  });
});
