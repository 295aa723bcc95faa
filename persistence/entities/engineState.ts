import { defineEntity, p } from '@mikro-orm/core';
import { accountColumn } from './columns.js';

/** Small per-account state (each run keeps its own cursor and cash); the key (account, key) doubles as the account index. */
export const EngineStateEntity = defineEntity({
  name: 'EngineStateEntity',
  tableName: 'engine_state',
  properties: {
    account: accountColumn().primary(),
    key: p.string().length(128).primary(),
    value: p.text(),
    updatedAt: p.datetime(),
  },
});
