import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMarketData } from '../../../actors/feeds/providers/index.js';
import { Secret, scrubSecrets } from '../../../actors/feeds/providers/secret.js';
import { parseMarketDataEnv } from '../../../actors/feeds/providers/settings.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import { ConfigError } from '../../../engine/domain/errors.js';
import { bundledDataRoot } from '../../../engine/market/barLoader.js';
import { captureLogs } from './loopback.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    parseMarketDataEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseMarketDataEnv', () => {
  it('defaults: Yahoo for bars, the bundled earnings calendar, documented budgets', () => {
    const s = parseMarketDataEnv({});
    expect(s.priorities).toEqual({ bars: ['yahoo'], quote: [], optionChain: [], riskFreeRate: [], earnings: ['bundled'] });
    expect(s.alpaca).toBeUndefined();
    expect(s.yahoo).toEqual({ baseUrl: 'https://query1.finance.yahoo.com', requestsPerMinute: 30 });
    expect(s.retry).toEqual({ retries: 3, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 });
    expect(s.freshness).toEqual({ barMaxAgeMs: { '1d': 7_200_000, '5m': 600_000 }, quoteMaxAgeMs: 60_000, rateMaxAgeDays: 7 });
    expect(s.cache.maxEntries).toBe(1000);
  });

  it('adds every provider that has its key, in the default order', () => {
    const s = parseMarketDataEnv({ ALPACA_API_KEY_ID: 'id', ALPACA_API_SECRET_KEY: 'sec', POLYGON_API_KEY: 'pk', FRED_API_KEY: 'fk', FINNHUB_API_KEY: '' });
    expect(s.priorities).toEqual({ bars: ['alpaca', 'polygon', 'yahoo'], quote: ['alpaca', 'polygon'], optionChain: ['alpaca', 'polygon'], riskFreeRate: ['fred'], earnings: ['bundled'] });
    expect(s.alpaca).toMatchObject({ dataUrl: 'https://data.alpaca.markets', streamUrl: 'wss://stream.data.alpaca.markets/v2/iex', feed: 'iex', requestsPerMinute: 200 });
    expect(s.polygon?.requestsPerMinute).toBe(5);
    expect(s.fred).toMatchObject({ seriesId: 'DGS3MO', requestsPerMinute: 120 });
    expect(s.finnhub).toBeUndefined();
  });

  it('takes an explicit priority order and derives the stream URL from the feed', () => {
    const s = parseMarketDataEnv({
      ALPACA_API_KEY_ID: 'id', ALPACA_API_SECRET_KEY: 'sec', ALPACA_DATA_FEED: 'sip', FINNHUB_API_KEY: 'tok',
      MARKET_DATA_BARS_PROVIDERS: 'yahoo, Alpaca', MARKET_DATA_EARNINGS_PROVIDERS: 'finnhub,bundled', MARKET_DATA_CACHE_QUOTE_MS: '0',
    });
    expect(s.priorities.bars).toEqual(['yahoo', 'alpaca']);
    expect(s.priorities.earnings).toEqual(['finnhub', 'bundled']);
    expect(s.alpaca?.streamUrl).toBe('wss://stream.data.alpaca.markets/v2/sip');
    expect(s.cache.ttlMs.quote).toBe(0);
  });

  it('names the variable that is wrong', () => {
    expect(configError({ MARKET_DATA_BARS_PROVIDERS: 'polygon' }).field).toBe('POLYGON_API_KEY');
    expect(configError({ MARKET_DATA_QUOTE_PROVIDERS: 'yahoo' }).field).toBe('MARKET_DATA_QUOTE_PROVIDERS');
    expect(configError({ MARKET_DATA_BARS_PROVIDERS: 'yahoo,yahoo' }).message).toContain('listed twice');
    expect(configError({ ALPACA_API_KEY_ID: 'only-the-id' }).field).toBe('ALPACA_API_SECRET_KEY');
    expect(configError({ POLYGON_BASE_URL: 'http://api.polygon.io' }).field).toBe('POLYGON_BASE_URL');
    expect(configError({ ALPACA_STREAM_URL: 'ws://stream.example.com/v2/iex' }).field).toBe('ALPACA_STREAM_URL');
    expect(configError({ MARKET_DATA_TIMEOUT_MS: 'soon' }).field).toBe('MARKET_DATA_TIMEOUT_MS');
    expect(configError({ FRED_SERIES_ID: 'dgs 3mo' }).field).toBe('FRED_SERIES_ID');
    expect(configError({ MARKET_DATA_RETRY_BASE_MS: '9000' }).field).toBe('MARKET_DATA_RETRY_BASE_MS');
    // Loopback test servers may speak plain http/ws.
    expect(parseMarketDataEnv({ YAHOO_BASE_URL: 'http://127.0.0.1:8099' }).yahoo.baseUrl).toBe('http://127.0.0.1:8099');
  });

  it('holds keys as Secrets that print, serialise and inspect as [redacted]', () => {
    const s = parseMarketDataEnv({ ALPACA_API_KEY_ID: 'AKID-visible?', ALPACA_API_SECRET_KEY: 'top/secret value', POLYGON_API_KEY: 'poly-key-123' });
    const shown = `${JSON.stringify(s)} ${inspect(s, { depth: 10 })} ${String(s.alpaca?.secretKey)}`;
    for (const v of ['AKID-visible?', 'top/secret value', 'poly-key-123']) expect(shown).not.toContain(v);
    expect(s.alpaca?.secretKey.reveal()).toBe('top/secret value');
    expect(scrubSecrets('k=top%2Fsecret%20value and top/secret value', [s.alpaca!.secretKey])).toBe('k=[redacted] and [redacted]');
    expect(() => new Secret('')).toThrow(/non-empty/);
  });

  it('builds the providers and the service from the settings', () => {
    const s = parseMarketDataEnv({ FRED_API_KEY: 'fk', ALPACA_API_KEY_ID: 'id', ALPACA_API_SECRET_KEY: 'sec' });
    const md = createMarketData(s, { logger: captureLogs().logger, clock: new SimulatedClock(0), dataRoot: bundledDataRoot() });
    expect(md.providers.map((p) => p.name)).toEqual(['alpaca', 'yahoo', 'fred', 'bundled']);
    expect(md.createBarStream({ symbols: ['AAPL'], onBar: () => undefined })?.state).toBe('idle');
    const none = createMarketData(parseMarketDataEnv({}), { logger: captureLogs().logger, clock: new SimulatedClock(0), dataRoot: bundledDataRoot() });
    expect(none.createBarStream({ symbols: ['AAPL'], onBar: () => undefined })).toBeUndefined();
  });
});
