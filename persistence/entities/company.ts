import { defineEntity, p } from '@mikro-orm/core';

export const CompanyEntity = defineEntity({
  name: 'CompanyEntity',
  tableName: 'companies',
  properties: {
    ticker: p.string().length(20).primary(),
    name: p.string().length(255),
  },
});
