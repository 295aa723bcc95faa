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
