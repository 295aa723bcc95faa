import { DataError, InputError, PricingError } from '../domain/errors.js';
import type { OptionContract } from '../domain/instrument.js';
import { parseOccSymbol } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { addDays, nthWeekdayOfMonth } from '../domain/session.js';
import type { BsmResult } from './blackScholes.js';
import type { ChainOptions } from './chains/chainOptions.js';
import { dividendYieldOf, isIndexProduct, resolveChainOptions } from './chains/chainOptions.js';
import type { ChainQuote, ExpiryContext, StrikeNoise, UnderlyingContext } from './chains/chainQuote.js';
import { drawStrikeNoise, expiryContext, quoteContract } from './chains/chainQuote.js';
import { strikeGrid, strikeString } from './chains/strikeGrid.js';
import type { VolSource } from './chains/volSurface.js';
import { buildVolSurface } from './chains/volSurface.js';
import { expiriesFrom, expiryCloseUtc, isMonthlyExpiry, isTradingDay, nyDate } from './expiries.js';

export type { ChainOptions } from './chains/chainOptions.js';
export { DEFAULT_CHAIN_OPTIONS, resolveChainOptions } from './chains/chainOptions.js';
export type { ChainQuote } from './chains/chainQuote.js';
export type { VolSource } from './chains/volSurface.js';
export { findContract, findExpiry } from './chains/chainLookup.js';
export type { ContractQuery, ExpiryQuery } from './chains/chainLookup.js';

/**
 * Synthetic listed option chains for underlyings that have bars but no option
 * quotes (the bundled data set, replays). Deterministic: the same input and
 * options give the same chain, and the seed moves only open interest and
 * volume, never a price. The model is in docs/option-chains.md.
 */

export interface ChainInput {
  /** Ticker; also the OCC root, so at most 6 characters. */
  readonly underlying: string;
  /** The instant the chain is for, epoch ms UTC (e.g. the ts of the bar that gave `spot`). */
  readonly asOf: number;
  /** Underlying price at `asOf`. */
  readonly spot: number;
  /** Trailing daily closes up to `asOf`, oldest first, for realised volatility. May be empty (fallback vol). */
  readonly closes: readonly number[];
  /** Seeds open interest and volume. */
  readonly seed: number | string;
}

export interface ChainExpiry {
  readonly expiry: string;
  readonly dte: number;
  /** ACT/365 years to 16:00 New York on the expiry date. */
  readonly years: number;
  /** The third-Friday expiry of its month. */
  readonly monthly: boolean;
  readonly forward: number;
  readonly atmVol: number;
  /** Strike increment of this expiry, exact decimal string. */
  readonly strikeStep: string;
  /** Ascending; `calls[i]` and `puts[i]` are the contracts at `strikes[i]`. */
  readonly strikes: readonly string[];
  readonly calls: readonly ChainQuote[];
  readonly puts: readonly ChainQuote[];
}

export interface OptionChain {
  readonly underlying: string;
  readonly asOf: number;
  /** New York date of `asOf`. */
  readonly date: string;
  readonly spot: number;
  readonly rate: number;
  readonly dividendYield: number;
  /** Priced with the index skew. */
  readonly index: boolean;
  /** The volatility level before term structure and skew, and where it came from. */
  readonly baseVol: number;
  readonly volSource: VolSource;
  readonly seed: string;
  /** Ascending, only expiries still trading at `asOf`. */
  readonly expiries: readonly ChainExpiry[];
}

// OCC years are written as two digits read back as 20YY; keep room for two-year LEAPS.
const EARLIEST_AS_OF = Date.UTC(2000, 0, 1);
const LATEST_AS_OF = Date.UTC(2097, 0, 1);
const OCC_ROOT = /^[A-Z][A-Z0-9.]{0,5}$/;

function validateInput(input: ChainInput): void {
  if (typeof input !== 'object' || input === null) throw new InputError('input', 'must be an object');
  if (typeof input.underlying !== 'string' || !OCC_ROOT.test(input.underlying)) {
    throw new InputError('underlying', `must be a ticker usable as an OCC root (${OCC_ROOT.source}), got ${JSON.stringify(input.underlying)}`);
  }
  if (typeof input.asOf !== 'number' || !Number.isFinite(input.asOf) || input.asOf < EARLIEST_AS_OF || input.asOf > LATEST_AS_OF) {
    throw new InputError('asOf', `must be an epoch millisecond time between 2000-01-01 and 2097-01-01, got ${String(input.asOf)}`);
  }
  if (typeof input.spot !== 'number' || !Number.isFinite(input.spot) || input.spot <= 0 || input.spot >= 50_000) {
    throw new InputError('spot', `must be a finite price in (0, 50000), got ${String(input.spot)}`);
  }
  if (!Array.isArray(input.closes)) throw new InputError('closes', 'must be an array of daily closes');
  const closes: readonly unknown[] = input.closes;
  for (let i = 0; i < closes.length; i++) {
    const c = closes[i];
    if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0) throw new InputError(`closes[${i}]`, `must be a finite price > 0, got ${String(c)}`);
  }
  const seed = input.seed;
  if (!((typeof seed === 'number' && Number.isFinite(seed)) || (typeof seed === 'string' && seed.length > 0))) {
    throw new InputError('seed', `must be a finite number or a non-empty string, got ${String(seed)}`);
  }
}

