import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, nthWeekdayOfMonth, nyOffsetMinutes, nyParts, sessionCloseUtc, sessionOpenUtc } from '../../engine/domain/session.js';

describe('New York sessions', () => {
  it('closes at 16:00 New York across daylight saving', () => {
    expect(new Date(sessionCloseUtc('2026-01-15')).toISOString()).toBe('2026-01-15T21:00:00.000Z');
    expect(new Date(sessionCloseUtc('2026-07-15')).toISOString()).toBe('2026-07-15T20:00:00.000Z');
    // The Monday after the March change and the Monday after the November change.
    expect(new Date(sessionOpenUtc('2026-03-09')).toISOString()).toBe('2026-03-09T13:30:00.000Z');
    expect(new Date(sessionOpenUtc('2026-11-02')).toISOString()).toBe('2026-11-02T14:30:00.000Z');
  });

  it('reads New York wall-clock parts from UTC', () => {
    const p = nyParts(Date.parse('2026-11-20T21:00:00Z'));
    expect(p).toEqual({ date: '2026-11-20', hour: 16, minute: 0, second: 0, weekday: 5 });
    expect(nyOffsetMinutes(Date.parse('2026-01-15T12:00:00Z'))).toBe(-300);
    expect(nyOffsetMinutes(Date.parse('2026-07-15T12:00:00Z'))).toBe(-240);
    // 01:00 UTC on 2026-01-16 is still the 15th in New York.
    expect(nyParts(Date.parse('2026-01-16T01:00:00Z')).date).toBe('2026-01-15');
  });

  it('does date arithmetic on calendar dates', () => {
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
    expect(nthWeekdayOfMonth(2026, 11, 5, 3)).toBe('2026-11-20');
    expect(nthWeekdayOfMonth(2026, 1, 5, 3)).toBe('2026-01-16');
  });
});

describe('nyParts (cached offset) agrees with Intl everywhere', () => {
  it('matches a direct Intl reading for any instant 1990–2100 (property)', async () => {
    const fc = (await import('fast-check')).default;
    const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) }), (ts) => {
        const parts = Object.fromEntries(intl.formatToParts(new Date(ts)).map((p) => [p.type, p.value]));
        const p = nyParts(ts);
        expect(p.date).toBe(`${parts.year}-${parts.month}-${parts.day}`);
        expect(p.hour).toBe(Number(parts.hour));
        expect(p.minute).toBe(Number(parts.minute));
      }),
      { numRuns: 2000 },
    );
  });

  it('handles the hours around both DST switches', () => {
    // 2026-03-08 07:00Z is 03:00 EDT (the switch), 06:59Z is 01:59 EST.
    expect(nyParts(Date.parse('2026-03-08T06:59:00Z')).hour).toBe(1);
    expect(nyParts(Date.parse('2026-03-08T07:00:00Z')).hour).toBe(3);
    // 2026-11-01 06:00Z is 01:00 EST again (the repeated hour), 05:59Z is 01:59 EDT.
    expect(nyParts(Date.parse('2026-11-01T05:59:00Z')).hour).toBe(1);
    expect(nyParts(Date.parse('2026-11-01T06:00:00Z')).hour).toBe(1);
  });
});
