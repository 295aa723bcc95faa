import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import { addDays, daysBetween } from '../../engine/domain/session.js';
import {
  dte,
  easterSunday,
  expiriesFrom,
  expiryCloseUtc,
  expiryDayStartUtc,
  isMonthlyExpiry,
  isNyseHoliday,
  isTradingDay,
  nearestExpiry,
  nyDate,
  yearsToExpiry,
} from '../../engine/market/expiries.js';

const DAY = 86_400_000;
const weekdayOf = (d: string): number => new Date(`${d}T12:00:00Z`).getUTCDay();

const dates = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) }).map((ms) => new Date(ms).toISOString().slice(0, 10));

describe('holidays', () => {
  it('computes Easter Sunday', () => {
    expect(easterSunday(2019)).toBe('2019-04-21');
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2027)).toBe('2027-03-28');
    expect(easterSunday(2038)).toBe('2038-04-25');
  });

  it('knows the NYSE holidays that fall on Fridays, as observed', () => {
    for (const d of ['2024-03-29', '2025-04-18', '2026-04-03', '2027-03-26']) expect(isNyseHoliday(d)).toBe(true); // Good Friday
    expect(isNyseHoliday('2026-06-19')).toBe(true); // Juneteenth on a Friday
    expect(isNyseHoliday('2027-06-18')).toBe(true); // Juneteenth on Saturday, observed Friday
    expect(isNyseHoliday('2026-07-03')).toBe(true); // July 4th on Saturday, observed Friday
    expect(isNyseHoliday('2026-12-25')).toBe(true);
    expect(isNyseHoliday('2027-12-24')).toBe(true); // Christmas on Saturday, observed Friday
    expect(isNyseHoliday('2027-01-01')).toBe(true);
    // New Year's Day on a Saturday is not observed on the Friday before.
    expect(isNyseHoliday('2021-12-31')).toBe(false);
    expect(isNyseHoliday('2022-01-03')).toBe(false);
    // Juneteenth only from 2022.
    expect(isNyseHoliday('2020-06-19')).toBe(false);
  });

  it('knows the Monday and Thursday holidays', () => {
    for (const d of ['2025-01-20', '2025-02-17', '2025-05-26', '2025-09-01', '2025-11-27', '2023-01-02', '2022-06-20']) {
      expect(isNyseHoliday(d)).toBe(true);
      expect(isTradingDay(d)).toBe(false);
    }
    expect(isTradingDay('2025-11-28')).toBe(true);
    expect(isTradingDay('2025-11-29')).toBe(false); // Saturday
  });
});

describe('expiriesFrom', () => {
  it('lists weekly Fridays, moving to Thursday when the Friday is a holiday', () => {
    expect(expiriesFrom('2024-03-18', 21)).toEqual(['2024-03-22', '2024-03-28', '2024-04-05']);
    expect(expiriesFrom('2026-06-12', 21)).toEqual(['2026-06-12', '2026-06-18', '2026-06-26', '2026-07-02']);
    expect(expiriesFrom('2026-12-18', 14)).toEqual(['2026-12-18', '2026-12-24', '2026-12-31']);
    expect(expiriesFrom('2027-12-20', 7)).toEqual(['2027-12-23']);
    expect(expiriesFrom('2021-12-27', 6)).toEqual(['2021-12-31']);
  });

  it('includes `date` itself and the horizon end, never anything outside', () => {
    expect(expiriesFrom('2025-01-17', 0)).toEqual(['2025-01-17']);
    expect(expiriesFrom('2025-01-18', 6)).toEqual(['2025-01-24']);
    expect(expiriesFrom('2025-01-18', 5)).toEqual([]);
    // On Good Friday itself the week's expiry (Thursday) has passed.
    expect(expiriesFrom('2024-03-29', 3)).toEqual([]);
  });

  it('property: one trading-day expiry a week, ascending, within range', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: 0, max: 120 }), (date, horizon) => {
        const list = expiriesFrom(date, horizon);
        const end = addDays(date, horizon);
        let prev = '';
        for (const e of list) {
          expect(e >= date && e <= end).toBe(true);
          expect(isTradingDay(e)).toBe(true);
          expect([4, 5]).toContain(weekdayOf(e));
          if (weekdayOf(e) === 4) expect(isTradingDay(addDays(e, 1))).toBe(false);
          if (prev) expect(daysBetween(prev, e)).toBeGreaterThanOrEqual(6);
          if (prev) expect(daysBetween(prev, e)).toBeLessThanOrEqual(8);
          prev = e;
        }
        expect(list.length).toBeGreaterThanOrEqual(Math.floor((horizon + 1) / 7) - 1);
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it('marks monthlies: the third-Friday week, also when it moves to Thursday', () => {
    expect(isMonthlyExpiry('2025-01-17')).toBe(true);
    expect(isMonthlyExpiry('2025-01-24')).toBe(false);
    expect(isMonthlyExpiry('2025-04-17')).toBe(true); // Good Friday was the third Friday
    expect(isMonthlyExpiry('2026-06-18')).toBe(true); // Juneteenth was the third Friday
    expect(isMonthlyExpiry('2027-06-17')).toBe(true);
  });
});

