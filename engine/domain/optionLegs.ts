import { Decimal, ZERO } from './money.js';
import { InputError } from './errors.js';
import { parseOccSymbol, type Instrument, type OptionContract } from './instrument.js';
import type { Order, OrderIntent, OrderLeg, OrderType, Side } from './orders.js';

/**
 * Multi-leg option orders: the structures the original trades (vertical debit
 * and credit spreads, iron condors as two verticals) plus calendars.
 *
 * Sign convention of the net price (per share of one spread, before the ×100
 * multiplier): Σ price of the bought legs − Σ price of the sold legs. So a
 * debit is > 0 and the order's side is 'buy'; a credit is < 0 and the side is
 * 'sell'. A limit L is met by a net N when N ≤ L: pay at most the debit, or
 * receive at least the credit.
 */

export const MIN_LEGS = 2;
export const MAX_LEGS = 4;

const sign = (side: Side): 1 | -1 => (side === 'buy' ? 1 : -1);

/** Payoff per share of the legs at a common expiry, for an underlying price `s`: Σ ±ratio × intrinsic. */
export function legsPayoffAt(legs: readonly OrderLeg[], s: Decimal): Decimal {
  let total = ZERO;
  for (const leg of legs) {
    const k = leg.instrument.strike;
    const intrinsic = leg.instrument.right === 'C' ? Decimal.max(s.minus(k), ZERO) : Decimal.max(k.minus(s), ZERO);
    total = total.plus(intrinsic.times(sign(leg.side) * leg.ratio));
  }
  return total;
}

/**
 * Lowest and highest payoff per share over every underlying price ≥ 0, valuing
 * every leg at its intrinsic value (exact when the legs share an expiry).
 * `null` stands for unbounded (net short calls: no lowest; net long calls: no highest).
 */
export function legsPayoffRange(legs: readonly OrderLeg[]): { min: Decimal | null; max: Decimal | null } {
  // Piecewise linear with kinks at the strikes: the extremes are at 0, a strike, or at infinity.
  const points = [ZERO, ...legs.map((l) => l.instrument.strike)];
  let min = legsPayoffAt(legs, ZERO);
  let max = min;
  for (const s of points) {
    const v = legsPayoffAt(legs, s);
    if (v.lt(min)) min = v;
    if (v.gt(max)) max = v;
  }
  const slope = legs.reduce((acc, l) => acc + (l.instrument.right === 'C' ? sign(l.side) * l.ratio : 0), 0);
  return { min: slope < 0 ? null : min, max: slope > 0 ? null : max };
}

/** True when the legs do not all expire on one date (a calendar). */
export function isCalendar(legs: readonly OrderLeg[]): boolean {
  return new Set(legs.map((l) => l.instrument.expiry)).size > 1;
}

/**
 * The most one spread can lose per share at a signed net price, or null when
 * unbounded. Same expiry: net − the lowest payoff. A calendar bought for a
 * debit loses at most the debit (the long leg outlives the short one); a
 * calendar sold for a credit leaves a naked short leg, so it is unbounded.
 */
export function maxLossPerShare(legs: readonly OrderLeg[], net: Decimal): Decimal | null {
  if (isCalendar(legs)) return net.gt(0) ? net : null;
  const { min } = legsPayoffRange(legs);
  return min === null ? null : Decimal.max(net.minus(min), ZERO);
}

/** Signed contracts of one leg for `spreads` spreads. */
export function legQuantity(leg: OrderLeg, spreads: number): number {
  return sign(leg.side) * leg.ratio * spreads;
}

/** Signed net per share from per-leg prices (same order as the legs). */
export function netPrice(legs: readonly OrderLeg[], prices: readonly Decimal[]): Decimal {
  let net = ZERO;
  legs.forEach((leg, i) => {
    net = net.plus((prices[i] ?? ZERO).times(sign(leg.side) * leg.ratio));
  });
  return net;
}

/** e.g. `+C590 -C600 2024-02-16` or `+P560@2024-02-16 -P560@2024-01-19` for a calendar. */
export function describeLegs(legs: readonly OrderLeg[]): string {
  const calendar = isCalendar(legs);
  const parts = legs.map((l) => `${l.side === 'buy' ? '+' : '-'}${l.ratio === 1 ? '' : l.ratio}${l.instrument.right}${l.instrument.strike.toFixed()}${calendar ? `@${l.instrument.expiry}` : ''}`);
  const first = legs[0];
  return `${first?.instrument.underlying ?? '?'} ${parts.join(' ')}${calendar || !first ? '' : ` ${first.instrument.expiry}`}`;
}

