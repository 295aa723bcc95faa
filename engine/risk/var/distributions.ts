import { normCdf, normPdf } from '../../market/blackScholes.js';
import { InputError } from '../../domain/errors.js';

/**
 * Quantile functions the parametric VaR needs: the standard normal's and
 * Student t's, to full double precision, plus the t density and CDF.
 */

// P. J. Acklam's rational approximation (relative error 1.15e-9), refined
// below by one Halley step on Cody's normCdf to about 1e-15.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const P_LOW = 0.02425;

function checkProbability(p: number, field: string): void {
  if (!(p > 0 && p < 1)) throw new InputError(field, `must be a probability strictly between 0 and 1, got ${p}`);
}

/** Φ⁻¹(p): the x with Φ(x) = p, for 0 < p < 1. */
export function normalQuantile(p: number): number {
  checkProbability(p, 'p');
  // 1 − p is exact for p ≥ 0.5 (Sterbenz), so the upper half loses nothing by symmetry.
  if (p > 0.5) return -normalQuantile(1 - p);
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
  if (x === 0) return 0;
  const u = (normCdf(x) - p) / normPdf(x);
  return x - u / (1 + (x * u) / 2); // one Halley step
}

// Lanczos approximation (g = 7, n = 9), relative error ~1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularised incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

function checkNu(nu: number): void {
  if (!(nu > 0 && Number.isFinite(nu))) throw new InputError('nu', `degrees of freedom must be a positive number, got ${nu}`);
}

/** Density of the standard Student t with ν degrees of freedom. */
export function studentTPdf(t: number, nu: number): number {
  checkNu(nu);
  return Math.exp(logGamma((nu + 1) / 2) - logGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) - ((nu + 1) / 2) * Math.log1p((t * t) / nu));
}

/** P(T ≤ t) for the standard Student t with ν degrees of freedom. */
export function studentTCdf(t: number, nu: number): number {
  checkNu(nu);
  const tail = 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5); // P(T > |t|)
  return t > 0 ? 1 - tail : tail;
}

/**
 * The t with P(T ≤ t) = p. Newton steps on the CDF inside a bracket that
 * bisection keeps valid; converges to ~1e-14 relative in a handful of steps.
 */
export function studentTQuantile(p: number, nu: number): number {
  checkProbability(p, 'p');
  checkNu(nu);
  if (p < 0.5) return -studentTQuantile(1 - p, nu);
  if (p === 0.5) return 0;
  const tail = 1 - p;
  // Upper tail: solve P(T > t) = tail, which keeps precision for p near 1.
  let lo = 0;
  let hi = Math.max(1, normalQuantile(p));
  while (0.5 * incompleteBeta(nu / (nu + hi * hi), nu / 2, 0.5) > tail) {
    lo = hi;
    hi *= 2;
  }
  let t = 0.5 * (lo + hi);
  for (let i = 0; i < 200; i++) {
    const f = 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5) - tail; // decreasing in t
    if (f > 0) lo = t;
    else hi = t;
    const next = t + f / studentTPdf(t, nu);
    const step = next > lo && next < hi ? next : 0.5 * (lo + hi);
    if (Math.abs(step - t) <= 1e-15 * Math.max(1, t)) return step;
    t = step;
  }
  return t;
}
