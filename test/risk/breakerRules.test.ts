import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from '../../engine/domain/money.js';
import { InputError } from '../../engine/domain/errors.js';
import {
  DEFAULT_BREAKER_LIMITS,
  breakerLimitsSchema,
  errorsInWindow,
  evaluateBreakerRules,
  parseBreakerLimits,
  vixSizeMultiplier,
  BREAKER_RULES,
  type BreakerMetrics,
} from '../../engine/risk/breakerRules.js';

const NOW = 1_700_000_000_000;

function metrics(patch: Partial<BreakerMetrics> = {}): BreakerMetrics {
  return {
    now: NOW,
    equity: new Decimal(100_000),
    dayStartEquity: new Decimal(100_000),
    peakEquity: new Decimal(100_000),
    errorTimes: [],
    lastDataTs: NOW,
    feedLive: true,
    ...patch,
  };
}

describe('DEFAULT_BREAKER_LIMITS', () => {
  it('matches the documented defaults', () => {
    expect(DEFAULT_BREAKER_LIMITS).toEqual({
      maxDailyLossPct: 0.06,
      maxDrawdownPct: 0.1,
      maxErrors: 5,
      errorWindowMs: 60_000,
      maxDataAgeMs: 30_000,
      maxConsecutiveErrors: 5,
      maxVarPct: 0.05,
      vixTripLevel: 45,
    });
    expect(breakerLimitsSchema.parse({})).toEqual(DEFAULT_BREAKER_LIMITS);
  });

  it('parseBreakerLimits fills missing fields and names a bad one', () => {
    expect(parseBreakerLimits({ maxErrors: 3 })).toEqual({ ...DEFAULT_BREAKER_LIMITS, maxErrors: 3 });
    expect(parseBreakerLimits(undefined)).toEqual(DEFAULT_BREAKER_LIMITS);
    for (const [raw, field] of [
      [{ maxDailyLossPct: 6 }, 'maxDailyLossPct'],
      [{ maxDailyLossPct: 0 }, 'maxDailyLossPct'],
      [{ maxDrawdownPct: '0.1' }, 'maxDrawdownPct'],
      [{ maxErrors: 0 }, 'maxErrors'],
      [{ maxErrors: 2.5 }, 'maxErrors'],
      [{ errorWindowMs: -5 }, 'errorWindowMs'],
      [{ maxDataAgeMs: Number.NaN }, 'maxDataAgeMs'],
      [{ maxConsecutiveErrors: 0 }, 'maxConsecutiveErrors'],
      [{ maxVarPct: 5 }, 'maxVarPct'],
      [{ vixTripLevel: -1 }, 'vixTripLevel'],
    ] as const) {
      expect(() => parseBreakerLimits(raw)).toThrow(InputError);
      expect(() => parseBreakerLimits(raw)).toThrow(new RegExp(`^${field}:`));
    }
  });
});

