import type { OptionRight } from '../../domain/instrument.js';
import { addDays } from '../../domain/session.js';
import { bsmInto, type BsmResult } from '../../market/blackScholes.js';
import { baseStrikeStepMilli } from '../../market/chains/strikeGrid.js';
import { dte, expiriesFrom, isMonthlyExpiry } from '../../market/expiries.js';
import type { WheelCloseReason } from '../../../machines/strategies/wheel.js';
import type { WheelParams } from './params.js';

/**
 * The wheel's pure rules (SPEC §1.2): the entry filters, the choice of expiry
 * and strike, the estimated return, the strength of a signal and when a short
 * option is bought back. Prices and deltas come from the option mark model's
 * Black–Scholes–Merton (the price the paper venue fills and marks at), on the
 * listed strike grid.
 */

/** Trading days in the realised-volatility window of the rank (the original's rolling(20)). */
export const RANK_VOL_WINDOW = 20;
/** Daily closes that make the original's "1 year" of history; with fewer the rank is 50. */
export const RANK_HISTORY = 252;
/** Days of volume averaged for the volume tier (the original's `period="5d"`). */
export const LIQUIDITY_VOLUME_DAYS = 5;
const MAX_STRIKE_STEPS = 400;
const EPS = 1e-12;

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/**
 * SPEC's "IV rank", which is a realised-volatility rank: where `current` lies
 * within the min–max of the first `n` values of `history`, 0–100; 50 when
 * they are all equal (to 1e-9 relative).
 */
export function volRank(history: ArrayLike<number>, n: number, current: number): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = history[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Equal up to rounding (a rolling window of the same returns) counts as equal.
  if (!(hi - lo > 1e-9 * Math.abs(hi))) return 50;
  return 100 * clamp01((current - lo) / (hi - lo));
}

/** Liquidity 0–100 = 0.6 × volume tier + 0.4 × options tier (SPEC §1.2). */
export function liquidityScore(avgVolume: number, listedExpiries: number): number {
  const volumeTier = avgVolume > 10e6 ? 95 : avgVolume > 5e6 ? 85 : avgVolume > 1e6 ? 70 : avgVolume > 500e3 ? 50 : 20;
  const optionsTier = listedExpiries >= 8 ? 100 : listedExpiries >= 4 ? 70 : 40;
  return 0.6 * volumeTier + 0.4 * optionsTier;
}

/**
 * Estimated wheel return, %/yr (SPEC §1.2): the put's annualised yield on its
 * strike if it expires, plus the call's on spot and the dividend yield if it
 * is assigned, weighted by p = |put Δ|.
 */
export function wheelAnnualReturn(a: {
  readonly putPremium: number; readonly putStrike: number; readonly putDelta: number;
  readonly callPremium: number; readonly spot: number; readonly dte: number; readonly dividendPct: number;
}): { readonly putPct: number; readonly callPct: number; readonly wheelPct: number } {
  const days = Math.max(1, a.dte);
  const putPct = (a.putPremium / a.putStrike) * (365 / days) * 100;
  const callPct = (a.callPremium / a.spot) * (365 / days) * 100;
  const p = Math.abs(a.putDelta);
  return { putPct, callPct, wheelPct: putPct * (1 - p) + (putPct + callPct + a.dividendPct) * p };
}

/**
 * The expiry to sell on `date`: with `dteRange` the monthly expiry within
 * [minDte, maxDte] if one is listed there, else the listed expiry nearest the
 * middle of the range; with `nextMonthly` the first monthly at least minDte
 * days out. null when there is none.
 */
export function chooseExpiry(date: string, p: Pick<WheelParams, 'expiryRule' | 'minDte' | 'maxDte'>): string | null {
  if (p.expiryRule === 'nextMonthly') {
    for (const e of expiriesFrom(addDays(date, 1), p.minDte + 70)) if (isMonthlyExpiry(e) && dte(date, e) >= p.minDte) return e;
    return null;
  }
  const inRange = expiriesFrom(addDays(date, 1), p.maxDte).filter((e) => dte(date, e) >= p.minDte);
  const monthly = inRange.find((e) => isMonthlyExpiry(e));
  if (monthly !== undefined) return monthly;
  const middle = (p.minDte + p.maxDte) / 2;
  let best: string | null = null;
  for (const e of inRange) if (best === null || Math.abs(dte(date, e) - middle) < Math.abs(dte(date, best) - middle)) best = e;
  return best;
}

/** What the mark model says about one strike of one expiry. */
export interface StrikePick {
  /** Strike in thousandths of a dollar (exact). */
  strikeMilli: number;
  /** Model price per share. */
  price: number;
  /** Signed delta. */
  delta: number;
}

/** Inputs of the model price of every strike of one expiry. */
export interface ExpiryPricing {
  spot: number;
  years: number;
  rate: number;
  dividend: number;
  vol: number;
}

