import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerApi } from './api.js';
import type { Authenticator, EngineControl } from './control.js';
import type { Readiness } from './health.js';
import type { EngineMetrics } from './metrics.js';
import { websocketPlugin } from './ws/plugin.js';
import type { TopicHub } from './ws/topics.js';
import type { InspectionHub } from './ws/inspector.js';

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly control: EngineControl;
  readonly authenticator: Authenticator;
  readonly metrics: EngineMetrics;
  readonly readiness: Readiness;
  /** Live topics for WebSocket clients at /ws. */
  readonly hub: TopicHub;
  /** The Stately inspector stream at /inspect (WSB_INSPECTOR). */
  readonly inspector?: InspectionHub;
}

/** Operator requests are small; a larger body is refused (413) before it is parsed. */
const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The Fastify instance the gateway serves on, before any route: its logger is
 * the engine's (pino, secrets redacted) and request logging is off, so no
 * request line, header or body is ever logged by the framework.
 */
export function createGatewayApp(logger: Logger): FastifyInstance {
  // pino's Logger is a FastifyBaseLogger that differs only in its custom-level generic; typed as the base,
  // the instance keeps matching the plugins' FastifyInstance parameter.
  const loggerInstance: FastifyBaseLogger = logger.child({ component: 'gateway' });
  return Fastify({ loggerInstance, logController: new LogController({ disableRequestLogging: true }), bodyLimit: BODY_LIMIT_BYTES });
}

/** The operator gateway: health, /docs, /api/v1 and /metrics (see api.ts), /ws and /inspect (ws/plugin.ts). */
export async function startGateway(opts: GatewayOptions): Promise<{ app: FastifyInstance; port: number }> {
  const app = createGatewayApp(opts.logger);
  await registerApi(app, { control: opts.control, authenticator: opts.authenticator, metrics: opts.metrics, readiness: opts.readiness });
  await websocketPlugin(app, { control: opts.control, authenticator: opts.authenticator, hub: opts.hub, ...(opts.inspector ? { inspector: opts.inspector } : {}) });
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  return { app, port };
}
