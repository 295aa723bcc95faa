import { defineEntity, p } from '@mikro-orm/core';

export const EngineStateEntity = defineEntity({
  name: 'EngineStateEntity',
  tableName: 'engine_state',
  properties: {
    key: p.string().length(128).primary(),
    value: p.text(),
    updatedAt: p.datetime(),
  },
});
