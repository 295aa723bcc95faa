import { Decimal } from '../engine/domain/money.js';
import { InputError } from '../engine/domain/errors.js';
import { ORDER_STATUSES } from '../engine/domain/orders.js';
import type { Fill, Order, Position, TradeTransaction } from '../engine/domain/orders.js';
import { AUDIT_CATEGORIES, type AuditEvent, type AuditEventQuery, type Company, type OrderCursor, type OrderQuery } from '../engine/domain/ports.js';
import type { SignalOutcome, SignalRecord } from '../engine/domain/signal.js';
import { TICKER_PATTERN, isOccSymbol } from '../engine/domain/instrument.js';
import { normalizeOrderLegs } from './storedLegs.js';

/*
 * The checks and normalisation both TradingStore implementations apply before
 * storing anything, so the in-memory store used by backtests and the database
 * accept, reject and round exactly the same values.
 */

export const MONEY_PRECISION = 20;
export const MONEY_SCALE = 8;
const MONEY_LIMIT = new Decimal(10).pow(MONEY_PRECISION - MONEY_SCALE);
const STATUSES: ReadonlySet<string> = new Set(ORDER_STATUSES);

/**
 * Money as numeric(20,8) keeps it. Averages (avg cost, avg fill price) carry
 * more places than a column holds; rounding here, half-even, in both stores,
 * keeps the backtest and the database byte-identical instead of letting
 * PostgreSQL round half-up on its own.
 */
export function storedMoney(value: Decimal, field: string): Decimal {
  if (!(value instanceof Decimal)) throw new InputError(field, `must be a Decimal, got ${typeof value}`);
  if (!value.isFinite()) throw new InputError(field, `must be finite, got ${value.toString()}`);
  const rounded = value.toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_HALF_EVEN);
  if (rounded.abs().gte(MONEY_LIMIT)) {
    throw new InputError(field, `${value.toFixed()} does not fit numeric(${MONEY_PRECISION},${MONEY_SCALE})`);
  }
  return rounded;
}

function storedMoneyOrNull(value: Decimal | null, field: string): Decimal | null {
  return value === null ? null : storedMoney(value, field);
}

export function text(value: string, field: string, maxLength: number): void {
  if (typeof value !== 'string' || value.length === 0) throw new InputError(field, 'must be a non-empty string');
  if (value.length > maxLength) throw new InputError(field, `must be at most ${maxLength} characters, got ${value.length}`);
}

function optionalText(value: string | null, field: string, maxLength: number): void {
  if (value !== null) text(value, field, maxLength);
}

function integer(value: number, field: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > 2_147_483_647) {
    throw new InputError(field, `must be an integer >= ${min} that fits a 32-bit column, got ${value}`);
  }
}

export function signedInteger(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || Math.abs(value) > 2_147_483_647) {
    throw new InputError(field, `must be an integer that fits a 32-bit column, got ${value}`);
  }
}

/** Epoch milliseconds that a timestamptz and a JS Date both hold exactly. */
export function epochMs(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || Number.isNaN(new Date(value).getTime())) {
    throw new InputError(field, `must be epoch milliseconds (an integer), got ${value}`);
  }
  return value;
}

function finite(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(field, `must be a finite number, got ${value}`);
}

