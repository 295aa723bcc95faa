import { Decimal } from 'decimal.js';
import { InputError } from './errors.js';

// One global configuration: 40 significant digits comfortably covers numeric(20,8)
// and never switches to exponent notation inside that range.
Decimal.set({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });

export { Decimal };
export type Money = Decimal;

export const ZERO = new Decimal(0);
export const ONE = new Decimal(1);

/** Shares per listed equity option contract. Applied only where money is booked. */
export const CONTRACT_MULTIPLIER = 100;

/** Parse a money value from a string/number/Decimal, naming the field when it is not a finite number. */
export function money(value: Decimal.Value, field = 'amount'): Decimal {
  let d: Decimal;
  try {
    d = new Decimal(value);
  } catch {
    throw new InputError(field, `not a decimal number: ${JSON.stringify(String(value))}`);
  }
  if (!d.isFinite()) throw new InputError(field, `must be finite, got ${d.toString()}`);
  return d;
}

/**
 * The one boundary from statistics (`number`: bars, indicators, models) to money.
 * Uses the shortest round-trip representation of the double, so a price that was
 * written as 123.45 becomes exactly 123.45, then rounds to `dp` places.
 */
export function moneyFromNumber(n: number, field = 'amount', dp = 8): Decimal {
  if (!Number.isFinite(n)) throw new InputError(field, `must be finite, got ${n}`);
  return new Decimal(n.toString()).toDecimalPlaces(dp);
}

/** Money to statistics, for ratios and indicators only (never booked back). */
export function toNumber(d: Decimal): number {
  return d.toNumber();
}

/** Canonical string: plain notation, no exponent, trailing zeros trimmed. */
export function moneyString(d: Decimal): string {
  return d.toFixed();
}

/** Round to cents (or `dp` places) with banker's rounding. */
export function roundMoney(d: Decimal, dp = 2): Decimal {
  return d.toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN);
}

export function sumMoney(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

export function maxMoney(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}

export function minMoney(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}
