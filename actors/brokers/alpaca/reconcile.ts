import type { Alert } from '../../../engine/bus.js';
import { OPEN_ORDER_STATUSES, isTerminal } from '../../../engine/domain/orders.js';
import type { Fill, OrderStatus } from '../../../engine/domain/orders.js';
import type { TradingStore } from '../../../engine/domain/ports.js';
import type { AlpacaBroker } from './alpacaBroker.js';
import { wholeQuantity } from './fillLedger.js';
import { engineClientOrderId, fromAlpacaSymbol } from './identifiers.js';
import { isAlpacaFinal, stateOfChain } from './orderState.js';
import type { AlpacaOrder } from './schemas.js';

/** What reconciliation reads of the engine's book. */
export type ReconcileStore = Pick<TradingStore, 'listOrders' | 'getOrder' | 'listFills' | 'listPositions'>;

export type ReconcileDifference =
  /** Executions the engine had not heard of; reported now as fill events. */
  | { readonly kind: 'missed_fill'; readonly clientOrderId: string; readonly fills: number; readonly quantity: number }
  /** Alpaca finished the order (cancelled, expired, rejected) while the engine thought it working; reported now. */
  | { readonly kind: 'status'; readonly clientOrderId: string; readonly store: OrderStatus; readonly broker: OrderStatus }
  /** An order the engine thinks is working that Alpaca does not have. */
  | { readonly kind: 'not_at_broker'; readonly clientOrderId: string; readonly store: OrderStatus }
  /** Filled quantities that cannot be squared by reporting fills (the engine has more, or a closed order filled on). */
  | { readonly kind: 'fill_mismatch'; readonly clientOrderId: string; readonly store: number; readonly broker: number }
  /** An order at Alpaca the engine never placed (placed by hand, or by another program on the account). */
  | { readonly kind: 'unknown_broker_order'; readonly clientOrderId: string; readonly brokerOrderId: string; readonly symbol: string; readonly status: string; readonly filledQuantity: number }
  /** Positions that differ once the missed fills are counted. */
  | { readonly kind: 'position_mismatch'; readonly symbol: string; readonly store: number; readonly broker: number };

export interface ReconcileReport {
  readonly ts: number;
  readonly checkedOrders: number;
  readonly missedFills: readonly Fill[];
  /** Working in the engine, unknown at Alpaca: the caller closes them (OrderManager.reconcileWith(id, null, …)). */
  readonly notAtBroker: readonly string[];
  readonly differences: readonly ReconcileDifference[];
}

