import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from '../../engine/domain/money.js';
import { InputError, PersistenceError } from '../../engine/domain/errors.js';
import { DecimalJsType } from '../../persistence/decimalType.js';
import { storedMoney } from '../../persistence/storedValues.js';
import type { EntityProperty, Platform } from '@mikro-orm/core';

const type = new DecimalJsType();
const platform = {} as Platform; // the type never consults the platform

describe('DecimalJsType', () => {
  it('writes plain notation, never an exponent', () => {
    expect(type.convertToDatabaseValue(new Decimal('1e-8'))).toBe('0.00000001');
    expect(type.convertToDatabaseValue(new Decimal('1.5e11'))).toBe('150000000000');
    expect(type.convertToDatabaseValue(new Decimal('-0.1').plus('0.3'))).toBe('0.2');
    expect(type.convertToDatabaseValue(null)).toBeNull();
    expect(type.convertToDatabaseValue(undefined)).toBeUndefined();
  });

  it('refuses NaN and Infinity', () => {
    expect(() => type.convertToDatabaseValue(new Decimal(NaN))).toThrow(PersistenceError);
    expect(() => type.convertToDatabaseValue(new Decimal(Infinity))).toThrow(/non-finite/);
  });

  it('reads the driver string back without a double in between', () => {
    expect(type.convertToJSValue('12345678901.12345678')?.toFixed()).toBe('12345678901.12345678');
    expect(type.convertToJSValue(null)).toBeNull();
  });

  it('compares by value, so 1.50000000 and 1.5 are no change', () => {
    expect(type.compareValues('1.50000000', '1.5')).toBe(true);
    expect(type.compareValues('1.5', '1.50000001')).toBe(false);
    expect(type.compareValues(null, null)).toBe(true);
    expect(type.compareValues(null, '0')).toBe(false);
    expect(type.compareAsType()).toBe('string');
  });

  it('declares numeric(20,8) unless the property says otherwise', () => {
    expect(type.getColumnType({} as EntityProperty, platform)).toBe('numeric(20,8)');
    expect(type.getColumnType({ precision: 10, scale: 2 } as EntityProperty, platform)).toBe('numeric(10,2)');
  });

  it('round-trips every value with up to 8 places (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n) + 1n, max: 10n ** 20n - 1n }), (scaled) => {
        const d = new Decimal(scaled.toString()).div(1e8);
        const back = type.convertToJSValue(type.convertToDatabaseValue(d));
        expect(back?.eq(d)).toBe(true);
        expect(type.convertToDatabaseValue(d)).not.toMatch(/e/i);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('storedMoney', () => {
  it('rounds to 8 places half-even', () => {
    expect(storedMoney(new Decimal('0.000000005'), 'f').toFixed()).toBe('0');
    expect(storedMoney(new Decimal('0.000000015'), 'f').toFixed()).toBe('0.00000002');
    expect(storedMoney(new Decimal('-2.000000025'), 'f').toFixed()).toBe('-2.00000002');
  });

  it('names the field when a value cannot fit numeric(20,8)', () => {
    expect(() => storedMoney(new Decimal('1e12'), 'fill.price')).toThrow(InputError);
    expect(() => storedMoney(new Decimal('1e12'), 'fill.price')).toThrow(/^fill\.price: .*numeric\(20,8\)/);
    expect(() => storedMoney(new Decimal('-999999999999.999999995'), 'x')).toThrow(/x: /);
    expect(storedMoney(new Decimal('999999999999.99999999'), 'x').toFixed()).toBe('999999999999.99999999');
  });
});
