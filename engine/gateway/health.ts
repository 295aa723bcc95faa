import type { FastifyInstance } from 'fastify';

/** What readiness waits for: the database migrated and the market data feed running. */
export interface Readiness {
  databaseMigrated: boolean;
  feedRunning: boolean;
  stopping: boolean;
}

/** Liveness and readiness; open to every caller (probes send no credentials) and reveal no engine data. */
export function healthPlugin(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', { schema: { summary: 'Liveness: 200 while the server is up', tags: ['operations'] } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { summary: 'Readiness: 200 when migrated, fed and not stopping, else 503', tags: ['operations'] } }, (_req, reply) => {
    const ready = readiness.databaseMigrated && readiness.feedRunning && !readiness.stopping;
    void reply.status(ready ? 200 : 503).send({ ready, checks: { ...readiness } });
  });
}