/**
 * Checks a multi-leg order's legs, side, type and net limit; throws InputError
 * naming the field. Rules: 2–4 option legs on one underlying, ratio 1, no
 * contract twice (so legs of one right and expiry have distinct strikes), one expiry
 * unless a calendar (two legs, same right and strike, opposite sides). The net
 * limit's sign gives the side (debit 'buy', credit 'sell'); a structure whose
 * value can never be negative (a bull call spread) is a debit and one whose
 * value can never be positive (a bull put credit spread) a credit; a debit
 * may not exceed the most the spread can be worth, nor a credit the most it
 * can cost.
 */
export function validateLegs(args: { legs: readonly OrderLeg[] | undefined; side: Side; type: OrderType; limitPrice: Decimal | null; quantity: number }): readonly OrderLeg[] {
  const { legs } = args;
  if (!isLegList(legs) || legs.length < MIN_LEGS || legs.length > MAX_LEGS) {
    throw new InputError('legs', `a multi-leg order needs ${MIN_LEGS}-${MAX_LEGS} legs, got ${isLegList(legs) ? legs.length : 'none'}`);
  }
  if (!Number.isSafeInteger(args.quantity) || args.quantity <= 0) throw new InputError('quantity', `spreads must be a whole number > 0, got ${String(args.quantity)}`);
  const seen = new Set<string>();
  legs.forEach((leg, i) => checkLeg(leg, i, legs[0], seen));
  checkExpiries(legs);
  checkNetPrice(legs, args.side, args.type, args.limitPrice);
  return legs;
}

/** Array.isArray, without widening a typed list to any[]. */
function isLegList(legs: readonly OrderLeg[] | undefined): legs is readonly OrderLeg[] {
  return Array.isArray(legs);
}

function checkLeg(leg: OrderLeg, i: number, first: OrderLeg | undefined, seen: Set<string>): void {
  const inst = leg.instrument as Instrument | undefined;
  if (!inst || inst.kind !== 'option') throw new InputError(`legs[${i}].instrument`, 'every leg must be an option contract');
  const parsed = parseOccSymbol(inst.symbol);
  if (parsed.underlying !== inst.underlying || parsed.expiry !== inst.expiry || parsed.right !== inst.right || !parsed.strike.eq(inst.strike)) {
    throw new InputError(`legs[${i}].instrument`, `terms do not match the OCC symbol ${JSON.stringify(inst.symbol)}`);
  }
  if (leg.side !== 'buy' && leg.side !== 'sell') throw new InputError(`legs[${i}].side`, `must be 'buy' or 'sell', got ${JSON.stringify(leg.side)}`);
  if (leg.ratio !== 1) throw new InputError(`legs[${i}].ratio`, `only ratio 1 is supported, got ${String(leg.ratio)}`);
  if (first && inst.underlying !== first.instrument.underlying) {
    throw new InputError(`legs[${i}].instrument.underlying`, `all legs must be on one underlying: ${inst.underlying} differs from ${first.instrument.underlying}`);
  }
  // Legs of one right and expiry on one strike are the same contract: strikes must be distinct.
  if (seen.has(inst.symbol)) throw new InputError(`legs[${i}].instrument`, `contract ${inst.symbol.trim()} appears twice: strikes of one right and expiry must be distinct`);
  seen.add(inst.symbol);
}

function checkExpiries(legs: readonly OrderLeg[]): void {
  if (isCalendar(legs)) {
    const [a, b] = legs as readonly [OrderLeg, OrderLeg];
    const calendar = legs.length === 2 && a.instrument.right === b.instrument.right && a.instrument.strike.eq(b.instrument.strike) && a.side !== b.side;
    if (!calendar) {
      throw new InputError('legs[1].instrument.expiry', 'legs must share one expiry, unless a calendar: two legs of one right and strike, one bought and one sold');
    }
  }
}

