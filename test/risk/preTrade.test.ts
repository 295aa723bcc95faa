import { describe, expect, it } from 'vitest';
import { Decimal } from '../../engine/domain/money.js';
import { InputError } from '../../engine/domain/errors.js';
import { equity } from '../../engine/domain/instrument.js';
import type { OrderIntent } from '../../engine/domain/orders.js';
import { DayTradeTracker } from '../../engine/risk/dayTrades.js';
import { LossSaleTracker } from '../../engine/risk/lossSales.js';
import { exposure, preTradeContext } from './preTradeFixtures.js';
import { OrderActivityTracker } from '../../engine/risk/orderActivity.js';
import { assessPreTrade, describeRejection, type PreTradeContext, type PreTradeDecision, type ProposedTrade } from '../../engine/risk/preTrade.js';
import { DEFAULT_PRE_TRADE_LIMITS, DEFAULT_STRATEGY_ALLOCATIONS, allocationOf, parsePreTradeLimits } from '../../engine/risk/preTradeLimits.js';
import { exposureOf } from '../../engine/risk/preTradeCaps.js';
import { AAPL, AAPL_CALL, AAPL_PUT, IN_SESSION, intentFor, ny } from './compliance/fixtures.js';

const D = (v: Decimal.Value) => new Decimal(v);


function approved(d: PreTradeDecision) {
  if (!d.approved) throw new Error(`expected approval, got ${describeRejection(d)}`);
  return d;
}

function rejected(d: PreTradeDecision) {
  if (d.approved) throw new Error(`expected a rejection, got ${d.intent.quantity} approved`);
  return d;
}

const buy = (quantity: number, patch: Partial<OrderIntent> = {}) => intentFor(AAPL, 'buy', quantity, patch);

