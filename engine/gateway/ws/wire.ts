import type { Bar } from '../../domain/market.js';
import { moneyString } from '../../domain/money.js';
import type { Fill } from '../../domain/orders.js';

/*
 * The JSON shapes only the WebSocket topics use, in the HTTP API's style
 * (../wire.ts holds the shared ones): money as decimal strings, times as
 * ISO-8601 UTC, statistics as plain numbers.
 */

const iso = (ts: number): string => new Date(ts).toISOString();

/** A fill as booked; `strategyId` is null for fills read back from the store, which does not keep it per fill. */
export function fillToJson(fill: Fill, strategyId: string | null): Record<string, unknown> {
  return {
    fillId: fill.fillId,
    clientOrderId: fill.clientOrderId,
    strategyId,
    symbol: fill.symbol,
    side: fill.side,
    quantity: fill.quantity,
    price: moneyString(fill.price),
    commission: moneyString(fill.commission),
    ts: iso(fill.ts),
  };
}

export function barToJson(b: Bar): Record<string, unknown> {
  return { symbol: b.symbol, timeframe: b.timeframe, ts: iso(b.ts), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
}
