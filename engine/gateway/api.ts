import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { decoratePrincipal, registerAccessHook } from './access.js';
import type { Authenticator, EngineControl } from './control.js';
import { errorHandlerPlugin } from './errors.js';
import { healthPlugin, type Readiness } from './health.js';
import type { EngineMetrics } from './metrics.js';
import { useZodValidation } from './routeSchema.js';
import { auditRoutes } from './routes/audit.js';
import { breakersRoutes } from './routes/breakers.js';
import { companiesRoutes } from './routes/companies.js';
import type { RouteDeps } from './routes/common.js';
import { ordersRoutes } from './routes/orders.js';
import { positionsRoutes } from './routes/positions.js';
import { signalsRoutes } from './routes/signals.js';
import { strategiesRoutes } from './routes/strategies.js';
import { tradesRoutes } from './routes/trades.js';
import { varRoutes } from './routes/var.js';

export interface ApiDeps {
  readonly control: EngineControl;
  readonly authenticator: Authenticator;
  readonly metrics: EngineMetrics;
  /** Backs /readyz; without it /readyz reports not ready. */
  readonly readiness?: Readiness;
}

const NOT_READY: Readiness = { databaseMigrated: false, feedRunning: false, stopping: false };

const API_DESCRIPTION = [
  'Operator API of the WallStreetBots engine. Money is a decimal string, time ISO-8601 UTC.',
  'Writes and commands need `Authorization: Bearer <token>` (the configured WSB_API_TOKEN, or an OIDC JWT from WSB_OIDC_ISSUER).',
  'Reads need it too unless the daemon runs with open reads (loopback binds only).',
  'Errors are JSON `{code, message, details}`; `details.field` names the bad input.',
].join(' ');

/**
 * Everything the gateway serves over HTTP, registered on `app`: health, the
 * OpenAPI document at /docs, and, in one guarded context, /api/v1 and /metrics.
 * Health and the docs stay open: they reveal no engine data, and probes and
 * browsers send no credentials.
 */
export async function registerApi(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  errorHandlerPlugin(app);
  decoratePrincipal(app);
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.countHttpRequest(req.method, req.is404 ? 'unmatched' : (req.routeOptions.url ?? 'unmatched'), reply.statusCode);
    return Promise.resolve();
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'WallStreetBots engine API', version: '1.0.0', description: API_DESCRIPTION },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'WSB_API_TOKEN or an OIDC access token (JWT)' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  healthPlugin(app, deps.readiness ?? NOT_READY);

  const routeDeps: RouteDeps = { control: deps.control, store: deps.control.store };
  await app.register((api) => {
    useZodValidation(api);
    registerAccessHook(api, deps.authenticator, { onRefused: (reason) => deps.metrics.countAuthRefusal(reason) });
    for (const routes of [companiesRoutes, ordersRoutes, positionsRoutes, tradesRoutes, signalsRoutes, strategiesRoutes, breakersRoutes, varRoutes, auditRoutes]) {
      routes(api, routeDeps);
    }
    api.get(
      '/metrics',
      { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['operations'], security: [{ bearerAuth: [] }] } },
      async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()),
    );
    return Promise.resolve();
  });
}
