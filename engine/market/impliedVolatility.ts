import { PricingError } from '../domain/errors.js';
import type { OptionRight } from '../domain/instrument.js';
import type { BsmResult } from './blackScholes.js';
import { bsmInto, checkBsmInputs } from './blackScholes.js';
import { americanPrice } from './americanOption.js';

export interface ImpliedVolInput {
  readonly right: OptionRight;
  /** Observed option price per share. */
  readonly price: number;
  readonly spot: number;
  readonly strike: number;
  readonly years: number;
  readonly rate: number;
  readonly dividend: number;
}

/** The volatility range searched: below 0.1 % or above 500 % is not a usable answer. */
export const IV_MIN = 0.001;
export const IV_MAX = 5;
export const IV_TOLERANCE = 1e-6;
const MAX_ITERATIONS = 100;

function noIv(reason: string, input: ImpliedVolInput, bound?: number): PricingError {
  return new PricingError('NO_IMPLIED_VOLATILITY', `no implied volatility: ${reason}`, {
    field: 'price',
    price: input.price,
    ...(bound !== undefined ? { bound } : {}),
  });
}

/**
 * The volatility at which Black–Scholes–Merton reproduces `price`.
 *
 * Newton from σ = 0.3, safeguarded by a bracket on [IV_MIN, IV_MAX] that
 * shrinks every iteration: a Newton step that leaves the bracket, or does not
 * at least halve the previous step, is replaced by bisection (the `rtsafe`
 * scheme). That converges even where vega is tiny and Newton alone diverges
 * (the original solver stopped at vega ≤ 1e−8 and returned whatever it had).
 * Stops when a step is ≤ 1e−6 in σ. The iteration cap is a backstop only:
 * bisection alone needs about 23 steps for this range.
 *
 * Throws PricingError('NO_IMPLIED_VOLATILITY') saying why when there is no
 * answer: the price is below the discounted intrinsic value of the forward,
 * at or above the no-arbitrage bound (S e^{−qT} for a call, K e^{−rT} for a
 * put), needs a volatility outside [IV_MIN, IV_MAX], or the option has no time
 * value left (years = 0 or spot = 0). Never returns NaN.
 */
export function impliedVol(input: ImpliedVolInput): number {
  const { right, price, spot, strike, years, rate, dividend } = input;
  checkBsmInputs(right, spot, strike, years, rate, dividend, 0.3);
  if (!Number.isFinite(price) || price < 0) {
    throw new PricingError('PRICING_INPUT_INVALID', `price: must be a finite number ≥ 0, got ${String(price)}`, { field: 'price', value: price });
  }
  if (years === 0) throw noIv('the option is at expiry (years = 0), so its price does not depend on volatility', input);
  if (spot === 0) throw noIv('the underlying price is 0, so the option price does not depend on volatility', input);

  const sd = spot * Math.exp(-dividend * years);
  const kd = strike * Math.exp(-rate * years);
  const lower = Math.max(0, right === 'C' ? sd - kd : kd - sd);
  const upper = right === 'C' ? sd : kd;
  if (price < lower) throw noIv(`price ${price} is below the discounted intrinsic value ${lower}`, input, lower);
  if (price >= upper) throw noIv(`price ${price} is at or above the no-arbitrage bound ${upper}`, input, upper);

  const g: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
  const f = (vol: number): number => bsmInto(g, right, spot, strike, years, rate, dividend, vol).price - price;

  let lo = IV_MIN;
  let hi = IV_MAX;
  const fLo = f(lo);
  const fHi = f(hi);
  // A few ulps of slack: at the edges the price is flat to rounding.
  const slack = 1e-12 * Math.max(1, price);
  if (fLo > slack) throw noIv(`price ${price} needs a volatility below ${IV_MIN} (price there is ${fLo + price})`, input, fLo + price);
  if (fHi < -slack) throw noIv(`price ${price} needs a volatility above ${IV_MAX} (price there is ${fHi + price})`, input, fHi + price);
  if (fLo >= 0) return lo;
  if (fHi <= 0) return hi;

  let vol = 0.3;
  let stepOld = hi - lo;
  let step = stepOld;
  let fv = f(vol);
  let vega = g.vega * 100; // ∂price/∂σ per unit of σ
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    if (fv === 0) return vol;
    if (fv < 0) lo = vol;
    else hi = vol;
    const newton = vol - fv / vega;
    const useBisection = !(vega > 0) || !(newton > lo && newton < hi) || Math.abs(2 * fv) > Math.abs(stepOld * vega);
    stepOld = step;
    if (useBisection) {
      step = 0.5 * (hi - lo);
      vol = lo + step;
    } else {
      step = vol - newton;
      vol = newton;
    }
    if (Math.abs(step) <= IV_TOLERANCE) return vol;
    fv = f(vol);
    vega = g.vega * 100;
  }
  throw noIv(`the solver did not converge in ${MAX_ITERATIONS} iterations`, input);
}

