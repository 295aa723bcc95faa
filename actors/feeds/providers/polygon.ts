import { z } from 'zod';
import type { Bar, Quote, Timeframe } from '../../../engine/domain/market.js';
import type { Logger } from '../../../engine/logger.js';
import { assembleChain, type RawOptionContract } from './chainAssembly.js';
import { JsonHttpClient, type HttpTiming, type RateBudget, type RetryPolicy } from './http.js';
import { MarketDataError } from './marketDataError.js';
import { Secret } from './secret.js';
import type { MarketDataProvider, MarketOptionChain } from './types.js';
import { barEndTs, earliestStart } from './wire.js';

/**
 * Polygon.io REST (https://api.polygon.io): aggregates
 * `/v2/aggs/ticker/{t}/range/{m}/{span}/{from}/{to}`, the last NBBO quote
 * `/v2/last/nbbo/{t}` and the option chain snapshot
 * `/v3/snapshot/options/{underlying}`. The key goes in an
 * `Authorization: Bearer` header, never in the URL; pages are followed
 * through `next_url`, only on Polygon's own host.
 */

export interface PolygonOptions extends HttpTiming {
  readonly apiKey: Secret;
  /** Default https://api.polygon.io. */
  readonly baseUrl: string;
  /** Documented budget: 5 requests a minute on the free plan. */
  readonly budget: RateBudget;
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly maxPages?: number;
}

const SPAN: Readonly<Record<Timeframe, { multiplier: number; timespan: string }>> = {
  '1d': { multiplier: 1, timespan: 'day' },
  '5m': { multiplier: 5, timespan: 'minute' },
};
const DEFAULT_MAX_PAGES = 50;
/** Polygon answers OK, or DELAYED on plans with delayed data; anything else is an error. */
const statusSchema = z.enum(['OK', 'DELAYED']);

const aggSchema = z.object({ t: z.number(), o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number(), vw: z.number().optional(), n: z.number().optional() });
const aggsSchema = z.object({
  status: statusSchema,
  ticker: z.string(),
  // Absent, not empty, when no bar falls in the range.
  results: z.array(aggSchema).optional(),
  next_url: z.string().optional(),
});

const nbboSchema = z.object({
  status: statusSchema,
  results: z.object({ p: z.number(), s: z.number(), P: z.number(), S: z.number(), t: z.number() }),
});

const optionSnapshotSchema = z.object({
  details: z.object({ ticker: z.string(), contract_type: z.enum(['call', 'put', 'other']).optional() }),
  last_quote: z.object({ bid: z.number().optional(), ask: z.number().optional(), last_updated: z.number().optional() }).optional(),
  greeks: z.object({ delta: z.number().optional(), gamma: z.number().optional(), theta: z.number().optional(), vega: z.number().optional() }).optional(),
  implied_volatility: z.number().optional(),
  open_interest: z.number().optional(),
  day: z.object({ volume: z.number().optional() }).optional(),
  underlying_asset: z.object({ price: z.number().optional() }).optional(),
});
const chainSchema = z.object({
  status: statusSchema,
  results: z.array(optionSnapshotSchema).optional(),
  next_url: z.string().optional(),
});

/** Polygon time stamps of quotes are SIP nanoseconds. */
const nsToMs = (ns: number): number => Math.floor(ns / 1e6);

export function createPolygonProvider(opts: PolygonOptions): MarketDataProvider {
  const http = new JsonHttpClient({
    provider: 'polygon',
    baseUrl: opts.baseUrl,
    headers: { authorization: new Secret(`Bearer ${opts.apiKey.reveal()}`, 'POLYGON_API_KEY') },
    secrets: [opts.apiKey],
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

  /** The first page and every page `next_url` leads to (on Polygon's host only). */
  async function pages<T extends { next_url?: string | undefined }>(symbol: string, first: () => Promise<T>, follow: (url: string) => Promise<T>): Promise<T[]> {
    const out: T[] = [await first()];
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      const next = out[out.length - 1]!.next_url;
      if (next === undefined || next === '') return out;
      if (page >= maxPages) throw new MarketDataError('polygon', 'shape', `more than ${maxPages} pages; narrow the request`, { symbol, field: 'next_url' });
      if (seen.has(next)) throw new MarketDataError('polygon', 'shape', 'next_url repeats', { symbol, field: 'next_url' });
      seen.add(next);
      out.push(await follow(next));
    }
  }

  async function getBars(symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Bar[]> {
    const { multiplier, timespan } = SPAN[timeframe];
    const path = `/v2/aggs/ticker/${encodeURIComponent(symbol)}/range/${multiplier}/${timespan}/${earliestStart(from, timeframe)}/${to}`;
    const all = await pages(
      symbol,
      () => http.get(path, { adjusted: true, sort: 'asc', limit: 50_000 }, aggsSchema, { symbol }),
      (next) => http.getAt(next, aggsSchema, { symbol, field: 'next_url' }),
    );
    const bars: Bar[] = [];
    for (const page of all) {
      for (const a of page.results ?? []) {
        const ts = barEndTs(a.t, timeframe);
        if (ts >= from && ts <= to) bars.push({ symbol, timeframe, ts, open: a.o, high: a.h, low: a.l, close: a.c, volume: a.v });
      }
    }
    return bars;
  }

  async function getQuote(symbol: string): Promise<Quote> {
    const r = await http.get(`/v2/last/nbbo/${encodeURIComponent(symbol)}`, {}, nbboSchema, { symbol });
    const q = r.results;
    return { symbol, ts: nsToMs(q.t), bid: q.p, ask: q.P, bidSize: q.s, askSize: q.S };
  }

  async function getOptionChain(underlying: string, asOf: number): Promise<MarketOptionChain> {
    const path = `/v3/snapshot/options/${encodeURIComponent(underlying)}`;
    const all = await pages(
      underlying,
      () => http.get(path, { limit: 250 }, chainSchema, { symbol: underlying }),
      (next) => http.getAt(next, chainSchema, { symbol: underlying, field: 'next_url' }),
    );
    let spot: number | null = null;
    const contracts: RawOptionContract[] = [];
    for (const page of all) {
      for (const r of page.results ?? []) {
        spot ??= r.underlying_asset?.price ?? null;
        contracts.push({
          occ: r.details.ticker,
          bid: r.last_quote?.bid,
          ask: r.last_quote?.ask,
          quoteTs: r.last_quote?.last_updated === undefined ? undefined : nsToMs(r.last_quote.last_updated),
          iv: r.implied_volatility,
          delta: r.greeks?.delta,
          gamma: r.greeks?.gamma,
          theta: r.greeks?.theta,
          vega: r.greeks?.vega,
          openInterest: r.open_interest,
          volume: r.day?.volume,
        });
      }
    }
    return assembleChain({ provider: 'polygon', underlying, asOf, spot, contracts });
  }

  return { name: 'polygon', barTimeframes: ['1d', '5m'], getBars, getQuote, getOptionChain };
}