function underlyingContext(input: ChainInput, options: ChainOptions): UnderlyingContext {
  validateInput(input);
  return {
    underlying: input.underlying,
    paddedRoot: input.underlying.padEnd(6, ' '),
    asOf: input.asOf,
    date: nyDate(input.asOf),
    spot: input.spot,
    rate: options.rate,
    dividendYield: dividendYieldOf(options, input.underlying),
    index: isIndexProduct(options, input.underlying),
    seed: String(input.seed),
    surface: buildVolSurface(input.underlying, input.closes, options),
    options,
  };
}

/**
 * Expiries listed for `underlying` at `asOf`: every weekly out to
 * `weeklyHorizonDays`, the monthlies out to `monthlyHorizonDays`, and for
 * index products every trading day out to `indexDailyHorizonDays`. An expiry
 * whose 16:00 New York close is not after `asOf` has stopped trading and is left out.
 */
export function listedExpiries(underlying: string, asOf: number, overrides: Partial<ChainOptions> | ChainOptions = {}): string[] {
  const options = resolveChainOptions(overrides);
  if (!Number.isFinite(asOf) || asOf < EARLIEST_AS_OF || asOf > LATEST_AS_OF) throw new InputError('asOf', `must be an epoch millisecond time between 2000-01-01 and 2097-01-01, got ${String(asOf)}`);
  return expiriesFor(underlying, asOf, nyDate(asOf), options).map((e) => e.expiry);
}

interface ListedExpiry {
  readonly expiry: string;
  readonly monthly: boolean;
}

/** Monthly expiries from `date` through `end`: the third Friday, or the trading day before it when that is a holiday. */
function monthliesBetween(date: string, end: string): string[] {
  const out: string[] = [];
  let year = Number(date.slice(0, 4));
  let month = Number(date.slice(5, 7));
  for (;;) {
    let d = nthWeekdayOfMonth(year, month, 5, 3);
    while (!isTradingDay(d)) d = addDays(d, -1);
    if (d > end) return out;
    if (d >= date) out.push(d);
    month++;
    if (month === 13) {
      month = 1;
      year++;
    }
  }
}

function expiriesFor(underlying: string, asOf: number, date: string, options: ChainOptions): ListedExpiry[] {
  const monthlies = new Set(monthliesBetween(date, addDays(date, options.monthlyHorizonDays)));
  const all = new Set<string>(monthlies);
  for (const e of expiriesFrom(date, options.weeklyHorizonDays)) all.add(e);
  if (options.indexDailyHorizonDays > 0 && isIndexProduct(options, underlying)) {
    for (let i = 0; i <= options.indexDailyHorizonDays; i++) {
      const d = addDays(date, i);
      if (isTradingDay(d)) all.add(d);
    }
  }
  return [...all]
    .filter((e) => expiryCloseUtc(e) > asOf)
    .sort()
    .map((expiry) => ({ expiry, monthly: monthlies.has(expiry) }));
}

function buildExpiry(u: UnderlyingContext, e: ExpiryContext, noise: StrikeNoise, scratch: BsmResult): ChainExpiry {
  const o = u.options;
  const logRange = Math.min(o.strikeRangeSd * e.atmVol * Math.sqrt(e.years), o.maxLogMoneyness);
  const maxLo = u.spot * Math.exp(-o.maxLogMoneyness);
  const maxHi = u.spot * Math.exp(o.maxLogMoneyness);
  const lo = Math.max(maxLo, e.forward * Math.exp(-logRange));
  const hi = Math.min(maxHi, e.forward * Math.exp(logRange));
  const grid = strikeGrid(u.spot, e.forward, lo, hi, o.minStrikesEachSide, o.maxStrikes);
  const n = grid.strikesMilli.length;
  const strikes = new Array<string>(n);
  const calls = new Array<ChainQuote>(n);
  const puts = new Array<ChainQuote>(n);
  for (let i = 0; i < n; i++) {
    const milli = grid.strikesMilli[i]!;
    const strike = strikeString(milli);
    strikes[i] = strike;
    drawStrikeNoise(noise, u, e.expiry, strike);
    calls[i] = quoteContract(u, e, 'C', milli, strike, noise, scratch);
    puts[i] = quoteContract(u, e, 'P', milli, strike, noise, scratch);
  }
  return {
    expiry: e.expiry,
    dte: e.dte,
    years: e.years,
    monthly: e.monthly,
    forward: e.forward,
    atmVol: e.atmVol,
    strikeStep: strikeString(grid.stepMilli),
    strikes,
    calls,
    puts,
  };
}

