import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal, money, moneyFromNumber, moneyString, roundMoney, sumMoney, ZERO } from '../../engine/domain/money.js';
import { InputError } from '../../engine/domain/errors.js';

describe('money', () => {
  it('parses decimal strings exactly', () => {
    expect(money('12345678901.12345678').toFixed()).toBe('12345678901.12345678');
    expect(money('0.1').plus(money('0.2')).eq(money('0.3'))).toBe(true);
  });

  it('names the field of a malformed amount', () => {
    expect(() => money('12,5', 'limitPrice')).toThrow(InputError);
    expect(() => money('12,5', 'limitPrice')).toThrow(/limitPrice/);
    expect(() => money(Number.NaN, 'price')).toThrow(/price: must be finite/);
    expect(() => money('Infinity', 'cash')).toThrow(/cash/);
  });

  it('converts statistics to money through the shortest representation', () => {
    expect(moneyFromNumber(123.45).toFixed()).toBe('123.45');
    expect(moneyFromNumber(0.1 + 0.2, 'x', 8).toFixed()).toBe('0.3');
    expect(() => moneyFromNumber(Number.POSITIVE_INFINITY, 'mark')).toThrow(/mark/);
  });

  it('never prints exponent notation', () => {
    expect(moneyString(new Decimal('1e-8'))).toBe('0.00000001');
    expect(moneyString(new Decimal('1e20'))).toBe('100000000000000000000');
  });

  it('rounds half to even', () => {
    expect(roundMoney(new Decimal('2.345')).toFixed()).toBe('2.34');
    expect(roundMoney(new Decimal('2.355')).toFixed()).toBe('2.36');
  });

  it('sums exactly whatever the order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e12, max: 1e12 }), { maxLength: 50 }), (cents) => {
        const values = cents.map((c) => new Decimal(c).div(100));
        const forward = sumMoney(values);
        const backward = sumMoney([...values].reverse());
        expect(forward.eq(backward)).toBe(true);
        expect(forward.times(100).eq(cents.reduce((a, b) => a + b, 0))).toBe(true);
      }),
    );
    expect(sumMoney([]).eq(ZERO)).toBe(true);
  });

  it('round-trips through its string form (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }), (units, scale) => {
        const d = new Decimal(units.toString()).div(new Decimal(10).pow(scale));
        expect(money(moneyString(d)).eq(d)).toBe(true);
      }),
    );
  });
});
