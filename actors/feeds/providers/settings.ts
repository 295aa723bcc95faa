import { z } from 'zod';
import { ConfigError } from '../../../engine/domain/errors.js';
import type { CacheSettings, FreshnessLimits } from '../marketData.js';
import type { RetryPolicy } from './http.js';
import { Secret } from './secret.js';
import type { DataKind, ProviderName } from './types.js';

/**
 * Market data settings from the environment. The lead wires these into
 * `engine/config.ts`; until then `parseMarketDataEnv(process.env)` reads them.
 * Keys become `Secret`s at once, so a settings object can be logged safely.
 */

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

function url(schemes: readonly string[], plainSchemes: readonly string[]) {
  return z.string().refine((u) => {
    if (!URL.canParse(u)) return false;
    const parsed = new URL(u);
    const scheme = parsed.protocol.slice(0, -1);
    // Unencrypted only to this machine (a loopback test server), never across a network.
    return schemes.includes(scheme) || (plainSchemes.includes(scheme) && LOOPBACK.test(parsed.hostname));
  }, `must be a ${schemes.join('/')} URL (${plainSchemes.join('/')} only to a loopback host)`);
}
const httpsUrl = url(['https'], ['http']);
const wssUrl = url(['wss'], ['ws']);
const int = (min: number, max: number, what: string) =>
  z.coerce.number({ message: `must be ${what}` }).int(`must be an integer (${what})`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const ms = (def: number, max = 7 * 86_400_000) => int(0, max, 'milliseconds').default(def);
const perMinute = (def: number) => int(1, 100_000, 'requests per minute').default(def);

/** Which providers may serve each kind, in the words of the env var. */
export const ALLOWED: Readonly<Record<DataKind, readonly ProviderName[]>> = {
  bars: ['alpaca', 'polygon', 'yahoo'],
  quote: ['alpaca', 'polygon'],
  optionChain: ['alpaca', 'polygon'],
  riskFreeRate: ['fred'],
  earnings: ['bundled', 'finnhub'],
};

export const PRIORITY_VARS: Readonly<Record<DataKind, string>> = {
  bars: 'MARKET_DATA_BARS_PROVIDERS',
  quote: 'MARKET_DATA_QUOTE_PROVIDERS',
  optionChain: 'MARKET_DATA_CHAIN_PROVIDERS',
  riskFreeRate: 'MARKET_DATA_RATE_PROVIDERS',
  earnings: 'MARKET_DATA_EARNINGS_PROVIDERS',
};

const providerList = z.string().transform((s) => s.split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== ''));

export const marketDataEnvSchema = z.object({
  MARKET_DATA_BARS_PROVIDERS: providerList.optional(),
  MARKET_DATA_QUOTE_PROVIDERS: providerList.optional(),
  MARKET_DATA_CHAIN_PROVIDERS: providerList.optional(),
  MARKET_DATA_RATE_PROVIDERS: providerList.optional(),
  MARKET_DATA_EARNINGS_PROVIDERS: providerList.optional(),
  MARKET_DATA_TIMEOUT_MS: int(100, 120_000, 'milliseconds').default(10_000),
  MARKET_DATA_RETRIES: int(0, 10, 'a count').default(3),
  MARKET_DATA_RETRY_BASE_MS: int(1, 60_000, 'milliseconds').default(500),
  MARKET_DATA_RETRY_MAX_MS: int(1, 600_000, 'milliseconds').default(8_000),
  MARKET_DATA_MAX_RETRY_AFTER_MS: int(0, 600_000, 'milliseconds').default(30_000),
  MARKET_DATA_MAX_AGE_1D_MS: ms(2 * 3_600_000),
  MARKET_DATA_MAX_AGE_5M_MS: ms(10 * 60_000),
  MARKET_DATA_MAX_QUOTE_AGE_MS: ms(60_000),
  MARKET_DATA_MAX_RATE_AGE_DAYS: int(0, 365, 'days').default(7),
  MARKET_DATA_CACHE_BARS_MS: ms(60_000),
  MARKET_DATA_CACHE_QUOTE_MS: ms(1_000),
  MARKET_DATA_CACHE_CHAIN_MS: ms(60_000),
  MARKET_DATA_CACHE_RATE_MS: ms(6 * 3_600_000),
  MARKET_DATA_CACHE_EARNINGS_MS: ms(12 * 3_600_000),
  MARKET_DATA_CACHE_MAX_ENTRIES: int(1, 1_000_000, 'a count').default(1_000),
  ALPACA_API_KEY_ID: z.string().optional(),
  ALPACA_API_SECRET_KEY: z.string().optional(),
  ALPACA_DATA_URL: httpsUrl.default('https://data.alpaca.markets'),
  ALPACA_STREAM_URL: wssUrl.optional(),
  ALPACA_DATA_FEED: z.enum(['iex', 'sip'], { message: 'must be iex or sip' }).default('iex'),
  ALPACA_OPTIONS_FEED: z.enum(['indicative', 'opra'], { message: 'must be indicative or opra' }).default('indicative'),
  ALPACA_DATA_REQUESTS_PER_MIN: perMinute(200),
  POLYGON_API_KEY: z.string().optional(),
  POLYGON_BASE_URL: httpsUrl.default('https://api.polygon.io'),
  POLYGON_REQUESTS_PER_MIN: perMinute(5),
  YAHOO_BASE_URL: httpsUrl.default('https://query1.finance.yahoo.com'),
  YAHOO_REQUESTS_PER_MIN: perMinute(30),
  FRED_API_KEY: z.string().optional(),
  FRED_BASE_URL: httpsUrl.default('https://api.stlouisfed.org'),
  FRED_SERIES_ID: z.string().regex(/^[A-Z0-9]{1,25}$/, 'must be a FRED series id like DGS3MO').default('DGS3MO'),
  FRED_REQUESTS_PER_MIN: perMinute(120),
  FINNHUB_API_KEY: z.string().optional(),
  FINNHUB_BASE_URL: httpsUrl.default('https://finnhub.io'),
  FINNHUB_REQUESTS_PER_MIN: perMinute(60),
});

