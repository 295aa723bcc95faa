import { defineEntity, p } from '@mikro-orm/core';
import { accountColumn } from './columns.js';

/** Signal/decision history (the original's SignalValidationHistory); scores are statistics, so doubles. */
export const SignalDecisionEntity = defineEntity({
  name: 'SignalDecisionEntity',
  tableName: 'signal_decisions',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    account: accountColumn().index(),
    signalId: p.string().length(255).unique(),
    strategyId: p.string().length(64).index(),
    symbol: p.string().length(32),
    kind: p.enum(['entry', 'exit']),
    ts: p.datetime().index(),
    strength: p.double().$type<number>(),
    score: p.double().$type<number>(),
    threshold: p.double().$type<number>(),
    decision: p.enum(['accepted', 'rejected']),
    reason: p.text(),
    features: p.json<Record<string, number>>(),
    clientOrderId: p.string().length(64).nullable(),
  },
});
