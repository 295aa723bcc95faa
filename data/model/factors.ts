import type { Rng } from '../../engine/domain/random.js';

/**
 * Parameters of the synthetic market. Returns are daily log returns; an
 * annual volatility v means a daily sd of v/√252.
 */
export const MODEL = {
  market: {
    /** Annual drift of the market factor. */
    drift: 0.08,
    /** Long-run annual volatility (SPY-like). */
    longRunVol: 0.16,
    /** GJR-GARCH(1,1): h' = ω + (α + γ·[ε<0])·ε² + β·h, persistence α + γ/2 + β = 0.94. */
    alpha: 0.02,
    gamma: 0.1,
    beta: 0.87,
    /** Conditional volatility is capped here (annualised), which keeps VIX-like levels below 80. */
    maxVol: 0.65,
    /** Share of a sell-off's drop that feeds the volatility recursion (so VIX jumps on it, without exploding). */
    selloffVolFeed: 0.5,
    /** Chance per day of a market-wide sell-off, its size, and the days it takes to recover. */
    selloffRate: 1 / 110,
    selloffSize: [0.025, 0.045] as const,
    selloffRecoveryShare: [0.6, 1.0] as const,
    selloffRecoveryDays: 10,
  },
  /** Share of a day's diffusive move that happens overnight (the open gap), and extra gap noise as a share of daily sd. */
  overnightShare: 0.3,
  gapNoise: 0.12,
  /** Fat tails: with this chance a shock is scaled up. */
  tailChance: 0.015,
  tailScale: 2,
  idio: { alpha: 0.05, beta: 0.92 },
  stock: {
    betaJitter: [0.85, 1.15] as const,
    sectorLoading: [0.7, 1.2] as const,
    idioVolJitter: [0.8, 1.25] as const,
    /** Annual alpha (drift beyond beta × market). */
    alpha: [-0.08, 0.1] as const,
    /** Daily pull of the idiosyncratic log-price deviation back to its trend, so no name drifts to pennies. */
    meanReversion: 0.004,
  },
  episodes: {
    /** A rally of `rallyDays` sessions, then a dip day, then a recovery: material for dip buyers. */
    rallyRate: 1 / 150,
    rallyDays: 7,
    rally: [0.08, 0.13] as const,
    dip: [0.03, 0.06] as const,
    recoveryDays: 8,
    recoveryShare: [0.5, 1.0] as const,
    /** A sharp one-day drop without a rally, mostly recovered over the next `sharpRecoveryDays`. */
    sharpRate: 1 / 200,
    sharp: [0.04, 0.08] as const,
    sharpRecoveryDays: 10,
    sharpRecoveryShare: 0.7,
  },
  /** Earnings-day jump sd as a multiple of the stock's annual idiosyncratic volatility (0.14 → about 3–5 %). */
  earnings: { jumpSd: [0.2, 0.35] as const, volumeMultiplier: 2.5, rangeMultiplier: 1.6 },
  volume: { noise: 0.25, dipMultiplier: 1.6 },
  /** Intraday (open-to-close) sd as a share of the daily sd; the rest is overnight. */
  intradayShare: 0.85,
  vix: { premium: 1.12, noise: 0.04, openNoise: 0.02, gapSensitivity: 3, rangeNoise: 0.03, intradayVol: 0.05, min: 10, max: 80 },
  spx: { multiplier: 10, volumeMultiplier: 45 },
} as const;

export const TRADING_DAYS_PER_YEAR = 252;

export function dailyVar(annualVol: number): number {
  return (annualVol * annualVol) / TRADING_DAYS_PER_YEAR;
}

export function fatTail(rng: Rng): number {
  const z = rng.normal();
  return rng.uniform() < MODEL.tailChance ? z * MODEL.tailScale : z;
}

/** A factor's day split into its overnight and its open-to-close part. */
export interface FactorPath {
  /** Whole-day log return. */
  readonly ret: Float64Array;
  readonly overnight: Float64Array;
  readonly intraday: Float64Array;
}

export interface MarketPath extends FactorPath {
  /** Conditional variance known before day t. */
  readonly varBefore: Float64Array;
  /** Conditional variance after day t (the forecast for t + 1). */
  readonly varAfter: Float64Array;
}

