import { z } from 'zod';
import { moneyString } from '../domain/money.js';
import { ORDER_STATUSES, type Order, type Position, type TradeTransaction } from '../domain/orders.js';
import type { Company, StoredAuditEvent } from '../domain/ports.js';
import type { SignalRecord } from '../domain/signal.js';
import type { BreakerStatus, PnlSnapshot, StrategyStatus, VarReport } from './control.js';

/*
 * The JSON shapes the API answers with, each a zod schema (documented in the
 * OpenAPI document) and a function from the domain record. Money is a decimal
 * string, time an ISO-8601 UTC string, everywhere.
 */

const money = z.string().describe('decimal string, e.g. "123.45"');
const iso = z.string().describe('ISO-8601 UTC time');
const isoOf = (ms: number): string => new Date(ms).toISOString();

export const orderJson = z.object({
  clientOrderId: z.string(),
  strategyId: z.string(),
  symbol: z.string().describe('equity ticker or OCC option symbol'),
  side: z.enum(['buy', 'sell']),
  quantity: z.number().int(),
  type: z.enum(['market', 'limit']),
  limitPrice: money.nullable(),
  status: z.enum(ORDER_STATUSES as [string, ...string[]]),
  filledQuantity: z.number().int(),
  avgFillPrice: money.nullable(),
  brokerOrderId: z.string().nullable(),
  reason: z.string(),
  rejectReason: z.string().nullable(),
  signalId: z.string().nullable(),
  createdAt: iso,
  updatedAt: iso,
});

/** The JSON shape of an order on the wire: money as decimal strings, times as ISO-8601 UTC. */
export function orderToJson(o: Order): z.infer<typeof orderJson> {
  return {
    clientOrderId: o.clientOrderId,
    strategyId: o.strategyId,
    symbol: o.symbol,
    side: o.side,
    quantity: o.quantity,
    type: o.type,
    limitPrice: o.limitPrice === null ? null : moneyString(o.limitPrice),
    status: o.status,
    filledQuantity: o.filledQuantity,
    avgFillPrice: o.avgFillPrice === null ? null : moneyString(o.avgFillPrice),
    brokerOrderId: o.brokerOrderId,
    reason: o.reason,
    rejectReason: o.rejectReason,
    signalId: o.signalId,
    createdAt: isoOf(o.createdAt),
    updatedAt: isoOf(o.updatedAt),
  };
}

export const companyJson = z.object({ ticker: z.string(), name: z.string() });

export function companyToJson(c: Company): z.infer<typeof companyJson> {
  return { ticker: c.ticker, name: c.name };
}

export const positionJson = z.object({
  symbol: z.string(),
  quantity: z.number().int().describe('signed: long > 0, short < 0'),
  avgCost: money,
  realizedPnl: money,
  updatedAt: iso,
});

export function positionToJson(p: Position): z.infer<typeof positionJson> {
  return { symbol: p.symbol, quantity: p.quantity, avgCost: moneyString(p.avgCost), realizedPnl: moneyString(p.realizedPnl), updatedAt: isoOf(p.updatedAt) };
}

export const tradeJson = z.object({
  fillId: z.string(),
  clientOrderId: z.string(),
  strategyId: z.string(),
  symbol: z.string(),
  side: z.enum(['BUY', 'SELL']),
  quantity: z.number().int(),
  price: money,
  fees: money,
  grossAmount: money.describe('|quantity| × price × multiplier'),
  executedAt: iso,
});

export function tradeToJson(t: TradeTransaction): z.infer<typeof tradeJson> {
  return {
    fillId: t.fillId,
    clientOrderId: t.clientOrderId,
    strategyId: t.strategyId,
    symbol: t.symbol,
    side: t.side,
    quantity: t.quantity,
    price: moneyString(t.price),
    fees: moneyString(t.fees),
    grossAmount: moneyString(t.grossAmount),
    executedAt: isoOf(t.executedAt),
  };
}

export const signalJson = z.object({
  signalId: z.string(),
  strategyId: z.string(),
  symbol: z.string(),
  kind: z.enum(['entry', 'exit']),
  ts: iso,
  strength: z.number(),
  score: z.number(),
  threshold: z.number(),
  decision: z.enum(['accepted', 'rejected']),
  reason: z.string(),
  features: z.record(z.string(), z.number()),
  clientOrderId: z.string().nullable(),
  grade: z.string().describe('excellent, good, fair, poor or very_poor'),
  components: z.record(z.string(), z.number()).nullable().describe('score components; null when not scored'),
  dataQuality: z
    .object({ ok: z.boolean(), reason: z.string().nullable(), checks: z.array(z.object({ code: z.string(), passed: z.boolean(), detail: z.string() })) })
    .nullable(),
  outcome: z
    .object({ pnl: money, returnPct: z.number(), holdingMs: z.number().int(), closedAt: iso })
    .nullable()
    .describe('the realised result of the trade the signal opened; null until it closes'),
});

