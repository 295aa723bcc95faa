import { z } from 'zod';
import type { Bar, Quote, Timeframe } from '../../../engine/domain/market.js';
import type { Logger } from '../../../engine/logger.js';
import { assembleChain, type RawOptionContract } from './chainAssembly.js';
import { JsonHttpClient, type HttpTiming, type RateBudget, type RetryPolicy } from './http.js';
import { MarketDataError } from './marketDataError.js';
import type { Secret } from './secret.js';
import type { MarketDataProvider, MarketOptionChain } from './types.js';
import { barEndTs, earliestStart, isoSeconds, rfc3339Ms } from './wire.js';

/**
 * Alpaca Market Data API v2 (https://data.alpaca.markets): historical stock
 * bars, the latest quote, and option chain snapshots (v1beta1). Credentials
 * go in the APCA-API-KEY-ID / APCA-API-SECRET-KEY headers. The real-time
 * stream is in alpacaStream.ts.
 */

export interface AlpacaDataOptions extends HttpTiming {
  readonly keyId: Secret;
  readonly secretKey: Secret;
  /** Default https://data.alpaca.markets. */
  readonly baseUrl: string;
  /** Stock feed: `iex` (free plan) or `sip`. */
  readonly feed: 'iex' | 'sip';
  /** Options feed: `indicative` (free, delayed) or `opra`. */
  readonly optionsFeed: 'indicative' | 'opra';
  /** Documented budget: 200 requests a minute on the free plan. */
  readonly budget: RateBudget;
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Pages followed before giving up (a runaway guard, not a business limit). */
  readonly maxPages?: number;
}

const TIMEFRAME: Readonly<Record<Timeframe, string>> = { '1d': '1Day', '5m': '5Min' };
const DEFAULT_MAX_PAGES = 50;

const barSchema = z.object({
  t: rfc3339Ms,
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  n: z.number().optional(),
  vw: z.number().optional(),
});

const barsPageSchema = z.object({
  // Alpaca sends null (not []) when a page has no bars.
  bars: z.array(barSchema).nullable(),
  symbol: z.string(),
  next_page_token: z.string().nullable().optional(),
});

const quoteSchema = z.object({
  symbol: z.string(),
  quote: z.object({
    t: rfc3339Ms,
    bp: z.number(),
    bs: z.number(),
    ap: z.number(),
    as: z.number(),
  }),
});

const optionQuoteSchema = z.object({ t: rfc3339Ms, bp: z.number(), bs: z.number(), ap: z.number(), as: z.number() });
const greeksSchema = z.object({
  delta: z.number().optional(),
  gamma: z.number().optional(),
  theta: z.number().optional(),
  vega: z.number().optional(),
  rho: z.number().optional(),
});
const snapshotSchema = z.object({
  latestQuote: optionQuoteSchema.optional(),
  greeks: greeksSchema.optional(),
  impliedVolatility: z.number().optional(),
  dailyBar: z.object({ v: z.number() }).optional(),
});
const snapshotsPageSchema = z.object({
  snapshots: z.record(z.string(), snapshotSchema),
  next_page_token: z.string().nullable().optional(),
});

export function createAlpacaProvider(opts: AlpacaDataOptions): MarketDataProvider {
  const http = new JsonHttpClient({
    provider: 'alpaca',
    baseUrl: opts.baseUrl,
    headers: { 'APCA-API-KEY-ID': opts.keyId, 'APCA-API-SECRET-KEY': opts.secretKey },
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
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;

  /** Follows `next_page_token` until it is absent; a repeated token or too many pages is an error. */
  async function paged<T>(symbol: string, fetchPage: (token: string | undefined) => Promise<{ next: string | null | undefined; items: T[] }>): Promise<T[]> {
    const out: T[] = [];
    const tokens = new Set<string>();
    let token: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const { next, items } = await fetchPage(token);
      out.push(...items);
      if (next === null || next === undefined || next === '') return out;
      if (tokens.has(next)) throw new MarketDataError('alpaca', 'shape', `page token ${JSON.stringify(next)} repeats`, { symbol, field: 'next_page_token' });
      tokens.add(next);
      token = next;
    }
    throw new MarketDataError('alpaca', 'shape', `more than ${maxPages} pages; narrow the request`, { symbol, field: 'next_page_token' });
  }

  async function getBars(symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Bar[]> {
    const path = `/v2/stocks/${encodeURIComponent(symbol)}/bars`;
    const raw = await paged(symbol, async (pageToken) => {
      const page = await http.get(
        path,
        {
          timeframe: TIMEFRAME[timeframe],
          start: isoSeconds(earliestStart(from, timeframe)),
          end: isoSeconds(to),
          limit: 10_000,
          // Split-adjusted, as Polygon's and Yahoo's defaults are, so a fallback gives the same prices.
          adjustment: 'split',
          feed: opts.feed,
          page_token: pageToken,
        },
        barsPageSchema,
        { symbol },
      );
      return { next: page.next_page_token, items: page.bars ?? [] };
    });
    return raw
      .map((b) => ({ symbol, timeframe, ts: barEndTs(b.t, timeframe), open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v }))
      .filter((b) => b.ts >= from && b.ts <= to);
  }

  async function getQuote(symbol: string): Promise<Quote> {
    const r = await http.get(`/v2/stocks/${encodeURIComponent(symbol)}/quotes/latest`, { feed: opts.feed }, quoteSchema, { symbol });
    return { symbol, ts: r.quote.t, bid: r.quote.bp, ask: r.quote.ap, bidSize: r.quote.bs, askSize: r.quote.as };
  }

  async function getOptionChain(underlying: string, asOf: number): Promise<MarketOptionChain> {
    const path = `/v1beta1/options/snapshots/${encodeURIComponent(underlying)}`;
    const contracts = await paged<RawOptionContract>(underlying, async (pageToken) => {
      const page = await http.get(path, { feed: opts.optionsFeed, limit: 1000, page_token: pageToken }, snapshotsPageSchema, { symbol: underlying });
      const items = Object.entries(page.snapshots).map(([occ, s]): RawOptionContract => ({
        occ,
        bid: s.latestQuote?.bp,
        ask: s.latestQuote?.ap,
        quoteTs: s.latestQuote?.t,
        iv: s.impliedVolatility,
        delta: s.greeks?.delta,
        gamma: s.greeks?.gamma,
        theta: s.greeks?.theta,
        vega: s.greeks?.vega,
        rho: s.greeks?.rho,
        volume: s.dailyBar?.v,
        // Open interest is not in Alpaca's snapshot (it is on the trading API's contract endpoint).
        openInterest: null,
      }));
      return { next: page.next_page_token, items };
    });
    return assembleChain({ provider: 'alpaca', underlying, asOf, spot: null, contracts });
  }

  return { name: 'alpaca', barTimeframes: ['1d', '5m'], getBars, getQuote, getOptionChain };
}
