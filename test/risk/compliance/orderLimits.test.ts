import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../engine/domain/money.js';
import { equity } from '../../../engine/domain/instrument.js';
import { InputError } from '../../../engine/domain/errors.js';
import { OrderActivityTracker } from '../../../engine/risk/orderActivity.js';
import { orderLimitCaps, orderRateRule, symbolOrderRateRule, type OrderCapInputs } from '../../../engine/risk/compliance/orderLimits.js';
import { unitEconomics } from '../../../engine/risk/preTradeCaps.js';
import { DEFAULT_PRE_TRADE_LIMITS } from '../../../engine/risk/preTradeLimits.js';
import { AAPL, AAPL_CALL, AAPL_PUT, IN_SESSION, complianceContext, intentFor, ny } from './fixtures.js';

function activity(times: number[], underlying = 'AAPL', notional = '0'): OrderActivityTracker {
  const t = new OrderActivityTracker();
  for (const ts of times) t.record({ underlying, notional: new Decimal(notional), ts });
  return t;
}

const NOW = IN_SESSION;

describe('order rate limits', () => {
  it('allow the 60th order in a minute and block the 61st', () => {
    const spread = (n: number) => Array.from({ length: n }, (_, i) => NOW - 59_000 + i * 10);
    const msft = intentFor(equity('MSFT'), 'buy', 1);
    expect(orderRateRule(complianceContext({ intent: msft, orderActivity: activity(spread(59), 'X') }))).toBeNull();
    const f = orderRateRule(complianceContext({ intent: msft, orderActivity: activity(spread(60), 'X') }));
    expect(f).toEqual({ code: 'ORDER_RATE_LIMIT', severity: 'block', detail: '60 orders approved in the last 60 s (limit 60 per minute)' });
  });

  it('count orders after now − 60 s: one exactly 60 s old has left the window', () => {
    const at = (offset: number) => activity([...Array.from({ length: 59 }, () => NOW - 1000), NOW - offset], 'X');
    expect(orderRateRule(complianceContext({ orderActivity: at(60_000) }))).toBeNull();
    expect(orderRateRule(complianceContext({ orderActivity: at(59_999) }))?.code).toBe('ORDER_RATE_LIMIT');
  });

  it('limit 10 orders per underlying per minute, options included, case-insensitively', () => {
    const nine = activity(Array.from({ length: 9 }, (_, i) => NOW - i * 1000), 'aapl');
    expect(symbolOrderRateRule(complianceContext({ orderActivity: nine, intent: intentFor(AAPL_CALL, 'buy', 1) }))).toBeNull();
    nine.record({ underlying: 'AAPL', notional: new Decimal(0), ts: NOW });
    const f = symbolOrderRateRule(complianceContext({ orderActivity: nine, intent: intentFor(AAPL_CALL, 'buy', 1) }));
    expect(f).toEqual({ code: 'SYMBOL_ORDER_RATE_LIMIT', severity: 'block', detail: '10 orders on AAPL approved in the last 60 s (limit 10 per minute)' });
    expect(symbolOrderRateRule(complianceContext({ orderActivity: nine, intent: intentFor(equity('MSFT'), 'buy', 1) }))).toBeNull();
  });

  it('apply to exits too', () => {
    const full = activity(Array.from({ length: 10 }, () => NOW), 'AAPL');
    expect(symbolOrderRateRule(complianceContext({ orderActivity: full, opening: false, intent: intentFor(AAPL, 'sell', 1) }))?.code).toBe('SYMBOL_ORDER_RATE_LIMIT');
  });
});