describe('assessPreTrade: opening orders', () => {
  it('approves an order that fits every limit unchanged, and says which checks it skipped', () => {
    const d = approved(assessPreTrade(buy(10), preTradeContext()));
    expect(d.intent.quantity).toBe(10);
    expect(d.resized).toBe(false);
    expect(d.opening).toBe(true);
    expect(d.notional?.toFixed(2)).toBe('1000.00');
    expect(d.sizing).toEqual({ requested: 10, grade: 'excellent', factor: 1, graded: 10 });
    expect(d.bindingCap).toBeNull();
    expect(d.skipped.map((s) => s.check)).toEqual(['KELLY_LIMIT', 'VAR_LIMIT']);
  });

  it('scales by signal strength before the caps', () => {
    const d = approved(assessPreTrade(buy(100), preTradeContext({ score: 85, confidence: 0.9 })));
    expect(d.intent.quantity).toBe(76); // 100 × 0.85 × 0.9 = 76.5
    expect(d.resized).toBe(true);
    expect(d.bindingCap).toBeNull();
    const weak = rejected(assessPreTrade(buy(100), preTradeContext({ score: 45 })));
    expect(weak.reason).toBe('SIGNAL_TOO_WEAK');
    expect(weak.detail).toBe('score 45 is grade very_poor (size factor 0): 100 requested, 0 graded');
  });

  it('refuses a market order without a price instead of treating its notional as 0', () => {
    for (const mark of [null, D(0), D(-1)]) {
      const r = rejected(assessPreTrade(buy(10), preTradeContext({ mark })));
      expect(r.reason).toBe('NO_PRICE');
      expect(r.detail).toContain('AAPL');
    }
  });

  it('sizes a limit buy at its limit, which bounds what it can pay', () => {
    const d = approved(assessPreTrade(buy(1000, { type: 'limit', limitPrice: D(125) }), preTradeContext({ mark: null })));
    expect(d.intent.quantity).toBe(160); // 20% of 100,000 at 125
    expect(d.bindingCap?.code).toBe('MAX_POSITION');
  });

  it('rejects a malformed intent with a reason, not an exception', () => {
    expect(rejected(assessPreTrade(buy(0), preTradeContext())).reason).toBe('INVALID_QUANTITY');
    expect(rejected(assessPreTrade(buy(1.5), preTradeContext())).reason).toBe('INVALID_QUANTITY');
    expect(rejected(assessPreTrade(buy(5, { type: 'limit', limitPrice: null }), preTradeContext())).reason).toBe('INVALID_LIMIT_PRICE');
    expect(rejected(assessPreTrade(buy(5, { type: 'limit', limitPrice: D(0) }), preTradeContext())).reason).toBe('INVALID_LIMIT_PRICE');
  });

  const capCases: Array<{ name: string; intent: OrderIntent; ctx: Partial<PreTradeContext>; code: string; quantity: number; detail?: string }> = [
    {
      name: 'buying power is cash less what cash-secured puts reserve', intent: buy(50), ctx: { cash: D(5000), reservedBuyingPower: D(3950) }, code: 'BUYING_POWER', quantity: 10,
      detail: 'buying power 1050.00 = cash 5000.00 − 3950.00 reserved by cash-secured puts; room 1050.00 at 100.00 per unit allows 10',
    },
    {
      name: 'max position is 20% of equity', intent: buy(500), ctx: {}, code: 'MAX_POSITION', quantity: 200,
      detail: 'position exposure of wsb-dip-bot 0.00 of 20% of equity 100000.00 = 20000.00; room 20000.00 at 100.00 per unit allows 200',
    },
    { name: 'the strategy allocation (dip bot 25%)', intent: buy(100), ctx: { exposure: exposure({ strategy: D(24_000) }) }, code: 'STRATEGY_ALLOCATION', quantity: 10 },
    { name: 'an unlisted strategy gets 5%', intent: buy(100, { strategyId: 'mystery' }), ctx: {}, code: 'STRATEGY_ALLOCATION', quantity: 50 },
    { name: 'gross exposure is 1× equity', intent: buy(100), ctx: { exposure: exposure({ gross: D(99_500) }) }, code: 'GROSS_EXPOSURE', quantity: 5 },
    { name: 'name concentration counts other strategies', intent: buy(100), ctx: { exposure: exposure({ name: D(19_900) }) }, code: 'NAME_CONCENTRATION', quantity: 1 },
    { name: 'order notional $500k', intent: buy(1000), ctx: { equity: D(10_000_000), cash: D(10_000_000), mark: D(1000) }, code: 'ORDER_NOTIONAL', quantity: 500 },
    { name: 'max shares of the resulting position', intent: buy(100), ctx: { equity: D(1e9), cash: D(1e9), mark: D(1), accountQuantity: 99_950 }, code: 'MAX_SHARES', quantity: 50 },
    { name: 'quarter Kelly of the position', intent: buy(100), ctx: { kelly: { winRate: 0.6, avgWin: 1, avgLoss: 1 } }, code: 'KELLY_LIMIT', quantity: 50 },
  ];
  for (const c of capCases) {
    it(`caps by ${c.name} (${c.code})`, () => {
      const d = approved(assessPreTrade(c.intent, preTradeContext(c.ctx)));
      expect(d.intent.quantity).toBe(c.quantity);
      expect(d.resized).toBe(true);
      expect(d.bindingCap?.code).toBe(c.code);
      if (c.detail !== undefined) expect(d.bindingCap?.detail).toBe(c.detail);
    });
  }

  it('caps by the daily notional approved so far', () => {
    const act = new OrderActivityTracker();
    act.record({ underlying: 'MSFT', notional: D(4_999_000), ts: IN_SESSION - 3_600_000 });
    const d = approved(assessPreTrade(buy(100), preTradeContext({ orderActivity: act })));
    expect(d.intent.quantity).toBe(10);
    expect(d.bindingCap?.code).toBe('DAILY_NOTIONAL');
  });

  it('rejects with the binding cap and its numbers when not one unit fits', () => {
    const r = rejected(assessPreTrade(buy(10), preTradeContext({ cash: D(99.99) })));
    expect(r.reason).toBe('BUYING_POWER');
    expect(r.detail).toBe('buying power 99.99 = cash 99.99 − 0.00 reserved by cash-secured puts; room 99.99 at 100.00 per unit allows 0');
    expect('intent' in r).toBe(false);
    expect(rejected(assessPreTrade(buy(10), preTradeContext({ exposure: exposure({ strategy: D(25_000) }) }))).reason).toBe('STRATEGY_ALLOCATION');
    expect(rejected(assessPreTrade(buy(10), preTradeContext({ equity: D(-5) }))).reason).toBe('MAX_POSITION');
  });

  it('refuses a new position past the open-position limit, but lets one that is held grow', () => {
    const r = rejected(assessPreTrade(buy(10), preTradeContext({ openPositions: 20 })));
    expect(r).toMatchObject({ reason: 'MAX_OPEN_POSITIONS', detail: '20 positions are open (limit 20); AAPL would be a new one' });
    expect(approved(assessPreTrade(buy(10), preTradeContext({ openPositions: 19 }))).intent.quantity).toBe(10);
    expect(approved(assessPreTrade(buy(10), preTradeContext({ openPositions: 20, accountQuantity: 5, heldQuantity: 5 }))).intent.quantity).toBe(10);
  });
});

