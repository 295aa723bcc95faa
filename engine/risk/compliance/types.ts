import type { Decimal } from '../../domain/money.js';
import type { OrderIntent } from '../../domain/orders.js';
import type { PreTradeLimits } from '../preTradeLimits.js';
import type { DayTradeHistory } from '../dayTrades.js';
import type { LossSaleHistory } from '../lossSales.js';
import type { OrderActivityHistory } from '../orderActivity.js';

/** Codes of findings that refuse an order. Stable: they are persisted and shown to operators. */
export type ComplianceBlockCode =
  | 'MARKET_CLOSED'
  | 'RESTRICTED_SYMBOL'
  | 'SHORT_STOCK_NOT_ALLOWED'
  | 'UNCOVERED_SHORT_CALL'
  | 'UNDEFINED_RISK_SPREAD'
  | 'PDT_LIMIT'
  | 'ORDER_RATE_LIMIT'
  | 'SYMBOL_ORDER_RATE_LIMIT';

/** Codes of findings that let the order through and are reported with it. */
export type ComplianceWarningCode = 'RESTRICTED_SYMBOL_EXIT' | 'PDT_DAY_TRADE_WARNING' | 'WASH_SALE_WARNING';

export type ComplianceCode = ComplianceBlockCode | ComplianceWarningCode;

export type ComplianceFinding =
  | { readonly code: ComplianceBlockCode; readonly severity: 'block'; readonly detail: string }
  | { readonly code: ComplianceWarningCode; readonly severity: 'warn'; readonly detail: string };

/** What a compliance rule may look at. Everything is a snapshot or a read-only view. */
export interface ComplianceContext {
  readonly intent: OrderIntent;
  /** False for an exit: an order that only reduces what this strategy holds in the instrument. */
  readonly opening: boolean;
  /** Clock time of the decision, epoch ms UTC. */
  readonly now: number;
  readonly equity: Decimal;
  /** Shares of the underlying this strategy holds (signed); what covers its short calls. */
  readonly underlyingShares: number;
  /** Short call contracts this strategy already has on the underlying, all strikes and expiries (>= 0). */
  readonly shortCallContracts: number;
  readonly limits: PreTradeLimits;
  readonly dayTrades: DayTradeHistory;
  readonly lossSales: LossSaleHistory;
  readonly orderActivity: OrderActivityHistory;
}

export type ComplianceRule = (ctx: ComplianceContext) => ComplianceFinding | null;

export function block(code: ComplianceBlockCode, detail: string): ComplianceFinding {
  return { code, severity: 'block', detail };
}

export function warn(code: ComplianceWarningCode, detail: string): ComplianceFinding {
  return { code, severity: 'warn', detail };
}
