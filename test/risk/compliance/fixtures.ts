import { Decimal } from '../../../engine/domain/money.js';
import { equity as equityOf, optionContract, type Instrument } from '../../../engine/domain/instrument.js';
import type { OrderIntent, Side } from '../../../engine/domain/orders.js';
import { nyWallTimeToUtc } from '../../../engine/domain/session.js';
import type { ComplianceContext } from '../../../engine/risk/compliance/types.js';
import { DayTradeTracker } from '../../../engine/risk/dayTrades.js';
import { LossSaleTracker } from '../../../engine/risk/lossSales.js';
import { OrderActivityTracker } from '../../../engine/risk/orderActivity.js';
import { DEFAULT_PRE_TRADE_LIMITS } from '../../../engine/risk/preTradeLimits.js';

/** New York wall time to epoch ms, with seconds and milliseconds. */
export function ny(date: string, hour: number, minute = 0, second = 0, ms = 0): number {
  return nyWallTimeToUtc(date, hour, minute) + second * 1000 + ms;
}

/** Tuesday 2024-03-12, 10:00 New York: a plain trading day in session. */
export const IN_SESSION = ny('2024-03-12', 10, 0);

export function intentFor(instrument: Instrument, side: Side, quantity: number, patch: Partial<OrderIntent> = {}): OrderIntent {
  return { strategyId: 'wsb-dip-bot', instrument, side, quantity, type: 'market', limitPrice: null, reason: 'test', signalId: 'sig-1', ...patch };
}

export const AAPL = equityOf('AAPL');
export const AAPL_CALL = optionContract({ underlying: 'AAPL', expiry: '2024-04-19', right: 'C', strike: 180 });
export const AAPL_PUT = optionContract({ underlying: 'AAPL', expiry: '2024-04-19', right: 'P', strike: 160 });

export function complianceContext(patch: Partial<ComplianceContext> = {}): ComplianceContext {
  return {
    intent: intentFor(AAPL, 'buy', 10),
    opening: true,
    now: IN_SESSION,
    equity: new Decimal(100_000),
    underlyingShares: 0,
    shortCallContracts: 0,
    limits: DEFAULT_PRE_TRADE_LIMITS,
    dayTrades: new DayTradeTracker(),
    lossSales: new LossSaleTracker(),
    orderActivity: new OrderActivityTracker(),
    ...patch,
  };
}
