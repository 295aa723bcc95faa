import { describe, expect, it } from 'vitest';
import { Decimal } from '../../engine/domain/money.js';
import type { ExpiryNotice } from '../../engine/bus.js';
import { Portfolio } from '../../engine/portfolio.js';
import { DAY, EXPIRY_CLOSE, INITIAL_CASH, T0, contract, nextSignal, nodeHarness, single, type NodeHarness } from './multiLegHarness.js';

const C100 = contract('C', 100);
const C120 = contract('C', 120);
const P105 = contract('P', 105);
const TOPICS = ['option.exercised', 'option.assigned', 'position.expired', 'engine.error'] as const;

/**
 * Two strategies hold options expiring 2024-02-16: 'lotto' is long 2 C100 and
 * 1 C120, 'wheel' is short 1 P105 (the venue allows the short).
 */
async function opened(t: NodeHarness): Promise<void> {
  await t.step('AAPL', T0, 100);
  await t.node.oms.place(single('lotto', C100, 'buy', 2), nextSignal('c100'));
  await t.node.oms.place(single('lotto', C120, 'buy', 1), nextSignal('c120'));
  await t.node.oms.place(single('wheel', P105, 'sell', 1), nextSignal('p105'));
  await t.step('AAPL', T0 + DAY, 100);
}

function book(t: NodeHarness) {
  const q = (s: string) => t.portfolio.position(s)?.quantity ?? 0;
  return { AAPL: q('AAPL'), C100: q(C100.symbol), C120: q(C120.symbol), P105: q(P105.symbol), lotto: t.portfolio.strategyQuantities('lotto').get('AAPL') ?? 0, wheel: t.portfolio.strategyQuantities('wheel').get('AAPL') ?? 0 };
}

