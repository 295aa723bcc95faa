import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import { TICKER_PATTERN } from '../../domain/instrument.js';
import { defineRoute } from '../routeSchema.js';
import { companyJson, companyToJson, listJson } from '../wire.js';
import type { RouteDeps } from './common.js';

const ticker = z.string().regex(TICKER_PATTERN, `must match ${TICKER_PATTERN.source} (upper case, e.g. AAPL or BRK.B)`);
const name = z
  .string()
  .max(255)
  .refine((s) => s.trim().length > 0, 'must not be blank');

const tickerParams = z.strictObject({ ticker });

export function companiesRoutes(app: FastifyInstance, { store }: RouteDeps): void {
  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/companies', summary: 'List companies by ticker', tags: ['companies'], response: { 200: listJson('companies', companyJson) } },
    async () => {
      const companies = await store.listCompanies();
      return { companies: companies.map(companyToJson), count: companies.length };
    },
  );

  defineRoute(
    app,
    { method: 'GET', url: '/api/v1/companies/:ticker', summary: 'One company', tags: ['companies'], params: tickerParams, response: { 200: companyJson } },
    async ({ params }) => {
      const company = await store.getCompany(params.ticker);
      if (!company) throw new NotFoundError('company', params.ticker);
      return companyToJson(company);
    },
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/companies',
      summary: 'Create a company (409 CONFLICT if the ticker exists)',
      tags: ['companies'],
      body: z.strictObject({ ticker, name }),
      status: 201,
      response: { 201: companyJson },
    },
    async ({ body, reply }) => {
      await store.createCompany(body);
      void reply.header('location', `/api/v1/companies/${encodeURIComponent(body.ticker)}`);
      return companyToJson(body);
    },
  );

  defineRoute(
    app,
    {
      method: 'PATCH',
      url: '/api/v1/companies/:ticker',
      summary: 'Rename a company (404 if the ticker does not exist)',
      tags: ['companies'],
      params: tickerParams,
      body: z.strictObject({ name }),
      response: { 200: companyJson },
    },
    async ({ params, body }) => {
      await store.updateCompany({ ticker: params.ticker, name: body.name });
      return companyToJson({ ticker: params.ticker, name: body.name });
    },
  );
}
