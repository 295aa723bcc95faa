import { describe, expect, it } from 'vitest';
import type { OptionPriceFn } from '../../actors/brokers/paperBroker.js';
import { netPrice } from '../../engine/domain/optionLegs.js';
import { contract, DAY, T0, bar, dec, fillsOf, groupsOf, leg, spreadOrder, tentModel, venue } from './optionVenueHarness.js';

const BULL_CALL = [leg('buy', 'C', 100), leg('sell', 'C', 110)];
const BULL_PUT = [leg('sell', 'P', 100), leg('buy', 'P', 90)];
const IRON_CONDOR = [leg('buy', 'P', 90), leg('sell', 'P', 95), leg('sell', 'C', 110), leg('buy', 'C', 115)];
const NEXT = T0 + DAY;

/** tentModel without its rounding, so a limit crossed inside a bar has an exact crossing price. */
const smoothTent: OptionPriceFn = (c, s) => {
  const k = c.strike.toNumber();
  const intrinsic = c.right === 'C' ? Math.max(s - k, 0) : Math.max(k - s, 0);
  return intrinsic + Math.max(0, 3 - 0.1 * Math.abs(s - k));
};

const reasonOf = async (p: Promise<{ status: string }>, h: ReturnType<typeof venue>) => {
  await p;
  const e = h.events.at(-1);
  return e?.type === 'rejected' ? e.reason : null;
};

