import { describe, expect, it } from 'vitest';
import { isRegularSession, marketHoursRule, outsideRegularSession } from '../../../engine/risk/compliance/marketHours.js';
import { parsePreTradeLimits } from '../../../engine/risk/preTradeLimits.js';
import { AAPL, complianceContext, intentFor, ny } from './fixtures.js';

describe('regular session 09:30–16:00 New York, inclusive', () => {
  it('opens at 09:30:00, not at 09:29:59', () => {
    expect(isRegularSession(ny('2024-03-12', 9, 29, 59))).toBe(false);
    expect(outsideRegularSession(ny('2024-03-12', 9, 29, 59))).toBe('09:29:59 New York on 2024-03-12 is before the 09:30 open');
    expect(isRegularSession(ny('2024-03-12', 9, 30, 0))).toBe(true);
  });

  it('includes 16:00:00 (a daily bar close) and nothing after it', () => {
    expect(isRegularSession(ny('2024-03-12', 16, 0, 0))).toBe(true);
    expect(isRegularSession(ny('2024-03-12', 16, 0, 0, 1))).toBe(false);
    expect(outsideRegularSession(ny('2024-03-12', 16, 0, 0, 1))).toBe('16:00:00.001 New York on 2024-03-12 is after the 16:00 close');
    expect(outsideRegularSession(ny('2024-03-12', 16, 0, 1))).toBe('16:00:01 New York on 2024-03-12 is after the 16:00 close');
  });

  it('follows daylight saving: 09:30 is 14:30 UTC in winter and 13:30 UTC in summer', () => {
    // Friday before the March 2024 switch (EST) and the Monday after it (EDT).
    expect(isRegularSession(Date.UTC(2024, 2, 8, 14, 29, 59))).toBe(false);
    expect(isRegularSession(Date.UTC(2024, 2, 8, 14, 30))).toBe(true);
    expect(isRegularSession(Date.UTC(2024, 2, 11, 13, 29, 59))).toBe(false);
    expect(isRegularSession(Date.UTC(2024, 2, 11, 13, 30))).toBe(true);
    expect(isRegularSession(Date.UTC(2024, 2, 11, 20, 0))).toBe(true);
    expect(isRegularSession(Date.UTC(2024, 2, 11, 20, 0, 1))).toBe(false);
    // Friday before the November 2024 switch (EDT) and the Monday after it (EST).
    expect(isRegularSession(Date.UTC(2024, 10, 1, 13, 30))).toBe(true);
    expect(isRegularSession(Date.UTC(2024, 10, 4, 13, 30))).toBe(false);
    expect(isRegularSession(Date.UTC(2024, 10, 4, 14, 30))).toBe(true);
    expect(isRegularSession(Date.UTC(2024, 10, 4, 21, 0))).toBe(true);
    expect(isRegularSession(Date.UTC(2024, 10, 4, 21, 0, 1))).toBe(false);
  });

  it('is closed all day on NYSE holidays and weekends', () => {
    expect(outsideRegularSession(ny('2024-07-04', 11, 0))).toBe('2024-07-04 is an NYSE holiday: the market is closed');
    expect(outsideRegularSession(ny('2024-03-29', 11, 0))).toContain('NYSE holiday'); // Good Friday
    expect(outsideRegularSession(ny('2024-11-28', 11, 0))).toContain('NYSE holiday'); // Thanksgiving
    expect(outsideRegularSession(ny('2024-03-09', 11, 0))).toBe('2024-03-09 is a Saturday: the market is closed');
    expect(outsideRegularSession(ny('2024-03-10', 11, 0))).toBe('2024-03-10 is a Sunday: the market is closed');
    expect(isRegularSession(ny('2024-07-05', 11, 0))).toBe(true);
  });
});

describe('marketHoursRule', () => {
  it('blocks openings and exits alike outside the session', () => {
    const now = ny('2024-03-12', 8, 0);
    for (const opening of [true, false]) {
      const f = marketHoursRule(complianceContext({ now, opening, intent: intentFor(AAPL, opening ? 'buy' : 'sell', 5) }));
      expect(f).toEqual({ code: 'MARKET_CLOSED', severity: 'block', detail: '08:00:00 New York on 2024-03-12 is before the 09:30 open' });
    }
  });

  it('passes inside the session and when enforcement is off', () => {
    expect(marketHoursRule(complianceContext({ now: ny('2024-03-12', 16, 0) }))).toBeNull();
    const off = parsePreTradeLimits({ enforceMarketHours: false });
    expect(marketHoursRule(complianceContext({ now: ny('2024-03-09', 3, 0), limits: off }))).toBeNull();
  });
});
