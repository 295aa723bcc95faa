import { defineEntity, p } from '@mikro-orm/core';
import { OrderEntity } from './order.js';
import { FillEntity } from './fill.js';
import { accountColumn, moneyColumn } from './columns.js';

/** The original's StockTrade: one row per BUY or SELL execution, exactly one per fill. */
export const TradeTransactionEntity = defineEntity({
  name: 'TradeTransactionEntity',
  tableName: 'trade_transactions',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    account: accountColumn().index(),
    order: () => p.manyToOne(OrderEntity).deleteRule('restrict').updateRule('restrict').index(),
    fill: () => p.manyToOne(FillEntity).deleteRule('restrict').updateRule('restrict').unique(),
    strategyId: p.string().length(64),
    symbol: p.string().length(32).index(),
    side: p.enum(['BUY', 'SELL']),
    quantity: p.integer(),
    price: moneyColumn(),
    fees: moneyColumn(),
    grossAmount: moneyColumn(),
    executedAt: p.datetime().index(),
  },
});
