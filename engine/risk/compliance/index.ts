import type { ComplianceRule } from './types.js';
import { marketHoursRule } from './marketHours.js';
import { restrictedSymbolsRule } from './restrictedSymbols.js';
import { shortSalesRule } from './shortSales.js';
import { patternDayTraderRule } from './patternDayTrader.js';
import { orderRateRule, symbolOrderRateRule } from './orderLimits.js';
import { washSaleRule } from './washSale.js';

export type { ComplianceBlockCode, ComplianceCode, ComplianceContext, ComplianceFinding, ComplianceRule, ComplianceWarningCode } from './types.js';

/**
 * Every compliance rule, in the order they are evaluated. All run on every
 * order; the first blocking finding in this order is the rejection reason.
 * Market state first, then what may be traded, then the account's regulatory
 * limits, then the engine's own rate limits, then warnings.
 */
export const COMPLIANCE_RULES: ReadonlyArray<{ readonly name: string; readonly rule: ComplianceRule }> = Object.freeze([
  { name: 'marketHours', rule: marketHoursRule },
  { name: 'restrictedSymbols', rule: restrictedSymbolsRule },
  { name: 'shortSales', rule: shortSalesRule },
  { name: 'patternDayTrader', rule: patternDayTraderRule },
  { name: 'orderRate', rule: orderRateRule },
  { name: 'symbolOrderRate', rule: symbolOrderRateRule },
  { name: 'washSale', rule: washSaleRule },
]);
