import { defineEntity, p } from '@mikro-orm/core';
import { accountColumn, moneyColumn } from './columns.js';
import type { DataQualitySummary } from '../../engine/domain/signal.js';

/**
 * The signal validation history (the original's SignalValidationHistory):
 * every validated signal with its score, components, the threshold in force,
 * the decision and the data-quality result; the outcome columns are filled
 * when the trade it opened closes. Scores are statistics, so doubles; P&L is money.
 */
export const SignalDecisionEntity = defineEntity({
  name: 'SignalDecisionEntity',
  tableName: 'signal_validation_history',
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
    grade: p.string().length(16).default('very_poor'),
    components: p.json<Record<string, number>>().nullable(),
    dataQuality: p.json<DataQualitySummary>().nullable(),
    outcomePnl: moneyColumn().nullable(),
    outcomeReturn: p.double().$type<number>().nullable(),
    outcomeHoldingMs: p.bigint('number').nullable(),
    outcomeClosedAt: p.datetime().nullable(),
  },
});
