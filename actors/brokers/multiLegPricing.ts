import { Decimal, roundMoney } from '../../engine/domain/money.js';
import type { OptionContract } from '../../engine/domain/instrument.js';
import type { OrderLeg } from '../../engine/domain/orders.js';
import { netPrice } from '../../engine/domain/optionLegs.js';

/**
 * How the paper venue prices a multi-leg order in a bar.
 *
 * Each leg is priced like a single option: the model's value on the
 * underlying price, made adverse by the slippage (a bought leg pays the ask,
 * model × (1 + slippage + jitter); a sold leg receives the bid,
 * model × (1 − slippage − jitter)), rounded half-even to the option tick and
 * never below one tick. The spread's net is Σ bought − Σ sold (debit > 0).
 *
 * - A market order fills at the legs' prices at the bar's open.
 * - A limit L fills at the open's prices when their net is ≤ L (at or better
 *   than the limit). Otherwise, if the net at the bar's high or low underlying
 *   price is ≤ L, the underlying crossed the price where the spread trades at
 *   L on its way there: that price is found by bisection between the open and
 *   that extreme, the legs are priced there, and ticks are taken off the
 *   bought legs (or added to the sold ones) until the rounded net is ≤ L. So a
 *   limit crossed inside the bar fills at the limit, never better, as single
 *   legs do. Otherwise nothing fills.
 * Only the open, high and low are tried: a net that is best between them
 * (an iron condor around its short strikes) may be missed, never invented.
 */

/** Model value per share of one contract at an underlying price; not finite or < 0 means unusable. */
export type LegModel = (contract: OptionContract, underlyingPrice: number) => number;

export interface LegPricingInput {
  readonly legs: readonly OrderLeg[];
  readonly model: LegModel;
  /** Adverse fraction per leg (slippage + that leg's jitter), e.g. 0.0005. */
  readonly adverse: readonly Decimal[];
  /** Decimals of the option tick. */
  readonly dp: number;
}

export interface LegPrices {
  readonly prices: Decimal[];
  readonly net: Decimal;
}

const BISECTION_STEPS = 60;

/** Unrounded adverse prices, or null when the model gives no usable value for a leg. */
function rawPrices(input: LegPricingInput, s: number): Decimal[] | null {
  const out: Decimal[] = [];
  for (let i = 0; i < input.legs.length; i++) {
    const leg = input.legs[i]!;
    const v = input.model(leg.instrument, s);
    if (!Number.isFinite(v) || v < 0) return null;
    const adverse = input.adverse[i]!;
    out.push(new Decimal(v.toString()).times(leg.side === 'buy' ? adverse.plus(1) : new Decimal(1).minus(adverse)));
  }
  return out;
}

function rounded(input: LegPricingInput, raw: readonly Decimal[]): LegPrices {
  const tick = new Decimal(10).pow(-input.dp);
  const prices = raw.map((p) => Decimal.max(roundMoney(p, input.dp), tick));
  return { prices, net: netPrice(input.legs, prices) };
}

/** The legs at an underlying price, rounded; null when unusable. */
export function legPricesAt(input: LegPricingInput, s: number): LegPrices | null {
  const raw = rawPrices(input, s);
  return raw === null ? null : rounded(input, raw);
}

function rawNet(input: LegPricingInput, s: number): Decimal | null {
  const raw = rawPrices(input, s);
  return raw === null ? null : netPrice(input.legs, raw);
}

/** Take ticks off the dearest bought leg (or add to the dearest sold one) until the net is ≤ limit. */
function atMost(input: LegPricingInput, start: LegPrices, limit: Decimal): LegPrices | null {
  const tick = new Decimal(10).pow(-input.dp);
  const prices = [...start.prices];
  let net = start.net;
  for (let step = 0; net.gt(limit); step++) {
    if (step > 4 * input.legs.length) return null;
    let pick = -1;
    for (let i = 0; i < prices.length; i++) {
      const leg = input.legs[i]!;
      if (leg.side === 'buy' && prices[i]!.gt(tick) && (pick < 0 || prices[i]!.gt(prices[pick]!))) pick = i;
    }
    if (pick < 0) pick = input.legs.findIndex((l) => l.side === 'sell');
    if (pick < 0) return null;
    prices[pick] = input.legs[pick]!.side === 'buy' ? prices[pick]!.minus(tick) : prices[pick]!.plus(tick);
    net = netPrice(input.legs, prices);
  }
  return { prices, net };
}

/** The fill prices of a multi-leg order in a bar (see above), or null when it does not fill. */
export function matchSpread(input: LegPricingInput, bar: { open: number; high: number; low: number }, limit: Decimal | null): LegPrices | null {
  const atOpen = legPricesAt(input, bar.open);
  if (atOpen === null) return null;
  if (limit === null || atOpen.net.lte(limit)) return atOpen;
  const openNet = rawNet(input, bar.open);
  if (openNet === null) return null;
  let crossing = bar.open;
  if (openNet.gt(limit)) {
    let best: { s: number; net: Decimal } | null = null;
    for (const s of [bar.high, bar.low]) {
      const net = rawNet(input, s);
      if (net !== null && net.lte(limit) && (best === null || net.lt(best.net))) best = { s, net };
    }
    if (best === null) return null;
    let lo = bar.open;
    let hi = best.s;
    for (let i = 0; i < BISECTION_STEPS; i++) {
      const mid = (lo + hi) / 2;
      const net = rawNet(input, mid);
      if (net === null) return null;
      if (net.gt(limit)) lo = mid;
      else hi = mid;
    }
    crossing = hi;
  }
  const raw = rawPrices(input, crossing);
  return raw === null ? null : atMost(input, rounded(input, raw), limit);
}
