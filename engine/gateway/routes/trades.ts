import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute } from '../routeSchema.js';
import { listJson, tradeJson, tradeToJson } from '../wire.js';
import { limitQuery, mostRecent, strategyIdParam, symbolQuery, type RouteDeps } from './common.js';

const listQuery = z.strictObject({
  symbol: symbolQuery.optional(),
  strategy: strategyIdParam.optional(),
  side: z.enum(['BUY', 'SELL']).optional(),
  limit: limitQuery(1000),
});

export function tradesRoutes(app: FastifyInstance, { store }: RouteDeps): void {
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/trades',
      summary: 'Booked BUY/SELL executions: the most recent `limit`, oldest first',
      tags: ['trades'],
      querystring: listQuery,
      response: { 200: listJson('trades', tradeJson) },
    },
    async ({ query }) => {
      const rows = (await store.listTrades(query.symbol)).filter(
        (t) => (query.strategy === undefined || t.strategyId === query.strategy) && (query.side === undefined || t.side === query.side),
      );
      const trades = mostRecent(rows, query.limit);
      return { trades: trades.map(tradeToJson), count: trades.length };
    },
  );
}
