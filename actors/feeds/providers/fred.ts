import { z } from 'zod';
import type { Logger } from '../../../engine/logger.js';
import { JsonHttpClient, type HttpTiming, type RateBudget, type RetryPolicy } from './http.js';
import { MarketDataError } from './marketDataError.js';
import type { Secret } from './secret.js';
import type { MarketDataProvider, RiskFreeRate } from './types.js';
import { isoDate } from './wire.js';

/**
 * The risk-free rate from FRED (https://api.stlouisfed.org): the latest
 * observation of a Treasury yield series, by default DGS3MO (3-month
 * constant maturity, percent), via `/fred/series/observations`. FRED takes
 * its key only as the `api_key` query parameter, so this is the one client
 * that puts a credential in a URL: it is added on the wire and never logged.
 */

export interface FredOptions extends HttpTiming {
  readonly apiKey: Secret;
  readonly baseUrl: string;
  readonly seriesId: string;
  /** Documented budget: 120 requests a minute per key. */
  readonly budget: RateBudget;
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

/** Observations fetched, newest first: enough to skip the holidays FRED marks ".". */
const LOOKBACK = 10;

const observationsSchema = z.object({
  observations: z.array(z.object({ date: isoDate, value: z.string() })),
});

export function createFredProvider(opts: FredOptions): MarketDataProvider {
  const http = new JsonHttpClient({
    provider: 'fred',
    baseUrl: opts.baseUrl,
    authQuery: { api_key: opts.apiKey },
    budget: opts.budget,
    timeoutMs: opts.timeoutMs,
    retry: opts.retry,
    logger: opts.logger,
    fetch: opts.fetch,
    sleep: opts.sleep,
    random: opts.random,
    timeoutSignal: opts.timeoutSignal,
    now: opts.now,
  });

  async function getRiskFreeRate(): Promise<RiskFreeRate> {
    const ctx = { symbol: opts.seriesId };
    const r = await http.get('/fred/series/observations', { series_id: opts.seriesId, file_type: 'json', sort_order: 'desc', limit: LOOKBACK }, observationsSchema, ctx);
    for (let i = 0; i < r.observations.length; i++) {
      const o = r.observations[i]!;
      // "." is FRED's mark for a day without a value (a bond market holiday).
      if (o.value === '.') continue;
      const percent = /^-?\d+(\.\d+)?$/.test(o.value) ? Number(o.value) : Number.NaN;
      if (!Number.isFinite(percent) || percent < -5 || percent > 50) {
        throw new MarketDataError('fred', 'shape', `"${o.value}" is not a yield in percent`, { ...ctx, field: `observations[${i}].value` });
      }
      return { rate: percent / 100, date: o.date, series: `FRED:${opts.seriesId}` };
    }
    throw new MarketDataError('fred', 'no-data', `no value among the latest ${LOOKBACK} observations`, { ...ctx, field: 'observations' });
  }

  return { name: 'fred', getRiskFreeRate };
}