export interface ReconcileOptions {
  /** Closed Alpaca orders submitted this far back are checked too (unknown orders, fills after close). Default 24 h. */
  readonly lookbackMs?: number;
  /** Awaited first, so fills already reported are in the store before positions are read (e.g. the writer's flush). */
  readonly settled?: () => Promise<void>;
  /** Defaults to the broker's clock. */
  readonly now?: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Compare Alpaca's orders and positions with the engine's by
 * client_order_id, at start and after every reconnect of the stream.
 *
 * It does not write to the store. What the engine missed is reported as
 * BrokerEvents through the broker's own listeners, exactly as if the stream
 * had delivered it: the OMS books missed fills (FillLedger gives each a
 * stable id, so a fill is booked once even if reported again) and closes
 * orders Alpaca finished. Everything else is returned as differences for
 * alerting. Runs between stream events, never interleaved with them.
 */
export function reconcileAlpaca(broker: AlpacaBroker, store: ReconcileStore, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  return broker.exclusive(() => reconcileNow(broker, store, options));
}

async function reconcileNow(broker: AlpacaBroker, store: ReconcileStore, options: ReconcileOptions): Promise<ReconcileReport> {
  const now = options.now?.() ?? broker.now();
  await options.settled?.();
  const storePositions = await store.listPositions();
  const storeOpen = await store.listOrders({ status: OPEN_ORDER_STATUSES });
  const open = await broker.api.listOrders({ status: 'open' });
  const lookback = options.lookbackMs ?? DAY_MS;
  const closed = lookback > 0 ? await broker.api.listOrders({ status: 'closed', after: now - lookback }) : [];

  const differences: ReconcileDifference[] = [];
  const missedFills: Fill[] = [];
  const notAtBroker: string[] = [];
  const listed = groupByEngineOrder([...open, ...closed]);

  for (const order of storeOpen) {
    const id = order.clientOrderId;
    const chain = chainFromListing(listed.get(id)) ?? (await broker.api.orderChain(id));
    if (!chain) {
      notAtBroker.push(id);
      differences.push({ kind: 'not_at_broker', clientOrderId: id, store: order.status });
      continue;
    }
    const fills: Fill[] = [];
    for (const o of chain) fills.push(...(await broker.catchUpFills(id, o)));
    if (fills.length > 0) {
      missedFills.push(...fills);
      differences.push({ kind: 'missed_fill', clientOrderId: id, fills: fills.length, quantity: fills.reduce((n, f) => n + f.quantity, 0) });
    }
    const state = stateOfChain(id, chain);
    if (order.filledQuantity > state.filledQuantity) {
      differences.push({ kind: 'fill_mismatch', clientOrderId: id, store: order.filledQuantity, broker: state.filledQuantity });
    }
    const live = chain[chain.length - 1] as AlpacaOrder;
    broker.reportStatus(id, live);
    if (isTerminal(state.status) && state.status !== 'filled') {
      differences.push({ kind: 'status', clientOrderId: id, store: order.status, broker: state.status });
    }
  }

  const openIds = new Set(storeOpen.map((o) => o.clientOrderId));
  for (const [id, orders] of listed) {
    if (openIds.has(id)) continue;
    const known = await store.getOrder(id);
    const live = orders[orders.length - 1] as AlpacaOrder;
    if (!known) {
      differences.push({
        kind: 'unknown_broker_order', clientOrderId: live.client_order_id, brokerOrderId: live.id,
        symbol: fromAlpacaSymbol(live.symbol, live.asset_class), status: live.status, filledQuantity: wholeQuantity(live.filled_qty, 'filled_qty'),
      });
      continue;
    }
    // A finished order in the engine that Alpaca shows with other fills (a fill racing a cancel).
    const single = chainFromListing(orders);
    if (single && isTerminal(known.status)) {
      const brokerFilled = stateOfChain(id, single).filledQuantity;
      if (brokerFilled !== known.filledQuantity) differences.push({ kind: 'fill_mismatch', clientOrderId: id, store: known.filledQuantity, broker: brokerFilled });
    }
  }

  const expected = new Map<string, number>();
  for (const p of storePositions) expected.set(p.symbol, (expected.get(p.symbol) ?? 0) + p.quantity);
  for (const f of missedFills) expected.set(f.symbol, (expected.get(f.symbol) ?? 0) + (f.side === 'buy' ? f.quantity : -f.quantity));
  const actual = new Map<string, number>();
  for (const p of await broker.listPositions()) actual.set(p.symbol, (actual.get(p.symbol) ?? 0) + p.quantity);
  for (const symbol of [...new Set([...expected.keys(), ...actual.keys()])].sort()) {
    const s = expected.get(symbol) ?? 0;
    const b = actual.get(symbol) ?? 0;
    if (s !== b) differences.push({ kind: 'position_mismatch', symbol, store: s, broker: b });
  }
  return { ts: now, checkedOrders: storeOpen.length, missedFills, notAtBroker, differences };
}

/** Listed Alpaca orders per engine order, by replacement generation. */
function groupByEngineOrder(orders: readonly AlpacaOrder[]): Map<string, AlpacaOrder[]> {
  const byId = new Map<string, AlpacaOrder[]>();
  const seen = new Set<string>();
  for (const o of orders) {
    if (seen.has(o.id)) continue;
    seen.add(o.id);
    const { id } = engineClientOrderId(o.client_order_id);
    const list = byId.get(id) ?? [];
    list.push(o);
    byId.set(id, list);
  }
  for (const list of byId.values()) list.sort((a, b) => engineClientOrderId(a.client_order_id).generation - engineClientOrderId(b.client_order_id).generation);
  return byId;
}

/** A listing answers for an order only when it shows the original and nothing replaced it; otherwise ask Alpaca. */
function chainFromListing(orders: readonly AlpacaOrder[] | undefined): AlpacaOrder[] | null {
  if (!orders || orders.length !== 1) return null;
  const only = orders[0] as AlpacaOrder;
  return engineClientOrderId(only.client_order_id).generation === 0 && !(isAlpacaFinal(only) && only.status === 'replaced') ? [only] : null;
}

/** One alert per reconciliation that found something: critical when money or positions disagree. */
export function reconcileAlerts(report: ReconcileReport): Alert[] {
  if (report.differences.length === 0) return [];
  const counts: Record<string, number> = {};
  for (const d of report.differences) counts[d.kind] = (counts[d.kind] ?? 0) + 1;
  const critical = report.differences.some((d) => d.kind === 'position_mismatch' || d.kind === 'fill_mismatch' || d.kind === 'unknown_broker_order');
  const summary = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ');
  return [{
    type: 'RECONCILIATION_DIFFERENCE',
    severity: critical ? 'critical' : 'warning',
    scope: 'alpaca',
    message: `reconciliation with Alpaca found ${summary}`,
    ts: report.ts,
    detail: { differences: report.differences.map((d) => ({ ...d })) },
  }];
}
