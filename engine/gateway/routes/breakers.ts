import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import { defineRoute } from '../routeSchema.js';
import { breakerJson, breakerToJson, commandResultJson, listJson } from '../wire.js';
import { principalOf, strategyIdParam, type RouteDeps } from './common.js';

const scopeParams = z.strictObject({ scope: strategyIdParam.describe("'global' or a strategy id") });

export function breakersRoutes(app: FastifyInstance, { control }: RouteDeps): void {
  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/breakers', summary: 'Circuit breakers: global and per strategy', tags: ['breakers'], response: { 200: listJson('breakers', breakerJson) } },
    async () => {
      const breakers = control.breakers().map(breakerToJson);
      return Promise.resolve({ breakers, count: breakers.length });
    },
  );

  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/breakers/:scope', summary: 'One breaker', tags: ['breakers'], params: scopeParams, response: { 200: breakerJson } },
    async ({ params }) => {
      const breaker = control.breakers().find((b) => b.scope === params.scope);
      if (!breaker) throw new NotFoundError('breaker', params.scope);
      return Promise.resolve(breakerToJson(breaker));
    },
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/breakers/:scope/reset',
      summary: 'Operator reset of an open breaker (audited)',
      tags: ['breakers'],
      params: scopeParams,
      response: { 200: commandResultJson },
    },
    async ({ params, principal }) => control.command({ type: 'reset_breaker', scope: params.scope }, principalOf(principal)),
  );
}
