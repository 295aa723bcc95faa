import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TradingStore } from '../domain/ports.js';
import { errorHandlerPlugin } from './errors.js';
import { healthPlugin, type Readiness } from './health.js';
import { ordersPlugin } from './orders.js';

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly store: TradingStore;
  readonly readiness: Readiness;
}

/** The operator gateway: small plugins, one concern each. */
export async function startGateway(opts: GatewayOptions): Promise<{ app: FastifyInstance; port: number }> {
  // pino's Logger is a FastifyBaseLogger that differs only in its custom-level generic; without the
  // assertion the instance's type no longer matches the plugins' FastifyInstance parameter.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const app = Fastify({ loggerInstance: opts.logger.child({ component: 'gateway' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  errorHandlerPlugin(app);
  healthPlugin(app, opts.readiness);
  ordersPlugin(app, opts.store);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  return { app, port };
}
