import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import type { EngineCommand, EngineControl, StrategyStatus } from '../control.js';
import { defineRoute } from '../routeSchema.js';
import { commandResultJson, listJson, strategyJson, strategyToJson } from '../wire.js';
import { principalOf, reasonBody, strategyIdParam, type RouteDeps } from './common.js';

const idParams = z.strictObject({ id: strategyIdParam });

/** A parameter value is JSON: numbers, strings, booleans, null, or arrays/objects of them. */
const jsonValue: z.ZodType = z.lazy(() => z.union([z.number(), z.string().max(1000), z.boolean(), z.null(), z.array(jsonValue).max(100), z.record(z.string(), jsonValue)]));

const parametersBody = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'parameter names are 1-64 characters of A-Z a-z 0-9 _, starting with a letter'), jsonValue)
  .refine((p) => Object.keys(p).length > 0, 'must name at least one parameter')
  .refine((p) => Object.keys(p).length <= 64, 'at most 64 parameters at once')
  .describe('the parameters to change, by name; the strategy checks names and values');

const thresholdBody = z.strictObject({
  threshold: z.union([z.number().min(0).max(100), z.literal('restore')]).describe("0–100 within the strategy's floor and ceiling, or 'restore'"),
  reason: z.string().min(1).max(500).optional(),
});

function find(control: EngineControl, id: string): StrategyStatus {
  const status = control.strategies().find((s) => s.id === id);
  if (!status) throw new NotFoundError('strategy', id);
  return status;
}

type LifecycleCommand = 'start_strategy' | 'stop_strategy' | 'resume_strategy';

export function strategiesRoutes(app: FastifyInstance, { control }: RouteDeps): void {
  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/strategies', summary: 'Strategies with their lifecycle state', tags: ['strategies'], response: { 200: listJson('strategies', strategyJson) } },
    async () => {
      const strategies = control.strategies().map(strategyToJson);
      return Promise.resolve({ strategies, count: strategies.length });
    },
  );

  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/strategies/:id', summary: 'One strategy', tags: ['strategies'], params: idParams, response: { 200: strategyJson } },
    async ({ params }) => Promise.resolve(strategyToJson(find(control, params.id))),
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/strategies/:id/parameters',
      summary: "A strategy's current parameters",
      tags: ['strategies'],
      params: idParams,
      response: { 200: z.object({ id: z.string(), params: z.record(z.string(), z.unknown()) }) },
    },
    async ({ params }) => Promise.resolve({ id: params.id, params: { ...find(control, params.id).params } }),
  );

  defineRoute(
    app,
    {
      method: 'PATCH',
      url: '/api/v1/strategies/:id/parameters',
      summary: "Change some of a strategy's parameters (audited)",
      tags: ['strategies'],
      params: idParams,
      body: parametersBody,
      response: { 200: commandResultJson },
    },
    async ({ params, body, principal }) =>
      control.command({ type: 'set_parameters', strategyId: params.id, params: body }, principalOf(principal)),
  );

  const lifecycle: ReadonlyArray<[string, LifecycleCommand, string]> = [
    ['start', 'start_strategy', 'Start a stopped strategy'],
    ['stop', 'stop_strategy', 'Stop a strategy (it raises no signals until started again)'],
    ['resume', 'resume_strategy', 'Resume a halted strategy'],
  ];
  for (const [verb, type, summary] of lifecycle) {
    defineRoute(
      app,
      { method: 'POST', url: `/api/v1/strategies/:id/${verb}`, summary: `${summary} (audited)`, tags: ['strategies'], params: idParams, response: { 200: commandResultJson } },
      async ({ params, principal }) => control.command({ type, strategyId: params.id } satisfies EngineCommand, principalOf(principal)),
    );
  }

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/strategies/:id/halt',
      summary: 'Halt a strategy (audited)',
      tags: ['strategies'],
      params: idParams,
      body: reasonBody,
      response: { 200: commandResultJson },
    },
    async ({ params, body, principal }) =>
      control.command({ type: 'halt_strategy', strategyId: params.id, ...(body.reason !== undefined ? { reason: body.reason } : {}) }, principalOf(principal)),
  );

  defineRoute(
    app,
    {
      method: 'PUT',
      url: '/api/v1/strategies/:id/signal-threshold',
      summary: "Set a strategy's signal threshold, or restore the configured one (audited)",
      tags: ['strategies'],
      params: idParams,
      body: thresholdBody,
      response: { 200: commandResultJson },
    },
    async ({ params, body, principal }) =>
      control.command(
        { type: 'set_signal_threshold', strategyId: params.id, threshold: body.threshold, ...(body.reason !== undefined ? { reason: body.reason } : {}) },
        principalOf(principal),
      ),
  );

  defineRoute(
    app,
    { method: 'POST', url: '/api/v1/strategies/halt-all', summary: 'Halt every strategy (audited)', tags: ['strategies'], body: reasonBody, response: { 200: commandResultJson } },
    async ({ body, principal }) => control.command({ type: 'halt_all', ...(body.reason !== undefined ? { reason: body.reason } : {}) }, principalOf(principal)),
  );
}