describe('paper broker: multi-leg fills', () => {
  it('fills a debit spread at the next open, every leg in one group, at a net inside the limit', async () => {
    const h = venue();
    const o = spreadOrder(h, BULL_CALL, { quantity: 2, limitPrice: dec('5.10') });
    expect((await h.broker.submit(o)).status).toBe('submitted');
    h.broker.onBar(bar('AAPL', T0, 105)); // the signal's own bar: nothing fills in it
    expect(groupsOf(h)).toHaveLength(0);
    h.broker.onBar(bar('AAPL', NEXT, 105));
    const [group] = groupsOf(h);
    expect(group).toMatchObject({ clientOrderId: o.clientOrderId, groupId: `${o.clientOrderId}-g1`, spreads: 2, ts: T0 });
    expect(group?.netPrice.toFixed(2)).toBe('5.00');
    expect(group?.fills.map((f) => [f.symbol, f.side, f.quantity, f.price.toFixed(2), f.commission.toFixed(2), f.groupId, f.ts])).toEqual([
      [contract('C', 100).symbol, 'buy', 2, '7.50', '1.30', `${o.clientOrderId}-g1`, T0],
      [contract('C', 110).symbol, 'sell', 2, '2.50', '1.30', `${o.clientOrderId}-g1`, T0],
    ]);
    // One event carries both legs: there is no instant at which one leg is booked alone.
    expect(h.events.filter((e) => e.type === 'fill')).toHaveLength(0);
    const account = await h.broker.getAccount();
    expect(account.cash.toFixed(2)).toBe('98997.40');
    expect(await h.broker.getOrder(o.clientOrderId)).toMatchObject({ status: 'filled', filledQuantity: 2 });
    expect((await h.broker.getOrder(o.clientOrderId))?.avgFillPrice?.toFixed(2)).toBe('5.00');
    expect((await h.broker.listPositions()).map((p) => [p.symbol, p.quantity])).toEqual([
      [contract('C', 100).symbol, 2],
      [contract('C', 110).symbol, -2],
    ]);
  });

  it('refuses to fill while the net limit is not met, then fills at exactly the limit when the bar crosses it', async () => {
    const h = venue({}, smoothTent);
    const o = spreadOrder(h, BULL_CALL, { limitPrice: dec('3.50') });
    await h.broker.submit(o);
    h.broker.onBar(bar('AAPL', NEXT, 105, 106, 104)); // net 4.20 at the low: above 3.50
    expect(fillsOf(h)).toEqual([]);
    expect((await h.broker.listOpenOrders()).map((s) => s.clientOrderId)).toEqual([o.clientOrderId]);
    h.broker.onBar(bar('AAPL', NEXT + DAY, 105, 105, 102)); // net 2.60 at the low: crossed on the way down
    const [group] = groupsOf(h);
    expect(group?.netPrice.toFixed(2)).toBe('3.50');
    expect(group?.fills.map((f) => f.price.toFixed(2))).toEqual(['5.81', '2.31']);
  });

  it('never fills one leg alone: a leg without a usable price keeps the whole order working', async () => {
    const broken: OptionPriceFn = (c, s) => (c.strike.eq(110) ? Number.NaN : tentModel(c, s, 0));
    const h = venue({}, broken);
    const o = spreadOrder(h, BULL_CALL, { limitPrice: dec('9') });
    await h.broker.submit(o);
    h.broker.onBar(bar('AAPL', NEXT, 105));
    expect(fillsOf(h)).toEqual([]);
    expect(await h.broker.listPositions()).toEqual([]);
    expect((await h.broker.getAccount()).cash.toFixed(2)).toBe('100000.00');
    expect((await h.broker.getOrder(o.clientOrderId))?.status).toBe('submitted');
  });

  it('fills a credit spread and an iron condor at their nets (credit < 0), better than the limit', async () => {
    const h = venue();
    await h.broker.submit(spreadOrder(h, BULL_PUT, { limitPrice: dec('-0.90') }));
    await h.broker.submit(spreadOrder(h, IRON_CONDOR, { limitPrice: dec('-0.95') }));
    h.broker.onBar(bar('AAPL', NEXT, 102));
    const groups = groupsOf(h);
    expect(groups.map((g) => g.netPrice.toFixed(2))).toEqual(['-1.00', '-1.00']);
    expect(groups.map((g) => g.fills.length)).toEqual([2, 4]);
    // The net is what the leg fills add up to: Σ bought − Σ sold.
    for (const g of groups) expect(netPrice(g.fills.map((f) => ({ ...leg(f.side, 'C', 1), side: f.side })), g.fills.map((f) => f.price)).eq(g.netPrice)).toBe(true);
    expect(groups[1]?.fills.map((f) => [f.side, f.price.toFixed(2)])).toEqual([['buy', '1.80'], ['sell', '2.30'], ['sell', '2.20'], ['buy', '1.70']]);
  });

  it('prices each leg at its own side of the market: bought legs pay up, sold legs receive less', async () => {
    const h = venue({ slippageBps: 100 });
    const tight = spreadOrder(h, BULL_CALL, { limitPrice: dec('5.05') });
    const enough = spreadOrder(h, BULL_CALL, { limitPrice: dec('5.10') });
    await h.broker.submit(tight);
    await h.broker.submit(enough);
    h.broker.onBar(bar('AAPL', NEXT, 105));
    const [group] = groupsOf(h);
    expect(group?.clientOrderId).toBe(enough.clientOrderId);
    // 7.50 × 1.01 = 7.575 → 7.58 and 2.50 × 0.99 = 2.475 → 2.48 (half-even): net 5.10, above the 5.05 limit.
    expect(group?.fills.map((f) => f.price.toFixed(2))).toEqual(['7.58', '2.48']);
    expect((await h.broker.getOrder(tight.clientOrderId))?.status).toBe('submitted');
  });

  it('fills a market spread at the open once the underlying has a reference price', async () => {
    const h = venue();
    const blind = spreadOrder(h, BULL_CALL, { limitPrice: null });
    expect(await reasonOf(h.broker.submit(blind), h)).toMatch(/^no_reference_price: /);
    h.broker.onBar(bar('AAPL', T0, 104));
    const o = spreadOrder(h, BULL_CALL, { limitPrice: null });
    await h.broker.submit(o);
    h.broker.onBar(bar('AAPL', NEXT, 105));
    expect(groupsOf(h)[0]?.netPrice.toFixed(2)).toBe('5.00');
  });
});

