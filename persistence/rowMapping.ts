import type { InferEntity } from '@mikro-orm/core';
import type { ExpiryChange, Fill, OptionExpiryEvent, Order, OrderLeg, Position, TradeTransaction } from '../engine/domain/orders.js';
import { Decimal } from '../engine/domain/money.js';
import { DataError } from '../engine/domain/errors.js';
import type { SignalRecord } from '../engine/domain/signal.js';
import type { Instrument } from '../engine/domain/instrument.js';
import { parseOccSymbol } from '../engine/domain/instrument.js';
import type {
  FillEntity,
  OptionExpiryEntity,
  OrderEntity,
  PositionEntity,
  SignalDecisionEntity,
  TradeTransactionEntity,
} from './entities/index.js';

/*
 * The one boundary between domain records (epoch ms, Instrument objects) and
 * rows (timestamptz as Date, instrument kind + symbol). Money is Decimal on
 * both sides; the column type converts it.
 */

export type OrderRow = InferEntity<typeof OrderEntity>;
export type FillRow = InferEntity<typeof FillEntity>;
export type PositionRow = InferEntity<typeof PositionEntity>;
export type TradeRow = InferEntity<typeof TradeTransactionEntity>;
export type SignalRow = InferEntity<typeof SignalDecisionEntity>;
export type ExpiryRow = InferEntity<typeof OptionExpiryEntity>;

/** An option's terms are all in its OCC symbol, so the row keeps only the kind. */
function instrumentOf(kind: 'equity' | 'option', symbol: string): Instrument {
  return kind === 'option' ? parseOccSymbol(symbol) : { kind: 'equity', symbol };
}

export function orderColumns(o: Order) {
  return {
    clientOrderId: o.clientOrderId,
    strategyId: o.strategyId,
    symbol: o.symbol,
    instrumentKind: o.instrument.kind,
    side: o.side,
    quantity: o.quantity,
    orderType: o.type,
    limitPrice: o.limitPrice,
    status: o.status,
    filledQuantity: o.filledQuantity,
    avgFillPrice: o.avgFillPrice,
    brokerOrderId: o.brokerOrderId,
    reason: o.reason,
    rejectReason: o.rejectReason,
    signalId: o.signalId,
    legs: o.legs === undefined ? null : o.legs.map((l) => ({ symbol: l.instrument.symbol, side: l.side, ratio: l.ratio })),
    createdAt: new Date(o.createdAt),
    updatedAt: new Date(o.updatedAt),
  };
}

/** The columns updateOrder and recordFill may change; the write-ahead fields never move. */
export function mutableOrderColumns(o: Order) {
  return {
    status: o.status,
    filledQuantity: o.filledQuantity,
    avgFillPrice: o.avgFillPrice,
    brokerOrderId: o.brokerOrderId,
    rejectReason: o.rejectReason,
    updatedAt: new Date(o.updatedAt),
  };
}

export function orderFromRow(r: OrderRow): Order {
  const legs: OrderLeg[] | undefined = r.legs ? r.legs.map((l) => ({ instrument: parseOccSymbol(l.symbol), side: l.side, ratio: l.ratio })) : undefined;
  return {
    clientOrderId: r.clientOrderId,
    strategyId: r.strategyId,
    symbol: r.symbol,
    // A multi-leg order's symbol is its underlying; its instrument is the first leg.
    instrument: legs?.[0]?.instrument ?? instrumentOf(r.instrumentKind, r.symbol),
    side: r.side,
    quantity: r.quantity,
    type: r.orderType,
    limitPrice: r.limitPrice ?? null,
    status: r.status,
    filledQuantity: r.filledQuantity,
    avgFillPrice: r.avgFillPrice ?? null,
    brokerOrderId: r.brokerOrderId ?? null,
    reason: r.reason,
    rejectReason: r.rejectReason ?? null,
    signalId: r.signalId ?? null,
    createdAt: r.createdAt.getTime(),
    updatedAt: r.updatedAt.getTime(),
    ...(legs === undefined ? {} : { legs }),
  };
}

