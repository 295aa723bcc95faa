import { Decimal } from '../../../engine/domain/money.js';
import { InputError } from '../../../engine/domain/errors.js';
import { checkOrderLegs } from '../../../engine/domain/optionLegs.js';
import type { Order } from '../../../engine/domain/orders.js';
import type { AlpacaEquityTimeInForce } from './config.js';
import { MAX_CLIENT_ORDER_ID_LENGTH, isReplacementId, toAlpacaSymbol } from './identifiers.js';

export type AlpacaOrderType = 'market' | 'limit' | 'stop' | 'stop_limit';

/** A bracket: the entry, then a take-profit limit and a stop-loss, one cancelling the other. */
export interface AlpacaBracket {
  readonly takeProfitLimit: Decimal;
  readonly stopLossStop: Decimal;
  /** Makes the stop-loss a stop-limit. */
  readonly stopLossLimit?: Decimal;
}

/**
 * What Alpaca can do beyond the engine's market and limit orders. The
 * engine's Order still says what is traded (symbol, side, quantity, limit);
 * these say how.
 */
export interface AlpacaOrderOptions {
  /** Overrides `order.type`; stop and stop_limit exist only here (equities). */
  readonly type?: AlpacaOrderType;
  readonly stopPrice?: Decimal;
  readonly timeInForce?: AlpacaEquityTimeInForce;
  readonly extendedHours?: boolean;
  readonly bracket?: AlpacaBracket;
}

export interface AlpacaReplace {
  readonly quantity?: number;
  readonly limitPrice?: Decimal;
  readonly stopPrice?: Decimal;
  readonly timeInForce?: AlpacaEquityTimeInForce;
}

const price = (d: Decimal): string => d.toFixed();

function positive(value: Decimal | null | undefined, field: string, what: string): Decimal {
  if (!(value instanceof Decimal) || !value.isFinite() || value.lte(0)) {
    throw new InputError(field, `${what} needs a positive price, got ${value === null || value === undefined ? 'none' : String(value)}`);
  }
  return value;
}

function checkCommon(order: Order): void {
  const id = order.clientOrderId as string | undefined;
  if (typeof id !== 'string' || id.trim() === '') throw new InputError('clientOrderId', 'must be a non-empty string: it is the idempotency key at Alpaca');
  if (id.length > MAX_CLIENT_ORDER_ID_LENGTH) throw new InputError('clientOrderId', `Alpaca accepts at most ${MAX_CLIENT_ORDER_ID_LENGTH} characters, got ${id.length}`);
  if (isReplacementId(id)) throw new InputError('clientOrderId', 'must not end in .rpl<n>: that suffix names replacements');
  if (!Number.isSafeInteger(order.quantity) || order.quantity <= 0) throw new InputError('quantity', `must be a whole number > 0, got ${String(order.quantity)}`);
  if (order.side !== 'buy' && order.side !== 'sell') throw new InputError('side', `must be buy or sell, got ${JSON.stringify(order.side)}`);
}

/**
 * The body of `POST /v2/orders` for an engine order. client_order_id is
 * always set. Options trade `day` only and as market or limit (Alpaca's
 * rules); a multi-leg order goes as `order_class: mleg` with a signed net
 * limit (debit > 0, credit < 0, the engine's own convention). Throws
 * InputError naming the field for what Alpaca would refuse anyway.
 */
export function buildOrderRequest(order: Order, options: AlpacaOrderOptions, equityTimeInForce: AlpacaEquityTimeInForce): Record<string, unknown> {
  checkCommon(order);
  if (order.legs !== undefined) return multiLegRequest(order, options);
  const type = options.type ?? order.type;
  const base: Record<string, unknown> = {
    symbol: toAlpacaSymbol(order.symbol),
    qty: String(order.quantity),
    side: order.side,
    type,
    client_order_id: order.clientOrderId,
  };
  if (order.instrument.kind === 'option') {
    if (type !== 'market' && type !== 'limit') throw new InputError('type', `Alpaca trades options as market or limit only, got ${type}`);
    if (options.timeInForce !== undefined && options.timeInForce !== 'day') throw new InputError('timeInForce', `Alpaca accepts only day for options, got ${options.timeInForce}`);
    if (options.bracket) throw new InputError('bracket', 'Alpaca offers bracket orders for equities only');
    if (options.extendedHours) throw new InputError('extendedHours', 'options do not trade in extended hours');
    return { ...base, time_in_force: 'day', ...prices(order, type, options) };
  }
  const timeInForce = options.timeInForce ?? equityTimeInForce;
  const body: Record<string, unknown> = { ...base, time_in_force: timeInForce, ...prices(order, type, options) };
  if (options.extendedHours) {
    if (type !== 'limit' || timeInForce !== 'day') throw new InputError('extendedHours', 'Alpaca allows extended hours only for limit orders with time in force day');
    body.extended_hours = true;
  }
  if (options.bracket) Object.assign(body, bracketRequest(order, type, timeInForce, options.bracket));
  return body;
}