export function signalToJson(s: SignalRecord): z.infer<typeof signalJson> {
  return {
    ...s,
    ts: isoOf(s.ts),
    features: { ...s.features },
    components: s.components === null ? null : { ...s.components },
    dataQuality: s.dataQuality === null ? null : { ok: s.dataQuality.ok, reason: s.dataQuality.reason, checks: s.dataQuality.checks.map((c) => ({ ...c })) },
    outcome: s.outcome === null ? null : { pnl: moneyString(s.outcome.pnl), returnPct: s.outcome.returnPct, holdingMs: s.outcome.holdingMs, closedAt: isoOf(s.outcome.closedAt) },
  };
}

const breakerState = z.enum(['closed', 'open', 'halfOpen']);

export const strategyJson = z.object({
  id: z.string(),
  state: z.string().describe('running, halted, stopped or failed'),
  haltReason: z.string().nullable(),
  haltSource: z.string().nullable(),
  breaker: breakerState,
  universe: z.array(z.string()),
  timeframe: z.string(),
  params: z.record(z.string(), z.unknown()),
  signals: z.object({
    threshold: z.number().describe('signal score threshold in force (the feedback loop and operators move it)'),
    degraded: z.boolean().describe('true during a SIGNAL_VALIDATION_DEGRADATION episode'),
    accuracy: z.number().nullable(),
    correlation: z.number().nullable(),
    window: z.number().int(),
  }),
});

export function strategyToJson(s: StrategyStatus): z.infer<typeof strategyJson> {
  return {
    id: s.id, state: s.state, haltReason: s.haltReason, haltSource: s.haltSource, breaker: s.breaker, universe: [...s.universe], timeframe: s.timeframe,
    params: { ...s.params }, signals: { ...s.signals },
  };
}

export const breakerJson = z.object({
  scope: z.string().describe("'global' or a strategy id"),
  state: breakerState,
  reason: z.string().nullable(),
  detail: z.string().nullable(),
  manual: z.boolean(),
});

export function breakerToJson(b: BreakerStatus): z.infer<typeof breakerJson> {
  return { scope: b.scope, state: b.state, reason: b.reason, detail: b.detail, manual: b.manual };
}

export const pnlJson = z.object({ ts: iso, equity: money, cash: money, realized: money, unrealized: money });

export function pnlToJson(p: PnlSnapshot): z.infer<typeof pnlJson> {
  return { ts: isoOf(p.ts), equity: moneyString(p.equity), cash: moneyString(p.cash), realized: moneyString(p.realized), unrealized: moneyString(p.unrealized) };
}

export const varReportJson = z.object({
  ts: iso,
  horizonDays: z.number(),
  portfolioValue: money,
  results: z.array(z.object({ method: z.string(), confidence: z.number(), var: money.describe('positive loss'), cvar: money })),
});

export function varReportToJson(r: VarReport): z.infer<typeof varReportJson> {
  return {
    ts: isoOf(r.ts),
    horizonDays: r.horizonDays,
    portfolioValue: moneyString(r.portfolioValue),
    results: r.results.map((x) => ({ method: x.method, confidence: x.confidence, var: moneyString(x.var), cvar: moneyString(x.cvar) })),
  };
}

export const auditEventJson = z.object({
  id: z.string(),
  ts: iso,
  category: z.string(),
  scope: z.string(),
  action: z.string(),
  actor: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

export function auditEventToJson(e: StoredAuditEvent): z.infer<typeof auditEventJson> {
  return { id: e.id, ts: isoOf(e.ts), category: e.category, scope: e.scope, action: e.action, actor: e.actor, detail: { ...e.detail } };
}

export const commandResultJson = z.object({ ok: z.literal(true), result: z.record(z.string(), z.unknown()) });

/** A list answer: the items under their plural name and how many. */
export function listJson<K extends string>(key: K, item: z.ZodType) {
  return z.object({ [key]: z.array(item), count: z.number().int() } as Record<K, z.ZodType> & { count: z.ZodNumber });
}