describe('assessPreTrade: VaR after the trade', () => {
  // VaR grows 0.049 percentage points per share from 1%: 81 shares fit under 5%, 82 do not.
  const linearVar = (t: ProposedTrade) => 0.01 + t.quantity * 0.00049;

  it('shrinks the order to the largest size within the VaR limit', () => {
    const seen: ProposedTrade[] = [];
    const d = approved(assessPreTrade(buy(150), preTradeContext({ varAfterTrade: (t) => (seen.push(t), linearVar(t)) })));
    expect(d.intent.quantity).toBe(81);
    expect(d.bindingCap).toEqual({ code: 'VAR_LIMIT', detail: 'portfolio VaR after 150 unit(s) would be 8.35% of equity > limit 5%; 81 unit(s) fit at 4.97%' });
    expect(d.skipped.map((s) => s.check)).toEqual(['KELLY_LIMIT']);
    expect(seen[0]?.quantity).toBe(150);
    expect(seen[0]?.notional.toFixed(2)).toBe('15000.00');
    expect(seen.length).toBeLessThanOrEqual(10);
  });

  it('asks once when the order fits', () => {
    let calls = 0;
    approved(assessPreTrade(buy(10), preTradeContext({ varAfterTrade: () => (calls++, 0.01) })));
    expect(calls).toBe(1);
  });

  it('rejects when even one unit breaches the limit, and fails closed on a bad estimate', () => {
    const r = rejected(assessPreTrade(buy(10), preTradeContext({ varAfterTrade: () => 0.06 })));
    expect(r).toMatchObject({ reason: 'VAR_LIMIT', detail: 'portfolio VaR after 10 unit(s) would be 6.00% of equity > limit 5%; not even 1 unit fits' });
    const bad = rejected(assessPreTrade(buy(10), preTradeContext({ varAfterTrade: () => Number.NaN })));
    expect(bad.reason).toBe('VAR_UNAVAILABLE');
    expect(bad.detail).toContain('returned NaN for 10 unit(s)');
  });
});

describe('assessPreTrade: options', () => {
  it('a long option costs premium × 100 per contract', () => {
    const call = intentFor(AAPL_CALL, 'buy', 10);
    const d = approved(assessPreTrade(call, preTradeContext({ mark: D(5) })));
    expect(d.notional?.toFixed(2)).toBe('5000.00');
    const short = approved(assessPreTrade(call, preTradeContext({ mark: D(5), cash: D(4000) })));
    expect(short.intent.quantity).toBe(8);
    expect(short.bindingCap?.code).toBe('BUYING_POWER');
  });

  it('a short put must be cash-secured: strike × 100 of free buying power per contract', () => {
    const csp = intentFor(AAPL_PUT, 'sell', 5, { strategyId: 'wheel' });
    const ctx = { equity: D(1_000_000), cash: D(40_000), reservedBuyingPower: D(8_000), mark: D(3) };
    const d = approved(assessPreTrade(csp, preTradeContext(ctx)));
    expect(d.intent.quantity).toBe(2); // 32,000 free / 16,000
    expect(d.notional?.toFixed(2)).toBe('32000.00');
    expect(d.bindingCap?.detail).toContain('a cash-secured put reserves strike × 100 per contract');
    const r = rejected(assessPreTrade(csp, preTradeContext({ ...ctx, cash: D('23999.99') })));
    expect(r.reason).toBe('BUYING_POWER');
  });

  it('a short call is sized to the shares that cover it and needs no cash', () => {
    const cc = intentFor(AAPL_CALL, 'sell', 5, { strategyId: 'wheel' });
    const d = approved(assessPreTrade(cc, preTradeContext({ mark: D(2), cash: D(0), underlyingShares: 250, exposure: exposure({ strategy: D(20_000), gross: D(100_000) }) })));
    expect(d.intent.quantity).toBe(2);
    expect(d.bindingCap?.code).toBe('UNCOVERED_SHORT_CALL');
    expect(rejected(assessPreTrade(cc, preTradeContext({ mark: D(2), underlyingShares: 99 }))).reason).toBe('UNCOVERED_SHORT_CALL');
  });

  it('never opens a short stock position', () => {
    expect(rejected(assessPreTrade(intentFor(AAPL, 'sell', 5), preTradeContext())).reason).toBe('SHORT_STOCK_NOT_ALLOWED');
  });

  it('exposureOf measures held positions the way the caps measure orders', () => {
    expect(exposureOf(AAPL, 10, D(100)).toFixed(2)).toBe('1000.00');
    expect(exposureOf(AAPL_CALL, 3, D('2.5')).toFixed(2)).toBe('750.00');
    expect(exposureOf(AAPL_PUT, -2, null).toFixed(2)).toBe('32000.00');
    expect(exposureOf(AAPL_CALL, -2, null).toFixed(2)).toBe('0.00');
    expect(() => exposureOf(AAPL, 10, null)).toThrow(/^price:/);
  });
});

