import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createLogger } from '../../engine/logger.js';
import { registerApi } from '../../engine/gateway/api.js';
import { createAuthenticator, type AuthenticatorOptions, type AuthSettings } from '../../engine/gateway/auth.js';
import { EngineMetrics } from '../../engine/gateway/metrics.js';
import { createGatewayApp } from '../../engine/gateway/server.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import { FakeControl } from './fakeControl.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

export interface Api {
  readonly app: FastifyInstance;
  readonly control: FakeControl;
  readonly store: InMemoryStore;
  readonly metrics: EngineMetrics;
  /** Every log line the gateway wrote (trace level and up), raw. */
  readonly logs: string[];
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  send(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

/** The real gateway app (same factory as the daemon) over a FakeControl and an InMemoryStore, driven with inject(). */
export async function startApi(opts: { auth?: Partial<AuthSettings>; authOptions?: AuthenticatorOptions; defaultMetrics?: boolean } = {}): Promise<Api> {
  const logs: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => void logs.push(line) });
  const store = new InMemoryStore();
  const control = new FakeControl(store);
  const metrics = new EngineMetrics({ defaultMetrics: opts.defaultMetrics ?? false });
  metrics.attachBus(control.bus);
  metrics.setSource({ ticks: () => 0, breakers: () => control.breakers(), latestVar: () => control.latestVar() });
  const authenticator = createAuthenticator({ apiToken: TOKEN, oidc: undefined, openReads: false, ...opts.auth }, opts.authOptions);
  const app = createGatewayApp(logger);
  await registerApi(app, { control, authenticator, metrics, readiness: { databaseMigrated: true, feedRunning: true, stopping: false } });
  await app.ready();
  return {
    app,
    control,
    store,
    metrics,
    logs,
    get: (url, headers = AUTH) => app.inject({ method: 'GET', url, headers }),
    send: (method, url, body, headers = AUTH) =>
      app.inject({ method, url, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) }),
  };
}

/** The parsed JSON body of a response. */
export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}
