import { defineEntity, p } from '@mikro-orm/core';
import { accountColumn } from './columns.js';

/** The audit log: breaker transitions, operator commands, alerts. Append-only. */
export const AuditEventEntity = defineEntity({
  name: 'AuditEventEntity',
  tableName: 'audit_events',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    account: accountColumn().index(),
    ts: p.datetime().index(),
    category: p.enum(['breaker', 'command', 'alert', 'signals']).index(),
    scope: p.string().length(128),
    action: p.string().length(64),
    actor: p.string().length(128),
    detail: p.json<Record<string, unknown>>(),
  },
});
