import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import { InputError } from '../domain/errors.js';
import { multiplierOf, underlyingOf, type Instrument } from '../domain/instrument.js';
import type { OrderIntent, OrderLeg, Side } from '../domain/orders.js';
import { describeLegs, maxLossPerShare } from '../domain/optionLegs.js';
import { COMPLIANCE_RULES } from './compliance/index.js';
import type { ComplianceBlockCode, ComplianceContext, ComplianceFinding } from './compliance/types.js';
import { orderLimitCaps } from './compliance/orderLimits.js';
import type { DayTradeHistory } from './dayTrades.js';
import type { LossSaleHistory } from './lossSales.js';
import type { OrderActivityHistory } from './orderActivity.js';
import { allocationOf, DEFAULT_PRE_TRADE_LIMITS, type PreTradeLimits } from './preTradeLimits.js';
import { largestWithinVar, pct, sizingCaps, spreadUnitEconomics, unitEconomics, type CapCode, type ExposureSnapshot, type QuantityCap } from './preTradeCaps.js';
import { kellyFraction, sizeByStrength, type Grade, type KellyInputs } from './sizing.js';

/**
 * The pre-trade stage: compliance, then sizing by signal strength, then the
 * caps. Pure: everything it needs is in the context, and the histories are
 * read-only views. A rejection carries a stable reason code and a detail that
 * names the numbers; it never carries a quantity.
 *
 * An exit (an order that only reduces what the strategy holds in the
 * instrument) is cut to the held quantity and is never refused by sizing, the
 * caps, VaR or the PDT rule: it lowers risk. Market hours and the rate limits
 * still apply to it (see compliance/).
 */

export type PreTradeReason =
  | 'INVALID_QUANTITY'
  | 'INVALID_LIMIT_PRICE'
  | 'NO_PRICE'
  | ComplianceBlockCode
  | 'MAX_OPEN_POSITIONS'
  | 'SIGNAL_TOO_WEAK'
  | CapCode
  | 'VAR_UNAVAILABLE';

/** Every reason code, for documentation and for consumers that list them. */
export const PRE_TRADE_REASONS: readonly PreTradeReason[] = Object.freeze([
  'INVALID_QUANTITY', 'INVALID_LIMIT_PRICE', 'NO_PRICE',
  'MARKET_CLOSED', 'RESTRICTED_SYMBOL', 'SHORT_STOCK_NOT_ALLOWED', 'UNCOVERED_SHORT_CALL', 'UNDEFINED_RISK_SPREAD', 'PDT_LIMIT', 'ORDER_RATE_LIMIT', 'SYMBOL_ORDER_RATE_LIMIT',
  'MAX_OPEN_POSITIONS', 'SIGNAL_TOO_WEAK',
  'BUYING_POWER', 'MAX_POSITION', 'STRATEGY_ALLOCATION', 'GROSS_EXPOSURE', 'KELLY_LIMIT',
  'NAME_CONCENTRATION', 'ORDER_NOTIONAL', 'DAILY_NOTIONAL', 'MAX_SHARES', 'VAR_LIMIT', 'VAR_UNAVAILABLE',
] as const);

/** A candidate trade as the VaR estimator sees it. */
export interface ProposedTrade {
  readonly instrument: Instrument;
  readonly side: Side;
  readonly quantity: number;
  /** Order notional (premium × 100 for a long option, strike × 100 for a short one). */
  readonly notional: Decimal;
  /** Exposure the trade adds (see preTradeCaps.ts). */
  readonly exposure: Decimal;
}