export function oneOf(value: string, field: string, allowed: readonly string[]): void {
  if (!allowed.includes(value)) throw new InputError(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

export function normalizeOrder(order: Order): Order {
  text(order.clientOrderId, 'order.clientOrderId', 64);
  text(order.strategyId, 'order.strategyId', 64);
  text(order.symbol, 'order.symbol', 32);
  // A multi-leg order's symbol is its underlying and its instrument the first leg (checked there).
  const legs = order.legs === undefined ? undefined : normalizeOrderLegs(order);
  if (legs === undefined && order.instrument.symbol !== order.symbol) {
    throw new InputError('order.instrument.symbol', `${JSON.stringify(order.instrument.symbol)} differs from order.symbol ${JSON.stringify(order.symbol)}`);
  }
  if (legs === undefined && order.instrument.kind === 'option' && !isOccSymbol(order.symbol)) {
    throw new InputError('order.symbol', `option orders need an OCC symbol, got ${JSON.stringify(order.symbol)}`);
  }
  oneOf(order.side, 'order.side', ['buy', 'sell']);
  oneOf(order.type, 'order.type', ['market', 'limit']);
  if (!STATUSES.has(order.status)) throw new InputError('order.status', `unknown status ${JSON.stringify(order.status)}`);
  integer(order.quantity, 'order.quantity', 1);
  integer(order.filledQuantity, 'order.filledQuantity', 0);
  if (order.filledQuantity > order.quantity) {
    throw new InputError('order.filledQuantity', `${order.filledQuantity} exceeds order.quantity ${order.quantity}`);
  }
  optionalText(order.brokerOrderId, 'order.brokerOrderId', 128);
  optionalText(order.signalId, 'order.signalId', 255);
  if (typeof order.reason !== 'string') throw new InputError('order.reason', 'must be a string');
  epochMs(order.createdAt, 'order.createdAt');
  epochMs(order.updatedAt, 'order.updatedAt');
  return {
    ...order,
    instrument: { ...order.instrument },
    limitPrice: storedMoneyOrNull(order.limitPrice, 'order.limitPrice'),
    avgFillPrice: storedMoneyOrNull(order.avgFillPrice, 'order.avgFillPrice'),
    ...(legs === undefined ? {} : { legs }),
  };
}

export function normalizeFill(fill: Fill): Fill {
  text(fill.fillId, 'fill.fillId', 128);
  text(fill.clientOrderId, 'fill.clientOrderId', 64);
  text(fill.symbol, 'fill.symbol', 32);
  oneOf(fill.side, 'fill.side', ['buy', 'sell']);
  integer(fill.quantity, 'fill.quantity', 1);
  epochMs(fill.ts, 'fill.ts');
  if (fill.groupId !== undefined) text(fill.groupId, 'fill.groupId', 128);
  return { ...fill, price: storedMoney(fill.price, 'fill.price'), commission: storedMoney(fill.commission, 'fill.commission') };
}

export function normalizePosition(position: Position): Position {
  text(position.symbol, 'position.symbol', 32);
  signedInteger(position.quantity, 'position.quantity');
  epochMs(position.updatedAt, 'position.updatedAt');
  return {
    ...position,
    avgCost: storedMoney(position.avgCost, 'position.avgCost'),
    realizedPnl: storedMoney(position.realizedPnl, 'position.realizedPnl'),
  };
}

export function normalizeTrade(trade: TradeTransaction): TradeTransaction {
  text(trade.fillId, 'trade.fillId', 128);
  text(trade.clientOrderId, 'trade.clientOrderId', 64);
  text(trade.strategyId, 'trade.strategyId', 64);
  text(trade.symbol, 'trade.symbol', 32);
  oneOf(trade.side, 'trade.side', ['BUY', 'SELL']);
  if (trade.source !== undefined) oneOf(trade.source, 'trade.source', ['expiry']);
  integer(trade.quantity, 'trade.quantity', 1);
  epochMs(trade.executedAt, 'trade.executedAt');
  return {
    ...trade,
    price: storedMoney(trade.price, 'trade.price'),
    fees: storedMoney(trade.fees, 'trade.fees'),
    grossAmount: storedMoney(trade.grossAmount, 'trade.grossAmount'),
  };
}

/** The four records of one execution must describe the same execution. */
export function normalizeExecution(
  fill: Fill,
  order: Order,
  position: Position,
  trade: TradeTransaction,
): { fill: Fill; order: Order; position: Position; trade: TradeTransaction } {
  const f = normalizeFill(fill);
  const o = normalizeOrder(order);
  const p = normalizePosition(position);
  const t = normalizeTrade(trade);
  const same = (field: string, actual: string, expected: string, what: string): void => {
    if (actual !== expected) throw new InputError(field, `${JSON.stringify(actual)} differs from ${what} ${JSON.stringify(expected)}`);
  };
  same('order.clientOrderId', o.clientOrderId, f.clientOrderId, 'fill.clientOrderId');
  if (o.legs === undefined) same('fill.symbol', f.symbol, o.symbol, 'order.symbol');
  else if (!o.legs.some((l) => l.instrument.symbol === f.symbol)) throw new InputError('fill.symbol', `${JSON.stringify(f.symbol)} is not a leg of order ${o.clientOrderId}`);
  if (t.source !== undefined) throw new InputError('trade.source', 'a trade booked from a fill has no source');
  same('position.symbol', p.symbol, f.symbol, 'fill.symbol');
  same('trade.fillId', t.fillId, f.fillId, 'fill.fillId');
  same('trade.clientOrderId', t.clientOrderId, f.clientOrderId, 'fill.clientOrderId');
  same('trade.symbol', t.symbol, f.symbol, 'fill.symbol');
  return { fill: f, order: o, position: p, trade: t };
}

export function normalizeSignal(record: SignalRecord): SignalRecord {
  text(record.signalId, 'signal.signalId', 255);
  text(record.strategyId, 'signal.strategyId', 64);
  text(record.symbol, 'signal.symbol', 32);
  oneOf(record.kind, 'signal.kind', ['entry', 'exit']);
  oneOf(record.decision, 'signal.decision', ['accepted', 'rejected']);
  epochMs(record.ts, 'signal.ts');
  finite(record.strength, 'signal.strength');
  finite(record.score, 'signal.score');
  finite(record.threshold, 'signal.threshold');
  if (typeof record.reason !== 'string') throw new InputError('signal.reason', 'must be a string');
  optionalText(record.clientOrderId, 'signal.clientOrderId', 64);
  // JSON cannot carry NaN or Infinity; refusing them here beats a silent null in jsonb.
  for (const [name, value] of Object.entries(record.features)) finite(value, `signal.features.${name}`);
  text(record.grade, 'signal.grade', 16);
  if (record.components !== null) for (const [name, value] of Object.entries(record.components)) finite(value, `signal.components.${name}`);
  if (record.dataQuality !== null) {
    const dq = record.dataQuality;
    if (typeof dq.ok !== 'boolean' || !Array.isArray(dq.checks)) throw new InputError('signal.dataQuality', 'must be { ok, reason, checks[] }');
  }
  const outcome = record.outcome === null ? null : normalizeSignalOutcome(record.outcome);
  return {
    ...record,
    features: { ...record.features },
    components: record.components === null ? null : { ...record.components },
    dataQuality: record.dataQuality === null ? null : { ok: record.dataQuality.ok, reason: record.dataQuality.reason, checks: record.dataQuality.checks.map((c) => ({ ...c })) },
    outcome,
  };
}

/** The outcome as stored: P&L at the money scale, finite return, whole milliseconds. */
export function normalizeSignalOutcome(outcome: SignalOutcome): SignalOutcome {
  const pnl = storedMoney(outcome.pnl, 'outcome.pnl');
  finite(outcome.returnPct, 'outcome.returnPct');
  if (!Number.isSafeInteger(outcome.holdingMs) || outcome.holdingMs < 0) throw new InputError('outcome.holdingMs', `must be whole milliseconds >= 0, got ${String(outcome.holdingMs)}`);
  epochMs(outcome.closedAt, 'outcome.closedAt');
  return { pnl, returnPct: outcome.returnPct, holdingMs: outcome.holdingMs, closedAt: outcome.closedAt };
}

export function sameOutcome(a: SignalOutcome, b: SignalOutcome): boolean {
  return a.pnl.eq(b.pnl) && a.returnPct === b.returnPct && a.holdingMs === b.holdingMs && a.closedAt === b.closedAt;
}

export function normalizeCompany(company: Company): Company {
  if (typeof company.ticker !== 'string' || !TICKER_PATTERN.test(company.ticker)) {
    throw new InputError('company.ticker', `invalid ticker ${JSON.stringify(company.ticker)} (expected ${TICKER_PATTERN.source})`);
  }
  if (typeof company.name !== 'string' || company.name.trim().length === 0) throw new InputError('company.name', 'must be a non-empty string');
  if (company.name.length > 255) throw new InputError('company.name', `must be at most 255 characters, got ${company.name.length}`);
  return { ticker: company.ticker, name: company.name };
}

/** The daemon's account; `db.store` is its store, and rows written before accounts existed belong to it. */
export const MAIN_ACCOUNT = 'main';
export const ACCOUNT_MAX_LENGTH = 64;
const ACCOUNT_PATTERN = /^[A-Za-z0-9:._-]{1,64}$/;

/** An account name: 1–64 characters of [A-Za-z0-9:._-] (e.g. `main`, `backtest:2f1c…`). */
export function checkAccount(account: string): string {
  if (typeof account !== 'string' || !ACCOUNT_PATTERN.test(account)) {
    const got = typeof account === 'string' ? JSON.stringify(account.length > 80 ? `${account.slice(0, 80)}…` : account) : typeof account;
    throw new InputError('account', `must be 1-${ACCOUNT_MAX_LENGTH} characters of A-Z a-z 0-9 : . _ -, got ${got}`);
  }
  return account;
}

export function checkStateKey(key: string): void {
  text(key, 'state.key', 128);
}

export function checkStateValue(value: string): void {
  if (typeof value !== 'string') throw new InputError('state.value', 'must be a string');
}

export function checkOrderQuery(query: OrderQuery): void {
  if (query.limit !== undefined && (!Number.isSafeInteger(query.limit) || query.limit < 1)) {
    throw new InputError('query.limit', `must be a positive integer, got ${query.limit}`);
  }
  for (const s of query.status ?? []) {
    if (!STATUSES.has(s)) throw new InputError('query.status', `unknown status ${JSON.stringify(s)}`);
  }
  if (query.after !== undefined) {
    epochMs(query.after.createdAt, 'query.after.createdAt');
    text(query.after.clientOrderId, 'query.after.clientOrderId', 64);
  }
}

/** Whether an order comes strictly after the cursor in the listing order (createdAt, then code units). */
export function isAfterCursor(order: Order, after: OrderCursor): boolean {
  return order.createdAt > after.createdAt || (order.createdAt === after.createdAt && compareCodeUnits(order.clientOrderId, after.clientOrderId) > 0);
}

/** Code-unit order, the same as PostgreSQL's "C" collation, so both stores list rows identically. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An audit event as stored: bounded texts, a known category, JSON-safe details. */
export function normalizeAuditEvent(event: AuditEvent): AuditEvent {
  epochMs(event.ts, 'event.ts');
  oneOf(event.category, 'event.category', AUDIT_CATEGORIES);
  text(event.scope, 'event.scope', 128);
  text(event.action, 'event.action', 64);
  text(event.actor, 'event.actor', 128);
  if (typeof event.detail !== 'object' || event.detail === null || Array.isArray(event.detail)) throw new InputError('event.detail', 'must be an object');
  let json: string;
  try {
    json = JSON.stringify(event.detail);
  } catch (e) {
    throw new InputError('event.detail', `must be JSON-serialisable: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { ts: event.ts, category: event.category, scope: event.scope, action: event.action, actor: event.actor, detail: JSON.parse(json) as Record<string, unknown> };
}

export function normalizeAuditQuery(query: AuditEventQuery = {}): AuditEventQuery {
  if (query.category !== undefined) oneOf(query.category, 'query.category', AUDIT_CATEGORIES);
  if (query.scope !== undefined) text(query.scope, 'query.scope', 128);
  if (query.limit !== undefined && (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > 10_000)) {
    throw new InputError('query.limit', `must be a whole number in [1, 10000], got ${String(query.limit)}`);
  }
  return query;
}
