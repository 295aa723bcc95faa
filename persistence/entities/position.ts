import { defineEntity, p } from '@mikro-orm/core';
import { accountColumn, moneyColumn } from './columns.js';

/**
 * Current net position per account and symbol; flat positions stay so their realised P&L is kept.
 * The primary key leads with account, so it also serves as the account index.
 */
export const PositionEntity = defineEntity({
  name: 'PositionEntity',
  tableName: 'positions',
  properties: {
    account: accountColumn().primary(),
    symbol: p.string().length(32).primary(),
    quantity: p.integer(),
    avgCost: moneyColumn(),
    realizedPnl: moneyColumn(),
    updatedAt: p.datetime(),
  },
});