export interface PreTradeContext {
  /** Clock time of the decision, epoch ms UTC. */
  readonly now: number;
  readonly equity: Decimal;
  readonly cash: Decimal;
  /** Cash held back for open cash-secured puts: strike × 100 × contracts, summed. */
  readonly reservedBuyingPower: Decimal;
  /** Mark per share (an option's premium per underlying share); null or ≤ 0 when there is none. */
  readonly mark: Decimal | null;
  /** Signed quantity this strategy holds in the intent's instrument. */
  readonly heldQuantity: number;
  /** For a multi-leg intent: the strategy's signed contracts of each leg's contract, in leg order. */
  readonly legHeld?: readonly number[];
  /** For a multi-leg intent: the net mark per share of one spread (Σ bought − Σ sold), when every leg has one. */
  readonly spreadMark?: Decimal | null;
  /** Signed quantity the account holds in the intent's instrument, all strategies. */
  readonly accountQuantity: number;
  /** Shares of the underlying this strategy holds (signed); they cover its short calls. */
  readonly underlyingShares: number;
  /** Short call contracts this strategy already has on the underlying (>= 0). */
  readonly shortCallContracts: number;
  /** Exposures now, measured with exposureOf. */
  readonly exposure: ExposureSnapshot;
  /** Account positions with a non-zero quantity. */
  readonly openPositions: number;
  /** Validated signal score, 0–100. */
  readonly score: number;
  /** Signal confidence, 0–1. */
  readonly confidence: number;
  /** The strategy's trade statistics; without them the Kelly cap is skipped. */
  readonly kelly?: KellyInputs;
  /** Portfolio VaR as a fraction of equity if the trade were added; without it the VaR cap is skipped. */
  readonly varAfterTrade?: (trade: ProposedTrade) => number;
  readonly dayTrades: DayTradeHistory;
  readonly lossSales: LossSaleHistory;
  readonly orderActivity: OrderActivityHistory;
}

export interface SkippedCheck {
  readonly check: 'VAR_LIMIT' | 'KELLY_LIMIT';
  readonly why: string;
}

export interface StrengthSizingReport {
  readonly requested: number;
  readonly grade: Grade;
  readonly factor: number;
  readonly graded: number;
}

export interface PreTradeApproval {
  readonly approved: true;
  /** The intent to place, with its quantity resized. */
  readonly intent: OrderIntent;
  readonly resized: boolean;
  /** False for an exit. */
  readonly opening: boolean;
  /** Estimated order notional, to record in the order activity; null for an exit without any price. */
  readonly notional: Decimal | null;
  /** Null for exits, which are not sized by strength. */
  readonly sizing: StrengthSizingReport | null;
  /** The cap that cut the graded quantity, if one did. */
  readonly bindingCap: { readonly code: CapCode; readonly detail: string } | null;
  readonly warnings: readonly ComplianceFinding[];
  readonly skipped: readonly SkippedCheck[];
}

export interface PreTradeRejection {
  readonly approved: false;
  readonly reason: PreTradeReason;
  readonly detail: string;
  readonly warnings: readonly ComplianceFinding[];
  readonly skipped: readonly SkippedCheck[];
}

export type PreTradeDecision = PreTradeApproval | PreTradeRejection;

function checkDecimal(v: unknown, field: string, nonNegative: boolean): void {
  if (!(v instanceof Decimal) || !v.isFinite() || (nonNegative && v.isNegative())) {
    throw new InputError(field, `must be a finite Decimal${nonNegative ? ' >= 0' : ''}, got ${String(v)}`);
  }
}

function checkInteger(v: unknown, field: string, nonNegative: boolean): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || (nonNegative && v < 0)) {
    throw new InputError(field, `must be a whole number${nonNegative ? ' >= 0' : ''}, got ${String(v)}`);
  }
}

/** The context is built by the engine, so a bad one is a wiring bug: it throws rather than rejecting. */
function checkContext(ctx: PreTradeContext): void {
  if (typeof ctx.now !== 'number' || !Number.isFinite(ctx.now)) throw new InputError('ctx.now', `must be a finite epoch ms, got ${String(ctx.now)}`);
  checkDecimal(ctx.equity, 'ctx.equity', false);
  checkDecimal(ctx.cash, 'ctx.cash', false);
  checkDecimal(ctx.reservedBuyingPower, 'ctx.reservedBuyingPower', true);
  if (ctx.mark !== null && !(ctx.mark instanceof Decimal)) throw new InputError('ctx.mark', `must be a Decimal or null, got ${String(ctx.mark)}`);
  checkInteger(ctx.heldQuantity, 'ctx.heldQuantity', false);
  checkInteger(ctx.accountQuantity, 'ctx.accountQuantity', false);
  checkInteger(ctx.underlyingShares, 'ctx.underlyingShares', false);
  checkInteger(ctx.shortCallContracts, 'ctx.shortCallContracts', true);
  checkInteger(ctx.openPositions, 'ctx.openPositions', true);
  for (const k of ['position', 'strategy', 'name', 'gross'] as const) checkDecimal(ctx.exposure[k], `ctx.exposure.${k}`, true);
  if (typeof ctx.score !== 'number' || !Number.isFinite(ctx.score) || ctx.score < 0 || ctx.score > 100) {
    throw new InputError('ctx.score', `must be a score from 0 to 100, got ${String(ctx.score)}`);
  }
  if (typeof ctx.confidence !== 'number' || !Number.isFinite(ctx.confidence) || ctx.confidence < 0 || ctx.confidence > 1) {
    throw new InputError('ctx.confidence', `must be a fraction from 0 to 1, got ${String(ctx.confidence)}`);
  }
}

