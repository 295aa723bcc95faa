import { ZERO } from '../../../engine/domain/money.js';
import type { Decimal } from '../../../engine/domain/money.js';
import type { Fill, Side } from '../../../engine/domain/orders.js';
import { AlpacaError } from './errors.js';
import { fromAlpacaSymbol } from './identifiers.js';
import type { AlpacaOrder, TradeUpdate } from './schemas.js';

/** One execution as the stream reports it (a simple order's, or one leg of a multi-leg order's). */
export interface Execution {
  readonly executionId: string;
  /** Engine symbol (padded OCC for options). */
  readonly symbol: string;
  readonly quantity: number;
  readonly price: Decimal;
  readonly ts: number;
  readonly commission: Decimal;
}

/** The executions a fill or partial_fill event names: its own, or one per leg of a multi-leg order. */
export function executionsOf(u: TradeUpdate, ts: number): Execution[] {
  const o = u.order;
  if (o.order_class === 'mleg') {
    return (u.legs ?? []).map((leg, i) => ({
      executionId: leg.execution_id, symbol: fromAlpacaSymbol(leg.symbol, 'us_option'), quantity: wholeQuantity(leg.qty, `legs.${i}.qty`),
      price: leg.price, ts: leg.timestamp ?? ts, commission: leg.commission ?? ZERO,
    }));
  }
  if (u.execution_id === undefined || u.qty === null || u.price === null) return [];
  return [{ executionId: u.execution_id, symbol: fromAlpacaSymbol(o.symbol, o.asset_class), quantity: wholeQuantity(u.qty, 'qty'), price: u.price, ts, commission: ZERO }];
}

interface Totals {
  qty: number;
  notional: Decimal;
}

/** Cumulative executions of one broker order per traded symbol (one symbol, or one per leg). */
interface BrokerOrderTotals {
  readonly bySymbol: Map<string, Totals & { readonly side: Side }>;
  readonly ts: number;
}

interface EngineOrderFills {
  /** Per Alpaca order id: an order and its replacements each fill on their own. */
  readonly brokerOrders: Map<string, BrokerOrderTotals>;
  /** What has been reported to the engine as fills, per symbol. */
  readonly reported: Map<string, Totals>;
}

/** Whole shares or contracts only: the engine does not book fractions. */
export function wholeQuantity(value: Decimal, field: string): number {
  if (!value.isInteger() || value.isNegative() || !Number.isSafeInteger(value.toNumber())) {
    throw new AlpacaError('schema', `field ${field}: ${value.toFixed()} is not a whole, non-negative quantity (fractional trading is not supported)`, { field });
  }
  return value.toNumber();
}

function side(value: string, field: string): Side {
  if (value !== 'buy' && value !== 'sell') throw new AlpacaError('schema', `field ${field}: side must be buy or sell, got ${JSON.stringify(value)}`, { field });
  return value;
}

function totalsOf(order: AlpacaOrder): BrokerOrderTotals {
  const bySymbol = new Map<string, Totals & { side: Side }>();
  const add = (o: AlpacaOrder, field: string) => {
    const qty = wholeQuantity(o.filled_qty, `${field}filled_qty`);
    if (qty > 0 && o.filled_avg_price === null) {
      throw new AlpacaError('schema', `field ${field}filled_avg_price: missing while filled_qty is ${qty}`, { field: `${field}filled_avg_price` });
    }
    const symbol = fromAlpacaSymbol(o.symbol, o.asset_class || (order.order_class === 'mleg' ? 'us_option' : ''));
    bySymbol.set(symbol, { qty, notional: qty > 0 ? (o.filled_avg_price as Decimal).times(qty) : ZERO, side: side(o.side, `${field}side`) });
  };
  if (order.order_class === 'mleg') {
    if (!order.legs || order.legs.length === 0) throw new AlpacaError('schema', 'field legs: a multi-leg order came without its legs', { field: 'legs' });
    order.legs.forEach((leg, i) => add(leg, `legs.${i}.`));
  } else {
    add(order, '');
  }
  return { bySymbol, ts: order.filled_at ?? order.updated_at ?? order.created_at };
}

/**
 * Turns what Alpaca says an order has filled (cumulative, per broker order)
 * into exactly the fills the engine has not been told about yet, whatever
 * the path: a stream event, a lookup after a reconnect, a reconciliation at
 * start. Executions the stream names are reported with their execution id;
 * a gap nobody reported (missed while disconnected, or lost in a crash) is
 * reported as one fill priced from the cumulative averages, with an id
 * derived from the cumulative quantity, so it is the same id on every run
 * and the store books it once.
 *
 * Seeded per order from the store's fills on first sight, so after a
 * restart nothing booked before is reported again.
 */