/** Scratch space of a strike search, so a search allocates nothing. */
export interface PickScratch {
  readonly bsm: BsmResult;
  readonly pick: StrikePick;
}

export function pickScratch(): PickScratch {
  return { bsm: { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 }, pick: { strikeMilli: 0, price: 0, delta: 0 } };
}

function priceAt(s: PickScratch, right: OptionRight, k: number, step: number, m: ExpiryPricing): StrikePick {
  const strikeMilli = k * step;
  bsmInto(s.bsm, right, m.spot, strikeMilli / 1000, m.years, m.rate, m.dividend, m.vol);
  s.pick.strikeMilli = strikeMilli;
  s.pick.price = s.bsm.price;
  s.pick.delta = s.bsm.delta;
  return s.pick;
}

/**
 * The put to sell. By delta: walking down the listed strikes from spot, the
 * first whose |Δ| is at most deltaMax (the most premium the band allows),
 * provided it is at least deltaMin. By moneyness: the listed strike nearest
 * spot × putMoneyness. null when no strike qualifies. The pick returned is
 * `scratch.pick`, overwritten by the next search.
 */
export function pickPut(p: Pick<WheelParams, 'strikeRule' | 'deltaMin' | 'deltaMax' | 'putMoneyness'>, m: ExpiryPricing, scratch: PickScratch): StrikePick | null {
  const step = baseStrikeStepMilli(m.spot);
  if (p.strikeRule === 'moneyness') {
    const k = Math.round((m.spot * p.putMoneyness * 1000) / step);
    return k >= 1 ? priceAt(scratch, 'P', k, step, m) : null;
  }
  for (let k = Math.floor((m.spot * 1000) / step), n = 0; k >= 1 && n < MAX_STRIKE_STEPS; k--, n++) {
    const pick = priceAt(scratch, 'P', k, step, m);
    if (-pick.delta <= p.deltaMax + EPS) return -pick.delta >= p.deltaMin - EPS ? pick : null;
  }
  return null;
}

/**
 * The covered call to sell, never below `minStrike` (the floor from spot and
 * the cost basis) and always above spot. By delta: walking up from the
 * floor, the first strike with Δ at most deltaMax, provided it is at least
 * deltaMin. By moneyness: the strike nearest spot × callMoneyness, raised to
 * the floor. Strikes are listed ones, rounded up to the grid, so a half-dollar
 * floor is never truncated below (the original's `int()` was). The pick
 * returned is `scratch.pick`, overwritten by the next search.
 */
export function pickCall(
  p: Pick<WheelParams, 'strikeRule' | 'deltaMin' | 'deltaMax' | 'callMoneyness'>,
  m: ExpiryPricing,
  minStrike: number,
  scratch: PickScratch,
): StrikePick | null {
  const step = baseStrikeStepMilli(m.spot);
  const floorK = Math.max(Math.ceil((minStrike * 1000) / step - EPS), Math.floor((m.spot * 1000) / step) + 1);
  if (p.strikeRule === 'moneyness') {
    return priceAt(scratch, 'C', Math.max(floorK, Math.round((m.spot * p.callMoneyness * 1000) / step)), step, m);
  }
  for (let k = floorK, n = 0; n < MAX_STRIKE_STEPS; k++, n++) {
    const pick = priceAt(scratch, 'C', k, step, m);
    if (pick.delta <= p.deltaMax + EPS) return pick.delta >= p.deltaMin - EPS ? pick : null;
  }
  return null;
}

/**
 * Strength of a sale, 0–100: 50 at the thresholds, plus up to 25 for the
 * rank above its minimum (full at 100) and up to 25 for the annualised
 * premium yield (full at 20 %/yr).
 */
export function saleStrength(ivRank: number, yieldPct: number, ivRankMin: number): number {
  const rankScore = ivRankMin >= 100 ? 1 : clamp01((ivRank - ivRankMin) / (100 - ivRankMin));
  return 50 + 25 * rankScore + 25 * clamp01(yieldPct / 20);
}

/**
 * Whether to buy back a short option (SPEC §1.2 production): once
 * `profitTarget` of its premium is earned (mark ≤ (1 − target) × premium),
 * or, for a put still out of the money, from `bufferStartTs` (closePutDte
 * days before expiry). An in-the-money put is left to be assigned: that is
 * the wheel's next phase. null when neither holds. Positional, so the
 * per-bar check of a held option allocates nothing.
 */
export function wheelCloseReason(
  right: OptionRight, mark: number, premium: number, spot: number, strike: number,
  ts: number, bufferStartTs: number, profitTarget: number,
): WheelCloseReason | null {
  if (profitTarget > 0 && premium > 0 && mark <= (1 - profitTarget) * premium + EPS) return 'profit_target';
  if (right === 'P' && ts >= bufferStartTs && spot > strike) return 'dte_buffer';
  return null;
}
