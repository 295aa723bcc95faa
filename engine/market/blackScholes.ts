import { PricingError } from '../domain/errors.js';
import type { OptionRight } from '../domain/instrument.js';

/**
 * Black–Scholes–Merton for European options with a continuous dividend yield
 * (SPEC §10). Everything here is statistics, so plain numbers; money is made
 * from the result at the booking boundary (`moneyFromNumber`).
 */

export interface BsmInput {
  readonly right: OptionRight;
  /** Underlying price, ≥ 0. */
  readonly spot: number;
  /** Strike, > 0. */
  readonly strike: number;
  /** Time to expiry in years (ACT/365), ≥ 0. */
  readonly years: number;
  /** Continuously compounded risk-free rate, e.g. 0.04. */
  readonly rate: number;
  /** Continuous dividend yield q, e.g. 0.015. */
  readonly dividend: number;
  /** Annualised volatility, ≥ 0 (0.30 = 30 %). */
  readonly vol: number;
}

export interface BsmResult {
  /** Price per share. */
  price: number;
  delta: number;
  gamma: number;
  /** Change in price per calendar day that passes (annual θ / 365). */
  theta: number;
  /** Change in price per volatility point (σ + 0.01). */
  vega: number;
  /** Change in price per rate point (r + 0.01). */
  rho: number;
}

const SQRT_32 = Math.sqrt(32);
const INV_SQRT_2PI = 0.3989422804014327;

// W. J. Cody, "Rational Chebyshev approximations for the error function"
// (Math. Comp. 1969), in the normal-CDF form of ACM TOMS 715 (ANORM), as R's
// pnorm uses it. Relative error below 1e-15 over the whole range, including
// the far tails, which the 1e-7 Abramowitz–Stegun formula cannot give: deep
// out-of-the-money prices and put–call parity depend on those tails.
const A = [2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356, 0.06568233791820745] as const;
const B = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673] as const;
const C = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726,
  6848.190450536283, 11602.65143764735, 9842.714838383978, 1.0765576773720192e-8,
] as const;
const D = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097,
  34900.95272114598, 38912.00328609327, 19685.429676859992,
] as const;
const P = [0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934, 0.000029112874951168793, 0.023073441764940174] as const;
const Q = [1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824, 0.00007297515550839662] as const;

/** exp(−x²/2) split so the large part is exact: keeps relative accuracy in the tails. */
function gaussTail(x: number): number {
  const xsq = Math.trunc(x * 16) / 16;
  const del = (x - xsq) * (x + xsq);
  return Math.exp(-xsq * xsq * 0.5) * Math.exp(-del * 0.5);
}

/** Standard normal cumulative distribution function Φ(x). */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.67448975) {
    let xnum = 0;
    let xden = 0;
    if (y > 1e-300) {
      const xsq = x * x;
      xnum = A[4] * xsq;
      xden = xsq;
      for (let i = 0; i < 3; i++) {
        xnum = (xnum + A[i]!) * xsq;
        xden = (xden + B[i]!) * xsq;
      }
    }
    return 0.5 + (x * (xnum + A[3])) / (xden + B[3]);
  }
  let tail: number; // Φ(−|x|)
  if (y <= SQRT_32) {
    let xnum = C[8] * y;
    let xden = y;
    for (let i = 0; i < 7; i++) {
      xnum = (xnum + C[i]!) * y;
      xden = (xden + D[i]!) * y;
    }
    tail = (gaussTail(y) * (xnum + C[7])) / (xden + D[7]);
  } else if (y < 38.5) {
    const xsq = 1 / (x * x);
    let xnum = P[5] * xsq;
    let xden = xsq;
    for (let i = 0; i < 4; i++) {
      xnum = (xnum + P[i]!) * xsq;
      xden = (xden + Q[i]!) * xsq;
    }
    const r = (xsq * (xnum + P[4])) / (xden + Q[4]);
    tail = (gaussTail(y) * (INV_SQRT_2PI - r)) / y;
  } else {
    tail = 0;
  }
  return x > 0 ? 1 - tail : tail;
}

/** Standard normal density φ(x). */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

function invalid(field: string, message: string, value: unknown): PricingError {
  return new PricingError('PRICING_INPUT_INVALID', `${field}: ${message}, got ${String(value)}`, { field, value });
}

/** Throws PricingError('PRICING_INPUT_INVALID') naming the first bad input. */
export function checkBsmInputs(right: OptionRight, spot: number, strike: number, years: number, rate: number, dividend: number, vol: number): void {
  if (right !== 'C' && right !== 'P') throw invalid('right', "must be 'C' or 'P'", right);
  if (!Number.isFinite(spot) || spot < 0) throw invalid('spot', 'must be a finite number ≥ 0', spot);
  if (!Number.isFinite(strike) || strike <= 0) throw invalid('strike', 'must be a finite number > 0', strike);
  if (!Number.isFinite(years) || years < 0) throw invalid('years', 'must be a finite number ≥ 0', years);
  if (!Number.isFinite(rate)) throw invalid('rate', 'must be a finite number', rate);
  if (!Number.isFinite(dividend)) throw invalid('dividend', 'must be a finite number', dividend);
  if (!Number.isFinite(vol) || vol < 0) throw invalid('vol', 'must be a finite number ≥ 0', vol);
}