export interface MarketDataSettings {
  readonly priorities: Readonly<Record<DataKind, readonly ProviderName[]>>;
  readonly alpaca: {
    readonly keyId: Secret;
    readonly secretKey: Secret;
    readonly dataUrl: string;
    readonly streamUrl: string;
    readonly feed: 'iex' | 'sip';
    readonly optionsFeed: 'indicative' | 'opra';
    readonly requestsPerMinute: number;
  } | undefined;
  readonly polygon: { readonly apiKey: Secret; readonly baseUrl: string; readonly requestsPerMinute: number } | undefined;
  readonly yahoo: { readonly baseUrl: string; readonly requestsPerMinute: number };
  readonly fred: { readonly apiKey: Secret; readonly baseUrl: string; readonly seriesId: string; readonly requestsPerMinute: number } | undefined;
  readonly finnhub: { readonly apiKey: Secret; readonly baseUrl: string; readonly requestsPerMinute: number } | undefined;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly freshness: FreshnessLimits;
  readonly cache: CacheSettings;
}

/** The variable whose absence keeps a provider from being used. */
const KEY_VAR: Readonly<Partial<Record<ProviderName, string>>> = {
  alpaca: 'ALPACA_API_KEY_ID',
  polygon: 'POLYGON_API_KEY',
  fred: 'FRED_API_KEY',
  finnhub: 'FINNHUB_API_KEY',
};

