import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../engine/domain/money.js';
import { equity } from '../../../engine/domain/instrument.js';
import type { Side } from '../../../engine/domain/orders.js';
import { DayTradeTracker, tradingWindowStart } from '../../../engine/risk/dayTrades.js';
import { patternDayTraderRule } from '../../../engine/risk/compliance/patternDayTrader.js';
import { AAPL, complianceContext, intentFor, ny } from './fixtures.js';

function fill(t: DayTradeTracker, symbol: string, side: Side, quantity: number, ts: number): void {
  t.record({ symbol, side, quantity, ts });
}

/** A tracker with `n` day trades on 2024-03-12 (symbols D0, D1, …). */
function withDayTrades(n: number, date = '2024-03-12'): DayTradeTracker {
  const t = new DayTradeTracker();
  for (let i = 0; i < n; i++) {
    fill(t, `D${i}`, 'buy', 10, ny(date, 10, i));
    fill(t, `D${i}`, 'sell', 10, ny(date, 11, i));
  }
  return t;
}

const NOW = ny('2024-03-12', 14, 0);
const SMALL = new Decimal('24999.99');

describe('DayTradeTracker', () => {
  it('counts opening and closing on the same New York day, not across days', () => {
    const t = new DayTradeTracker();
    fill(t, 'AAPL', 'buy', 10, ny('2024-03-11', 15, 0));
    fill(t, 'AAPL', 'sell', 10, ny('2024-03-12', 10, 0));
    expect(t.dayTradesInWindow(NOW, 5)).toBe(0);
    fill(t, 'MSFT', 'buy', 10, ny('2024-03-12', 10, 0));
    fill(t, 'MSFT', 'sell', 10, ny('2024-03-12', 15, 0));
    expect(t.history()).toEqual([{ symbol: 'MSFT', date: '2024-03-12' }]);
  });

  it('uses the New York date, so 19:00 and 21:00 New York are the same day though UTC changed', () => {
    const t = new DayTradeTracker();
    fill(t, 'AAPL', 'buy', 1, ny('2024-03-12', 19, 0)); // 23:00 UTC
    fill(t, 'AAPL', 'sell', 1, ny('2024-03-12', 21, 0)); // 01:00 UTC the next day
    expect(t.dayTradesInWindow(NOW, 5)).toBe(1);
  });

  it('counts one per round: buy-buy-sell is one, buy-sell-buy-sell is two, partial fills are one', () => {
    const a = new DayTradeTracker();
    fill(a, 'X', 'buy', 5, ny('2024-03-12', 10));
    fill(a, 'X', 'buy', 5, ny('2024-03-12', 11));
    fill(a, 'X', 'sell', 4, ny('2024-03-12', 12));
    fill(a, 'X', 'sell', 6, ny('2024-03-12', 12, 1));
    expect(a.dayTradesInWindow(NOW, 5)).toBe(1);
    const b = new DayTradeTracker();
    for (const h of [10, 12]) {
      fill(b, 'X', 'buy', 5, ny('2024-03-12', h));
      fill(b, 'X', 'sell', 5, ny('2024-03-12', h + 1));
    }
    expect(b.dayTradesInWindow(NOW, 5)).toBe(2);
  });

  it('treats a position carried in (seeded) as opened earlier, but adding to it today starts a round', () => {
    const t = new DayTradeTracker([{ symbol: 'AAPL', quantity: 100 }]);
    fill(t, 'AAPL', 'sell', 50, ny('2024-03-12', 10));
    expect(t.dayTradesInWindow(NOW, 5)).toBe(0);
    fill(t, 'AAPL', 'buy', 50, ny('2024-03-12', 11));
    expect(t.openRoundsToday(NOW)).toEqual(['AAPL']);
    fill(t, 'AAPL', 'sell', 20, ny('2024-03-12', 12));
    expect(t.dayTradesInWindow(NOW, 5)).toBe(1);
    expect(t.openRoundsToday(NOW)).toEqual([]);
    expect(t.position('AAPL')).toBe(80);
  });

  it('a sale through zero counts the day trade and opens a short round today', () => {
    const t = new DayTradeTracker();
    fill(t, 'X', 'buy', 5, ny('2024-03-12', 10));
    fill(t, 'X', 'sell', 8, ny('2024-03-12', 11));
    expect(t.dayTradesInWindow(NOW, 5)).toBe(1);
    expect(t.openRoundsToday(NOW)).toEqual(['X']);
    fill(t, 'X', 'buy', 3, ny('2024-03-12', 12));
    expect(t.dayTradesInWindow(NOW, 5)).toBe(2);
  });

  it('keeps a window of 5 trading days, skipping weekends and holidays', () => {
    // 2024-07-08 (Mon) back five trading days: 07-08, 07-05, 07-03, 07-02, 07-01 (07-04 is a holiday).
    expect(tradingWindowStart('2024-07-08', 5)).toBe('2024-07-01');
    expect(tradingWindowStart('2024-07-06', 1)).toBe('2024-07-05'); // a Saturday looks back to Friday
    const t = new DayTradeTracker();
    for (const date of ['2024-06-28', '2024-07-01']) {
      fill(t, 'X', 'buy', 1, ny(date, 10));
      fill(t, 'X', 'sell', 1, ny(date, 11));
    }
    expect(t.dayTradesInWindow(ny('2024-07-08', 10), 5)).toBe(1);
    expect(t.dayTradesInWindow(ny('2024-07-05', 10), 5)).toBe(2);
  });

  it('refuses a malformed fill, naming the field', () => {
    const t = new DayTradeTracker();
    expect(() => fill(t, 'X', 'buy', 0, NOW)).toThrow(/^fill.quantity:/);
    expect(() => fill(t, 'X', 'buy', 1, Number.NaN)).toThrow(/^fill.ts:/);
  });
});