describe('assessPreTrade: exits', () => {
  it('cuts an exit to the held quantity, never flipping the position', () => {
    const d = approved(assessPreTrade(intentFor(AAPL, 'sell', 50), preTradeContext({ heldQuantity: 30, accountQuantity: 30 })));
    expect(d).toMatchObject({ opening: false, resized: true, sizing: null, bindingCap: null });
    expect(d.intent.quantity).toBe(30);
    expect(d.notional?.toFixed(2)).toBe('3000.00');
    const btc = approved(assessPreTrade(intentFor(AAPL_PUT, 'buy', 2), preTradeContext({ heldQuantity: -2, mark: D(1) })));
    expect(btc).toMatchObject({ opening: false, resized: false });
  });

  it('is not refused by strength, price, caps, VaR, PDT or the restricted list', () => {
    const dayTrades = new DayTradeTracker();
    for (let i = 0; i < 3; i++) {
      dayTrades.record({ symbol: `D${i}`, side: 'buy', quantity: 1, ts: ny('2024-03-12', 9, 40 + i) });
      dayTrades.record({ symbol: `D${i}`, side: 'sell', quantity: 1, ts: ny('2024-03-12', 9, 50 + i) });
    }
    dayTrades.record({ symbol: 'AAPL', side: 'buy', quantity: 40, ts: ny('2024-03-12', 9, 55) });
    const ctx = preTradeContext({
      equity: D(1000), cash: D(-5000), mark: null, heldQuantity: 40, accountQuantity: 40, openPositions: 999, score: 0, confidence: 0,
      exposure: exposure({ position: D(1e9), strategy: D(1e9), name: D(1e9), gross: D(1e9) }), varAfterTrade: () => 1, dayTrades,
    });
    const d = approved(assessPreTrade(intentFor(AAPL, 'sell', 40), ctx, parsePreTradeLimits({ restrictedSymbols: ['AAPL'], maxOrderNotional: 1 })));
    expect(d.intent.quantity).toBe(40);
    expect(d.notional).toBeNull();
    expect(d.warnings.map((w) => w.code)).toEqual(['RESTRICTED_SYMBOL_EXIT', 'PDT_DAY_TRADE_WARNING']);
  });

  it('is refused outside market hours like any order', () => {
    const r = rejected(assessPreTrade(intentFor(AAPL, 'sell', 5), preTradeContext({ heldQuantity: 5, now: ny('2024-03-12', 16, 0, 1) })));
    expect(r.reason).toBe('MARKET_CLOSED');
  });
});

