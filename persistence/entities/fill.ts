import { defineEntity, p } from '@mikro-orm/core';
import { OrderEntity } from './order.js';
import { accountColumn, moneyColumn } from './columns.js';

/**
 * One execution. Restrict, never cascade: booked history must outlive any order clean-up.
 * The legs of one multi-leg execution share a group_id.
 */
export const FillEntity = defineEntity({
  name: 'FillEntity',
  tableName: 'fills',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    account: accountColumn().index(),
    fillId: p.string().length(128).unique(),
    order: () => p.manyToOne(OrderEntity).deleteRule('restrict').updateRule('restrict').index(),
    symbol: p.string().length(32).index(),
    side: p.enum(['buy', 'sell']),
    quantity: p.integer(),
    price: moneyColumn(),
    commission: moneyColumn(),
    ts: p.datetime().index(),
    groupId: p.string().length(128).nullable().index(),
  },
});