function prices(order: Order, type: AlpacaOrderType, options: AlpacaOrderOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (type === 'limit' || type === 'stop_limit') out.limit_price = price(positive(order.limitPrice, 'limitPrice', `a ${type} order`));
  else if (order.limitPrice !== null) throw new InputError('limitPrice', `a ${type} order has no limit price`);
  if (type === 'stop' || type === 'stop_limit') out.stop_price = price(positive(options.stopPrice, 'stopPrice', `a ${type} order`));
  else if (options.stopPrice !== undefined) throw new InputError('stopPrice', `a ${type} order has no stop price`);
  return out;
}

function bracketRequest(order: Order, type: AlpacaOrderType, timeInForce: AlpacaEquityTimeInForce, b: AlpacaBracket): Record<string, unknown> {
  if (type !== 'market' && type !== 'limit') throw new InputError('type', `a bracket's entry must be market or limit, got ${type}`);
  if (timeInForce !== 'day' && timeInForce !== 'gtc') throw new InputError('timeInForce', `a bracket order must be day or gtc, got ${timeInForce}`);
  const tp = positive(b.takeProfitLimit, 'bracket.takeProfitLimit', 'a take-profit');
  const sl = positive(b.stopLossStop, 'bracket.stopLossStop', 'a stop-loss');
  const buy = order.side === 'buy';
  if (buy ? !tp.gt(sl) : !tp.lt(sl)) {
    throw new InputError('bracket.takeProfitLimit', `for a ${order.side} the take-profit (${tp.toFixed()}) must be ${buy ? 'above' : 'below'} the stop-loss (${sl.toFixed()})`);
  }
  const stopLoss: Record<string, string> = { stop_price: price(sl) };
  if (b.stopLossLimit !== undefined) {
    const sll = positive(b.stopLossLimit, 'bracket.stopLossLimit', 'a stop-loss limit');
    if (buy ? sll.gt(sl) : sll.lt(sl)) throw new InputError('bracket.stopLossLimit', `must be at or ${buy ? 'below' : 'above'} the stop-loss stop (${sl.toFixed()})`);
    stopLoss.limit_price = price(sll);
  }
  return { order_class: 'bracket', take_profit: { limit_price: price(tp) }, stop_loss: stopLoss };
}

function multiLegRequest(order: Order, options: AlpacaOrderOptions): Record<string, unknown> {
  const legs = checkOrderLegs(order);
  if (options.type !== undefined && options.type !== order.type) throw new InputError('type', 'a multi-leg order is market or limit, as the order says');
  if (options.timeInForce !== undefined && options.timeInForce !== 'day') throw new InputError('timeInForce', `Alpaca accepts only day for multi-leg orders, got ${options.timeInForce}`);
  if (options.bracket || options.stopPrice !== undefined || options.extendedHours) throw new InputError('options', 'a multi-leg order takes no bracket, stop price or extended hours');
  const body: Record<string, unknown> = {
    order_class: 'mleg',
    qty: String(order.quantity),
    type: order.type,
    time_in_force: 'day',
    client_order_id: order.clientOrderId,
    legs: legs.map((leg) => ({ symbol: toAlpacaSymbol(leg.instrument.symbol), side: leg.side, ratio_qty: String(leg.ratio) })),
  };
  // Signed like the engine's: > 0 a debit paid, < 0 a credit received.
  if (order.type === 'limit') body.limit_price = price(order.limitPrice as Decimal);
  return body;
}

/** The body of `PATCH /v2/orders/{id}`; the replacement gets its own client_order_id. */
export function buildReplaceRequest(patch: AlpacaReplace, clientOrderId: string): Record<string, unknown> {
  const body: Record<string, unknown> = { client_order_id: clientOrderId };
  if (patch.quantity !== undefined) {
    if (!Number.isSafeInteger(patch.quantity) || patch.quantity <= 0) throw new InputError('quantity', `must be a whole number > 0, got ${String(patch.quantity)}`);
    body.qty = String(patch.quantity);
  }
  if (patch.limitPrice !== undefined) body.limit_price = price(positive(patch.limitPrice, 'limitPrice', 'a replacement'));
  if (patch.stopPrice !== undefined) body.stop_price = price(positive(patch.stopPrice, 'stopPrice', 'a replacement'));
  if (patch.timeInForce !== undefined) body.time_in_force = patch.timeInForce;
  if (Object.keys(body).length === 1) throw new InputError('replace', 'name at least one of quantity, limitPrice, stopPrice, timeInForce');
  return body;
}
