import { CONTRACT_MULTIPLIER, Decimal, ZERO } from '../domain/money.js';
import { InputError } from '../domain/errors.js';
import { multiplierOf, type Instrument } from '../domain/instrument.js';
import type { Side } from '../domain/orders.js';
import { coveredCallRoom } from './compliance/shortSales.js';

/**
 * The quantity caps of an opening order: each says how many units at most the
 * order may have, and why. The pre-trade stage takes the smallest.
 *
 * Exposure is what a position can lose: a long position's market value, a
 * cash-secured put's strike × 100 per contract (the cash it reserves), and
 * nothing for a covered call (its risk is the shares, which count already).
 */

export type CapCode =
  | 'BUYING_POWER'
  | 'MAX_POSITION'
  | 'STRATEGY_ALLOCATION'
  | 'GROSS_EXPOSURE'
  | 'NAME_CONCENTRATION'
  | 'ORDER_NOTIONAL'
  | 'DAILY_NOTIONAL'
  | 'MAX_SHARES'
  | 'UNCOVERED_SHORT_CALL'
  | 'KELLY_LIMIT'
  | 'VAR_LIMIT';

export interface QuantityCap {
  readonly code: CapCode;
  /** Whole units, >= 0. */
  readonly maxQuantity: number;
  /** The limit, what is used of it, the unit cost and the resulting maximum, with numbers. */
  readonly detail: string;
}

export type OpeningKind = 'long' | 'cash_secured_put' | 'covered_call' | 'short_stock' | 'spread';

/** What one unit (a share, a contract) of an opening order costs and weighs. */
export interface UnitEconomics {
  readonly kind: OpeningKind;
  /** Estimated price per share (per underlying share for an option's premium). */
  readonly price: Decimal;
  readonly multiplier: number;
  /** Order notional per unit, for the order limits: premium × 100 for a long option, strike × 100 for a short one. */
  readonly notional: Decimal;
  /** Exposure added per unit. */
  readonly exposure: Decimal;
  /** Buying power used per unit. */
  readonly cost: Decimal;
  /** Shares per unit, for the share limit: 100 for a contract. */
  readonly shares: number;
}

export function unitEconomics(instrument: Instrument, side: Side, price: Decimal): UnitEconomics {
  const multiplier = multiplierOf(instrument);
  const value = price.times(multiplier);
  if (side === 'buy') return { kind: 'long', price, multiplier, notional: value, exposure: value, cost: value, shares: multiplier };
  if (instrument.kind === 'equity') return { kind: 'short_stock', price, multiplier, notional: value, exposure: value, cost: value, shares: multiplier };
  const strikeValue = instrument.strike.times(multiplier);
  if (instrument.right === 'P') {
    return { kind: 'cash_secured_put', price, multiplier, notional: strikeValue, exposure: strikeValue, cost: strikeValue, shares: multiplier };
  }
  return { kind: 'covered_call', price, multiplier, notional: strikeValue, exposure: ZERO, cost: ZERO, shares: multiplier };
}

/**
 * One spread of a defined-risk multi-leg order: what it can lose is what it
 * weighs. Its notional, exposure and buying power are all its maximum loss
 * × 100 (a debit spread's debit; a credit spread's width − credit), the
 * quantity unit being one spread; shares count 100 per spread.
 */
export function spreadUnitEconomics(maxLossPerShare: Decimal, netPerShare: Decimal): UnitEconomics {
  const multiplier = CONTRACT_MULTIPLIER;
  const risk = maxLossPerShare.times(multiplier);
  return { kind: 'spread', price: netPerShare.abs(), multiplier, notional: risk, exposure: risk, cost: risk, shares: multiplier };
}

/**
 * Exposure of a held position, measured as the caps measure an order, so the
 * engine can sum its book into PreTradeContext.exposure consistently.
 * `price` is the mark (or cost when there is none); a short option needs none.
 */
export function exposureOf(instrument: Instrument, signedQuantity: number, price: Decimal | null): Decimal {
  if (!Number.isSafeInteger(signedQuantity)) throw new InputError('quantity', `must be a whole number, got ${String(signedQuantity)}`);
  if (signedQuantity === 0) return ZERO;
  const units = Math.abs(signedQuantity);
  if (signedQuantity < 0 && instrument.kind === 'option') {
    return instrument.right === 'P' ? instrument.strike.times(multiplierOf(instrument)).times(units) : ZERO;
  }
  if (price === null || !price.isFinite() || price.isNegative()) {
    throw new InputError('price', `a ${signedQuantity > 0 ? 'long' : 'short stock'} position in ${instrument.symbol} needs a price >= 0, got ${String(price)}`);
  }
  return price.times(multiplierOf(instrument)).times(units);
}

export function money2(d: Decimal): string {
  return d.toFixed(2);
}

export function pct(x: number): string {
  return `${new Decimal(x).times(100).toFixed()}%`;
}

/**
 * Units that fit in `room` at `perUnit` each; null when the unit uses none of
 * this limit (e.g. a covered call's exposure), so the cap does not apply.
 */
