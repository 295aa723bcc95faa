import { defineEntity, p } from '@mikro-orm/core';
import { OrderEntity } from './order.js';
import { FillEntity } from './fill.js';
import { OptionExpiryEntity } from './optionExpiry.js';
import { accountColumn, moneyColumn } from './columns.js';

/**
 * The original's StockTrade: one row per BUY or SELL, exactly one per fill, or
 * one per movement an option expiry made (then order and fill are null, and
 * expiry and execution_id, the movement's id, are set; the check holds it).
 */
export const TradeTransactionEntity = defineEntity({
  name: 'TradeTransactionEntity',
  tableName: 'trade_transactions',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    account: accountColumn().index(),
    order: () => p.manyToOne(OrderEntity).deleteRule('restrict').updateRule('restrict').nullable().index(),
    fill: () => p.manyToOne(FillEntity).deleteRule('restrict').updateRule('restrict').nullable().unique(),
    expiry: () => p.manyToOne(OptionExpiryEntity).deleteRule('restrict').updateRule('restrict').nullable().index(),
    executionId: p.string().length(128).nullable(),
    strategyId: p.string().length(64),
    symbol: p.string().length(32).index(),
    side: p.enum(['BUY', 'SELL']),
    quantity: p.integer(),
    price: moneyColumn(),
    fees: moneyColumn(),
    grossAmount: moneyColumn(),
    executedAt: p.datetime().index(),
  },
  uniques: [{ properties: ['account', 'executionId'] }],
  checks: [
    {
      name: 'trade_transactions_source_check',
      expression:
        '(order_id is not null and fill_id is not null and expiry_id is null and execution_id is null) or (order_id is null and fill_id is null and expiry_id is not null and execution_id is not null)',
    },
  ],
});
