import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InputError, NotFoundError } from '../../domain/errors.js';
import { ORDER_STATUSES, type OrderStatus } from '../../domain/orders.js';
import type { OrderCursor } from '../../domain/ports.js';
import { defineRoute } from '../routeSchema.js';
import { commandResultJson, orderJson, orderToJson } from '../wire.js';
import { limitQuery, principalOf, strategyIdParam, symbolQuery, type RouteDeps } from './common.js';

/*
 * A cursor is opaque to clients: base64url of [createdAt, clientOrderId], the
 * key of the last order on the page. Keyset paging never skips or repeats an
 * order, even while new orders arrive (they sort after the older ones).
 */
export function encodeCursor(c: OrderCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.clientOrderId]), 'utf8').toString('base64url');
}

const cursorShape = z.tuple([z.number().int(), z.string().min(1).max(64)]);

export function decodeCursor(text: string): OrderCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const shape = cursorShape.safeParse(parsed);
  if (!shape.success) throw new InputError('cursor', 'is not a cursor this API returned (use nextCursor from the previous page)');
  return { createdAt: shape.data[0], clientOrderId: shape.data[1] };
}

const statusList = z
  .string()
  .max(200)
  .optional()
  .describe(`comma list of ${ORDER_STATUSES.join(', ')}`)
  .transform((s) => (s ? s.split(',') : undefined))
  .pipe(z.array(z.enum(ORDER_STATUSES as [OrderStatus, ...OrderStatus[]])).optional());

const listQuery = z.strictObject({
  status: statusList,
  symbol: symbolQuery.optional(),
  strategy: strategyIdParam.optional(),
  limit: limitQuery(1000),
  cursor: z.string().max(400).optional().describe('nextCursor of the previous page'),
});

const orderParams = z.strictObject({ clientOrderId: z.string().min(1).max(64) });

export function ordersRoutes(app: FastifyInstance, { control, store }: RouteDeps): void {
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/orders',
      summary: 'List orders, oldest first, a page at a time',
      description: 'Follow nextCursor (null on the last page) with the same filters to get the next page.',
      tags: ['orders'],
      querystring: listQuery,
      response: { 200: z.object({ orders: z.array(orderJson), count: z.number().int(), nextCursor: z.string().nullable() }) },
    },
    async ({ query }) => {
      // One more than asked tells whether another page exists, so the last page says null instead of a dead cursor.
      const rows = await store.listOrders({
        status: query.status,
        symbol: query.symbol,
        strategyId: query.strategy,
        limit: query.limit + 1,
        ...(query.cursor !== undefined ? { after: decodeCursor(query.cursor) } : {}),
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor = rows.length > query.limit && last ? encodeCursor(last) : null;
      return { orders: page.map(orderToJson), count: page.length, nextCursor };
    },
  );

  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/orders/:clientOrderId', summary: 'One order', tags: ['orders'], params: orderParams, response: { 200: orderJson } },
    async ({ params }) => {
      const order = await store.getOrder(params.clientOrderId);
      if (!order) throw new NotFoundError('order', params.clientOrderId);
      return orderToJson(order);
    },
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/orders/:clientOrderId/cancel',
      summary: 'Cancel a working order (audited)',
      tags: ['orders'],
      params: orderParams,
      response: { 200: commandResultJson },
    },
    async ({ params, principal }) => control.command({ type: 'cancel_order', clientOrderId: params.clientOrderId }, principalOf(principal)),
  );
}
