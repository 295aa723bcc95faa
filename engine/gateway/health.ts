import type { FastifyInstance } from 'fastify';

/** What readiness waits for: the database migrated and the market data feed running. */
export interface Readiness {
  databaseMigrated: boolean;
  feedRunning: boolean;
  stopping: boolean;
}

export function healthPlugin(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (_req, reply) => {
    const ready = readiness.databaseMigrated && readiness.feedRunning && !readiness.stopping;
    void reply.status(ready ? 200 : 503).send({ ready, checks: { ...readiness } });
  });
}
