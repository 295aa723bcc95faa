import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute } from '../routeSchema.js';
import { listJson, pnlJson, pnlToJson, positionJson, positionToJson } from '../wire.js';
import { symbolQuery, type RouteDeps } from './common.js';

const listQuery = z.strictObject({
  symbol: symbolQuery.optional(),
  open: z.enum(['true', 'false']).optional().describe('true: only non-zero positions; false: only flat ones'),
});

/** Positions come from the engine's live book (what risk and the breakers see), not from the store's last write. */
export function positionsRoutes(app: FastifyInstance, { control }: RouteDeps): void {
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/positions',
      summary: 'Positions by symbol, from the live book',
      tags: ['positions'],
      querystring: listQuery,
      response: { 200: listJson('positions', positionJson) },
    },
    ({ query }) => {
      const positions = control
        .positions()
        .filter((p) => (query.symbol === undefined || p.symbol === query.symbol) && (query.open === undefined || (p.quantity !== 0) === (query.open === 'true')))
        .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
      return Promise.resolve({ positions: positions.map(positionToJson), count: positions.length });
    },
  );

  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/pnl', summary: 'Equity, cash and realised/unrealised P&L now', tags: ['positions'], response: { 200: pnlJson } },
    async () => Promise.resolve(pnlToJson(control.pnl())),
  );
}