describe('assessPreTrade: compliance order and warnings', () => {
  it('reports the first blocking rule and keeps every warning', () => {
    const lossSales = new LossSaleTracker();
    lossSales.record({ symbol: 'AAPL', side: 'sell', ts: ny('2024-03-01', 11), realizedPnl: D(-50), closesLong: true });
    const limits = parsePreTradeLimits({ restrictedSymbols: ['aapl'] });
    const closed = rejected(assessPreTrade(buy(5), preTradeContext({ lossSales, now: ny('2024-03-09', 12) }), limits));
    expect(closed.reason).toBe('MARKET_CLOSED');
    expect(closed.warnings.map((w) => w.code)).toEqual(['WASH_SALE_WARNING']);
    expect(rejected(assessPreTrade(buy(5), preTradeContext({ lossSales }), limits)).reason).toBe('RESTRICTED_SYMBOL');
    const ok = approved(assessPreTrade(buy(5), preTradeContext({ lossSales })));
    expect(ok.warnings).toHaveLength(1);
    expect(ok.warnings[0]?.detail).toContain('11 day(s) after selling AAPL at a loss of 50.00');
  });

  it('refuses an order past the rate limit', () => {
    const act = new OrderActivityTracker();
    for (let i = 0; i < 10; i++) act.record({ underlying: 'AAPL', notional: D(1), ts: IN_SESSION - i });
    expect(rejected(assessPreTrade(buy(5), preTradeContext({ orderActivity: act }))).reason).toBe('SYMBOL_ORDER_RATE_LIMIT');
    expect(approved(assessPreTrade(intentFor(equity('MSFT'), 'buy', 5), preTradeContext({ orderActivity: act }))).intent.quantity).toBe(5);
  });

  it('throws InputError naming a malformed context field (a wiring bug, not a rejection)', () => {
    const cases: Array<[Partial<PreTradeContext>, string]> = [
      [{ equity: D(Number.NaN) }, 'ctx.equity'],
      [{ score: 101 }, 'ctx.score'],
      [{ confidence: -0.1 }, 'ctx.confidence'],
      [{ heldQuantity: 0.5 }, 'ctx.heldQuantity'],
      [{ reservedBuyingPower: D(-1) }, 'ctx.reservedBuyingPower'],
      [{ exposure: exposure({ gross: D(-1) }) }, 'ctx.exposure.gross'],
      [{ now: Number.NaN }, 'ctx.now'],
    ];
    for (const [patch, field] of cases) {
      expect(() => assessPreTrade(buy(1), preTradeContext(patch))).toThrow(InputError);
      expect(() => assessPreTrade(buy(1), preTradeContext(patch))).toThrow(new RegExp(`^${field.replace('.', '\\.')}:`));
    }
  });
});

describe('preTradeLimitsSchema', () => {
  it('has the documented defaults', () => {
    const l = DEFAULT_PRE_TRADE_LIMITS;
    expect({ ...l, maxOrderNotional: l.maxOrderNotional.toFixed(), maxDailyNotional: l.maxDailyNotional.toFixed(), pdtMinEquity: l.pdtMinEquity.toFixed(), restrictedSymbols: [...l.restrictedSymbols] }).toEqual({
      allocationPct: DEFAULT_STRATEGY_ALLOCATIONS, defaultAllocationPct: 0.05, maxPositionPct: 0.2, maxNamePct: 0.2, maxGrossExposurePct: 1, maxOpenPositions: 20,
      maxVarPct: 0.05, maxOrderNotional: '500000', maxDailyNotional: '5000000', maxOrdersPerMinute: 60, maxOrdersPerSymbolPerMinute: 10, maxShares: 100_000,
      restrictedSymbols: [], pdtMinEquity: '25000', pdtMaxDayTrades: 3, pdtWindowTradingDays: 5, washSaleDays: 30, enforceMarketHours: true,
    });
    expect(Object.values(DEFAULT_STRATEGY_ALLOCATIONS).reduce((a, b) => a + b, 0)).toBeCloseTo(1.44, 10);
  });

  it('merges given allocations into the defaults instead of replacing them', () => {
    const l = parsePreTradeLimits({ allocationPct: { wheel: 0.1, custom: 0.02 } });
    expect(allocationOf(l, 'wheel')).toBe(0.1);
    expect(allocationOf(l, 'custom')).toBe(0.02);
    expect(allocationOf(l, 'wsb-dip-bot')).toBe(0.25);
    expect(allocationOf(l, 'toString')).toBe(0.05);
    expect(parsePreTradeLimits({ maxOrderNotional: '250000.50' }).maxOrderNotional.toFixed(2)).toBe('250000.50');
  });

  it('names the bad field', () => {
    const cases: Array<[unknown, string]> = [
      [{ maxPositionPct: 20 }, 'maxPositionPct'],
      [{ allocationPct: { wheel: 0 } }, 'allocationPct.wheel'],
      [{ maxOrderNotional: 'lots' }, 'maxOrderNotional'],
      [{ maxOrderNotional: -1 }, 'maxOrderNotional'],
      [{ maxOpenPositions: 2.5 }, 'maxOpenPositions'],
      [{ maxGrossExposurePct: 5 }, 'maxGrossExposurePct'],
      [{ pdtWindowTradingDays: 0 }, 'pdtWindowTradingDays'],
      [{ enforceMarketHours: 'yes' }, 'enforceMarketHours'],
      [{ maxVarPercent: 0.05 }, 'maxVarPercent'],
    ];
    for (const [raw, field] of cases) {
      expect(() => parsePreTradeLimits(raw)).toThrow(InputError);
      expect(() => parsePreTradeLimits(raw)).toThrow(new RegExp(`^${field.replace('.', '\\.')}:`));
    }
  });
});
