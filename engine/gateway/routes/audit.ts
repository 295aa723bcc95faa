import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AUDIT_CATEGORIES } from '../../domain/ports.js';
import { defineRoute } from '../routeSchema.js';
import { auditEventJson, auditEventToJson, listJson } from '../wire.js';
import { limitQuery, type RouteDeps } from './common.js';

const listQuery = z.strictObject({
  category: z.enum(AUDIT_CATEGORIES).optional(),
  scope: z.string().min(1).max(128).optional().describe("'global', a strategy id, an order id…"),
  limit: limitQuery(100),
});

export function auditRoutes(app: FastifyInstance, { store }: RouteDeps): void {
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/audit',
      summary: 'Audit log (breaker transitions, operator commands, alerts): the most recent `limit`, oldest first',
      tags: ['audit'],
      querystring: listQuery,
      response: { 200: listJson('events', auditEventJson) },
    },
    async ({ query }) => {
      const events = await store.listEvents({ category: query.category, scope: query.scope, limit: query.limit });
      return { events: events.map(auditEventToJson), count: events.length };
    },
  );
}