/**
 * Price and greeks written into `out` (positional and allocation-free for the
 * mark model's hot path; `bsm` is the friendly form). Validates its inputs.
 *
 * Degenerate cases, each the limit of the general formula:
 * - years = 0: intrinsic value; delta 1/0 (call ITM/OTM), −1/0 (put), and
 *   ±0.5 exactly at the money (the limit of N(d1) as T → 0); gamma, theta,
 *   vega and rho 0.
 * - vol = 0 or spot = 0 (T > 0): the payoff is certain, so the price is the
 *   discounted intrinsic value of the forward, max(0, ±(S e^{−qT} − K e^{−rT})),
 *   with the matching deterministic delta, theta and rho; gamma is reported 0
 *   (it is a point mass at the forward). Exactly at the forward the one-sided
 *   values are averaged and vega is its finite limit S e^{−qT} φ(0) √T.
 */
export function bsmInto(
  out: BsmResult,
  right: OptionRight,
  spot: number,
  strike: number,
  years: number,
  rate: number,
  dividend: number,
  vol: number,
): BsmResult {
  checkBsmInputs(right, spot, strike, years, rate, dividend, vol);
  const isCall = right === 'C';

  if (years === 0) {
    const diff = spot - strike;
    out.price = Math.max(0, isCall ? diff : -diff);
    const d = diff > 0 ? 1 : diff < 0 ? 0 : 0.5;
    out.delta = isCall ? d : d - 1;
    out.gamma = 0;
    out.theta = 0;
    out.vega = 0;
    out.rho = 0;
    return out;
  }

  const dq = Math.exp(-dividend * years);
  const dr = Math.exp(-rate * years);
  const sqrtT = Math.sqrt(years);
  const sd = spot * dq; // discounted forward of the spot
  const kd = strike * dr; // discounted strike
  const volSqrtT = vol * sqrtT;

  if (volSqrtT === 0 || spot === 0) {
    const w = sd > kd ? 1 : sd < kd ? 0 : 0.5; // weight of the "call finishes in the money" side
    const thetaItmCall = dividend * sd - rate * kd; // −∂(Sd − Kd)/∂T, per year
    if (isCall) {
      out.price = Math.max(0, sd - kd);
      out.delta = w * dq;
      out.theta = (w * thetaItmCall) / 365;
      out.rho = (w * years * kd) / 100;
    } else {
      // `+ 0` turns the −0 of an out-of-the-money put into a plain 0.
      out.price = Math.max(0, kd - sd);
      out.delta = (w - 1) * dq + 0;
      out.theta = ((w - 1) * thetaItmCall) / 365 + 0;
      out.rho = ((w - 1) * years * kd) / 100 + 0;
    }
    out.gamma = 0;
    out.vega = w === 0.5 ? (sd * INV_SQRT_2PI * sqrtT) / 100 : 0;
    return out;
  }

  const d1 = (Math.log(spot / strike) + (rate - dividend + 0.5 * vol * vol) * years) / volSqrtT;
  const d2 = d1 - volSqrtT;
  const pdf1 = normPdf(d1);
  // With subnormal inputs the denominator can underflow to 0; φ = 0 then must still give 0, not NaN.
  out.gamma = pdf1 === 0 ? 0 : (dq * pdf1) / (spot * volSqrtT);
  out.vega = (sd * pdf1 * sqrtT) / 100;
  const decay = -(sd * pdf1 * vol) / (2 * sqrtT);
  if (isCall) {
    const n1 = normCdf(d1);
    const n2 = normCdf(d2);
    out.price = Math.max(0, sd * n1 - kd * n2);
    out.delta = dq * n1;
    out.theta = (decay - rate * kd * n2 + dividend * sd * n1) / 365;
    out.rho = (years * kd * n2) / 100;
  } else {
    const n1 = normCdf(-d1);
    const n2 = normCdf(-d2);
    out.price = Math.max(0, kd * n2 - sd * n1);
    out.delta = -dq * n1;
    out.theta = (decay + rate * kd * n2 - dividend * sd * n1) / 365;
    out.rho = -(years * kd * n2) / 100;
  }
  return out;
}

/** European option price and greeks under Black–Scholes–Merton. */
export function bsm(input: BsmInput): BsmResult {
  const out: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
  return bsmInto(out, input.right, input.spot, input.strike, input.years, input.rate, input.dividend, input.vol);
}
