import { InputError } from '../../domain/errors.js';
import { normPdf } from '../../market/blackScholes.js';
import { normalQuantile, studentTPdf, studentTQuantile } from './distributions.js';
import { checkConfidence, type VarCvar } from './lossQuantile.js';

/**
 * Closed-form VaR and CVaR of a P&L with a given daily mean and standard
 * deviation (currency units), over `horizonDays` days. VaR is the loss
 * quantile −(μ_h + σ_h·q) with q the (1 − c) quantile of the standardised
 * distribution, so it is positive for a loss. The sign is not folded with an
 * absolute value (the original's |μ + zσ|): when the mean outweighs the
 * spread the figure is negative, i.e. even the c-worst day is a gain.
 *
 * Horizon: μ_h = h·μ, σ_h = √h·σ. For the normal that is exact for
 * independent, identically distributed daily P&L; for Student t it is the
 * square-root-of-time rule (a sum of t variables is not t).
 */

export interface PnlMoments {
  /** Daily mean P&L. */
  readonly mean: number;
  /** Daily standard deviation of P&L, ≥ 0. */
  readonly sd: number;
}

function checkInputs(m: PnlMoments, c: number, horizonDays: number): void {
  checkConfidence(c);
  if (!Number.isFinite(m.mean)) throw new InputError('mean', `must be finite, got ${m.mean}`);
  if (!(m.sd >= 0 && Number.isFinite(m.sd))) throw new InputError('sd', `must be a finite number ≥ 0, got ${m.sd}`);
  if (!(Number.isInteger(horizonDays) && horizonDays >= 1)) throw new InputError('horizonDays', `must be a whole number of days ≥ 1, got ${horizonDays}`);
}

/** Normal: VaR = −hμ + √h σ z_c, CVaR = −hμ + √h σ φ(z_c)/(1 − c), with z_c = Φ⁻¹(c) > 0. */
export function normalVar(m: PnlMoments, c: number, horizonDays = 1): VarCvar {
  checkInputs(m, c, horizonDays);
  const z = normalQuantile(c);
  const mu = horizonDays * m.mean;
  const sigma = Math.sqrt(horizonDays) * m.sd;
  return { var: -mu + sigma * z + 0, cvar: -mu + (sigma * normPdf(z)) / (1 - c) + 0 };
}

/**
 * Student t with ν > 2 degrees of freedom, scaled to the given standard
 * deviation (the standard t has variance ν/(ν − 2), so it is multiplied by
 * √((ν − 2)/ν)): the same convention as the Monte Carlo t.
 * VaR = −hμ + s t_ν(c), CVaR = −hμ + s f_ν(t_ν(c)) (ν + t²)/((ν − 1)(1 − c)),
 * with s = √h σ √((ν − 2)/ν).
 */
export function studentTVar(m: PnlMoments, nu: number, c: number, horizonDays = 1): VarCvar {
  checkInputs(m, c, horizonDays);
  checkStudentNu(nu);
  const t = studentTQuantile(c, nu);
  const s = Math.sqrt(horizonDays) * m.sd * Math.sqrt((nu - 2) / nu);
  const mu = horizonDays * m.mean;
  const tail = (studentTPdf(t, nu) * (nu + t * t)) / ((nu - 1) * (1 - c));
  return { var: -mu + s * t + 0, cvar: -mu + s * tail + 0 };
}

export function checkStudentNu(nu: number, field = 'nu'): void {
  if (!(nu > 2 && Number.isFinite(nu))) throw new InputError(field, `Student t degrees of freedom must be a number above 2 (finite variance), got ${nu}`);
}

export interface ShapedPnlMoments extends PnlMoments {
  /** Skewness g₁ of daily P&L. */
  readonly skewness: number;
  /** Excess kurtosis g₂ of daily P&L. */
  readonly excessKurtosis: number;
}

export interface CornishFisherResult extends VarCvar {
  /** Set when the expansion is not monotone over the tail it integrates: the figures are then unreliable. */
  readonly warning?: string;
}

/**
 * Cornish–Fisher (modified) VaR: the normal quantile z = Φ⁻¹(1 − c) corrected
 * for skewness S and excess kurtosis K,
 *   z_cf = z + (z² − 1)S/6 + (z³ − 3z)K/24 − (2z³ − 5z)S²/36,
 * VaR = −(μ_h + σ_h z_cf). CVaR integrates the same quantile function over the
 * tail in closed form (the polynomial against φ on (−∞, z]):
 *   E = φ(z)·[−1 − zS/6 + (1 − z²)K/24 − (1 − 2z²)S²/36] / (1 − c),
 * CVaR = −(μ_h + σ_h E) (Boudt, Peterson & Croux 2008). Over h days the
 * moments of a sum of independent days are used: μ_h = hμ, σ_h = √h σ,
 * S_h = S/√h, K_h = K/h (no square-root-of-time rule on the quantile).
 */
export function cornishFisherVar(m: ShapedPnlMoments, c: number, horizonDays = 1): CornishFisherResult {
  checkInputs(m, c, horizonDays);
  if (!Number.isFinite(m.skewness)) throw new InputError('skewness', `must be finite, got ${m.skewness}`);
  if (!Number.isFinite(m.excessKurtosis)) throw new InputError('excessKurtosis', `must be finite, got ${m.excessKurtosis}`);
  const s = m.skewness / Math.sqrt(horizonDays);
  const k = m.excessKurtosis / horizonDays;
  const mu = horizonDays * m.mean;
  const sigma = Math.sqrt(horizonDays) * m.sd;
  const z = normalQuantile(1 - c);
  const z2 = z * z;
  const zcf = z + ((z2 - 1) * s) / 6 + ((z2 * z - 3 * z) * k) / 24 - ((2 * z2 * z - 5 * z) * s * s) / 36;
  const e = (normPdf(z) * (-1 - (z * s) / 6 + ((1 - z2) * k) / 24 - ((1 - 2 * z2) * s * s) / 36)) / (1 - c);
  const result = { var: -(mu + sigma * zcf) + 0, cvar: -(mu + sigma * e) + 0 };
  const bad = sigma > 0 ? firstDecrease(s, k, TAIL_FLOOR, z) : undefined;
  if (bad === undefined) return result;
  return {
    ...result,
    warning: `Cornish–Fisher expansion is not monotone in the tail (at z = ${bad.toFixed(2)}) for skewness ${s.toPrecision(4)} and excess kurtosis ${k.toPrecision(4)}: outside its domain of validity, use historical or montecarlo`,
  };
}

/**
 * Lower end of the range where the expansion must be increasing: Φ(−5) ≈ 3e-7,
 * so what lies beyond it is under 0.03 % of even a 99.9 % tail and cannot
 * move the CVaR integral, while a slightly platykurtic sample (K a little
 * below 0, which bends the polynomial only near z = −8) is not flagged.
 */
const TAIL_FLOOR = -5;

/**
 * Where on [lo, hi] the expansion's quantile function decreases, if anywhere.
 * Its derivative is the quadratic 1 + Sx/3 + K(x² − 1)/8 − S²(6x² − 5)/36, so
 * the ends and the vertex are enough.
 */
function firstDecrease(s: number, k: number, lo: number, hi: number): number | undefined {
  const a = k / 8 - (s * s) / 6;
  const b = s / 3;
  const c0 = 1 - k / 8 + (5 * s * s) / 36;
  const slope = (x: number) => (a * x + b) * x + c0;
  const points = [lo, hi];
  if (a !== 0) {
    const vertex = -b / (2 * a);
    if (vertex > lo && vertex < hi) points.push(vertex);
  }
  return points.find((x) => !(slope(x) > 0));
}
