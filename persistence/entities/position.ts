import { defineEntity, p } from '@mikro-orm/core';
import { moneyColumn } from './columns.js';

/** Current net position per symbol; flat positions stay so their realised P&L is kept. */
export const PositionEntity = defineEntity({
  name: 'PositionEntity',
  tableName: 'positions',
  properties: {
    symbol: p.string().length(32).primary(),
    quantity: p.integer(),
    avgCost: moneyColumn(),
    realizedPnl: moneyColumn(),
    updatedAt: p.datetime(),
  },
});
