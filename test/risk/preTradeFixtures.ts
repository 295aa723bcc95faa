import { Decimal } from '../../engine/domain/money.js';
import { DayTradeTracker } from '../../engine/risk/dayTrades.js';
import { LossSaleTracker } from '../../engine/risk/lossSales.js';
import { OrderActivityTracker } from '../../engine/risk/orderActivity.js';
import type { PreTradeContext } from '../../engine/risk/preTrade.js';
import { IN_SESSION } from './compliance/fixtures.js';

/** A $100k cash account, nothing held, in session, a strong signal, empty histories. */
export function preTradeContext(patch: Partial<PreTradeContext> = {}): PreTradeContext {
  return {
    now: IN_SESSION,
    equity: new Decimal(100_000),
    cash: new Decimal(100_000),
    reservedBuyingPower: new Decimal(0),
    mark: new Decimal(100),
    heldQuantity: 0,
    accountQuantity: 0,
    underlyingShares: 0,
    shortCallContracts: 0,
    exposure: exposure({}),
    openPositions: 0,
    score: 95,
    confidence: 1,
    dayTrades: new DayTradeTracker(),
    lossSales: new LossSaleTracker(),
    orderActivity: new OrderActivityTracker(),
    ...patch,
  };
}

export function exposure(patch: Partial<PreTradeContext['exposure']>): PreTradeContext['exposure'] {
  return { position: new Decimal(0), strategy: new Decimal(0), name: new Decimal(0), gross: new Decimal(0), ...patch };
}
