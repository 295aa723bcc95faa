import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { equity, instrumentFromSymbol, isOccSymbol, multiplierOf, occSymbol, optionContract, parseOccSymbol, underlyingOf } from '../../engine/domain/instrument.js';
import { Decimal } from '../../engine/domain/money.js';
import { InputError } from '../../engine/domain/errors.js';

describe('instruments', () => {
  it('writes OCC symbols', () => {
    expect(occSymbol('AAPL', '2025-01-17', 'C', new Decimal(150))).toBe('AAPL  250117C00150000');
    expect(occSymbol('SPY', '2026-12-18', 'P', new Decimal('432.5'))).toBe('SPY   261218P00432500');
  });

  it('parses what it writes (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('A', 'AAPL', 'GOOGL', 'BRK.B', 'SPXW'),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.constantFrom('C' as const, 'P' as const),
        fc.integer({ min: 1, max: 99_999_999 }),
        (root, date, right, milli) => {
          const expiry = date.toISOString().slice(0, 10);
          const c = optionContract({ underlying: root, expiry, right, strike: new Decimal(milli).div(1000) });
          expect(isOccSymbol(c.symbol)).toBe(true);
          const back = parseOccSymbol(c.symbol);
          expect(back.underlying).toBe(root);
          expect(back.expiry).toBe(expiry);
          expect(back.right).toBe(right);
          expect(back.strike.eq(c.strike)).toBe(true);
        },
      ),
    );
  });

  it('knows multipliers and underlyings', () => {
    const c = optionContract({ underlying: 'TSLA', expiry: '2026-01-16', right: 'C', strike: 300 });
    expect(multiplierOf(c)).toBe(100);
    expect(multiplierOf(equity('TSLA'))).toBe(1);
    expect(underlyingOf(c)).toBe('TSLA');
    expect(instrumentFromSymbol(c.symbol).kind).toBe('option');
    expect(instrumentFromSymbol('TSLA').kind).toBe('equity');
  });

  it('rejects bad input naming the field', () => {
    expect(() => equity('aapl')).toThrow(InputError);
    expect(() => equity('')).toThrow(/symbol/);
    expect(() => occSymbol('AAPL', '2025-02-30', 'C', new Decimal(1))).toThrow(/expiry/);
    expect(() => occSymbol('AAPL', '2025-02-03', 'C', new Decimal('0.0005'))).toThrow(/strike/);
    expect(() => occSymbol('AAPL', '2025-02-03', 'C', new Decimal(-5))).toThrow(/strike/);
    expect(() => occSymbol('TOOLONGX', '2025-02-03', 'C', new Decimal(5))).toThrow(/underlying/);
    expect(() => parseOccSymbol('AAPL 250117C150')).toThrow(/symbol/);
  });
});
