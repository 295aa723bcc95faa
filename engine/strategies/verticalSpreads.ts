import { InputError } from '../domain/errors.js';
import { parseOccSymbol, type Instrument, type OptionContract } from '../domain/instrument.js';
import { legsPayoffRange, spreadIntent } from '../domain/optionLegs.js';
import type { OrderIntent, OrderLeg, Side } from '../domain/orders.js';
import type { HeldQuantity, StrategyView } from './types.js';

/**
 * What the two vertical-spread strategies (debit spreads, SPX credit spreads)
 * share: reading the legs a strategy holds on an underlying, recognising the
 * spread it opened among them, and closing whatever is held as one order.
 */

/**
 * Every position the strategy holds on `underlying`, exact, from the view's
 * `positions`. `holding` shows one instrument per underlying: a spread read
 * through it would look like a lone leg, and closing that lone leg would
 * leave the other one naked, so a view without `positions` is refused.
 */
export function heldOn(view: StrategyView, underlying: string): readonly HeldQuantity[] {
  if (view.positions === undefined) throw new InputError('view.positions', 'a spread strategy needs the view to list every leg it holds');
  return view.positions(underlying);
}

/** The two contracts of a vertical: the one bought and the one sold, by OCC symbol. */
export interface VerticalLegs {
  readonly longSymbol: string;
  readonly shortSymbol: string;
}

/**
 * How many of the vertical `legs` are held: n when exactly the long contract
 * is held +n and the short one −n and nothing else on the underlying; 0 when
 * nothing is held; null when what is held is something else (a lone leg,
 * unequal legs, shares after an exercise, another contract).
 */
export function verticalHeld(held: readonly HeldQuantity[], legs: VerticalLegs): number | null {
  if (held.length === 0) return 0;
  if (held.length !== 2) return null;
  let long = 0;
  let short = 0;
  for (const h of held) {
    if (h.instrument.symbol === legs.longSymbol) long = h.quantity;
    else if (h.instrument.symbol === legs.shortSymbol) short = h.quantity;
  }
  return long > 0 && short === -long ? long : null;
}

/** A held pair read as a vertical: two options of one right and expiry, one long and one short, equal in size. */
export interface HeldVertical {
  readonly long: OptionContract;
  readonly short: OptionContract;
  readonly spreads: number;
}

/** The vertical among `held`, if that is all it is (see verticalHeld); for adopting a spread this run did not open. */
export function asVertical(held: readonly HeldQuantity[]): HeldVertical | null {
  if (held.length !== 2) return null;
  const [a, b] = held as readonly [HeldQuantity, HeldQuantity];
  if (a.instrument.kind !== 'option' || b.instrument.kind !== 'option') return null;
  if (a.instrument.expiry !== b.instrument.expiry || a.instrument.right !== b.instrument.right) return null;
  if (a.quantity !== -b.quantity || a.quantity === 0) return null;
  const [long, short] = a.quantity > 0 ? [a.instrument, b.instrument] : [b.instrument, a.instrument];
  return { long, short, spreads: Math.abs(a.quantity) };
}

function closingSide(quantity: number): Side {
  return quantity > 0 ? 'sell' : 'buy';
}

/**
 * One market order that closes what is held on the underlying, or null when
 * nothing is: two option legs together as a spread (the smaller size; the
 * rest next time), else one option, else the shares (an exercise or an
 * assignment leaves shares; options go first). `first` (an OCC symbol) puts
 * that leg first, so the order's instrument is the leg the strategy opened first.
 */
export function closingIntent(args: {
  strategyId: string;
  held: readonly HeldQuantity[];
  reason: string;
  signalId: string;
  first?: string;
}): OrderIntent | null {
  const options = args.held.filter((h) => h.instrument.kind === 'option' && h.quantity !== 0);
  if (args.first !== undefined) options.sort((a, b) => Number(b.instrument.symbol === args.first) - Number(a.instrument.symbol === args.first));
  if (options.length === 2) {
    const legs: OrderLeg[] = options.map((h) => ({ instrument: h.instrument as OptionContract, side: closingSide(h.quantity), ratio: 1 }));
    const range = legsPayoffRange(legs);
    const side: Side | null = range.min !== null && range.min.gte(0) ? 'buy' : range.max !== null && range.max.lte(0) ? 'sell' : null;
    if (side !== null) {
      try {
        const quantity = Math.min(...options.map((h) => Math.abs(h.quantity)));
        return spreadIntent({ strategyId: args.strategyId, legs, quantity, netLimit: null, side, reason: args.reason, signalId: args.signalId });
      } catch (e) {
        // Not a structure a multi-leg order may carry (e.g. two expiries): close the legs one at a time.
        if (!(e instanceof InputError)) throw e;
      }
    }
  }
  const one = options[0] ?? args.held.find((h) => h.quantity !== 0);
  if (one === undefined) return null;
  return single(args.strategyId, one.instrument, one.quantity, args.reason, args.signalId);
}

function single(strategyId: string, instrument: Instrument, quantity: number, reason: string, signalId: string): OrderIntent {
  return { strategyId, instrument, side: closingSide(quantity), quantity: Math.abs(quantity), type: 'market', limitPrice: null, reason, signalId };
}

/** The contract an OCC symbol names (the machines keep plans as plain symbols). */
export function contractOf(symbol: string): OptionContract {
  return parseOccSymbol(symbol);
}

/** Legs of one vertical to open: the long contract bought and the short one sold, in `order`. */
export function openingLegs(long: OptionContract, short: OptionContract, order: 'long-first' | 'short-first'): OrderLeg[] {
  const buy: OrderLeg = { instrument: long, side: 'buy', ratio: 1 };
  const sell: OrderLeg = { instrument: short, side: 'sell', ratio: 1 };
  return order === 'long-first' ? [buy, sell] : [sell, buy];
}