describe('patternDayTraderRule', () => {
  const open = (dayTrades: DayTradeTracker, eq: Decimal = SMALL, symbol = AAPL) =>
    patternDayTraderRule(complianceContext({ now: NOW, equity: eq, dayTrades, intent: intentFor(symbol, 'buy', 10) }));

  it('allows an opening with 2 day trades (a 3rd is allowed) and blocks it with 3 (a 4th could follow)', () => {
    expect(open(withDayTrades(2))).toBeNull();
    const f = open(withDayTrades(3));
    expect(f?.code).toBe('PDT_LIMIT');
    expect(f?.severity).toBe('block');
    expect(f?.detail).toBe(
      'equity 24999.99 < 25000.00: 3 day trade(s) in the last 5 trading days and 0 other position(s) opened today; opening AAPL could make 4 day trades (limit 3)',
    );
  });

  it('does not apply at exactly $25,000', () => {
    expect(open(withDayTrades(3), new Decimal(25_000))).toBeNull();
    expect(open(withDayTrades(3), new Decimal('24999.99'))?.code).toBe('PDT_LIMIT');
  });

  it('counts positions opened today and still open as possible day trades', () => {
    const t = withDayTrades(2);
    fill(t, 'MSFT', 'buy', 1, ny('2024-03-12', 12));
    const f = open(t);
    expect(f?.code).toBe('PDT_LIMIT');
    expect(f?.detail).toContain('1 other position(s) opened today (MSFT)');
    // Adding to MSFT itself adds no new possible day trade: 2 + 1 = 3.
    expect(open(t, SMALL, equity('MSFT'))).toBeNull();
  });

  it('forgets day trades older than the window', () => {
    expect(open(withDayTrades(3, '2024-03-05'))).toBeNull(); // 03-05 is 6 trading days before 03-12
    expect(open(withDayTrades(3, '2024-03-06'))?.code).toBe('PDT_LIMIT'); // 03-06 is the 5th
  });

  it('never blocks an exit; closing a position opened today as the 4th day trade warns', () => {
    const t = withDayTrades(3);
    fill(t, 'AAPL', 'buy', 10, ny('2024-03-12', 12));
    const f = patternDayTraderRule(complianceContext({ now: NOW, equity: SMALL, dayTrades: t, opening: false, intent: intentFor(AAPL, 'sell', 10) }));
    expect(f).toMatchObject({ code: 'PDT_DAY_TRADE_WARNING', severity: 'warn' });
    expect(f?.detail).toContain('day trade 4 in 5 trading days');
    const two = withDayTrades(2);
    fill(two, 'AAPL', 'buy', 10, ny('2024-03-12', 12));
    expect(patternDayTraderRule(complianceContext({ now: NOW, equity: SMALL, dayTrades: two, opening: false, intent: intentFor(AAPL, 'sell', 10) }))).toBeNull();
  });
});