/** Bisection halves [IV_MIN, IV_MAX] to IV_TOLERANCE in 23 steps; the cap is only a backstop. */
const MAX_BISECTIONS = 64;

/**
 * The volatility at which the American (Leisen–Reimer, Richardson-extrapolated)
 * tree of `americanPrice()` reproduces `price`, on the same range and
 * tolerance as the European `impliedVol()`.
 *
 * Bisection, not Newton: the tree has no analytic vega, a finite-difference
 * vega costs two more trees per step, and the tree price is monotone in σ only
 * up to its discretisation error, which a bracket tolerates and Newton does
 * not. About 23 tree prices (≈ 3 ms each at the default steps).
 *
 * Throws PricingError('NO_IMPLIED_VOLATILITY') saying why: the option is at
 * expiry or the spot is 0 (no dependence on σ), the price is below the
 * immediate exercise value, at or above the no-arbitrage bound (S for a call,
 * K for a put: an American option may be exercised now, so the bounds are
 * undiscounted), or needs a σ outside [IV_MIN, IV_MAX].
 */
export function americanImpliedVol(input: ImpliedVolInput): number {
  const { right, price, spot, strike, years, rate, dividend } = input;
  checkBsmInputs(right, spot, strike, years, rate, dividend, 0.3);
  if (!Number.isFinite(price) || price < 0) {
    throw new PricingError('PRICING_INPUT_INVALID', `price: must be a finite number ≥ 0, got ${String(price)}`, { field: 'price', value: price });
  }
  if (years === 0) throw noIv('the option is at expiry (years = 0), so its price does not depend on volatility', input);
  if (spot === 0) throw noIv('the underlying price is 0, so the option price does not depend on volatility', input);

  const exercise = Math.max(0, right === 'C' ? spot - strike : strike - spot);
  const upper = right === 'C' ? spot : strike;
  if (price < exercise) throw noIv(`price ${price} is below the immediate exercise value ${exercise}`, input, exercise);
  if (price >= upper) throw noIv(`price ${price} is at or above the no-arbitrage bound ${upper}`, input, upper);

  const f = (vol: number): number => americanPrice({ right, spot, strike, years, rate, dividend, vol }) - price;
  let lo = IV_MIN;
  let hi = IV_MAX;
  const fLo = f(lo);
  const fHi = f(hi);
  const slack = 1e-12 * Math.max(1, price);
  if (fLo > slack) throw noIv(`price ${price} needs a volatility below ${IV_MIN} (price there is ${fLo + price})`, input, fLo + price);
  if (fHi < -slack) throw noIv(`price ${price} needs a volatility above ${IV_MAX} (price there is ${fHi + price})`, input, fHi + price);
  if (fLo >= 0) return lo;
  if (fHi <= 0) return hi;

  for (let i = 0; i < MAX_BISECTIONS && hi - lo > IV_TOLERANCE; i++) {
    const mid = 0.5 * (lo + hi);
    const fm = f(mid);
    if (fm === 0) return mid;
    if (fm < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