describe('nearestExpiry', () => {
  it('picks the expiry nearest the target DTE', () => {
    expect(nearestExpiry('2025-01-02', 21)).toBe('2025-01-24');
    expect(nearestExpiry('2025-01-06', 18)).toBe('2025-01-24');
    expect(nearestExpiry('2025-01-06', 16)).toBe('2025-01-24');
    expect(nearestExpiry('2025-01-06', 14)).toBe('2025-01-17');
    expect(nearestExpiry('2025-03-20', 30)).toBe('2025-04-17'); // Good Friday week
  });

  it('breaks a tie towards the later expiry', () => {
    // Thu 2024-03-28 and Fri 2024-04-05 are both 4 days from Mon 2024-04-01.
    expect(daysBetween('2024-03-01', '2024-04-01')).toBe(31);
    expect(nearestExpiry('2024-03-01', 31)).toBe('2024-04-05');
  });

  it('never returns an expiry before the date; may return the date itself', () => {
    expect(nearestExpiry('2024-03-29', 0)).toBe('2024-04-05');
    expect(nearestExpiry('2025-01-17', 0)).toBe('2025-01-17');
    expect(nearestExpiry('2025-01-18', 0)).toBe('2025-01-24');
  });

  it('property: no listed expiry on or after the date is nearer the target', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: 0, max: 90 }), (date, target) => {
        const e = nearestExpiry(date, target);
        expect(e >= date).toBe(true);
        const gap = Math.abs(dte(date, e) - target);
        for (const other of expiriesFrom(date, target + 30)) {
          const g = Math.abs(dte(date, other) - target);
          expect(g).toBeGreaterThanOrEqual(gap);
          if (g === gap) expect(other <= e).toBe(true);
        }
      }),
      { seed: 2, numRuns: 500 },
    );
  });
});

describe('time to expiry', () => {
  it('dte counts calendar days', () => {
    expect(dte('2025-01-02', '2025-01-24')).toBe(22);
    expect(dte('2025-01-24', '2025-01-24')).toBe(0);
    expect(dte('2025-01-25', '2025-01-24')).toBe(-1);
  });

  it('runs to 16:00 New York on the expiry date, across daylight saving', () => {
    expect(expiryCloseUtc('2025-01-17')).toBe(Date.UTC(2025, 0, 17, 21, 0));
    expect(expiryCloseUtc('2025-03-14')).toBe(Date.UTC(2025, 2, 14, 20, 0));
    expect(yearsToExpiry(Date.UTC(2025, 2, 13, 20, 0), '2025-03-14')).toBeCloseTo(1 / 365, 15);
    // Across the March 9 change a "day" in New York is 23 hours.
    expect(yearsToExpiry(Date.UTC(2025, 2, 7, 21, 0), '2025-03-14')).toBeCloseTo((7 * DAY - 3_600_000) / (365 * DAY), 15);
    expect(yearsToExpiry(Date.UTC(2025, 2, 14, 20, 0), '2025-03-14')).toBe(0);
    expect(yearsToExpiry(Date.UTC(2025, 2, 20), '2025-03-14')).toBe(0);
  });

  it('expiry day starts at New York midnight', () => {
    expect(expiryDayStartUtc('2025-01-17')).toBe(Date.UTC(2025, 0, 17, 5, 0));
    expect(expiryDayStartUtc('2025-07-18')).toBe(Date.UTC(2025, 6, 18, 4, 0));
    expect(nyDate(Date.UTC(2025, 0, 17, 4, 59))).toBe('2025-01-16');
    expect(nyDate(Date.UTC(2025, 0, 17, 21, 0))).toBe('2025-01-17');
  });
});

describe('input validation', () => {
  it('names the bad field', () => {
    expect(() => expiriesFrom('2025-13-01', 5)).toThrow(InputError);
    expect(() => expiriesFrom('2025-02-30', 5)).toThrow(/date: invalid date "2025-02-30"/);
    expect(() => expiriesFrom('2025-01-01', -1)).toThrow(/horizonDays/);
    expect(() => expiriesFrom('2025-01-01', 1.5)).toThrow(/horizonDays/);
    expect(() => nearestExpiry('20250101', 5)).toThrow(/date/);
    expect(() => nearestExpiry('2025-01-01', -3)).toThrow(/targetDte/);
    expect(() => dte('2025-01-01', 'soon')).toThrow(/expiry/);
    expect(() => yearsToExpiry(Number.NaN, '2025-01-17')).toThrow(/nowTs/);
    expect(() => yearsToExpiry(0, '2025/01/17')).toThrow(/expiry/);
    expect(() => nyDate(Number.POSITIVE_INFINITY)).toThrow(/ts/);
  });
});