export function simulateMarket(rng: Rng, n: number): MarketPath {
  const m = MODEL.market;
  const mu = m.drift / TRADING_DAYS_PER_YEAR;
  const longRun = dailyVar(m.longRunVol);
  const omega = longRun * (1 - m.alpha - m.gamma / 2 - m.beta);
  const maxVar = dailyVar(m.maxVol);
  const out = {
    ret: new Float64Array(n), overnight: new Float64Array(n), intraday: new Float64Array(n),
    varBefore: new Float64Array(n), varAfter: new Float64Array(n),
  };
  const extra = new Float64Array(n + m.selloffRecoveryDays + 1);
  const extraGap = new Float64Array(n + 1);
  let h = longRun;
  let recoveringUntil = -1;
  for (let t = 0; t < n; t++) {
    const sigma = Math.sqrt(h);
    const eps = sigma * fatTail(rng);
    const gapNoise = MODEL.gapNoise * sigma * rng.normal();
    const selloff = rng.uniform() < m.selloffRate && t > recoveringUntil;
    const size = rng.between(m.selloffSize[0], m.selloffSize[1]);
    const share = rng.between(m.selloffRecoveryShare[0], m.selloffRecoveryShare[1]);
    if (selloff) {
      extra[t] = extra[t]! - size * 0.6;
      extraGap[t] = extraGap[t]! - size * 0.4;
      for (let k = 1; k <= m.selloffRecoveryDays; k++) extra[t + k] = extra[t + k]! + (size * share) / m.selloffRecoveryDays;
      recoveringUntil = t + m.selloffRecoveryDays;
    }
    const overnight = MODEL.overnightShare * eps + gapNoise + extraGap[t]!;
    const ret = mu + eps + extra[t]! + extraGap[t]!;
    out.varBefore[t] = h;
    out.ret[t] = ret;
    out.overnight[t] = overnight;
    out.intraday[t] = ret - overnight;
    const e = eps + m.selloffVolFeed * (extra[t]! + extraGap[t]!);
    h = Math.min(maxVar, omega + (m.alpha + (e < 0 ? m.gamma : 0)) * e * e + m.beta * h);
    out.varAfter[t] = h;
  }
  return out;
}

export function simulateSector(rng: Rng, n: number, annualVol: number): FactorPath {
  const sigma = Math.sqrt(dailyVar(annualVol));
  const out = { ret: new Float64Array(n), overnight: new Float64Array(n), intraday: new Float64Array(n) };
  for (let t = 0; t < n; t++) {
    const r = sigma * fatTail(rng);
    const overnight = MODEL.overnightShare * r + MODEL.gapNoise * sigma * rng.normal();
    out.ret[t] = r;
    out.overnight[t] = overnight;
    out.intraday[t] = r - overnight;
  }
  return out;
}

/** Extra log returns of a stock's rally/dip episodes, per day. */
export interface EpisodePlan {
  readonly overnight: Float64Array;
  readonly intraday: Float64Array;
  readonly dipDay: Uint8Array;
}

export function planEpisodes(rng: Rng, n: number): EpisodePlan {
  const e = MODEL.episodes;
  const plan = { overnight: new Float64Array(n), intraday: new Float64Array(n), dipDay: new Uint8Array(n) };
  const rallySpan = e.rallyDays + 1 + e.recoveryDays;
  const sharpSpan = 1 + e.sharpRecoveryDays;
  let t = 0;
  while (t < n) {
    const u = rng.uniform();
    if (u < e.rallyRate && t + rallySpan < n) {
      const rally = rng.between(e.rally[0], e.rally[1]);
      const dip = rng.between(e.dip[0], e.dip[1]);
      const recovery = dip * rng.between(e.recoveryShare[0], e.recoveryShare[1]);
      for (let k = 0; k < e.rallyDays; k++) plan.intraday[t + k]! += rally / e.rallyDays;
      const d = t + e.rallyDays;
      plan.overnight[d]! -= 0.4 * dip;
      plan.intraday[d]! -= 0.6 * dip;
      plan.dipDay[d] = 1;
      for (let k = 1; k <= e.recoveryDays; k++) plan.intraday[d + k]! += recovery / e.recoveryDays;
      t += rallySpan;
    } else if (u < e.rallyRate + e.sharpRate && t + sharpSpan < n) {
      const drop = rng.between(e.sharp[0], e.sharp[1]);
      plan.overnight[t]! -= 0.5 * drop;
      plan.intraday[t]! -= 0.5 * drop;
      plan.dipDay[t] = 1;
      for (let k = 1; k <= e.sharpRecoveryDays; k++) plan.intraday[t + k]! += (drop * e.sharpRecoveryShare) / e.sharpRecoveryDays;
      t += sharpSpan;
    } else {
      t++;
    }
  }
  return plan;
}