describe('evaluateBreakerRules', () => {
  it('returns null for a healthy account', () => {
    expect(evaluateBreakerRules(metrics())).toBeNull();
  });

  it('daily loss trips at exactly 6% of start-of-day equity, not before', () => {
    expect(evaluateBreakerRules(metrics({ equity: new Decimal('94000.01') }))).toBeNull();
    const trip = evaluateBreakerRules(metrics({ equity: new Decimal(94_000) }));
    expect(trip?.reason).toBe('daily_loss_limit');
    expect(trip?.detail).toContain('6000.00');
  });

  it('daily loss is measured from start of day even when the peak is higher', () => {
    const m = metrics({ peakEquity: new Decimal(200_000), dayStartEquity: new Decimal(50_000), equity: new Decimal(47_000) });
    expect(evaluateBreakerRules(m)?.reason).toBe('daily_loss_limit');
  });

  it('skips the daily rule when start-of-day equity is not positive', () => {
    const m = metrics({ dayStartEquity: new Decimal(0), peakEquity: new Decimal(0), equity: new Decimal(-10) });
    expect(evaluateBreakerRules(m)).toBeNull();
  });

  it('drawdown trips at 10% from the peak, only once the peak is > 0', () => {
    const base = { dayStartEquity: new Decimal(90_500) };
    expect(evaluateBreakerRules(metrics({ ...base, peakEquity: new Decimal(100_000), equity: new Decimal('90000.01') }))).toBeNull();
    const trip = evaluateBreakerRules(metrics({ ...base, peakEquity: new Decimal(100_000), equity: new Decimal(90_000) }));
    expect(trip?.reason).toBe('drawdown_limit');
    expect(trip?.detail).toContain('10.00%');
    expect(evaluateBreakerRules(metrics({ dayStartEquity: new Decimal(0), peakEquity: new Decimal(0), equity: new Decimal(0) }))).toBeNull();
  });

  it('error burst counts every error event, including repeats at one instant (one symbol)', () => {
    const four = [NOW - 1, NOW - 1, NOW - 1, NOW - 1];
    expect(evaluateBreakerRules(metrics({ errorTimes: four }))).toBeNull();
    expect(evaluateBreakerRules(metrics({ errorTimes: [...four, NOW] }))?.reason).toBe('error_burst');
  });

  it('error burst only counts errors inside the window', () => {
    const old = [NOW - 60_000, NOW - 70_000, NOW - 61_000, NOW - 60_001];
    expect(evaluateBreakerRules(metrics({ errorTimes: [...old, NOW] }))).toBeNull();
    expect(errorsInWindow([NOW - 60_000, NOW - 59_999, NOW], NOW, 60_000)).toBe(2);
  });

  it('stale data trips only for a live feed, only past the limit', () => {
    expect(evaluateBreakerRules(metrics({ lastDataTs: NOW - 30_000 }))).toBeNull();
    const trip = evaluateBreakerRules(metrics({ lastDataTs: NOW - 30_001 }));
    expect(trip).toEqual({ reason: 'stale_data', detail: 'newest market data is 30001 ms old (limit 30000 ms)' });
    expect(evaluateBreakerRules(metrics({ lastDataTs: NOW - 999_999, feedLive: false }))).toBeNull();
    expect(evaluateBreakerRules(metrics({ lastDataTs: null }))).toBeNull();
    expect(evaluateBreakerRules(metrics({ lastDataTs: undefined, feedLive: undefined }))).toBeNull();
  });

  it('consecutive errors trip at the limit (5 by default), counted since the last fill', () => {
    expect(evaluateBreakerRules(metrics({ consecutiveErrors: 4 }))).toBeNull();
    expect(evaluateBreakerRules(metrics({ consecutiveErrors: 5 }))).toEqual({ reason: 'consecutive_errors', detail: '5 errors since the last fill (limit 5)' });
  });

  it('VaR breach trips strictly above the limit (5 % of equity); no VaR yet never trips', () => {
    expect(evaluateBreakerRules(metrics({ varPct: 0.05 }))).toBeNull();
    expect(evaluateBreakerRules(metrics({ varPct: null }))).toBeNull();
    expect(evaluateBreakerRules(metrics({ varPct: 0.0501 }))?.reason).toBe('var_breach');
  });

  it('volatility spike trips at VIX 45, not at 44.99', () => {
    expect(evaluateBreakerRules(metrics({ vix: 44.99 }))).toBeNull();
    expect(evaluateBreakerRules(metrics({ vix: 45 }))).toEqual({ reason: 'volatility_spike', detail: 'VIX 45.00 >= 45' });
  });

  it('vixSizeMultiplier: 1 below 25, 0.5 from 25, 0.25 from 35, 0 at the trip level', () => {
    expect([null, 24.99, 25, 34.99, 35, 44.99, 45, 80].map((v) => vixSizeMultiplier(v))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25, 0, 0]);
  });

  it('reports the first rule in order when several fire', () => {
    const all = metrics({
      equity: new Decimal(50_000), errorTimes: [NOW, NOW, NOW, NOW, NOW], lastDataTs: 0, consecutiveErrors: 9, varPct: 0.5, vix: 90,
    });
    // Knock out each rule in BREAKER_RULES order: the next one is reported.
    const fixes: Array<Partial<BreakerMetrics>> = [
      { dayStartEquity: new Decimal(50_000) },
      { peakEquity: new Decimal(50_000) },
      { consecutiveErrors: 0 },
      { errorTimes: [] },
      { varPct: 0.01 },
      { lastDataTs: NOW },
      { vix: 12 },
    ];
    let m = all;
    for (const [i, fix] of fixes.entries()) {
      expect(evaluateBreakerRules(m)?.reason).toBe(BREAKER_RULES[i]);
      m = { ...m, ...fix };
    }
    expect(evaluateBreakerRules(m)).toBeNull();
  });

  it('reports the daily loss first when several fire', () => {
    const m = metrics({ equity: new Decimal(50_000), errorTimes: [NOW, NOW, NOW, NOW, NOW], lastDataTs: 0 });
    expect(evaluateBreakerRules(m)?.reason).toBe('daily_loss_limit');
  });

  it('honours custom limits', () => {
    const limits = parseBreakerLimits({ maxDailyLossPct: 0.01, maxErrors: 1 });
    expect(evaluateBreakerRules(metrics({ equity: new Decimal(99_000) }), limits)?.reason).toBe('daily_loss_limit');
    expect(evaluateBreakerRules(metrics({ errorTimes: [NOW] }), limits)?.reason).toBe('error_burst');
  });

  it.each([
    [{ now: Number.NaN }, 'metrics.now'],
    [{ equity: new Decimal(Number.NaN) }, 'metrics.equity'],
    [{ dayStartEquity: new Decimal(Infinity) }, 'metrics.dayStartEquity'],
    [{ peakEquity: 5 as unknown as Decimal }, 'metrics.peakEquity'],
    [{ lastDataTs: Number.POSITIVE_INFINITY }, 'metrics.lastDataTs'],
    [{ consecutiveErrors: -1 }, 'metrics.consecutiveErrors'],
    [{ varPct: Number.NaN }, 'metrics.varPct'],
    [{ vix: -3 }, 'metrics.vix'],
  ] as const)('refuses bad metrics %o naming %s', (patch, field) => {
    expect(() => evaluateBreakerRules(metrics(patch as Partial<BreakerMetrics>))).toThrow(InputError);
    expect(() => evaluateBreakerRules(metrics(patch as Partial<BreakerMetrics>))).toThrow(new RegExp(`^${field.replace('.', '\\.')}:`));
  });

  it('property: a bigger loss never un-trips', () => {
    const cents = fc.integer({ min: 1, max: 10_000_000_00 });
    fc.assert(
      fc.property(cents, cents, fc.nat(5_000_000_00), fc.nat(5_000_000_00), (start, peakExtra, e1, extraLoss) => {
        const dayStart = new Decimal(start).div(100);
        const peak = dayStart.plus(new Decimal(peakExtra).div(100));
        const equity1 = new Decimal(e1).div(100);
        const equity2 = equity1.minus(new Decimal(extraLoss).div(100));
        const m = { dayStartEquity: dayStart, peakEquity: peak, feedLive: false };
        const a = evaluateBreakerRules(metrics({ ...m, equity: equity1 }));
        const b = evaluateBreakerRules(metrics({ ...m, equity: equity2 }));
        if (a !== null) expect(b).not.toBeNull();
      }),
      { seed: 99, numRuns: 1_000 },
    );
  });

  it('property: more errors or older data never un-trips', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: NOW - 120_000, max: NOW }), { maxLength: 12 }),
        fc.array(fc.integer({ min: NOW - 120_000, max: NOW }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (errors, more, age, older) => {
          const a = evaluateBreakerRules(metrics({ errorTimes: errors, lastDataTs: NOW - age }));
          const b = evaluateBreakerRules(metrics({ errorTimes: [...errors, ...more], lastDataTs: NOW - age - older }));
          if (a !== null) expect(b).not.toBeNull();
        },
      ),
      { seed: 5, numRuns: 1_000 },
    );
  });
});
