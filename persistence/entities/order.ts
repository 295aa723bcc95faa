import { defineEntity, p } from '@mikro-orm/core';
import { ORDER_STATUSES } from '../../engine/domain/orders.js';
import { accountColumn, moneyColumn } from './columns.js';

/** A multi-leg order's leg as stored: the contract's terms are all in its OCC symbol. */
export interface StoredLeg {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly ratio: number;
}

/**
 * Write-ahead order row; client_order_id is the idempotency key shared with the broker.
 * `legs` is set only on a multi-leg order (written with the row, never changed).
 */
export const OrderEntity = defineEntity({
  name: 'OrderEntity',
  tableName: 'orders',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    account: accountColumn().index(),
    clientOrderId: p.string().length(64).unique(),
    strategyId: p.string().length(64).index(),
    symbol: p.string().length(32).index(),
    instrumentKind: p.enum(['equity', 'option']),
    side: p.enum(['buy', 'sell']),
    quantity: p.integer(),
    orderType: p.enum(['market', 'limit']),
    limitPrice: moneyColumn().nullable(),
    status: p.enum([...ORDER_STATUSES]).index(),
    filledQuantity: p.integer(),
    avgFillPrice: moneyColumn().nullable(),
    brokerOrderId: p.string().length(128).nullable(),
    reason: p.text(),
    rejectReason: p.text().nullable(),
    signalId: p.string().length(255).nullable(),
    legs: p.json<StoredLeg[]>().nullable(),
    createdAt: p.datetime().index(),
    updatedAt: p.datetime(),
  },
});
