import type { Decimal } from '../domain/money.js';
import type { OrderIntent } from '../domain/orders.js';

/**
 * The pre-trade sizing stage. Entries are cut down to the strategy's cap of
 * equity and to available cash; exits may only reduce what is held.
 * Caps are SPEC §1.11's per-strategy max position sizes (research_2024 preset).
 */
export interface RiskLimits {
  readonly maxPositionPct: Readonly<Record<string, number>>;
  readonly defaultMaxPositionPct: number;
  readonly maxOpenPositions: number;
}

export const DEFAULT_RISK_LIMITS: RiskLimits = {
  maxPositionPct: {
    'wsb-dip-bot': 0.25,
    'earnings-protection': 0.06,
    'index-baseline': 0.6,
    wheel: 0.2,
    'momentum-weeklies': 0.05,
    'debit-spreads': 0.15,
    'leaps-tracker': 0.03,
    'swing-trading': 0.05,
    'spx-credit-spreads': 0.04,
    'lotto-scanner': 0.01,
  },
  defaultMaxPositionPct: 0.05,
  maxOpenPositions: 20,
};

export interface RiskContext {
  readonly equity: Decimal;
  readonly cash: Decimal;
  /** Estimated price per share of the instrument now. */
  readonly unitPrice: Decimal;
  readonly multiplier: number;
  /** Signed quantity this strategy holds in the intent's instrument. */
  readonly heldQuantity: number;
  readonly openPositions: number;
}

export type RiskDecision =
  | { readonly approved: true; readonly intent: OrderIntent; readonly resized: boolean }
  | { readonly approved: false; readonly reason: string; readonly detail: string };

function reject(reason: string, detail: string): RiskDecision {
  return { approved: false, reason, detail };
}

export function assessIntent(intent: OrderIntent, ctx: RiskContext, limits: RiskLimits = DEFAULT_RISK_LIMITS): RiskDecision {
  if (!Number.isInteger(intent.quantity) || intent.quantity <= 0) return reject('invalid_quantity', `quantity must be a positive integer, got ${intent.quantity}`);
  const reducing = (intent.side === 'sell' && ctx.heldQuantity > 0) || (intent.side === 'buy' && ctx.heldQuantity < 0);
  if (reducing) {
    const qty = Math.min(intent.quantity, Math.abs(ctx.heldQuantity));
    return { approved: true, intent: { ...intent, quantity: qty }, resized: qty !== intent.quantity };
  }
  if (intent.side === 'sell') return reject('short_not_allowed', 'opening short positions is not allowed');
  if (ctx.openPositions >= limits.maxOpenPositions) return reject('risk_max_open_positions', `already ${ctx.openPositions} open positions (limit ${limits.maxOpenPositions})`);
  if (!ctx.unitPrice.isFinite() || ctx.unitPrice.lte(0)) return reject('no_price', 'no positive price estimate for the instrument');
  const perUnit = ctx.unitPrice.times(ctx.multiplier);
  const pct = limits.maxPositionPct[intent.strategyId] ?? limits.defaultMaxPositionPct;
  const byCap = ctx.equity.times(pct).div(perUnit).floor().toNumber();
  const byCash = ctx.cash.div(perUnit).floor().toNumber();
  const qty = Math.min(intent.quantity, byCap, byCash);
  if (qty < 1) {
    return byCash < 1 || byCash < byCap
      ? reject('insufficient_cash', `cash ${ctx.cash.toFixed(2)} buys no unit at ${perUnit.toFixed(2)}`)
      : reject('risk_max_position', `cap ${pct} of equity ${ctx.equity.toFixed(2)} buys no unit at ${perUnit.toFixed(2)}`);
  }
  return { approved: true, intent: { ...intent, quantity: qty }, resized: qty !== intent.quantity };
}