/**
 * The full chain of `input.underlying` at `input.asOf`. Throws InputError
 * naming the field for a bad input or option.
 */
export function generateOptionChain(input: ChainInput, overrides: Partial<ChainOptions> | ChainOptions = {}): OptionChain {
  const options = resolveChainOptions(overrides);
  const u = underlyingContext(input, options);
  const scratch: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
  const noise: StrikeNoise = { callOi: 0, callVolume: 0, putOi: 0, putVolume: 0 };
  const expiries = expiriesFor(u.underlying, u.asOf, u.date, options).map((l) => buildExpiry(u, expiryContext(u, l.expiry, l.monthly), noise, scratch));
  return {
    underlying: u.underlying,
    asOf: u.asOf,
    date: u.date,
    spot: u.spot,
    rate: u.rate,
    dividendYield: u.dividendYield,
    index: u.index,
    baseVol: u.surface.base,
    volSource: u.surface.source,
    seed: u.seed,
    expiries,
  };
}

/**
 * Quote of one contract on the same surface, spread and seeded open interest
 * as `generateOptionChain` gives it, so a fill at this price matches the
 * chain a strategy saw. The strike need not be on the chain's grid, nor the
 * expiry one the chain lists (any date works). Throws InputError('symbol')
 * for a contract on another underlying or a malformed OCC symbol, and
 * PricingError (field `expiry`) once the contract has expired; exactly at its
 * 16:00 close it is worth its intrinsic value.
 */
export function priceOptionContract(
  contract: OptionContract | string,
  input: ChainInput,
  overrides: Partial<ChainOptions> | ChainOptions = {},
): ChainQuote {
  const parsed = typeof contract === 'string' ? parseOccSymbol(contract) : contract;
  const options = resolveChainOptions(overrides);
  const u = underlyingContext(input, options);
  if (parsed.underlying !== u.underlying) {
    throw new InputError('symbol', `${parsed.symbol.trim()} is an option on ${parsed.underlying}, not on ${u.underlying}`);
  }
  if (expiryCloseUtc(parsed.expiry) < u.asOf) {
    throw new PricingError('PRICING_INPUT_INVALID', `expiry: ${parsed.symbol.trim()} expired on ${parsed.expiry}, before the as-of time`, {
      field: 'expiry',
      symbol: parsed.symbol,
    });
  }
  const milli = parsed.strike.times(1000).toNumber();
  const strike = strikeString(milli);
  const scratch: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
  const noise = drawStrikeNoise({ callOi: 0, callVolume: 0, putOi: 0, putVolume: 0 }, u, parsed.expiry, strike);
  const e = expiryContext(u, parsed.expiry, isMonthlyExpiry(parsed.expiry));
  return quoteContract(u, e, parsed.right, milli, strike, noise, scratch);
}

/**
 * Chain input at the last of `bars` (daily bars of one symbol, ascending):
 * spot is its close, asOf its ts, and the closes are the trailing window the
 * volatility estimate needs. Throws DataError naming the bar and field that
 * breaks those rules.
 */
export function chainInputFromDailyBars(bars: readonly Bar[], seed: number | string, overrides: Partial<ChainOptions> | ChainOptions = {}): ChainInput {
  const options = resolveChainOptions(overrides);
  const last = bars.at(-1);
  if (last === undefined) throw new InputError('bars', 'at least one daily bar is needed');
  const from = Math.max(0, bars.length - (options.volWindow + 1));
  const closes: number[] = [];
  for (let i = from; i < bars.length; i++) {
    const bar = bars[i]!;
    if (bar.symbol !== last.symbol) throw new DataError(`bar ${i} is for ${bar.symbol}, not ${last.symbol}`, { field: 'symbol', symbol: bar.symbol });
    if (bar.timeframe !== '1d') throw new DataError(`bar ${i} has timeframe ${bar.timeframe}; volatility needs daily closes`, { field: 'timeframe', symbol: bar.symbol });
    if (i > from && !(bar.ts > bars[i - 1]!.ts)) throw new DataError(`bar ${i} is not after the bar before it`, { field: 'ts', symbol: bar.symbol });
    closes.push(bar.close);
  }
  return { underlying: last.symbol, asOf: last.ts, spot: last.close, closes, seed };
}
