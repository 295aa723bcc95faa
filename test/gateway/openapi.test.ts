import { describe, expect, it } from 'vitest';
import type { RouteOptions } from 'fastify';
import { pino } from 'pino';
import { registerApi } from '../../engine/gateway/api.js';
import { createAuthenticator } from '../../engine/gateway/auth.js';
import { EngineMetrics } from '../../engine/gateway/metrics.js';
import { createGatewayApp } from '../../engine/gateway/server.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import { FakeControl } from './fakeControl.js';

interface OpenApiOperation {
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: unknown;
  responses: Record<string, unknown>;
  summary?: string;
}
type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, OpenApiOperation>>; components: { securitySchemes: Record<string, unknown> } };

describe('OpenAPI document at /docs', () => {
  it('lists every route the server registers, with its parameters, body and auth', async () => {
    const app = createGatewayApp(pino({ level: 'silent' }));
    const routes: RouteOptions[] = [];
    app.addHook('onRoute', (r) => void routes.push(r));
    const control = new FakeControl(new InMemoryStore());
    await registerApi(app, {
      control,
      authenticator: createAuthenticator({ apiToken: 'a-token-of-sixteen+', oidc: undefined, openReads: false }),
      metrics: new EngineMetrics({ defaultMetrics: false }),
    });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body) as OpenApiDocument;
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });

    const served = routes
      .filter((r) => !r.url.startsWith('/docs'))
      .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD').map((m) => ({ method: m.toLowerCase(), url: r.url, path: r.url.replace(/:([A-Za-z]+)/g, '{$1}') })));
    expect(served.length).toBeGreaterThanOrEqual(28);
    for (const r of served) {
      const op = doc.paths[r.path]?.[r.method];
      expect(op, `${r.method} ${r.url}`).toBeDefined();
      expect(op?.summary, `${r.method} ${r.url}`).toBeTruthy();
      if (r.url.startsWith('/api/') || r.url === '/metrics') expect(op?.security, r.url).toEqual([{ bearerAuth: [] }]);
      for (const name of r.url.match(/:([A-Za-z]+)/g) ?? []) {
        expect(op?.parameters?.some((p) => p.in === 'path' && p.name === name.slice(1)), `${r.url} path ${name}`).toBe(true);
      }
    }
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual(served.map((r) => `${r.method} ${r.path}`).sort());

    const listOrders = doc.paths['/api/v1/orders']?.get;
    expect(listOrders?.parameters?.map((p) => p.name).sort()).toEqual(['cursor', 'limit', 'status', 'strategy', 'symbol']);
    expect(doc.paths['/api/v1/companies']?.post?.requestBody).toMatchObject({ content: { 'application/json': { schema: { required: ['ticker', 'name'] } } } });
    expect(Object.keys(doc.paths['/api/v1/companies']?.post?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '401', '409']));
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});
