import { describe, expect, it } from 'vitest';
import { Decimal } from '../../engine/domain/money.js';
import { optionContract } from '../../engine/domain/instrument.js';
import { spreadIntent } from '../../engine/domain/optionLegs.js';
import { assessPreTrade } from '../../engine/risk/preTrade.js';
import { parsePreTradeLimits } from '../../engine/risk/preTradeLimits.js';
import { preTradeContext } from './preTradeFixtures.js';

const call = (k: number) => optionContract({ underlying: 'SPY', expiry: '2025-02-21', right: 'C', strike: k });
const put = (k: number) => optionContract({ underlying: 'SPY', expiry: '2025-02-21', right: 'P', strike: k });
const limits = parsePreTradeLimits({ allocationPct: { 'debit-spreads': 1, 'spx-credit-spreads': 1 }, maxPositionPct: 1, maxNamePct: 1 });

describe('pre-trade: spreads', () => {
  it('a debit spread is sized by its debit (its maximum loss) against buying power', () => {
    // +C500 −C510 for 4.00: max loss 400 per spread; cash 10,000 → 25 spreads.
    const intent = spreadIntent({ strategyId: 'debit-spreads', legs: [{ instrument: call(500), side: 'buy', ratio: 1 }, { instrument: call(510), side: 'sell', ratio: 1 }], quantity: 40, netLimit: new Decimal(4), reason: 't' });
    const d = assessPreTrade(intent, preTradeContext({ cash: new Decimal(10_000), equity: new Decimal(10_000) }), limits);
    expect(d).toMatchObject({ approved: true, opening: true, intent: { quantity: 25 }, bindingCap: { code: 'BUYING_POWER' } });
    if (d.approved) expect(d.notional?.toNumber()).toBe(25 * 400);
  });

  it('a credit spread reserves width − credit: −P480 +P470 for a 2.50 credit risks 750 per spread', () => {
    const intent = spreadIntent({ strategyId: 'spx-credit-spreads', legs: [{ instrument: put(480), side: 'sell', ratio: 1 }, { instrument: put(470), side: 'buy', ratio: 1 }], quantity: 10, netLimit: new Decimal(-2.5), reason: 't' });
    const d = assessPreTrade(intent, preTradeContext({ cash: new Decimal(3_000), equity: new Decimal(3_000) }), limits);
    expect(d).toMatchObject({ approved: true, intent: { quantity: 4, side: 'sell' } });
    expect(d.skipped.map((x) => x.check)).toContain('VAR_LIMIT');
  });

  it('a combination that can lose without bound is refused, naming the legs', () => {
    const naked = spreadIntent({ strategyId: 'debit-spreads', legs: [{ instrument: put(480), side: 'buy', ratio: 1 }, { instrument: call(520), side: 'sell', ratio: 1 }], quantity: 1, netLimit: new Decimal(-1), reason: 't' });
    const d = assessPreTrade(naked, preTradeContext(), limits);
    expect(d).toMatchObject({ approved: false, reason: 'UNDEFINED_RISK_SPREAD' });
    if (!d.approved) expect(d.detail).toMatch(/SPY \+P480 -C520/);
  });

  it('closing a held spread passes whatever the caps, cut to the spreads held', () => {
    const close = spreadIntent({ strategyId: 'debit-spreads', legs: [{ instrument: call(500), side: 'sell', ratio: 1 }, { instrument: call(510), side: 'buy', ratio: 1 }], quantity: 9, netLimit: new Decimal(-1), reason: 'exit' });
    const d = assessPreTrade(close, preTradeContext({ legHeld: [3, -3], cash: new Decimal(0), score: 0, confidence: 0 }), limits);
    expect(d).toMatchObject({ approved: true, opening: false, intent: { quantity: 3 } });
  });

  it('without a limit it sizes on the legs\' net mark, and refuses when a leg has none', () => {
    const market = spreadIntent({ strategyId: 'debit-spreads', legs: [{ instrument: call(500), side: 'buy', ratio: 1 }, { instrument: call(510), side: 'sell', ratio: 1 }], quantity: 2, netLimit: null, reason: 't' });
    expect(assessPreTrade(market, preTradeContext({ spreadMark: new Decimal(3) }), limits)).toMatchObject({ approved: true, intent: { quantity: 2 } });
    expect(assessPreTrade(market, preTradeContext({ spreadMark: null }), limits)).toMatchObject({ approved: false, reason: 'NO_PRICE' });
  });
});

describe('pre-trade: calendars', () => {
  it('a calendar bought at market is judged on its net mark: a debit bounds its loss', () => {
    const front = optionContract({ underlying: 'SPY', expiry: '2025-01-17', right: 'C', strike: 500 });
    const back = optionContract({ underlying: 'SPY', expiry: '2025-02-21', right: 'C', strike: 500 });
    const calendar = spreadIntent({ strategyId: 'debit-spreads', legs: [{ instrument: front, side: 'sell', ratio: 1 }, { instrument: back, side: 'buy', ratio: 1 }], quantity: 2, netLimit: null, side: 'buy', reason: 't' });
    expect(assessPreTrade(calendar, preTradeContext({ spreadMark: new Decimal(1.5) }), limits)).toMatchObject({ approved: true, intent: { quantity: 2 } });
    // Sold for a credit, a calendar's loss has no bound here.
    expect(assessPreTrade(calendar, preTradeContext({ spreadMark: new Decimal(-0.5) }), limits)).toMatchObject({ approved: false, reason: 'UNDEFINED_RISK_SPREAD' });
  });
});
