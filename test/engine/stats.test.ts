import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maxDrawdown, sharpeRatio, dailyCloses, roundTrips } from '../../engine/backtest/stats.js';
import { Decimal } from '../../engine/domain/money.js';
import { sessionCloseUtc } from '../../engine/domain/session.js';

describe('backtest statistics', () => {
  it('measures the largest peak-to-trough fall', () => {
    expect(maxDrawdown([100, 120, 90, 130, 65])).toBeCloseTo(0.5);
    expect(maxDrawdown([100, 101, 102])).toBe(0);
    expect(maxDrawdown([])).toBe(0);
  });

  it('keeps drawdown in [0, 1] for positive curves (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e9, noNaN: true }), { maxLength: 100 }), (curve) => {
        const dd = maxDrawdown(curve);
        expect(dd).toBeGreaterThanOrEqual(0);
        expect(dd).toBeLessThan(1);
      }),
    );
  });

  it('computes an annualised Sharpe ratio of daily returns', () => {
    expect(sharpeRatio([100, 100, 100])).toBe(0);
    expect(sharpeRatio([100])).toBe(0);
    const s = sharpeRatio([100, 101, 100.5, 102, 103]);
    const r = [0.01, 100.5 / 101 - 1, 102 / 100.5 - 1, 103 / 102 - 1];
    const m = r.reduce((a, b) => a + b) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1));
    expect(s).toBeCloseTo((m / sd) * Math.sqrt(252), 10);
  });

  it('keeps the last equity of each New York day', () => {
    const d1 = sessionCloseUtc('2026-11-19');
    const d2 = sessionCloseUtc('2026-11-20');
    const curve = [
      { ts: d1 - 3_600_000, equity: new Decimal(1) },
      { ts: d1, equity: new Decimal(2) },
      { ts: d2, equity: new Decimal(3) },
    ];
    expect(dailyCloses(curve)).toEqual([2, 3]);
  });
});

describe('roundTrips', () => {
  const ex = (symbol: string, side: 'buy' | 'sell', quantity: number, gross: number, commission = 0) => ({
    symbol, side, quantity, gross: new Decimal(gross), commission: new Decimal(commission),
  });

  it('counts a round trip when a symbol is flat again, and a win when its cash is positive', () => {
    expect(
      roundTrips([
        ex('A', 'buy', 10, 1000),
        ex('B', 'buy', 5, 500),
        ex('A', 'sell', 4, 420),
        ex('A', 'sell', 6, 630, 1), // A: +50 − 1 = 49 → a win
        ex('B', 'sell', 5, 480), // B: −20 → a loss
        ex('C', 'buy', 1, 10), // still open: not counted
      ]),
    ).toEqual({ trades: 2, wins: 1 });
  });

  it('a short round trip counts too; break-even is not a win; nothing traded is zero', () => {
    expect(roundTrips([ex('S', 'sell', 2, 200), ex('S', 'buy', 2, 150)])).toEqual({ trades: 1, wins: 1 });
    expect(roundTrips([ex('S', 'buy', 2, 200), ex('S', 'sell', 2, 200)])).toEqual({ trades: 1, wins: 0 });
    expect(roundTrips([])).toEqual({ trades: 0, wins: 0 });
  });
});
