import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InputError, NotFoundError } from '../domain/errors.js';
import { ORDER_STATUSES, type Order, type OrderStatus } from '../domain/orders.js';
import type { TradingStore } from '../domain/ports.js';
import { moneyString } from '../domain/money.js';

/** The JSON shape of an order on the wire: money as decimal strings, times as ISO-8601 UTC. */
export function orderToJson(o: Order): Record<string, unknown> {
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
    createdAt: new Date(o.createdAt).toISOString(),
    updatedAt: new Date(o.updatedAt).toISOString(),
  };
}

const listQuery = z.strictObject({
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',') : undefined))
    .pipe(z.array(z.enum(ORDER_STATUSES as [OrderStatus, ...OrderStatus[]])).optional()),
  symbol: z.string().max(32).optional(),
  strategy: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

/** Read-only order endpoints; the full operator API grows from here. */
export function ordersPlugin(app: FastifyInstance, store: TradingStore): void {
  app.get('/api/v1/orders', async (req) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(issue?.path.join('.') || 'query', issue?.message ?? 'invalid query');
    }
    const q = parsed.data;
    const orders = await store.listOrders({ status: q.status, symbol: q.symbol, strategyId: q.strategy, limit: q.limit });
    return { orders: orders.map(orderToJson), count: orders.length };
  });
  app.get<{ Params: { clientOrderId: string } }>('/api/v1/orders/:clientOrderId', async (req) => {
    const order = await store.getOrder(req.params.clientOrderId);
    if (!order) throw new NotFoundError('order', req.params.clientOrderId);
    return orderToJson(order);
  });
}