export function roomCap(code: CapCode, room: Decimal, perUnit: Decimal, what: string): QuantityCap | null {
  if (perUnit.lte(0)) return null;
  const max = room.lte(0) ? 0 : room.div(perUnit).floor().toNumber();
  return { code, maxQuantity: max, detail: `${what}; room ${money2(Decimal.max(room, 0))} at ${money2(perUnit)} per unit allows ${max}` };
}

export interface ExposureSnapshot {
  /** This strategy's exposure to the order's underlying. */
  readonly position: Decimal;
  /** This strategy's exposure across all its positions. */
  readonly strategy: Decimal;
  /** The account's exposure to the order's underlying, all strategies. */
  readonly name: Decimal;
  /** The account's gross exposure. */
  readonly gross: Decimal;
}

export interface SizingCapInputs {
  readonly strategyId: string;
  readonly unit: UnitEconomics;
  readonly equity: Decimal;
  readonly cash: Decimal;
  readonly reservedBuyingPower: Decimal;
  readonly exposure: ExposureSnapshot;
  readonly allocationPct: number;
  readonly maxPositionPct: number;
  readonly maxGrossExposurePct: number;
  readonly underlyingShares: number;
  readonly shortCallContracts: number;
  /** Quarter-Kelly fraction of equity for one position; null when the strategy has no statistics. */
  readonly kellyFraction: number | null;
}

/** Caps from the account and the strategy's budget, in reporting order. */
export function sizingCaps(i: SizingCapInputs): QuantityCap[] {
  const { unit, equity, exposure } = i;
  const caps: Array<QuantityCap | null> = [];
  const free = i.cash.minus(i.reservedBuyingPower);
  caps.push(
    roomCap(
      'BUYING_POWER',
      free,
      unit.cost,
      `buying power ${money2(free)} = cash ${money2(i.cash)} − ${money2(i.reservedBuyingPower)} reserved by cash-secured puts` +
        (unit.kind === 'cash_secured_put' ? `; a cash-secured put reserves strike × ${unit.multiplier} per contract` : ''),
    ),
  );
  const budget = (code: CapCode, fraction: number, used: Decimal, label: string) => {
    const limit = equity.times(fraction);
    return roomCap(code, limit.minus(used), unit.exposure, `${label} ${money2(used)} of ${pct(fraction)} of equity ${money2(equity)} = ${money2(limit)}`);
  };
  caps.push(budget('MAX_POSITION', i.maxPositionPct, exposure.position, `position exposure of ${i.strategyId}`));
  caps.push(budget('STRATEGY_ALLOCATION', i.allocationPct, exposure.strategy, `allocation used by ${i.strategyId}`));
  caps.push(budget('GROSS_EXPOSURE', i.maxGrossExposurePct, exposure.gross, 'gross exposure'));
  if (unit.kind === 'covered_call') {
    const room = coveredCallRoom(i.underlyingShares, i.shortCallContracts);
    caps.push({
      code: 'UNCOVERED_SHORT_CALL',
      maxQuantity: room,
      detail: `${i.underlyingShares} shares held, ${i.shortCallContracts} call contract(s) already short: ${room} more contract(s) are covered at ${unit.multiplier} shares each`,
    });
  }
  if (i.kellyFraction !== null) caps.push(budget('KELLY_LIMIT', i.kellyFraction, exposure.position, `position exposure (quarter Kelly ${i.kellyFraction.toFixed(4)})`));
  return caps.filter((c): c is QuantityCap => c !== null);
}

export type VarSearch =
  | { readonly ok: true; readonly quantity: number; readonly varAtRequested: number; readonly varAtQuantity: number | null; readonly calls: number }
  | { readonly ok: false; readonly detail: string };

/**
 * The largest quantity k ≤ `requested` whose portfolio VaR after the trade is
 * within `maxVarPct`, by bisection (VaR is assumed to grow with the size of a
 * risk-adding trade). Asks the estimator once when the requested size fits,
 * at most about log2(requested) + 1 times otherwise. quantity 0 means even one
 * unit is too much. An estimator answer that is not a finite number ≥ 0 stops
 * the search (fail closed).
 */
export function largestWithinVar(requested: number, varAfter: (quantity: number) => number, maxVarPct: number): VarSearch {
  let calls = 0;
  const ask = (k: number): number | string => {
    calls++;
    const v = varAfter(k);
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : `the VaR estimator returned ${String(v)} for ${k} unit(s)`;
  };
  const atRequested = ask(requested);
  if (typeof atRequested === 'string') return { ok: false, detail: atRequested };
  if (atRequested <= maxVarPct) return { ok: true, quantity: requested, varAtRequested: atRequested, varAtQuantity: atRequested, calls };
  let lo = 0;
  let loVar: number | null = null;
  let hi = requested;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const v = ask(mid);
    if (typeof v === 'string') return { ok: false, detail: v };
    if (v <= maxVarPct) {
      lo = mid;
      loVar = v;
    } else hi = mid;
  }
  return { ok: true, quantity: lo, varAtRequested: atRequested, varAtQuantity: loVar, calls };
}