function checkNetPrice(legs: readonly OrderLeg[], side: Side, type: OrderType, limit: Decimal | null): void {
  if (side !== 'buy' && side !== 'sell') throw new InputError('side', `must be 'buy' (a debit) or 'sell' (a credit), got ${JSON.stringify(side)}`);
  const range = isCalendar(legs) ? null : legsPayoffRange(legs);
  if (range) {
    if (range.min !== null && range.min.gte(0) && side !== 'buy') {
      throw new InputError('side', `${describeLegs(legs)} can never be worth less than 0, so it is a debit: side must be 'buy'`);
    }
    if (range.max !== null && range.max.lte(0) && side !== 'sell') {
      throw new InputError('side', `${describeLegs(legs)} can never be worth more than 0, so it is a credit: side must be 'sell'`);
    }
  }
  if (type === 'market') {
    if (limit !== null) throw new InputError('limitPrice', 'a market multi-leg order has no limit price');
    return;
  }
  if (type !== 'limit') throw new InputError('type', `must be 'market' or 'limit', got ${JSON.stringify(type)}`);
  if (!(limit instanceof Decimal) || !limit.isFinite() || limit.isZero()) {
    throw new InputError('limitPrice', `a limit multi-leg order needs a non-zero net price (debit > 0, credit < 0), got ${limit === null ? 'null' : String(limit)}`);
  }
  if ((side === 'buy') !== limit.gt(0)) {
    throw new InputError('limitPrice', `net ${limit.toFixed()} does not match side ${side}: a debit (side 'buy') is > 0, a credit (side 'sell') < 0`);
  }
  if (!range) return;
  if (limit.gt(0) && range.max !== null && limit.gte(range.max)) {
    throw new InputError('limitPrice', `a debit of ${limit.toFixed()} is at least the most ${describeLegs(legs)} can be worth (${range.max.toFixed()}): a certain loss`);
  }
  if (limit.lt(0) && range.min !== null && limit.neg().gte(range.min.neg())) {
    throw new InputError('limitPrice', `a credit of ${limit.neg().toFixed()} is at least the most ${describeLegs(legs)} can cost (${range.min.neg().toFixed()}): no market pays that`);
  }
}

/** Validate and copy a multi-leg order's legs (the OMS, the broker and the stores call this). */
export function checkOrderLegs(order: Pick<Order, 'legs' | 'side' | 'type' | 'limitPrice' | 'quantity'>): readonly OrderLeg[] {
  return validateLegs({ legs: order.legs, side: order.side, type: order.type, limitPrice: order.limitPrice, quantity: order.quantity }).map((l) => ({
    instrument: l.instrument,
    side: l.side,
    ratio: l.ratio,
  }));
}

/** A validated multi-leg intent: instrument is the first leg, quantity counts spreads. */
export function spreadIntent(args: {
  strategyId: string;
  legs: readonly OrderLeg[];
  quantity: number;
  /** Signed net per share: > 0 a debit, < 0 a credit; null for a market order (then `side` says which). */
  netLimit: Decimal | null;
  side?: Side;
  reason: string;
  signalId?: string | null;
}): OrderIntent {
  const side: Side = args.netLimit === null ? (args.side ?? 'buy') : args.netLimit.gt(0) ? 'buy' : 'sell';
  const type: OrderType = args.netLimit === null ? 'market' : 'limit';
  const legs = validateLegs({ legs: args.legs, side, type, limitPrice: args.netLimit, quantity: args.quantity });
  const first = legs[0] as OrderLeg;
  return {
    strategyId: args.strategyId,
    instrument: first.instrument,
    side,
    quantity: args.quantity,
    type,
    limitPrice: args.netLimit,
    reason: args.reason,
    signalId: args.signalId ?? null,
    legs: legs.map((l) => ({ instrument: l.instrument, side: l.side, ratio: l.ratio })),
  };
}

export function isMultiLeg(order: Pick<Order, 'legs'>): order is Pick<Order, 'legs'> & { legs: readonly OrderLeg[] } {
  return order.legs !== undefined && order.legs.length > 0;
}

/** The instrument a fill of this order trades: the leg with the fill's symbol, or the order's instrument. */
export function fillInstrument(order: Pick<Order, 'legs' | 'instrument'>, symbol: string): Instrument {
  const leg = order.legs?.find((l) => l.instrument.symbol === symbol);
  return leg ? leg.instrument : order.instrument;
}

/** The leg contracts of a multi-leg order (empty for a single instrument). */
export function legContracts(order: Pick<Order, 'legs'>): OptionContract[] {
  return (order.legs ?? []).map((l) => l.instrument);
}