describe('paper broker: multi-leg buying power and checks', () => {
  it('a debit spread holds back its debit (× 100 per spread) and commissions, counting working spreads', async () => {
    const h = venue({ initialCash: 1000 });
    expect(await reasonOf(h.broker.submit(spreadOrder(h, BULL_CALL, { quantity: 2, limitPrice: dec('5') })), h)).toMatch(/^insufficient_buying_power: .*1002\.60 but 1000\.00/);
    expect((await h.broker.submit(spreadOrder(h, BULL_CALL, { limitPrice: dec('5') }))).status).toBe('submitted');
    expect(await reasonOf(h.broker.submit(spreadOrder(h, BULL_CALL, { limitPrice: dec('5') })), h)).toMatch(/^insufficient_buying_power: .*498\.70 is available/);
  });

  it('a credit spread holds back width × 100 − credit (its max loss), before and after it fills', async () => {
    const h = venue({ initialCash: 1000 });
    expect((await h.broker.submit(spreadOrder(h, BULL_PUT, { limitPrice: dec('-0.90') }))).status).toBe('submitted');
    // 1000 − (10 × 100 − 90) − 1.30 commission = 88.70 left.
    expect(await reasonOf(h.broker.submit(spreadOrder(h, BULL_PUT, { limitPrice: dec('-0.90') })), h)).toMatch(/88\.70 is available/);
    h.broker.onBar(bar('AAPL', NEXT, 105));
    const account = await h.broker.getAccount();
    expect(groupsOf(h)[0]?.netPrice.toFixed(2)).toBe('-1.00');
    expect(account.cash.toFixed(2)).toBe('1098.70');
    // The credit is in cash; the width stays held back while the spread is open.
    expect(account.buyingPower.toFixed(2)).toBe('98.70');
  });

  it('refuses an undefined-risk combination but lets a held spread be closed with nothing held back', async () => {
    const h = venue({ initialCash: 10 }, tentModel, [
      { symbol: contract('C', 100).symbol, quantity: 1, avgCost: dec('7.5'), realizedPnl: dec(0), updatedAt: T0 },
      { symbol: contract('C', 110).symbol, quantity: -1, avgCost: dec('2.5'), realizedPnl: dec(0), updatedAt: T0 },
    ]);
    const strangle = spreadOrder(h, [leg('sell', 'C', 100), leg('sell', 'P', 90)], { limitPrice: dec('-3') });
    expect(await reasonOf(h.broker.submit(strangle), h)).toMatch(/^uncovered_short: /);
    const close = spreadOrder(h, [leg('sell', 'C', 100), leg('buy', 'C', 110)], { limitPrice: dec('-4') });
    expect((await h.broker.submit(close)).status).toBe('submitted');
    h.broker.onBar(bar('AAPL', NEXT, 105));
    expect(groupsOf(h)[0]?.netPrice.toFixed(2)).toBe('-5.00');
    expect(await h.broker.listPositions()).toEqual([]);
  });

  it('refuses malformed legs, a wrong symbol, and a quantity that cannot fill all at once', async () => {
    const h = venue({ maxContractsPerBar: 5 });
    const ratio2 = spreadOrder(h, [leg('buy', 'C', 100), { ...leg('sell', 'C', 110), ratio: 2 }]);
    expect(await reasonOf(h.broker.submit(ratio2), h)).toMatch(/^invalid_legs: legs\[1\]\.ratio/);
    expect(await reasonOf(h.broker.submit(spreadOrder(h, BULL_CALL, { symbol: 'MSFT' })), h)).toMatch(/^unknown_instrument: /);
    expect(await reasonOf(h.broker.submit(spreadOrder(h, BULL_CALL, { quantity: 6 })), h)).toMatch(/^invalid_quantity: quantity 6: a multi-leg order fills all-or-none/);
  });

  it('is idempotent by clientOrderId, and a resubmit with other legs keeps the first and warns', async () => {
    const h = venue();
    const o = spreadOrder(h, BULL_CALL);
    const first = await h.broker.submit(o);
    expect(await h.broker.submit(o)).toEqual(first);
    await h.broker.submit({ ...o, legs: [leg('buy', 'C', 100), leg('sell', 'C', 120)] });
    expect(h.warnings).toContain('paper: resubmit with different fields ignored; returning the existing order');
    expect(h.events.filter((e) => e.type === 'accepted')).toHaveLength(1);
  });
});