/** Reads and checks the market data variables; throws ConfigError naming the first bad one. */
export function parseMarketDataEnv(env: Readonly<Record<string, string | undefined>>): MarketDataSettings {
  // An empty value (`POLYGON_API_KEY=` in a .env file) means "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = marketDataEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue?.path.join('.') || 'environment', issue?.message ?? 'invalid');
  }
  const e = parsed.data;
  if ((e.ALPACA_API_KEY_ID === undefined) !== (e.ALPACA_API_SECRET_KEY === undefined)) {
    throw new ConfigError(e.ALPACA_API_KEY_ID === undefined ? 'ALPACA_API_KEY_ID' : 'ALPACA_API_SECRET_KEY', 'ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY are needed together');
  }
  if (e.MARKET_DATA_RETRY_BASE_MS > e.MARKET_DATA_RETRY_MAX_MS) throw new ConfigError('MARKET_DATA_RETRY_BASE_MS', 'must not exceed MARKET_DATA_RETRY_MAX_MS');
  const alpaca =
    e.ALPACA_API_KEY_ID !== undefined && e.ALPACA_API_SECRET_KEY !== undefined
      ? {
          keyId: new Secret(e.ALPACA_API_KEY_ID, 'ALPACA_API_KEY_ID'),
          secretKey: new Secret(e.ALPACA_API_SECRET_KEY, 'ALPACA_API_SECRET_KEY'),
          dataUrl: e.ALPACA_DATA_URL,
          streamUrl: e.ALPACA_STREAM_URL ?? `wss://stream.data.alpaca.markets/v2/${e.ALPACA_DATA_FEED}`,
          feed: e.ALPACA_DATA_FEED,
          optionsFeed: e.ALPACA_OPTIONS_FEED,
          requestsPerMinute: e.ALPACA_DATA_REQUESTS_PER_MIN,
        }
      : undefined;
  const polygon = e.POLYGON_API_KEY === undefined ? undefined : { apiKey: new Secret(e.POLYGON_API_KEY, 'POLYGON_API_KEY'), baseUrl: e.POLYGON_BASE_URL, requestsPerMinute: e.POLYGON_REQUESTS_PER_MIN };
  const fred =
    e.FRED_API_KEY === undefined
      ? undefined
      : { apiKey: new Secret(e.FRED_API_KEY, 'FRED_API_KEY'), baseUrl: e.FRED_BASE_URL, seriesId: e.FRED_SERIES_ID, requestsPerMinute: e.FRED_REQUESTS_PER_MIN };
  const finnhub = e.FINNHUB_API_KEY === undefined ? undefined : { apiKey: new Secret(e.FINNHUB_API_KEY, 'FINNHUB_API_KEY'), baseUrl: e.FINNHUB_BASE_URL, requestsPerMinute: e.FINNHUB_REQUESTS_PER_MIN };

  const configured = (p: ProviderName): boolean =>
    p === 'yahoo' || p === 'bundled' || (p === 'alpaca' && alpaca !== undefined) || (p === 'polygon' && polygon !== undefined) || (p === 'fred' && fred !== undefined) || (p === 'finnhub' && finnhub !== undefined);
  const given: Record<DataKind, string[] | undefined> = {
    bars: e.MARKET_DATA_BARS_PROVIDERS,
    quote: e.MARKET_DATA_QUOTE_PROVIDERS,
    optionChain: e.MARKET_DATA_CHAIN_PROVIDERS,
    riskFreeRate: e.MARKET_DATA_RATE_PROVIDERS,
    earnings: e.MARKET_DATA_EARNINGS_PROVIDERS,
  };
  const priorities = {} as Record<DataKind, ProviderName[]>;
  for (const kind of Object.keys(ALLOWED) as DataKind[]) {
    const variable = PRIORITY_VARS[kind];
    const list = given[kind];
    if (list === undefined) {
      // Default: every provider of the kind that has its key, in ALLOWED's order; the bundled calendar alone for earnings.
      priorities[kind] = kind === 'earnings' ? ['bundled'] : ALLOWED[kind].filter(configured);
      continue;
    }
    if (list.length === 0) throw new ConfigError(variable, 'must name at least one provider');
    const seen = new Set<string>();
    for (const name of list) {
      if (!(ALLOWED[kind] as readonly string[]).includes(name)) throw new ConfigError(variable, `"${name}" cannot serve this; choose from ${ALLOWED[kind].join(', ')}`);
      if (seen.has(name)) throw new ConfigError(variable, `"${name}" is listed twice`);
      seen.add(name);
      if (!configured(name as ProviderName)) throw new ConfigError(KEY_VAR[name as ProviderName] ?? variable, `is needed because ${variable} lists ${name}`);
    }
    priorities[kind] = list as ProviderName[];
  }

  return {
    priorities,
    alpaca,
    polygon,
    yahoo: { baseUrl: e.YAHOO_BASE_URL, requestsPerMinute: e.YAHOO_REQUESTS_PER_MIN },
    fred,
    finnhub,
    timeoutMs: e.MARKET_DATA_TIMEOUT_MS,
    retry: { retries: e.MARKET_DATA_RETRIES, baseDelayMs: e.MARKET_DATA_RETRY_BASE_MS, maxDelayMs: e.MARKET_DATA_RETRY_MAX_MS, maxRetryAfterMs: e.MARKET_DATA_MAX_RETRY_AFTER_MS },
    freshness: {
      barMaxAgeMs: { '1d': e.MARKET_DATA_MAX_AGE_1D_MS, '5m': e.MARKET_DATA_MAX_AGE_5M_MS },
      quoteMaxAgeMs: e.MARKET_DATA_MAX_QUOTE_AGE_MS,
      rateMaxAgeDays: e.MARKET_DATA_MAX_RATE_AGE_DAYS,
    },
    cache: {
      ttlMs: {
        bars: e.MARKET_DATA_CACHE_BARS_MS,
        quote: e.MARKET_DATA_CACHE_QUOTE_MS,
        optionChain: e.MARKET_DATA_CACHE_CHAIN_MS,
        riskFreeRate: e.MARKET_DATA_CACHE_RATE_MS,
        earnings: e.MARKET_DATA_CACHE_EARNINGS_MS,
      },
      maxEntries: e.MARKET_DATA_CACHE_MAX_ENTRIES,
    },
  };
}
