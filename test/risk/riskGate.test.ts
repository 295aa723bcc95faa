import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { Decimal } from '../../engine/domain/money.js';
import { equity, optionContract } from '../../engine/domain/instrument.js';
import type { Fill, OrderIntent } from '../../engine/domain/orders.js';
import { Portfolio, type MarkSource } from '../../engine/portfolio.js';
import { RiskGate } from '../../engine/risk/riskGate.js';
import { parsePreTradeLimits } from '../../engine/risk/preTradeLimits.js';

// Tuesday 7 January 2025, 15:00 New York: the market is open.
const NOW = Date.UTC(2025, 0, 7, 20, 0);
const put = optionContract({ underlying: 'AAPL', expiry: '2025-02-21', right: 'P', strike: 150 });
const call = optionContract({ underlying: 'AAPL', expiry: '2025-02-21', right: 'C', strike: 200 });

let n = 0;
function fill(symbol: string, side: 'buy' | 'sell', quantity: number, price: number, ts = NOW - 86_400_000): Fill {
  n++;
  return { fillId: `f${n}`, clientOrderId: `c${n}`, symbol, side, quantity, price: new Decimal(price), commission: new Decimal(0), ts };
}

function intent(over: Partial<OrderIntent>): OrderIntent {
  return { strategyId: 'wheel', instrument: equity('MSFT'), side: 'buy', quantity: 1, type: 'market', limitPrice: null, reason: 't', signalId: null, ...over };
}

function gate(cash: number, marks: Record<string, number>, limits = {}) {
  const clock = new SimulatedClock(NOW);
  const portfolio = new Portfolio(new Decimal(cash));
  const source: MarkSource = { lastPrice: (s) => marks[s], optionMark: (c) => marks[c.symbol] };
  const g = new RiskGate({ clock, portfolio, marks: source, limits: parsePreTradeLimits({ defaultAllocationPct: 1, allocationPct: { wheel: 1 }, maxPositionPct: 1, maxNamePct: 1, maxGrossExposurePct: 4, ...limits }) });
  return { clock, portfolio, g };
}

describe('RiskGate: the context it builds from the book', () => {
  it('reserves strike × 100 per open short put out of buying power', () => {
    const t = gate(20_000, { AAPL: 160, MSFT: 100, [put.symbol]: 2 });
    t.portfolio.apply(fill(put.symbol, 'sell', 1, 2), 'wheel'); // +200 premium: cash 20,200, 15,000 reserved
    // Another strategy's buy: the reservation is the account's, whoever sold the put.
    const d = t.g.assess(intent({ strategyId: 'dip', quantity: 100 }), { score: 95, confidence: 1 });
    expect(d.approved).toBe(true);
    if (!d.approved) return;
    expect(d.intent.quantity).toBe(52); // (20,200 − 15,000) / 100
    expect(d.bindingCap?.code).toBe('BUYING_POWER');
  });

  it("covers a short call with the strategy's own shares, 100 per contract", () => {
    const t = gate(100_000, { AAPL: 160, [call.symbol]: 1.5 });
    const sellCalls = intent({ instrument: call, side: 'sell', quantity: 3 });
    expect(t.g.assess(sellCalls, { score: 95, confidence: 1 })).toMatchObject({ approved: false, reason: 'UNCOVERED_SHORT_CALL' });
    t.portfolio.apply(fill('AAPL', 'buy', 200, 150), 'wheel');
    t.portfolio.apply(fill('AAPL', 'buy', 100, 150), 'other-strategy'); // not the wheel's: covers nothing
    const d = t.g.assess(sellCalls, { score: 95, confidence: 1 });
    expect(d).toMatchObject({ approved: true, intent: { quantity: 2 } });
  });

  it('an exit of what the strategy holds passes whatever the caps', () => {
    const t = gate(1_000, { MSFT: 100 }, { maxGrossExposurePct: 0.01 });
    t.portfolio.apply(fill('MSFT', 'buy', 9, 100), 'wheel');
    expect(t.g.assess(intent({ side: 'sell', quantity: 20 }), { score: 0, confidence: 0 })).toMatchObject({ approved: true, opening: false, intent: { quantity: 9 } });
  });

  it('fills feed the day-trade history: a PDT account is refused its fourth round trip of the week', () => {
    const t = gate(10_000, { MSFT: 10, AAPL: 10, TSLA: 10, NVDA: 10 }, { maxOrdersPerSymbolPerMinute: 100 });
    // Three round trips opened and closed on Monday 6 January.
    const monday = Date.UTC(2025, 0, 6, 16, 0);
    for (const s of ['AAPL', 'TSLA', 'NVDA']) {
      for (const side of ['buy', 'sell'] as const) {
        const before = t.portfolio.position(s)?.quantity ?? 0;
        const f = fill(s, side, 1, 10, monday);
        const { realized } = t.portfolio.apply(f, 'wheel');
        t.g.onFill(f, realized, before);
      }
    }
    // Tuesday: open MSFT, which could become the fourth day trade in five trading days.
    const before = 0;
    const f = fill('MSFT', 'buy', 1, 10, NOW - 60_000);
    const { realized } = t.portfolio.apply(f, 'wheel');
    t.g.onFill(f, realized, before);
    expect(t.g.assess(intent({ quantity: 1, instrument: equity('AMD') }), { score: 95, confidence: 1 })).toMatchObject({ approved: false, reason: 'PDT_LIMIT' });
  });

  it('uses the VaR estimator once one is set, and skips the VaR cap (saying so) before', () => {
    const t = gate(100_000, { MSFT: 100 });
    const before = t.g.assess(intent({ quantity: 10 }), { score: 95, confidence: 1 });
    expect(before).toMatchObject({ approved: true, skipped: expect.arrayContaining([expect.objectContaining({ check: 'VAR_LIMIT' })]) as unknown });
    t.g.setVarEstimator((trade) => trade.quantity * 0.01);
    const d = t.g.assess(intent({ quantity: 10 }), { score: 95, confidence: 1 });
    expect(d).toMatchObject({ approved: true, intent: { quantity: 5 }, bindingCap: { code: 'VAR_LIMIT' } });
  });
});