describe('option expiry through the OMS, the book and the store', () => {
  it('exercises an ITM long call into 100 shares per contract at the strike, assigns a short put, expires the OTM at 0', async () => {
    const t = nodeHarness({ config: { allowShort: true }, listen: TOPICS });
    await opened(t);
    expect(book(t)).toEqual({ AAPL: 0, C100: 2, C120: 1, P105: -1, lotto: 0, wheel: 0 });
    const cashBefore = t.portfolio.cash;
    const c120Paid = t.portfolio.position(C120.symbol)!.avgCost;
    await t.step('AAPL', EXPIRY_CLOSE, 102);

    expect(book(t)).toEqual({ AAPL: 300, C100: 0, C120: 0, P105: 0, lotto: 200, wheel: 100 });
    // 200 shares bought at 100 (exercise) and 100 at 105 (assignment); expiry charges no commission.
    expect(cashBefore.minus(t.portfolio.cash).toFixed(2)).toBe('30500.00');
    expect(t.portfolio.position('AAPL')?.avgCost.toFixed(4)).toBe(new Decimal(30500).div(300).toFixed(4));
    // The worthless call realised its premium as a loss (its 0.65 commission was booked when it was bought).
    expect(t.portfolio.position(C120.symbol)?.realizedPnl.toFixed(2)).toBe(c120Paid.times(-100).minus('0.65').toFixed(2));

    const notices = t.heard.map((h) => [h.topic, (h.message as ExpiryNotice).strategyId, (h.message as ExpiryNotice).change.symbol, (h.message as ExpiryNotice).quantity, (h.message as ExpiryNotice).shares]);
    expect(notices).toEqual([
      ['option.exercised', 'lotto', C100.symbol, 2, 200],
      ['position.expired', 'lotto', C120.symbol, 1, 0],
      ['option.assigned', 'wheel', P105.symbol, -1, 100],
    ]);

    const [event] = await t.store.listExpiries();
    expect(event).toMatchObject({ eventId: 'expiry:2024-02-16:AAPL', underlying: 'AAPL', expiry: '2024-02-16', ts: EXPIRY_CLOSE });
    const expiryTrades = (await t.store.listTrades()).filter((x) => x.source === 'expiry');
    expect(expiryTrades.map((x) => [x.strategyId, x.symbol, x.side, x.quantity, x.price.toFixed(), x.clientOrderId])).toEqual([
      ['lotto', C100.symbol, 'SELL', 2, '0', event!.eventId],
      ['lotto', 'AAPL', 'BUY', 200, '100', event!.eventId],
      ['lotto', C120.symbol, 'SELL', 1, '0', event!.eventId],
      ['wheel', P105.symbol, 'BUY', 1, '0', event!.eventId],
      ['wheel', 'AAPL', 'BUY', 100, '105', event!.eventId],
    ]);
    const stored = Object.fromEntries((await t.store.listPositions()).map((p) => [p.symbol, p.quantity]));
    expect(stored).toEqual({ AAPL: 300, [C100.symbol]: 0, [C120.symbol]: 0, [P105.symbol]: 0 });
    expect(t.heard.filter((h) => h.topic === 'engine.error')).toEqual([]);
    // The venue agrees with the book.
    expect((await t.venue.getAccount()).cash.toFixed(2)).toBe(t.portfolio.cash.toFixed(2));
  });

  it('is idempotent across a restart: the rebuilt book and venue hold no options, so nothing is booked twice', async () => {
    const first = nodeHarness({ config: { allowShort: true } });
    await opened(first);
    await first.step('AAPL', EXPIRY_CLOSE, 102);
    await first.node.stop();
    const trades = await first.store.listTrades();
    // As the daemon starts: the book from the stored trades, the venue from the book.
    const portfolio = Portfolio.fromTrades(new Decimal(INITIAL_CASH), trades);
    const again = nodeHarness({ store: first.store, portfolio, config: { allowShort: true }, start: EXPIRY_CLOSE - DAY, listen: TOPICS });
    expect(book(again)).toEqual(book(first));
    expect(portfolio.cash.toFixed(2)).toBe(first.portfolio.cash.toFixed(2));
    await again.step('AAPL', EXPIRY_CLOSE, 102); // the expiry day re-read
    await again.step('AAPL', EXPIRY_CLOSE + DAY, 103);
    expect(again.events.filter((e) => e.type === 'expiry')).toEqual([]);
    expect(await first.store.listExpiries()).toHaveLength(1);
    expect(await first.store.listTrades()).toEqual(trades);
    expect(book(again)).toEqual(book(first));
  });

  it('a venue that reports the same expiry again changes neither the book nor the store, and says so', async () => {
    const first = nodeHarness({ config: { allowShort: true } });
    await opened(first);
    const optionsBefore = await first.venue.listPositions();
    await first.step('AAPL', EXPIRY_CLOSE, 102);
    await first.node.stop();
    const trades = await first.store.listTrades();
    const portfolio = Portfolio.fromTrades(new Decimal(INITIAL_CASH), trades);
    // This venue still holds the options (it lost the settlement): it settles, and reports the same event id, again.
    const again = nodeHarness({ store: first.store, portfolio, initialPositions: optionsBefore, config: { allowShort: true }, start: EXPIRY_CLOSE - DAY, listen: TOPICS });
    const before = book(again);
    await again.step('AAPL', EXPIRY_CLOSE, 102);
    expect(again.events.filter((e) => e.type === 'expiry').map((e) => (e.type === 'expiry' ? e.event.eventId : ''))).toEqual(['expiry:2024-02-16:AAPL']);
    expect(book(again)).toEqual(before);
    expect(await first.store.listTrades()).toEqual(trades);
    expect(await first.store.listExpiries()).toHaveLength(1);
    expect(again.heard.filter((h) => h.topic !== 'engine.error')).toEqual([]);
    expect(again.heard.filter((h) => h.topic === 'engine.error').map((h) => (h.message as { source: string }).source)).toEqual(['oms.expiry', 'oms.expiry', 'oms.expiry']);
  });

  it('a store that already holds the event books nothing the second time', async () => {
    const t = nodeHarness({ config: { allowShort: true } });
    await opened(t);
    await t.step('AAPL', EXPIRY_CLOSE, 102);
    const trades = await t.store.listTrades();
    const [event] = await t.store.listExpiries();
    const expiryTrades = trades.filter((x) => x.source === 'expiry');
    const positions = (await t.store.listPositions()).filter((p) => expiryTrades.some((x) => x.symbol === p.symbol));
    expect(await t.store.recordExpiry({ event: event!, trades: expiryTrades, positions })).toBe(false);
    expect(await t.store.listTrades()).toEqual(trades);
  });
});