export class FillLedger {
  private readonly orders = new Map<string, EngineOrderFills>();

  constructor(private readonly booked: (clientOrderId: string) => Promise<readonly Fill[]> = () => Promise.resolve([])) {}

  private async entry(clientOrderId: string): Promise<EngineOrderFills> {
    let e = this.orders.get(clientOrderId);
    if (e) return e;
    const fills = await this.booked(clientOrderId);
    // Another caller may have seeded it while the store answered.
    e = this.orders.get(clientOrderId);
    if (e) return e;
    e = { brokerOrders: new Map(), reported: new Map() };
    for (const f of fills) {
      const t = e.reported.get(f.symbol) ?? { qty: 0, notional: ZERO };
      e.reported.set(f.symbol, { qty: t.qty + f.quantity, notional: t.notional.plus(f.price.times(f.quantity)) });
    }
    this.orders.set(clientOrderId, e);
    return e;
  }

  /** Quantity reported so far per symbol (for reconciliation reports). */
  async reportedQuantity(clientOrderId: string): Promise<ReadonlyMap<string, number>> {
    const e = await this.entry(clientOrderId);
    return new Map([...e.reported].map(([s, t]) => [s, t.qty]));
  }

  /**
   * Record `order` (one Alpaca order of the engine order `clientOrderId`) and
   * return the fills that bring the engine up to it. `executions` are the
   * stream event's own, if any.
   */
  async catchUp(clientOrderId: string, order: AlpacaOrder, executions: readonly Execution[] = [], groupId?: string): Promise<Fill[]> {
    const e = await this.entry(clientOrderId);
    const totals = totalsOf(order);
    const known = e.brokerOrders.get(order.id);
    // Events can overtake a lookup: cumulative quantities only ever grow.
    if (!known || sumQty(totals) >= sumQty(known)) e.brokerOrders.set(order.id, totals);
    const fills: Fill[] = [];
    for (const [symbol, t] of totals.bySymbol) {
      const cum = this.cumulative(e, symbol);
      const rep = e.reported.get(symbol) ?? { qty: 0, notional: ZERO };
      const gap = cum.qty - rep.qty;
      if (gap <= 0) continue;
      const own = executions.filter((x) => x.symbol === symbol);
      const ownQty = own.reduce((n, x) => n + x.quantity, 0);
      const base = { clientOrderId, symbol, side: t.side, ...(groupId !== undefined ? { groupId } : {}) };
      if (ownQty > 0 && ownQty <= gap) {
        const missed = gap - ownQty;
        if (missed > 0) {
          const ownNotional = own.reduce((n, x) => n.plus(x.price.times(x.quantity)), ZERO);
          const price = gapPrice(cum.notional.minus(rep.notional).minus(ownNotional), missed, cum);
          fills.push({ ...base, fillId: derivedFillId(clientOrderId, symbol, rep.qty + missed), quantity: missed, price, commission: ZERO, ts: totals.ts });
        }
        for (const x of own) fills.push({ ...base, fillId: x.executionId, quantity: x.quantity, price: x.price, commission: x.commission, ts: x.ts });
      } else {
        const price = gapPrice(cum.notional.minus(rep.notional), gap, cum);
        fills.push({ ...base, fillId: derivedFillId(clientOrderId, symbol, cum.qty), quantity: gap, price, commission: ZERO, ts: totals.ts });
      }
      e.reported.set(symbol, { qty: cum.qty, notional: rep.notional.plus(fills.filter((f) => f.symbol === symbol).reduce((n, f) => n.plus(f.price.times(f.quantity)), ZERO)) });
    }
    return fills;
  }

  private cumulative(e: EngineOrderFills, symbol: string): Totals {
    let qty = 0;
    let notional = ZERO;
    for (const b of e.brokerOrders.values()) {
      const t = b.bySymbol.get(symbol);
      if (!t) continue;
      qty += t.qty;
      notional = notional.plus(t.notional);
    }
    return { qty, notional };
  }
}

function sumQty(t: BrokerOrderTotals): number {
  let n = 0;
  for (const s of t.bySymbol.values()) n += s.qty;
  return n;
}

/** The average price of a gap; the order's average where rounding left nothing sensible. */
function gapPrice(notional: Decimal, qty: number, cum: Totals): Decimal {
  const p = notional.div(qty).toDecimalPlaces(8);
  return p.isNegative() && cum.qty > 0 ? cum.notional.div(cum.qty).toDecimalPlaces(8) : p;
}

function derivedFillId(clientOrderId: string, symbol: string, cumulativeQty: number): string {
  return `alpaca:${clientOrderId}:${symbol.replace(/ /g, '')}:${cumulativeQty}`;
}

