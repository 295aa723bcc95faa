import { describe, expect, it } from 'vitest';
import type { OptionExpiryEvent, Position } from '../../engine/domain/orders.js';
import { EXPIRY_CLOSE, T0, DAY, bar, contract, dec, spreadOrder, leg, venue } from './optionVenueHarness.js';
import type { PaperBrokerConfigInput } from '../../actors/brokers/paperBrokerConfig.js';
import type { OptionRight } from '../../engine/domain/instrument.js';

const held = (right: OptionRight, strike: number, quantity: number, expiry?: string): Position => ({
  symbol: contract(right, strike, expiry).symbol,
  quantity,
  avgCost: dec('3'),
  realizedPnl: dec('0'),
  updatedAt: T0,
});

const expiriesOf = (h: ReturnType<typeof venue>): OptionExpiryEvent[] => h.events.flatMap((e) => (e.type === 'expiry' ? [e.event] : []));

/** A venue holding `positions`, shown AAPL at 100 on T0 and then the close of expiry day at `settle`. */
async function settleAt(settle: number, positions: Position[], config: PaperBrokerConfigInput = {}) {
  const h = venue({ allowShort: true, ...config }, undefined, positions);
  h.broker.onBar(bar('AAPL', T0, 100));
  h.broker.onBar(bar('AAPL', EXPIRY_CLOSE, settle));
  const account = await h.broker.getAccount();
  const positionsAfter = Object.fromEntries((await h.broker.listPositions()).map((p) => [p.symbol, [p.quantity, p.avgCost.toFixed()]]));
  return { h, events: expiriesOf(h), cash: account.cash.toFixed(2), positions: positionsAfter };
}

describe('paper broker: expiry at the close of expiry day', () => {
  it('exercises an in-the-money long call into 100 shares per contract at the strike', async () => {
    const r = await settleAt(112, [held('C', 100, 2)]);
    expect(r.events).toHaveLength(1);
    const [event] = r.events;
    expect(event).toMatchObject({ eventId: 'expiry:2024-02-16:AAPL', underlying: 'AAPL', expiry: '2024-02-16', ts: EXPIRY_CLOSE });
    expect(event?.settlementPrice.toFixed()).toBe('112');
    expect(event?.changes.map((c) => [c.symbol, c.quantity, c.outcome, c.strike.toFixed(), c.intrinsic.toFixed(), c.shares])).toEqual([
      [contract('C', 100).symbol, 2, 'exercised', '100', '12', 200],
    ]);
    expect(r.positions).toEqual({ AAPL: [200, '100'] });
    expect(r.cash).toBe('80000.00');
  });

  it('assigns a short put: cash − strike × 100, + 100 shares', async () => {
    const r = await settleAt(95, [held('P', 100, -1)]);
    expect(r.events[0]?.changes.map((c) => [c.outcome, c.shares, c.intrinsic.toFixed()])).toEqual([['assigned', 100, '5']]);
    expect(r.positions).toEqual({ AAPL: [100, '100'] });
    expect(r.cash).toBe('90000.00');
  });

  it('assigns a short call and exercises a long put by delivering shares, and expires the out-of-the-money at 0', async () => {
    const r = await settleAt(110, [held('C', 105, -1), held('P', 115, 1), held('C', 120, 3), held('P', 90, -2)]);
    expect(r.events[0]?.changes.map((c) => [c.symbol.trim(), c.outcome, c.shares])).toEqual([
      ['AAPL  240216C00105000', 'assigned', -100],
      ['AAPL  240216C00120000', 'expired', 0],
      ['AAPL  240216P00090000', 'expired', 0],
      ['AAPL  240216P00115000', 'exercised', -100],
    ]);
    // Short 200 shares, sold at 105 and 115; nothing else moved cash.
    expect(r.positions).toEqual({ AAPL: [-200, '110'] });
    expect(r.cash).toBe('122000.00');
  });

  it('settles both legs of a spread in one event: a bull call spread through both strikes nets its width', async () => {
    const r = await settleAt(115, [held('C', 100, 1), held('C', 110, -1)]);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]?.changes.map((c) => [c.outcome, c.shares])).toEqual([['exercised', 100], ['assigned', -100]]);
    expect(r.positions).toEqual({});
    expect(r.cash).toBe('101000.00');
  });

  it('uses the exercise threshold on intrinsic value: at or above it exercised, below it expired', async () => {
    expect((await settleAt(100.01, [held('C', 100, 1)])).events[0]?.changes[0]?.outcome).toBe('exercised');
    expect((await settleAt(100.005, [held('C', 100, 1)])).events[0]?.changes[0]?.outcome).toBe('expired');
    expect((await settleAt(100.04, [held('C', 100, 1)], { exerciseThreshold: '0.05' })).events[0]?.changes[0]?.outcome).toBe('expired');
  });

  it('does nothing before the close, and settles only once', () => {
    const h = venue({}, undefined, [held('C', 100, 1)]);
    h.broker.onBar({ ...bar('AAPL', EXPIRY_CLOSE - 5 * 60_000, 120), timeframe: '5m' });
    expect(expiriesOf(h)).toEqual([]);
    h.broker.onBar({ ...bar('AAPL', EXPIRY_CLOSE, 121), timeframe: '5m' });
    h.broker.onBar(bar('AAPL', EXPIRY_CLOSE + DAY, 125));
    expect(expiriesOf(h)).toHaveLength(1);
    expect(expiriesOf(h)[0]?.settlementPrice.toFixed()).toBe('121');
  });

  it('after a gap, settles every date that passed, in date order, at the last price before the bar', () => {
    const h = venue({}, undefined, [held('C', 100, 1, '2024-02-09'), held('P', 100, 1)]);
    h.broker.onBar(bar('AAPL', T0, 97));
    h.broker.onBar(bar('AAPL', EXPIRY_CLOSE + 3 * DAY, 130));
    expect(expiriesOf(h).map((e) => [e.eventId, e.settlementPrice.toFixed(), e.changes[0]?.outcome])).toEqual([
      ['expiry:2024-02-09:AAPL', '97', 'expired'],
      ['expiry:2024-02-16:AAPL', '97', 'exercised'],
    ]);
  });

  it('expires working orders in contracts that expired, single-leg and multi-leg, never fills them after', async () => {
    const h = venue();
    // Placed a minute before the close, so the expiry-day bar is not theirs to fill in.
    h.clock.set(EXPIRY_CLOSE - 60_000);
    const single = { ...spreadOrder(h, [leg('buy', 'C', 100), leg('sell', 'C', 110)]), legs: undefined, symbol: contract('C', 150).symbol, instrument: contract('C', 150), limitPrice: dec('0.01') };
    const spread = spreadOrder(h, [leg('buy', 'C', 140), leg('sell', 'C', 150)], { limitPrice: dec('0.01') });
    await h.broker.submit(single);
    await h.broker.submit(spread);
    h.broker.onBar(bar('AAPL', EXPIRY_CLOSE, 100));
    expect(h.events.filter((e) => e.type === 'expired').map((e) => (e.type === 'expired' ? e.clientOrderId : ''))).toEqual([single.clientOrderId, spread.clientOrderId]);
    expect(await h.broker.listOpenOrders()).toEqual([]);
    expect(expiriesOf(h)).toEqual([]);
  });
});
