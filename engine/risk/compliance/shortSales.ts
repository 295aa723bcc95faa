import { CONTRACT_MULTIPLIER } from '../../domain/money.js';
import { describeLegs, maxLossPerShare } from '../../domain/optionLegs.js';
import { block, type ComplianceRule } from './types.js';

/**
 * No naked shorts. Opening sells are allowed only as:
 * - a short put, which must be cash-secured (the buying-power cap sizes it to
 *   strike × 100 per contract of free cash, so it is not refused here);
 * - a short call covered by 100 shares per contract that the same strategy
 *   holds, net of the calls it is already short (the wheel's covered call).
 * Shorting stock and uncovered calls are refused.
 */

/** Contracts of new short calls the strategy's shares still cover. */
export function coveredCallRoom(underlyingShares: number, shortCallContracts: number): number {
  return Math.max(0, Math.floor(Math.max(0, underlyingShares) / CONTRACT_MULTIPLIER) - Math.max(0, shortCallContracts));
}

export const shortSalesRule: ComplianceRule = (ctx) => {
  const { intent } = ctx;
  if (!ctx.opening) return null;
  if (intent.legs !== undefined) {
    // A spread's short legs are covered by its long ones when its loss is bounded. A market spread
    // has no net here (a calendar's bound depends on it): the pre-trade stage judges it on the legs' mark.
    if (intent.limitPrice === null) return null;
    if (maxLossPerShare(intent.legs, intent.limitPrice) !== null) return null;
    return block('UNDEFINED_RISK_SPREAD', `${describeLegs(intent.legs)} can lose without bound (a short call not covered by a long one): not allowed`);
  }
  if (intent.side !== 'sell') return null;
  const instrument = intent.instrument;
  if (instrument.kind === 'equity') {
    return block('SHORT_STOCK_NOT_ALLOWED', `selling ${intent.quantity} ${instrument.symbol} would open a short stock position, which is not allowed`);
  }
  if (instrument.right === 'P') return null;
  if (coveredCallRoom(ctx.underlyingShares, ctx.shortCallContracts) < 1) {
    return block(
      'UNCOVERED_SHORT_CALL',
      `short call ${instrument.symbol.trim()} needs ${CONTRACT_MULTIPLIER} shares of ${instrument.underlying} per contract: ` +
        `the strategy holds ${ctx.underlyingShares} shares and is already short ${ctx.shortCallContracts} call contract(s)`,
    );
  }
  return null;
};