describe('OrderActivityTracker daily notional', () => {
  it('rolls at midnight New York, not at the UTC date change', () => {
    const t = new OrderActivityTracker();
    t.record({ underlying: 'AAPL', notional: new Decimal('1000'), ts: ny('2024-03-12', 19, 30) }); // 23:30 UTC
    t.record({ underlying: 'AAPL', notional: new Decimal('500'), ts: ny('2024-03-12', 21, 0) }); // 01:00 UTC on 03-13
    expect(t.notionalOnDay(ny('2024-03-12', 23, 59)).toFixed(2)).toBe('1500.00');
    expect(t.notionalOnDay(ny('2024-03-13', 0, 0)).toFixed(2)).toBe('0.00');
    t.record({ underlying: 'AAPL', notional: new Decimal('7'), ts: ny('2024-03-13', 9, 31) });
    expect(t.notionalOnDay(ny('2024-03-13', 10, 0)).toFixed(2)).toBe('7.00');
  });

  it('refuses a negative notional', () => {
    expect(() => new OrderActivityTracker().record({ underlying: 'AAPL', notional: new Decimal(-1), ts: NOW })).toThrow(InputError);
  });
});

describe('orderLimitCaps', () => {
  const inputs = (patch: Partial<OrderCapInputs> = {}): OrderCapInputs => ({
    underlying: 'AAPL',
    side: 'buy',
    unit: unitEconomics(AAPL, 'buy', new Decimal(100)),
    accountQuantity: 0,
    equity: new Decimal(10_000_000),
    nameExposure: new Decimal(0),
    now: NOW,
    activity: new OrderActivityTracker(),
    limits: DEFAULT_PRE_TRADE_LIMITS,
    ...patch,
  });
  const cap = (code: string, patch: Partial<OrderCapInputs> = {}) => orderLimitCaps(inputs(patch)).find((c) => c.code === code);

  it('order notional: $500,000 at $100 a share is 5,000 shares', () => {
    expect(cap('ORDER_NOTIONAL')).toEqual({ code: 'ORDER_NOTIONAL', maxQuantity: 5000, detail: 'order notional limit 500000.00; room 500000.00 at 100.00 per unit allows 5000' });
  });

  it('option notional carries the ×100 multiplier: a $2.50 premium is $250 a contract', () => {
    expect(cap('ORDER_NOTIONAL', { unit: unitEconomics(AAPL_CALL, 'buy', new Decimal('2.5')) })?.maxQuantity).toBe(2000);
    // A short put's notional is its strike: 160 × 100 = 16,000 a contract.
    expect(cap('ORDER_NOTIONAL', { side: 'sell', unit: unitEconomics(AAPL_PUT, 'sell', new Decimal('2.5')) })?.maxQuantity).toBe(31);
  });

  it('daily notional counts what was approved today', () => {
    const act = activity([NOW - 3_600_000], 'MSFT', '4999000');
    expect(cap('DAILY_NOTIONAL', { activity: act })).toMatchObject({ maxQuantity: 10, detail: expect.stringContaining('notional approved today 4999000.00') as unknown });
  });

  it('share limit applies to the resulting position, contracts counting 100 shares', () => {
    expect(cap('MAX_SHARES', { accountQuantity: 99_990 })?.maxQuantity).toBe(10);
    expect(cap('MAX_SHARES', { accountQuantity: 100_001 })?.maxQuantity).toBe(0);
    expect(cap('MAX_SHARES', { accountQuantity: -50 })?.maxQuantity).toBe(100_050);
    expect(cap('MAX_SHARES', { unit: unitEconomics(AAPL_CALL, 'buy', new Decimal(1)) })?.maxQuantity).toBe(1000);
    expect(cap('MAX_SHARES', { side: 'sell', unit: unitEconomics(AAPL_PUT, 'sell', new Decimal(1)), accountQuantity: -990 })?.maxQuantity).toBe(10);
  });

  it('name concentration: 20% of equity across strategies', () => {
    const c = cap('NAME_CONCENTRATION', { equity: new Decimal(100_000), nameExposure: new Decimal(15_000) });
    expect(c?.maxQuantity).toBe(50);
    expect(c?.detail).toBe('account exposure to AAPL 15000.00 of 20% of equity 100000.00 = 20000.00; room 5000.00 at 100.00 per unit allows 50');
    // A covered call adds no exposure, so name concentration does not cap it.
    expect(cap('NAME_CONCENTRATION', { side: 'sell', unit: unitEconomics(AAPL_CALL, 'sell', new Decimal(1)), nameExposure: new Decimal(1e9) })).toBeUndefined();
  });
});