/**
 * Price per share to size with. A limit buy never pays more than its limit, so
 * the limit bounds its notional; a market order uses the mark (the original
 * used 0 when no price was passed, which skipped every size check).
 */
export function priceEstimate(intent: OrderIntent, mark: Decimal | null): Decimal | null {
  const m = mark !== null && mark.isFinite() && mark.gt(0) ? mark : null;
  if (intent.type === 'limit' && intent.limitPrice !== null) {
    if (intent.side === 'buy') return intent.limitPrice;
    return m !== null && m.gt(intent.limitPrice) ? m : intent.limitPrice;
  }
  return m;
}

function pct2(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export function assessPreTrade(intent: OrderIntent, ctx: PreTradeContext, limits: PreTradeLimits = DEFAULT_PRE_TRADE_LIMITS): PreTradeDecision {
  checkContext(ctx);
  const warnings: ComplianceFinding[] = [];
  const skipped: SkippedCheck[] = [];
  const reject = (reason: PreTradeReason, detail: string): PreTradeRejection => ({ approved: false, reason, detail, warnings, skipped });

  if (!Number.isSafeInteger(intent.quantity) || intent.quantity <= 0) return reject('INVALID_QUANTITY', `quantity must be a whole number > 0, got ${String(intent.quantity)}`);
  // A spread's limit is a signed net (a credit is negative): checked by validateLegs where the intent was built.
  if (intent.legs !== undefined) return assessSpread(intent, intent.legs, ctx, limits, warnings, skipped);
  if (intent.type === 'limit' && (!(intent.limitPrice instanceof Decimal) || !intent.limitPrice.isFinite() || intent.limitPrice.lte(0))) {
    return reject('INVALID_LIMIT_PRICE', `a limit order needs a limit price > 0, got ${String(intent.limitPrice)}`);
  }

  const held = ctx.heldQuantity;
  const opening = !((intent.side === 'sell' && held > 0) || (intent.side === 'buy' && held < 0));
  const cctx = complianceContext(intent, opening, ctx, limits);
  const blocked = runCompliance(cctx, warnings);
  if (blocked !== null) return reject(blocked.code, blocked.detail);

  const price = priceEstimate(intent, ctx.mark);
  const multiplier = multiplierOf(intent.instrument);

  if (!opening) {
    const quantity = Math.min(intent.quantity, Math.abs(held));
    return {
      approved: true, intent: { ...intent, quantity }, resized: quantity !== intent.quantity, opening: false,
      notional: price === null ? null : price.times(multiplier).times(quantity), sizing: null, bindingCap: null, warnings, skipped,
    };
  }

  if (price === null) return reject('NO_PRICE', `no price for ${intent.instrument.symbol.trim()}: a ${intent.type} order needs a mark > 0 to be sized, got ${String(ctx.mark)}`);
  if (ctx.accountQuantity === 0 && ctx.openPositions >= limits.maxOpenPositions) {
    return reject('MAX_OPEN_POSITIONS', `${ctx.openPositions} positions are open (limit ${limits.maxOpenPositions}); ${intent.instrument.symbol.trim()} would be a new one`);
  }

  const strength = sizeByStrength(intent.quantity, ctx.score, ctx.confidence);
  const sizing: StrengthSizingReport = { requested: intent.quantity, grade: strength.grade, factor: strength.factor, graded: strength.quantity };
  if (strength.quantity < 1) {
    return reject('SIGNAL_TOO_WEAK', `score ${ctx.score} is grade ${strength.grade} (size factor ${strength.factor}): ${intent.quantity} requested, 0 graded`);
  }

  const unit = unitEconomics(intent.instrument, intent.side, price);
  let kelly: number | null = null;
  if (ctx.kelly === undefined) skipped.push({ check: 'KELLY_LIMIT', why: 'no trade statistics for this strategy in the context' });
  else kelly = kellyFraction(ctx.kelly);

  const underlying = underlyingOf(intent.instrument).toUpperCase();
  const caps: QuantityCap[] = [
    ...sizingCaps({
      strategyId: intent.strategyId, unit, equity: ctx.equity, cash: ctx.cash, reservedBuyingPower: ctx.reservedBuyingPower, exposure: ctx.exposure,
      allocationPct: allocationOf(limits, intent.strategyId), maxPositionPct: limits.maxPositionPct, maxGrossExposurePct: limits.maxGrossExposurePct,
      underlyingShares: ctx.underlyingShares, shortCallContracts: ctx.shortCallContracts, kellyFraction: kelly,
    }),
    ...orderLimitCaps({
      underlying, side: intent.side, unit, accountQuantity: ctx.accountQuantity, equity: ctx.equity, nameExposure: ctx.exposure.name,
      now: ctx.now, activity: ctx.orderActivity, limits,
    }),
  ];
  let { quantity, binding } = tightest(caps, strength.quantity);
  if (quantity < 1 && binding !== null) return reject(binding.code, binding.detail);

  const varAfter = ctx.varAfterTrade;
  if (varAfter === undefined) {
    skipped.push({ check: 'VAR_LIMIT', why: 'no VaR estimator in the context' });
  } else {
    const trade = (k: number): ProposedTrade => ({ instrument: intent.instrument, side: intent.side, quantity: k, notional: unit.notional.times(k), exposure: unit.exposure.times(k) });
    const search = largestWithinVar(quantity, (k) => varAfter(trade(k)), limits.maxVarPct);
    if (!search.ok) return reject('VAR_UNAVAILABLE', `${search.detail}; entries are refused until VaR can be estimated`);
    if (search.quantity < quantity) {
      const detail =
        `portfolio VaR after ${quantity} unit(s) would be ${pct2(search.varAtRequested)} of equity > limit ${pct(limits.maxVarPct)}; ` +
        (search.quantity < 1 ? 'not even 1 unit fits' : `${search.quantity} unit(s) fit at ${pct2(search.varAtQuantity ?? 0)}`);
      if (search.quantity < 1) return reject('VAR_LIMIT', detail);
      quantity = search.quantity;
      binding = { code: 'VAR_LIMIT', maxQuantity: search.quantity, detail };
    }
  }

  return {
    approved: true,
    intent: { ...intent, quantity },
    resized: quantity !== intent.quantity,
    opening: true,
    notional: unit.notional.times(quantity),
    sizing,
    bindingCap: binding === null ? null : { code: binding.code, detail: binding.detail },
    warnings,
    skipped,
  };
}

/**
 * A multi-leg intent (a spread). It closes when every leg takes the strategy's
 * position in that contract toward zero; it is then cut to the spreads held
 * and never refused by the caps. Opening, it must have bounded loss, and its
 * unit for every cap is one spread at its maximum loss (see
 * spreadUnitEconomics). It is not sized by strength twice: the grade applies
 * as for any entry.
 */
function assessSpread(
  intent: OrderIntent,
  legs: readonly OrderLeg[],
  ctx: PreTradeContext,
  limits: PreTradeLimits,
  warnings: ComplianceFinding[],
  skipped: SkippedCheck[],
): PreTradeDecision {
  const reject = (reason: PreTradeReason, detail: string): PreTradeRejection => ({ approved: false, reason, detail, warnings, skipped });
  const held = ctx.legHeld ?? legs.map(() => 0);
  const closable = legs.map((leg, i) => {
    const h = held[i] ?? 0;
    return leg.side === 'sell' ? Math.max(0, h) : Math.max(0, -h);
  });
  const closing = closable.every((c) => c > 0);
  const cctx = complianceContext(intent, !closing, ctx, limits);
  const blocked = runCompliance(cctx, warnings);
  if (blocked !== null) return reject(blocked.code, blocked.detail);
  const net = intent.limitPrice ?? ctx.spreadMark ?? null;
  if (closing) {
    const quantity = Math.min(intent.quantity, ...closable);
    return {
      approved: true, intent: { ...intent, quantity }, resized: quantity !== intent.quantity, opening: false,
      notional: net === null ? null : net.abs().times(CONTRACT_MULTIPLIER).times(quantity), sizing: null, bindingCap: null, warnings, skipped,
    };
  }
  if (net === null) return reject('NO_PRICE', `no net price for ${describeLegs(legs)}: a spread needs a limit or a mark on every leg`);
  const maxLoss = maxLossPerShare(legs, net);
  if (maxLoss === null) return reject('UNDEFINED_RISK_SPREAD', `${describeLegs(legs)} can lose without bound`);
  if (ctx.openPositions + legs.length > limits.maxOpenPositions) {
    return reject('MAX_OPEN_POSITIONS', `${ctx.openPositions} positions are open (limit ${limits.maxOpenPositions}); ${describeLegs(legs)} would add ${legs.length}`);
  }
  const strength = sizeByStrength(intent.quantity, ctx.score, ctx.confidence);
  const sizing: StrengthSizingReport = { requested: intent.quantity, grade: strength.grade, factor: strength.factor, graded: strength.quantity };
  if (strength.quantity < 1) return reject('SIGNAL_TOO_WEAK', `score ${ctx.score} is grade ${strength.grade} (size factor ${strength.factor}): ${intent.quantity} requested, 0 graded`);
  const unit = spreadUnitEconomics(maxLoss, net);
  const underlying = underlyingOf(intent.instrument).toUpperCase();
  const caps: QuantityCap[] = [
    ...sizingCaps({
      strategyId: intent.strategyId, unit, equity: ctx.equity, cash: ctx.cash, reservedBuyingPower: ctx.reservedBuyingPower, exposure: ctx.exposure,
      allocationPct: allocationOf(limits, intent.strategyId), maxPositionPct: limits.maxPositionPct, maxGrossExposurePct: limits.maxGrossExposurePct,
      underlyingShares: ctx.underlyingShares, shortCallContracts: ctx.shortCallContracts, kellyFraction: null,
    }),
    ...orderLimitCaps({
      underlying, side: intent.side, unit, accountQuantity: 0, equity: ctx.equity, nameExposure: ctx.exposure.name, now: ctx.now, activity: ctx.orderActivity, limits,
    }),
  ];
  const { quantity, binding } = tightest(caps, strength.quantity);
  if (quantity < 1 && binding !== null) return reject(binding.code, binding.detail);
  // The VaR estimator models single instruments; a spread's worst case is bounded by its max loss, which the caps above already size.
  skipped.push({ check: 'VAR_LIMIT', why: 'a defined-risk spread is capped by its maximum loss; the delta-normal estimator does not model spreads' });
  return {
    approved: true, intent: { ...intent, quantity }, resized: quantity !== intent.quantity, opening: true, notional: unit.notional.times(quantity),
    sizing, bindingCap: binding === null ? null : { code: binding.code, detail: binding.detail }, warnings, skipped,
  };
}

function complianceContext(intent: OrderIntent, opening: boolean, ctx: PreTradeContext, limits: PreTradeLimits): ComplianceContext {
  return {
    intent, opening, now: ctx.now, equity: ctx.equity, underlyingShares: ctx.underlyingShares, shortCallContracts: ctx.shortCallContracts,
    limits, dayTrades: ctx.dayTrades, lossSales: ctx.lossSales, orderActivity: ctx.orderActivity,
  };
}

/** Every rule runs (so all warnings are reported); the first blocking finding is returned. */
type BlockingFinding = Extract<ComplianceFinding, { severity: 'block' }>;

function runCompliance(cctx: ComplianceContext, warnings: ComplianceFinding[]): BlockingFinding | null {
  let blocked: BlockingFinding | null = null;
  for (const { rule } of COMPLIANCE_RULES) {
    const finding = rule(cctx);
    if (finding === null) continue;
    if (finding.severity === 'warn') warnings.push(finding);
    else blocked ??= finding;
  }
  return blocked;
}

/** The smallest cap below `requested`, and which one it was (the first of equals, in reporting order). */
function tightest(caps: readonly QuantityCap[], requested: number): { quantity: number; binding: QuantityCap | null } {
  let quantity = requested;
  let binding: QuantityCap | null = null;
  for (const cap of caps) {
    if (cap.maxQuantity < quantity) {
      quantity = cap.maxQuantity;
      binding = cap;
    }
  }
  return { quantity, binding };
}

/** One line for logs and the signal history: `CODE: detail`. */
export function describeRejection(r: PreTradeRejection): string {
  return `${r.reason}: ${r.detail}`;
}