/** `order` must be populated (its client_order_id is the fill's key). */
export function fillFromRow(r: FillRow): Fill {
  return {
    fillId: r.fillId,
    clientOrderId: r.order.clientOrderId,
    symbol: r.symbol,
    side: r.side,
    quantity: r.quantity,
    price: r.price,
    commission: r.commission,
    ts: r.ts.getTime(),
    ...(r.groupId !== null && r.groupId !== undefined ? { groupId: r.groupId } : {}),
  };
}

export function positionFromRow(r: PositionRow): Position {
  return {
    symbol: r.symbol,
    quantity: r.quantity,
    avgCost: r.avgCost,
    realizedPnl: r.realizedPnl,
    updatedAt: r.updatedAt.getTime(),
  };
}

/** `order`, `fill` and `expiry` must be populated: a trade comes from a fill or from an expiry. */
export function tradeFromRow(r: TradeRow): TradeTransaction {
  const expiry = r.expiry ?? null;
  const fillId = expiry === null ? r.fill?.fillId : r.executionId;
  const clientOrderId = expiry === null ? r.order?.clientOrderId : expiry.eventId;
  // The table's check constraint makes this unreachable; a row that got past it is corrupt, not empty.
  if (!fillId || !clientOrderId) throw new DataError(`trade_transactions row ${r.id} comes from neither a fill nor an expiry`, { field: 'fill_id' });
  return {
    fillId,
    clientOrderId,
    strategyId: r.strategyId,
    symbol: r.symbol,
    side: r.side,
    quantity: r.quantity,
    price: r.price,
    fees: r.fees,
    grossAmount: r.grossAmount,
    executedAt: r.executedAt.getTime(),
    ...(expiry === null ? {} : { source: 'expiry' as const }),
  };
}

export function expiryColumns(e: OptionExpiryEvent) {
  return {
    eventId: e.eventId,
    underlying: e.underlying,
    expiry: e.expiry,
    settlementPrice: e.settlementPrice,
    ts: new Date(e.ts),
    changes: e.changes.map((c) => ({ symbol: c.symbol, quantity: c.quantity, outcome: c.outcome, strike: c.strike.toFixed(), intrinsic: c.intrinsic.toFixed(), shares: c.shares })),
  };
}

export function expiryFromRow(r: ExpiryRow): OptionExpiryEvent {
  const changes: ExpiryChange[] = r.changes.map((c) => ({
    symbol: c.symbol,
    quantity: c.quantity,
    outcome: c.outcome,
    strike: new Decimal(c.strike),
    intrinsic: new Decimal(c.intrinsic),
    shares: c.shares,
  }));
  return { eventId: r.eventId, underlying: r.underlying, expiry: r.expiry, settlementPrice: r.settlementPrice, ts: r.ts.getTime(), changes };
}

export function signalFromRow(r: SignalRow): SignalRecord {
  return {
    signalId: r.signalId,
    strategyId: r.strategyId,
    symbol: r.symbol,
    kind: r.kind,
    ts: r.ts.getTime(),
    // double precision comes back as a JS number from pg; Number() guards a driver that returns text.
    strength: Number(r.strength),
    score: Number(r.score),
    threshold: Number(r.threshold),
    decision: r.decision,
    reason: r.reason,
    features: { ...r.features },
    clientOrderId: r.clientOrderId ?? null,
    grade: r.grade,
    components: r.components ? { ...r.components } : null,
    dataQuality: r.dataQuality ?? null,
    outcome:
      r.outcomePnl !== null && r.outcomePnl !== undefined && r.outcomeClosedAt !== null && r.outcomeClosedAt !== undefined
        ? { pnl: r.outcomePnl, returnPct: Number(r.outcomeReturn), holdingMs: Number(r.outcomeHoldingMs), closedAt: r.outcomeClosedAt.getTime() }
        : null,
  };
}
