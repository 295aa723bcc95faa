import type { OptionRight } from '../../domain/instrument.js';
import { createRng } from '../../domain/random.js';
import type { BsmResult } from '../blackScholes.js';
import { bsmInto } from '../blackScholes.js';
import { dte as daysToExpiry, yearsToExpiry } from '../expiries.js';
import type { ChainOptions } from './chainOptions.js';
import { occDate, occSymbolFast, roundAskUp, roundBidDown } from './strikeGrid.js';
import type { VolSurface } from './volSurface.js';
import { atmVol, sdMoneyness, smileMoneyness, smileVol } from './volSurface.js';

/** One contract of a synthetic chain. Prices are per share; multiply by 100 per contract where money is booked. */
export interface ChainQuote {
  /** OCC symbol, e.g. `AAPL  261218C00350000`. */
  readonly symbol: string;
  readonly expiry: string;
  readonly right: OptionRight;
  /** Exact decimal strike, e.g. "152.5" (feed it to `new Decimal(...)`). */
  readonly strike: string;
  /** The same strike as a number, for statistics and sorting. */
  readonly strikePrice: number;
  /** Calendar days from the as-of New York date to the expiry date. */
  readonly dte: number;
  /** Theoretical value: European Black–Scholes–Merton at `iv`. Not rounded to a tick. */
  readonly mid: number;
  /** On the US tick grid (1¢ under $3, 5¢ from $3); 0 ≤ bid ≤ mid ≤ ask. */
  readonly bid: number;
  readonly ask: number;
  /** Implied volatility this contract is priced at (the surface at its strike and expiry). */
  readonly iv: number;
  readonly delta: number;
  readonly gamma: number;
  /** Per calendar day. */
  readonly theta: number;
  /** Per volatility point. */
  readonly vega: number;
  /** Per rate point. */
  readonly rho: number;
  readonly openInterest: number;
  readonly volume: number;
}

/** Everything about the underlying at the as-of instant that every contract shares. */
export interface UnderlyingContext {
  readonly underlying: string;
  /** Root padded to six characters, the OCC form. */
  readonly paddedRoot: string;
  readonly asOf: number;
  /** New York date of `asOf`. */
  readonly date: string;
  readonly spot: number;
  readonly rate: number;
  readonly dividendYield: number;
  readonly index: boolean;
  readonly seed: string;
  readonly surface: VolSurface;
  readonly options: ChainOptions;
}

/** Everything about one expiry that its contracts share. */
export interface ExpiryContext {
  readonly expiry: string;
  readonly yymmdd: string;
  readonly dte: number;
  readonly years: number;
  readonly monthly: boolean;
  readonly forward: number;
  readonly atmVol: number;
  /** e^(−DTE/7): how much the short-dated boosts (spread, turnover) apply. */
  readonly nearness: number;
}

/** `monthly` is passed in because the chain already knows its monthlies (isMonthlyExpiry is comparatively slow). */
export function expiryContext(u: UnderlyingContext, expiry: string, monthly: boolean): ExpiryContext {
  const years = yearsToExpiry(u.asOf, expiry);
  const dte = daysToExpiry(u.date, expiry);
  return {
    expiry,
    yymmdd: occDate(expiry),
    dte,
    years,
    monthly,
    forward: u.spot * Math.exp((u.rate - u.dividendYield) * years),
    atmVol: atmVol(u.surface, years),
    nearness: Math.exp(-Math.max(0, dte) / 7),
  };
}

/** Width of open interest around the forward, in standard deviations. */
const OI_WIDTH_SD = 1.25;
/** Open interest never falls below this share of the at-the-money level, far out or far dated. */
const OI_FLOOR = 0.01;
/** Calendar days over which open interest halves with distance to expiry. */
const OI_HALF_DAYS = 30;
const MONTHLY_OI_MULTIPLE = 2;

/**
 * Four standard normal draws for the call and put at one strike: open
 * interest and volume of each. They come from the stream
 * `createRng(seed, "<underlying>/<expiry>/<strike>")`, so they depend on the
 * seed, symbol, expiry and strike alone, never on which other contracts were
 * made or in what order; the put always takes the third and fourth draws.
 */
export interface StrikeNoise {
  callOi: number;
  callVolume: number;
  putOi: number;
  putVolume: number;
}

export function drawStrikeNoise(out: StrikeNoise, u: UnderlyingContext, expiry: string, strike: string): StrikeNoise {
  const rng = createRng(u.seed, `${u.underlying}/${expiry}/${strike}`);
  out.callOi = rng.normal();
  out.callVolume = rng.normal();
  out.putOi = rng.normal();
  out.putVolume = rng.normal();
  return out;
}

/**
 * Quote of one contract. `scratch` receives the BSM result so the chain loop
 * does not allocate one per strike; `noise` is the strike's draws.
 */
export function quoteContract(
  u: UnderlyingContext,
  e: ExpiryContext,
  right: OptionRight,
  strikeMilli: number,
  strike: string,
  noise: StrikeNoise,
  scratch: BsmResult,
): ChainQuote {
  const o = u.options;
  const k = strikeMilli / 1000;
  const x = sdMoneyness(k, e.forward, e.atmVol, e.years);
  const m = smileMoneyness(u.surface, x);
  const iv = smileVol(u.surface, e.atmVol, m);
  bsmInto(scratch, right, u.spot, k, e.years, u.rate, u.dividendYield, iv);
  const mid = scratch.price;

  // Makers quote the time value by its vol risk and the intrinsic part by the
  // cost of hedging the stock: a deep in-the-money contract is not 30 % wide.
  const intrinsic = Math.max(0, right === 'C' ? u.spot - k : k - u.spot);
  const timeValue = Math.max(0, mid - intrinsic);
  const width =
    o.minSpread +
    o.spreadFraction * timeValue * (1 + o.otmSpreadWidening * Math.abs(m)) * (1 + o.shortDatedSpreadWidening * e.nearness) +
    o.intrinsicSpreadFraction * Math.min(mid, intrinsic);
  const bid = roundBidDown(mid - width / 2);
  const ask = roundAskUp(mid + width / 2);

  const isCall = right === 'C';
  const near = Math.max(OI_FLOOR, Math.exp(-0.5 * (x / OI_WIDTH_SD) ** 2));
  const scale = o.openInterestScale * (u.index ? o.indexLiquidityMultiple : 1);
  const expiryWeight = (e.monthly ? MONTHLY_OI_MULTIPLE : 1) / (1 + Math.max(0, e.dte) / OI_HALF_DAYS);
  const openInterest = Math.floor(scale * near * expiryWeight * Math.exp(0.5 * (isCall ? noise.callOi : noise.putOi)));
  const turnover = o.volumeTurnover * (1 + 4 * e.nearness);
  const volume = Math.floor(openInterest * turnover * Math.exp(0.75 * (isCall ? noise.callVolume : noise.putVolume)));

  return {
    symbol: occSymbolFast(u.paddedRoot, e.yymmdd, right, strikeMilli),
    expiry: e.expiry,
    right,
    strike,
    strikePrice: k,
    dte: e.dte,
    mid,
    bid,
    ask,
    iv,
    delta: scratch.delta,
    gamma: scratch.gamma,
    theta: scratch.theta,
    vega: scratch.vega,
    rho: scratch.rho,
    openInterest,
    volume,
  };
}
