import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute } from '../routeSchema.js';
import { listJson, signalJson, signalToJson } from '../wire.js';
import { limitQuery, mostRecent, strategyIdParam, symbolQuery, type RouteDeps } from './common.js';

const listQuery = z.strictObject({
  strategy: strategyIdParam.optional(),
  symbol: symbolQuery.optional(),
  decision: z.enum(['accepted', 'rejected']).optional(),
  kind: z.enum(['entry', 'exit']).optional(),
  limit: limitQuery(1000),
});

export function signalsRoutes(app: FastifyInstance, { store }: RouteDeps): void {
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/signals',
      summary: 'Signal decision history: the most recent `limit`, oldest first',
      tags: ['signals'],
      querystring: listQuery,
      response: { 200: listJson('signals', signalJson) },
    },
    async ({ query }) => {
      const rows = (await store.listSignals(query.strategy)).filter(
        (s) =>
          (query.symbol === undefined || s.symbol === query.symbol) &&
          (query.decision === undefined || s.decision === query.decision) &&
          (query.kind === undefined || s.kind === query.kind),
      );
      const signals = mostRecent(rows, query.limit);
      return { signals: signals.map(signalToJson), count: signals.length };
    },
  );
}
