import { z } from 'zod';
import type { Bar, Timeframe } from '../../../engine/domain/market.js';
import type { Logger } from '../../../engine/logger.js';
import { JsonHttpClient, type HttpTiming, type RateBudget, type RetryPolicy } from './http.js';
import { MarketDataError } from './marketDataError.js';
import type { MarketDataProvider } from './types.js';
import { barEndTs, earliestStart } from './wire.js';

/**
 * Yahoo Finance daily history from the chart endpoint
 * `/v8/finance/chart/{symbol}?period1&period2&interval=1d`
 * (https://query1.finance.yahoo.com). No key. Yahoo publishes no request
 * budget, so the configured one is a polite guess. OHLC are split-adjusted
 * (not dividend-adjusted); `adjclose` is ignored.
 */

export interface YahooOptions extends HttpTiming {
  readonly baseUrl: string;
  readonly budget: RateBudget;
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

const nullableNumbers = z.array(z.number().nullable());

const chartSchema = z.object({
  chart: z.object({
    result: z
      .array(
        z.object({
          meta: z.object({ symbol: z.string() }),
          // Absent when no session falls in the range.
          timestamp: z.array(z.number()).optional(),
          indicators: z.object({
            quote: z.array(
              z.object({
                open: nullableNumbers.optional(),
                high: nullableNumbers.optional(),
                low: nullableNumbers.optional(),
                close: nullableNumbers.optional(),
                volume: nullableNumbers.optional(),
              }),
            ),
          }),
        }),
      )
      .nullable(),
    error: z.object({ code: z.string(), description: z.string() }).nullable(),
  }),
});

type ChartResult = NonNullable<z.output<typeof chartSchema>['chart']['result']>[number];
const COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

function toBars(r: ChartResult, symbol: string, from: number, to: number): Bar[] {
  const times = r.timestamp ?? [];
  const q = r.indicators.quote[0] ?? {};
  for (const col of COLUMNS) {
    const len = q[col]?.length ?? 0;
    if (times.length > 0 && len !== times.length) {
      throw new MarketDataError('yahoo', 'shape', `has ${len} values for ${times.length} timestamps`, { symbol, field: `chart.result[0].indicators.quote[0].${col}` });
    }
  }
  const bars: Bar[] = [];
  for (let i = 0; i < times.length; i++) {
    const open = q.open?.[i] ?? null;
    const high = q.high?.[i] ?? null;
    const low = q.low?.[i] ?? null;
    const close = q.close?.[i] ?? null;
    const volume = q.volume?.[i] ?? null;
    // A row with no prices at all is Yahoo's way of saying "no trading here", not bad data.
    if (open === null && high === null && low === null && close === null) continue;
    const ts = barEndTs(times[i]! * 1000, '1d');
    if (ts < from || ts > to) continue;
    // A partly empty row stays NaN so the bar check rejects it by field and reports it.
    bars.push({ symbol, timeframe: '1d', ts, open: open ?? NaN, high: high ?? NaN, low: low ?? NaN, close: close ?? NaN, volume: volume ?? NaN });
  }
  return bars;
}

export function createYahooProvider(opts: YahooOptions): MarketDataProvider {
  const http = new JsonHttpClient({
    provider: 'yahoo',
    baseUrl: opts.baseUrl,
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

  async function getBars(symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Bar[]> {
    if (timeframe !== '1d') throw new MarketDataError('yahoo', 'unsupported', `only daily history is served, not ${timeframe}`, { symbol, field: 'timeframe' });
    const r = await http.get(
      `/v8/finance/chart/${encodeURIComponent(symbol)}`,
      { period1: Math.floor(earliestStart(from, '1d') / 1000), period2: Math.ceil(to / 1000), interval: '1d', events: 'history' },
      chartSchema,
      { symbol },
    );
    if (r.chart.error !== null) throw new MarketDataError('yahoo', 'no-data', `${r.chart.error.code}: ${r.chart.error.description}`, { symbol, field: 'chart.error' });
    const result = r.chart.result?.[0];
    if (result === undefined) throw new MarketDataError('yahoo', 'shape', 'has no result and no error', { symbol, field: 'chart.result' });
    return toBars(result, symbol, from, to);
  }

  return { name: 'yahoo', barTimeframes: ['1d'], getBars };
}
