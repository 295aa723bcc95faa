import { InputError } from '../../domain/errors.js';
import { realizedVolatility } from '../realizedVolatility.js';
import type { ChainOptions } from './chainOptions.js';
import { isIndexProduct } from './chainOptions.js';
import { smileShape } from './smile.js';

/** Where the base volatility level came from. */
export type VolSource = 'realized' | 'partial-window' | 'fallback';

/**
 * The implied volatility surface of one underlying at one instant: a level
 * from realised volatility, a term structure, and a skew/smile in
 * standard-deviation moneyness. Plain data, so the hot loop calls the
 * functions below with it rather than building closures.
 */
export interface VolSurface {
  /** Realised volatility, clamped, or the fallback: the level before term structure. */
  readonly base: number;
  readonly source: VolSource;
  /** Returns the realised estimate used (0 for the fallback). */
  readonly returnsUsed: number;
  readonly skew: number;
  readonly smile: number;
  readonly clip: number;
  readonly termSlope: number;
  readonly termTau: number;
}

/**
 * Base level from the trailing daily closes (oldest first): sample volatility
 * of the last `volWindow` log returns, annualised by √252. With fewer closes
 * but at least `minVolReturns` returns, the estimate uses what there is; with
 * fewer still, `fallbackVol`. The result is clamped into [volFloor, volCap] so
 * a flat or a wild stretch of closes still gives a usable surface.
 */
export function buildVolSurface(underlying: string, closes: readonly number[], options: ChainOptions): VolSurface {
  if (!Array.isArray(closes)) throw new InputError('closes', 'must be an array of daily closes');
  const returns = closes.length - 1;
  let raw: number;
  let source: VolSource;
  let used: number;
  if (returns >= options.volWindow) {
    raw = realizedVolatility(closes.slice(-(options.volWindow + 1)), options.volWindow) ?? options.fallbackVol;
    source = 'realized';
    used = options.volWindow;
  } else if (returns >= options.minVolReturns) {
    raw = realizedVolatility(closes, returns) ?? options.fallbackVol;
    source = 'partial-window';
    used = returns;
  } else {
    raw = options.fallbackVol;
    source = 'fallback';
    used = 0;
  }
  const index = isIndexProduct(options, underlying);
  return {
    base: Math.min(options.volCap, Math.max(options.volFloor, raw)),
    source,
    returnsUsed: used,
    skew: index ? options.indexSkew : options.skew,
    smile: index ? options.indexSmile : options.smile,
    clip: options.moneynessClip,
    termSlope: options.termSlope,
    termTau: options.termTau,
  };
}

/** At-the-money volatility for `years` to expiry. */
export function atmVol(surface: VolSurface, years: number): number {
  return surface.base * (1 + surface.termSlope * (1 - Math.exp(-years / surface.termTau)));
}

/**
 * Moneyness in standard deviations, ln(K/F)/(σ_ATM·√T). At T = 0 every strike
 * but the forward is infinitely far.
 */
export function sdMoneyness(strike: number, forward: number, atm: number, years: number): number {
  const logM = Math.log(strike / forward);
  const scale = atm * Math.sqrt(years);
  if (scale === 0) return logM === 0 ? 0 : logM > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return logM / scale;
}

/**
 * Moneyness as the smile sees it: saturated smoothly into (−clip, clip) by
 * clip·tanh(x/clip). A hard clip would put a kink in the smile, and a kink in
 * implied vol is a butterfly arbitrage; tanh is the identity near the money
 * and flattens the wings.
 */
export function smileMoneyness(surface: VolSurface, x: number): number {
  return surface.clip * Math.tanh(x / surface.clip);
}

/** Implied vol at saturated moneyness `m` given the ATM vol: lower strikes (m < 0) are richer. */
export function smileVol(surface: VolSurface, atm: number, m: number): number {
  return atm * (1 + smileShape(surface.skew, surface.smile, m));
}
