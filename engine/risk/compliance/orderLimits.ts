import type { Decimal } from '../../domain/money.js';
import { underlyingOf } from '../../domain/instrument.js';
import type { Side } from '../../domain/orders.js';
import type { OrderActivityHistory } from '../orderActivity.js';
import type { PreTradeLimits } from '../preTradeLimits.js';
import { money2, pct, roomCap, type QuantityCap, type UnitEconomics } from '../preTradeCaps.js';
import { block, type ComplianceRule } from './types.js';

/**
 * The original's order limits (execution/pre_trade_compliance.py), with its
 * defects fixed:
 * - a market order's notional is estimated from the mark, and an order with
 *   no price at all is refused, instead of counting as 0 and skipping every
 *   size check;
 * - an option's notional carries the ×100 multiplier;
 * - the daily notional rolls at midnight New York (orderActivity.ts).
 *
 * The rate limits are gates and apply to exits too: they stop a runaway loop,
 * whichever way it trades, and a refused exit is raised again on the next bar.
 * The notional, share and name limits are caps on opening orders: they shrink
 * the order to what fits, and refuse it only when not one unit fits.
 */

export const orderRateRule: ComplianceRule = (ctx) => {
  const max = ctx.limits.maxOrdersPerMinute;
  const n = ctx.orderActivity.ordersInLastMinute(ctx.now);
  return n >= max ? block('ORDER_RATE_LIMIT', `${n} orders approved in the last 60 s (limit ${max} per minute)`) : null;
};

export const symbolOrderRateRule: ComplianceRule = (ctx) => {
  const max = ctx.limits.maxOrdersPerSymbolPerMinute;
  const underlying = underlyingOf(ctx.intent.instrument).toUpperCase();
  const n = ctx.orderActivity.symbolOrdersInLastMinute(underlying, ctx.now);
  return n >= max ? block('SYMBOL_ORDER_RATE_LIMIT', `${n} orders on ${underlying} approved in the last 60 s (limit ${max} per minute)`) : null;
};

export interface OrderCapInputs {
  readonly underlying: string;
  readonly side: Side;
  readonly unit: UnitEconomics;
  /** The account's signed quantity in the instrument, all strategies. */
  readonly accountQuantity: number;
  readonly equity: Decimal;
  /** The account's exposure to the underlying, all strategies. */
  readonly nameExposure: Decimal;
  readonly now: number;
  readonly activity: OrderActivityHistory;
  readonly limits: PreTradeLimits;
}

export function orderLimitCaps(i: OrderCapInputs): QuantityCap[] {
  const { unit, limits } = i;
  const caps: Array<QuantityCap | null> = [];
  const nameLimit = i.equity.times(limits.maxNamePct);
  caps.push(
    roomCap(
      'NAME_CONCENTRATION',
      nameLimit.minus(i.nameExposure),
      unit.exposure,
      `account exposure to ${i.underlying} ${money2(i.nameExposure)} of ${pct(limits.maxNamePct)} of equity ${money2(i.equity)} = ${money2(nameLimit)}`,
    ),
  );
  caps.push(roomCap('ORDER_NOTIONAL', limits.maxOrderNotional, unit.notional, `order notional limit ${money2(limits.maxOrderNotional)}`));
  const today = i.activity.notionalOnDay(i.now);
  caps.push(
    roomCap('DAILY_NOTIONAL', limits.maxDailyNotional.minus(today), unit.notional, `notional approved today ${money2(today)} of the daily limit ${money2(limits.maxDailyNotional)}`),
  );
  const maxUnits = Math.floor(limits.maxShares / unit.shares);
  const room = Math.max(0, i.side === 'buy' ? maxUnits - i.accountQuantity : maxUnits + i.accountQuantity);
  caps.push({
    code: 'MAX_SHARES',
    maxQuantity: room,
    detail: `position limit ${limits.maxShares} shares (${maxUnits} units of ${unit.shares}); the account holds ${i.accountQuantity}: ${room} more unit(s) allowed`,
  });
  return caps.filter((c): c is QuantityCap => c !== null);
}
