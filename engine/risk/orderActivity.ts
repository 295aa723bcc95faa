import { Decimal } from '../domain/money.js';
import { ZERO } from '../domain/money.js';
import { InputError } from '../domain/errors.js';
import { nyParts } from '../domain/session.js';

/**
 * Counters of approved orders for the original's rate and daily notional
 * limits. Rates count orders in the last minute, after now − 60 s. The daily
 * notional rolls over at midnight New York (the trading-day boundary), not at
 * the UTC date change the original used, which split a US session in two.
 */

export const RATE_WINDOW_MS = 60_000;

export interface ApprovedOrder {
  /** The underlying: orders on different contracts of one name share its rate limit. */
  readonly underlying: string;
  /** Estimated order notional (PreTradeApproval.notional). */
  readonly notional: Decimal;
  /** Approval time, epoch ms UTC. */
  readonly ts: number;
}

/** What the order-limit rules read. */
export interface OrderActivityHistory {
  ordersInLastMinute(now: number): number;
  symbolOrdersInLastMinute(underlying: string, now: number): number;
  /** Notional approved on the New York date of `now`. */
  notionalOnDay(now: number): Decimal;
}

/** Later timestamps count too, so a clock that stepped back never hides an order. */
function countAfter(times: readonly number[], from: number): number {
  let n = 0;
  for (const t of times) if (t > from) n++;
  return n;
}

export class OrderActivityTracker implements OrderActivityHistory {
  private times: number[] = [];
  private readonly bySymbol = new Map<string, number[]>();
  private day = '';
  private dayNotional: Decimal = ZERO;

  /** Record an order the pre-trade stage approved (the original counted approvals only). */
  record(order: ApprovedOrder): void {
    if (!Number.isFinite(order.ts)) throw new InputError('order.ts', `must be a finite epoch ms, got ${String(order.ts)}`);
    if (!(order.notional instanceof Decimal) || !order.notional.isFinite() || order.notional.isNegative()) {
      throw new InputError('order.notional', `must be a finite Decimal >= 0, got ${String(order.notional)}`);
    }
    const key = order.underlying.toUpperCase();
    const cutoff = order.ts - RATE_WINDOW_MS;
    this.times = this.times.filter((t) => t > cutoff);
    this.times.push(order.ts);
    const list = (this.bySymbol.get(key) ?? []).filter((t) => t > cutoff);
    list.push(order.ts);
    this.bySymbol.set(key, list);
    for (const [sym, ts] of this.bySymbol) if (ts.every((t) => t <= cutoff)) this.bySymbol.delete(sym);

    const date = nyParts(order.ts).date;
    if (date !== this.day) {
      this.day = date;
      this.dayNotional = ZERO;
    }
    this.dayNotional = this.dayNotional.plus(order.notional);
  }

  ordersInLastMinute(now: number): number {
    return countAfter(this.times, now - RATE_WINDOW_MS);
  }

  symbolOrdersInLastMinute(underlying: string, now: number): number {
    return countAfter(this.bySymbol.get(underlying.toUpperCase()) ?? [], now - RATE_WINDOW_MS);
  }

  notionalOnDay(now: number): Decimal {
    return nyParts(now).date === this.day ? this.dayNotional : ZERO;
  }
}
