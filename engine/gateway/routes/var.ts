import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../domain/errors.js';
import { defineRoute } from '../routeSchema.js';
import { commandResultJson, varReportJson, varReportToJson } from '../wire.js';
import { principalOf, type RouteDeps } from './common.js';

export function varRoutes(app: FastifyInstance, { control }: RouteDeps): void {
  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/var', summary: 'The latest value-at-risk report (404 before the first run)', tags: ['risk'], response: { 200: varReportJson } },
    async () => {
      const report = control.latestVar();
      if (!report) throw new NotFoundError('var report', 'latest');
      return Promise.resolve(varReportToJson(report));
    },
  );

  defineRoute(
    app,
    { method: 'POST', url: '/api/v1/var/run', summary: 'Compute VaR now (audited)', tags: ['risk'], response: { 200: commandResultJson } },
    async ({ principal }) => control.command({ type: 'run_var' }, principalOf(principal)),
  );
}
