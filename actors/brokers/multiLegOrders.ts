import { Decimal, ZERO, CONTRACT_MULTIPLIER, roundMoney } from '../../engine/domain/money.js';
import { InputError } from '../../engine/domain/errors.js';
import type { Fill, Order, OrderLeg } from '../../engine/domain/orders.js';
import { checkOrderLegs, legQuantity, maxLossPerShare } from '../../engine/domain/optionLegs.js';
import { createRng } from '../../engine/domain/random.js';
import type { PaperBrokerConfig } from './paperBrokerConfig.js';
import { legPricesAt, type LegModel } from './multiLegPricing.js';
import { optionRequirement, withChanges, type HeldInstrument } from './optionMargin.js';

/**
 * Submit checks and fills of multi-leg orders at the paper venue.
 *
 * Buying power: an order holds back what it pays plus what it adds to the
 * option requirement (optionMargin.ts), net: a debit spread its debit, a
 * credit spread width × 100 − credit (its max loss), per spread, plus
 * commissions. An order whose every leg closes a held position holds back
 * only a debit it pays. A combination with unbounded loss (net short calls,
 * a calendar sold for a credit) is refused 'uncovered_short' unless it only
 * closes. Fills are all-or-none: every leg, the whole quantity, in one bar.
 */

export interface SpreadVenue {
  readonly config: PaperBrokerConfig;
  held(symbol: string): number;
  heldInstruments(): HeldInstrument[];
  /** Last close of the underlying; undefined before its first bar. */
  lastUnderlying(underlying: string): number | undefined;
  readonly model: LegModel;
  /** Cash not yet held back by working orders or the option requirement. */
  available(): Decimal;
  /** Contracts of `symbol` that working orders are already selling. */
  workingSells(symbol: string): number;
}

export type SpreadCheck = { reason: null; reservePerUnit: Decimal } | { reason: string; reservePerUnit: Decimal };

const reject = (code: string, detail: string): SpreadCheck => ({ reason: `${code}: ${detail}`, reservePerUnit: ZERO });

/** Whether every leg only reduces a position held (and not already being sold). */
function closesHeld(legs: readonly OrderLeg[], spreads: number, venue: SpreadVenue): boolean {
  return legs.every((leg) => {
    const q = legQuantity(leg, spreads);
    const held = venue.held(leg.instrument.symbol);
    return q > 0 ? held <= -q : held - venue.workingSells(leg.instrument.symbol) >= -q;
  });
}

/** Per-leg adverse fraction: the slippage and, when configured, a seeded jitter per leg and fill. */
export function adverseOf(config: PaperBrokerConfig, order: Order, fillSeq: number): Decimal[] {
  const slippage = new Decimal(String(config.slippageBps)).div(10_000);
  return (order.legs ?? []).map((_, i) => {
    if (config.slippageJitterBps <= 0) return slippage;
    const key = `${order.signalId ?? order.clientOrderId}:${fillSeq}:${i}`;
    const extraBps = createRng(config.seed, key).uniform() * config.slippageJitterBps;
    return slippage.plus(new Decimal(extraBps.toFixed(6)).div(10_000));
  });
}

export function commissionOf(config: PaperBrokerConfig, legs: readonly OrderLeg[], spreads: number): Decimal {
  return legs.reduce((acc, leg) => acc.plus(roundMoney(config.commissionPerContract.times(leg.ratio * spreads))), ZERO);
}

export function checkSpread(order: Order, venue: SpreadVenue): SpreadCheck {
  let legs: readonly OrderLeg[];
  try {
    legs = checkOrderLegs(order);
  } catch (e) {
    if (e instanceof InputError) return reject('invalid_legs', e.message);
    throw e;
  }
  const first = legs[0] as OrderLeg;
  if (order.symbol !== first.instrument.underlying || order.instrument.symbol !== first.instrument.symbol) {
    return reject('unknown_instrument', `a multi-leg order's symbol is its underlying and its instrument its first leg, got ${JSON.stringify(order.symbol)} / ${JSON.stringify(order.instrument.symbol)}`);
  }
  const q = order.quantity;
  if (legs.some((l) => l.ratio * q > venue.config.maxContractsPerBar)) {
    return reject('invalid_quantity', `quantity ${q}: a multi-leg order fills all-or-none, so each leg must fit maxContractsPerBar (${venue.config.maxContractsPerBar})`);
  }
  let net: Decimal;
  if (order.limitPrice !== null) {
    net = order.limitPrice;
  } else {
    const spot = venue.lastUnderlying(first.instrument.underlying);
    const priced = spot === undefined ? null : legPricesAt({ legs, model: venue.model, adverse: adverseOf(venue.config, order, 1), dp: venue.config.priceDecimals.option }, spot);
    if (priced === null) return reject('no_reference_price', `no usable price for ${first.instrument.underlying}, so a market multi-leg order cannot be checked against buying power`);
    net = priced.net;
  }
  const closing = closesHeld(legs, q, venue);
  if (!closing && maxLossPerShare(legs, net) === null) {
    return reject('uncovered_short', `${order.symbol} legs have no bounded loss (naked short calls or a calendar sold for a credit); only defined-risk combinations are accepted`);
  }
  const commission = commissionOf(venue.config, legs, q);
  let reserve: Decimal;
  if (closing) {
    reserve = Decimal.max(net, ZERO).times(CONTRACT_MULTIPLIER).times(q);
  } else {
    const held = venue.heldInstruments();
    const after = withChanges(held, legs.map((l) => ({ instrument: l.instrument, quantity: legQuantity(l, q) })));
    const added = optionRequirement(after).minus(optionRequirement(held));
    reserve = Decimal.max(net.times(CONTRACT_MULTIPLIER).times(q).plus(added), ZERO);
  }
  const available = venue.available();
  if (reserve.plus(commission).gt(available)) {
    return reject('insufficient_buying_power', `${q} × ${order.symbol} spread needs about ${roundMoney(reserve.plus(commission)).toFixed(2)} but ${roundMoney(available).toFixed(2)} is available`);
  }
  return { reason: null, reservePerUnit: reserve.div(q) };
}

/** One fill per leg of one all-or-none execution, sharing a groupId. */
export function spreadFills(order: Order, prices: readonly Decimal[], ts: number, config: PaperBrokerConfig): Fill[] {
  const groupId = `${order.clientOrderId}-g1`;
  return (order.legs ?? []).map((leg, i) => ({
    fillId: `${groupId}-l${i + 1}`,
    clientOrderId: order.clientOrderId,
    symbol: leg.instrument.symbol,
    side: leg.side,
    quantity: leg.ratio * order.quantity,
    price: prices[i] as Decimal,
    commission: roundMoney(config.commissionPerContract.times(leg.ratio * order.quantity)),
    ts,
    groupId,
  }));
}
