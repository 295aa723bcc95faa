import { Decimal } from './money.js';
import { CONTRACT_MULTIPLIER } from './money.js';
import { InputError } from './errors.js';

export type OptionRight = 'C' | 'P';

export interface Equity {
  readonly kind: 'equity';
  readonly symbol: string;
}

export interface OptionContract {
  readonly kind: 'option';
  /** OCC symbol, e.g. `AAPL  250117C00150000`. */
  readonly symbol: string;
  readonly underlying: string;
  /** Expiry date, `YYYY-MM-DD` (the listed expiration date). */
  readonly expiry: string;
  readonly right: OptionRight;
  readonly strike: Decimal;
}

export type Instrument = Equity | OptionContract;

/** Tickers as the original accepts them: upper case, starting with a letter, up to 20 chars. */
export const TICKER_PATTERN = /^[A-Z][A-Z0-9.-]{0,19}$/;
const OCC_PATTERN = /^([A-Z][A-Z0-9.]{0,5}) {0,5}(\d{6})([CP])(\d{8})$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function assertTicker(symbol: string, field = 'symbol'): string {
  if (!TICKER_PATTERN.test(symbol)) {
    throw new InputError(field, `invalid ticker ${JSON.stringify(symbol)} (expected ${TICKER_PATTERN.source})`);
  }
  return symbol;
}

export function equity(symbol: string): Equity {
  return { kind: 'equity', symbol: assertTicker(symbol) };
}

function assertDate(date: string, field: string): void {
  const m = DATE_PATTERN.exec(date);
  const d = m ? new Date(`${date}T00:00:00Z`) : undefined;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) {
    throw new InputError(field, `invalid date ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  }
}

/**
 * OCC symbology: root padded to 6 characters, YYMMDD, C/P, strike × 1000 as 8 digits.
 * Strikes must be multiples of $0.001 and below $100,000.
 */
export function occSymbol(underlying: string, expiry: string, right: OptionRight, strike: Decimal): string {
  if (!/^[A-Z][A-Z0-9.]{0,5}$/.test(underlying)) throw new InputError('underlying', `OCC root must be 1-6 characters, got ${JSON.stringify(underlying)}`);
  assertDate(expiry, 'expiry');
  const milli = strike.times(1000);
  if (!milli.isInteger() || milli.lte(0) || milli.gte(100_000_000)) {
    throw new InputError('strike', `strike ${strike.toFixed()} cannot be written in OCC form (positive, < 100000, at most 3 decimals)`);
  }
  const yymmdd = expiry.slice(2, 4) + expiry.slice(5, 7) + expiry.slice(8, 10);
  return `${underlying.padEnd(6, ' ')}${yymmdd}${right}${milli.toFixed(0).padStart(8, '0')}`;
}

export function optionContract(args: { underlying: string; expiry: string; right: OptionRight; strike: Decimal.Value }): OptionContract {
  const strike = new Decimal(args.strike);
  const symbol = occSymbol(args.underlying, args.expiry, args.right, strike);
  return { kind: 'option', symbol, underlying: args.underlying, expiry: args.expiry, right: args.right, strike };
}

export function parseOccSymbol(symbol: string): OptionContract {
  const m = OCC_PATTERN.exec(symbol);
  if (!m || symbol.length !== 21) throw new InputError('symbol', `not an OCC option symbol: ${JSON.stringify(symbol)}`);
  const [, root, yymmdd, right, strike] = m as unknown as [string, string, string, OptionRight, string];
  const expiry = `20${yymmdd.slice(0, 2)}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
  return optionContract({ underlying: root, expiry, right, strike: new Decimal(strike).div(1000) });
}

export function isOccSymbol(symbol: string): boolean {
  return symbol.length === 21 && OCC_PATTERN.test(symbol);
}

/** An equity for a ticker, an option for an OCC symbol. */
export function instrumentFromSymbol(symbol: string): Instrument {
  return isOccSymbol(symbol) ? parseOccSymbol(symbol) : equity(symbol);
}

export function multiplierOf(instrument: Instrument): number {
  return instrument.kind === 'option' ? CONTRACT_MULTIPLIER : 1;
}

export function underlyingOf(instrument: Instrument): string {
  return instrument.kind === 'option' ? instrument.underlying : instrument.symbol;
}
