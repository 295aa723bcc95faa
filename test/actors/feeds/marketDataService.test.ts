import { afterEach, describe, expect, it } from 'vitest';
import { MarketDataService, type MarketDataEvent, type MarketDataServiceOptions } from '../../../actors/feeds/marketData.js';
import { createAlpacaProvider } from '../../../actors/feeds/providers/alpaca.js';
import { MarketDataError, NoMarketDataError } from '../../../actors/feeds/providers/marketDataError.js';
import { Secret } from '../../../actors/feeds/providers/secret.js';
import type { MarketDataProvider, ProviderName } from '../../../actors/feeds/providers/types.js';
import { createYahooProvider } from '../../../actors/feeds/providers/yahoo.js';
import { InputError } from '../../../engine/domain/errors.js';
import type { Bar, Quote } from '../../../engine/domain/market.js';
import { sessionCloseUtc, sessionOpenUtc } from '../../../engine/domain/session.js';
import { captureLogs, instantTiming, NO_RETRY_WAIT, sendJson, startLoopback, type Loopback } from './loopback.js';

// Friday 2026-11-20, 15:00 New York: Thursday's daily bar is the newest that must exist.
const NOW = Date.parse('2026-11-20T20:00:00Z');
const FROM = Date.parse('2026-11-16T00:00:00Z');
const DAYS = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19'];

const daily = (date: string, close = 100, symbol = 'AAPL'): Bar => ({ symbol, timeframe: '1d', ts: sessionCloseUtc(date), open: close, high: close + 1, low: close - 1, close, volume: 1000 });
const quote = (ts: number, bid = 10, ask = 10.1): Quote => ({ symbol: 'AAPL', ts, bid, ask, bidSize: 1, askSize: 1 });

/** An in-memory provider that counts its calls. */
function fake(name: ProviderName, impl: Partial<MarketDataProvider>): MarketDataProvider & { calls: number } {
  const p = { name, barTimeframes: ['1d', '5m'] as const, calls: 0, ...impl } as MarketDataProvider & { calls: number };
  for (const m of ['getBars', 'getQuote', 'getOptionChain', 'getRiskFreeRate', 'getEarnings'] as const) {
    const f = impl[m] as ((...a: unknown[]) => Promise<unknown>) | undefined;
    if (f !== undefined) {
      (p as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
        p.calls++;
        return f(...a);
      };
    }
  }
  return p;
}

function service(providers: MarketDataProvider[], over: Partial<MarketDataServiceOptions> = {}) {
  const clock = { t: NOW, now(): number { return this.t; } };
  const events: MarketDataEvent[] = [];
  const logs = captureLogs();
  const serving = (m: keyof MarketDataProvider) => providers.filter((p) => typeof p[m] === 'function').map((p) => p.name);
  const svc = new MarketDataService({
    providers,
    priorities: { bars: serving('getBars'), quote: serving('getQuote'), riskFreeRate: serving('getRiskFreeRate'), earnings: serving('getEarnings'), optionChain: serving('getOptionChain') },
    freshness: { barMaxAgeMs: { '1d': 2 * 3_600_000, '5m': 600_000 }, quoteMaxAgeMs: 60_000, rateMaxAgeDays: 7 },
    cache: { ttlMs: { bars: 60_000, quote: 1_000, optionChain: 60_000, riskFreeRate: 3_600_000, earnings: 3_600_000 }, maxEntries: 100 },
    clock,
    logger: logs.logger,
    onEvent: (e) => events.push(e),
    ...over,
  });
  return { svc, clock, events, logs };
}

describe('MarketDataService: priority and fallback', () => {
  it('falls back to the next provider when one fails', async () => {
    const a = fake('alpaca', { getBars: () => Promise.reject(new MarketDataError('alpaca', 'server', 'HTTP 503 from /v2/stocks/AAPL/bars', { symbol: 'AAPL' }, 503)) });
    const b = fake('polygon', { getBars: () => Promise.resolve(DAYS.map((d) => daily(d))) });
    const { svc, events } = service([a, b]);
    const r = await svc.getBars('aapl', '1d', FROM, NOW);
    expect(r).toMatchObject({ provider: 'polygon', stale: false, cached: false });
    expect(r.data).toHaveLength(4);
    expect(events).toEqual([expect.objectContaining({ type: 'provider-failed', provider: 'alpaca', kind: 'bars', symbol: 'AAPL', failure: 'server' })]);
  });

  it('falls back when a provider answers with stale data', async () => {
    const a = fake('alpaca', { getBars: () => Promise.resolve(DAYS.slice(0, 3).map((d) => daily(d))) });
    const b = fake('yahoo', { getBars: () => Promise.resolve(DAYS.map((d) => daily(d))) });
    const { svc, events } = service([a, b]);
    const r = await svc.getBars('AAPL', '1d', FROM, NOW);
    expect(r.provider).toBe('yahoo');
    expect(events).toEqual([{ type: 'stale', provider: 'alpaca', kind: 'bars', symbol: 'AAPL', newestTs: sessionCloseUtc('2026-11-18'), expectedTs: sessionCloseUtc('2026-11-19') }]);
  });

  it('serves the freshest stale answer, flagged and never cached, when nobody is fresh', async () => {
    const a = fake('alpaca', { getBars: () => Promise.resolve(DAYS.slice(0, 2).map((d) => daily(d))) });
    const b = fake('polygon', { getBars: () => Promise.resolve(DAYS.slice(0, 3).map((d) => daily(d))) });
    const { svc, events } = service([a, b]);
    const r = await svc.getBars('AAPL', '1d', FROM, NOW);
    expect(r).toMatchObject({ provider: 'polygon', stale: true });
    expect(events.at(-1)).toEqual({ type: 'served-stale', provider: 'polygon', kind: 'bars', symbol: 'AAPL' });
    await svc.getBars('AAPL', '1d', FROM, NOW);
    expect(a.calls + b.calls).toBe(4);
  });

  it('judges a range in the past by its end, not by today', async () => {
    const a = fake('alpaca', { getBars: () => Promise.resolve(DAYS.slice(0, 3).map((d) => daily(d))) });
    const { svc } = service([a]);
    const r = await svc.getBars('AAPL', '1d', FROM, sessionCloseUtc('2026-11-18'));
    expect(r.stale).toBe(false);
  });

  it('never returns a bar that has not closed yet: to is capped at now', async () => {
    let askedTo = 0;
    const a = fake('alpaca', {
      getBars: (_s: string, _tf: string, _from: number, to: number) => {
        askedTo = to;
        return Promise.resolve([...DAYS, '2026-11-20'].map((d) => daily(d)));
      },
    });
    const { svc } = service([a]);
    const r = await svc.getBars('AAPL', '1d', FROM, NOW + 86_400_000);
    expect(askedTo).toBe(NOW);
    expect(r.data.map((b) => b.ts)).toEqual(DAYS.map((d) => sessionCloseUtc(d)));
  });

  it('skips providers without the timeframe and throws a DataError listing every attempt', async () => {
    const y = fake('yahoo', { barTimeframes: ['1d'], getBars: () => Promise.resolve([]) });
    const a = fake('alpaca', { getBars: () => Promise.reject(new MarketDataError('alpaca', 'timeout', 'no answer', { symbol: 'AAPL' })) });
    const { svc } = service([y, a]);
    const e = (await svc.getBars('AAPL', '5m', NOW - 3_600_000, NOW).catch((x: unknown) => x)) as NoMarketDataError;
    expect(e).toBeInstanceOf(NoMarketDataError);
    expect(e.attempts.map((x) => x.provider)).toEqual(['alpaca']);
    expect(e.message).toContain('no provider could serve bars');
    expect(y.calls).toBe(0);
    const { svc: empty } = service([], { priorities: {} });
    await expect(empty.getQuote('AAPL')).rejects.toThrow(/no provider is configured/);
  });

  it('refuses a priority naming a provider that is not configured, and bad arguments', async () => {
    expect(() => service([fake('alpaca', {})], { priorities: { bars: ['polygon'] } })).toThrow(InputError);
    expect(() => service([fake('fred', { getRiskFreeRate: () => Promise.reject(new Error('x')) })], { priorities: { bars: ['fred'] } })).toThrow(/does not serve bars/);
    const { svc } = service([fake('alpaca', { getBars: () => Promise.resolve([]) })]);
    await expect(svc.getBars('AAPL', '1d', NOW, FROM)).rejects.toThrow(InputError);
    await expect(svc.getBars('not a symbol!', '1d', FROM, NOW)).rejects.toThrow(InputError);
    await expect(svc.getEarnings('2026-13', '2026-11-20')).rejects.toThrow(InputError);
  });
});

describe('MarketDataService: every bar is screened', () => {
  it('drops and reports a bad bar by provider, symbol, time and field; never passes it on', async () => {
    const bad = { ...daily('2026-11-17'), high: 50 };
    const dup = daily('2026-11-18', 200);
    const a = fake('alpaca', { getBars: () => Promise.resolve([daily('2026-11-16'), bad, daily('2026-11-18'), dup, daily('2026-11-19'), daily('2026-11-19', 1, 'MSFT')]) });
    const { svc, events, logs } = service([a]);
    const r = await svc.getBars('AAPL', '1d', FROM, NOW);
    expect(r.data.map((b) => b.ts)).toEqual([daily('2026-11-16').ts, daily('2026-11-18').ts, daily('2026-11-19').ts]);
    expect(r.data.find((b) => b.close === 200)).toBeUndefined();
    const rejected = events.filter((e) => e.type === 'bar-rejected');
    expect(rejected).toEqual([
      { type: 'bar-rejected', provider: 'alpaca', symbol: 'AAPL', ts: bad.ts, field: 'high', message: 'high 50 is below low 99' },
      { type: 'bar-rejected', provider: 'alpaca', symbol: 'AAPL', ts: dup.ts, field: 'ts', message: 'duplicates the bar before it' },
      { type: 'bar-rejected', provider: 'alpaca', symbol: 'AAPL', ts: daily('2026-11-19').ts, field: 'symbol', message: 'is MSFT, not AAPL' },
    ]);
    expect(logs.text()).toContain('"field":"high"');
    expect(logs.text()).toContain(new Date(bad.ts).toISOString());
  });
});

describe('MarketDataService: cache', () => {
  it('answers a repeated request from the cache until its TTL passes', async () => {
    const a = fake('alpaca', { getBars: () => Promise.resolve(DAYS.map((d) => daily(d))) });
    const { svc, clock } = service([a]);
    await svc.getBars('AAPL', '1d', FROM, NOW);
    const again = await svc.getBars('AAPL', '1d', FROM, NOW);
    expect(again).toMatchObject({ provider: 'alpaca', cached: true });
    expect(a.calls).toBe(1);
    clock.t += 60_000;
    expect((await svc.getBars('AAPL', '1d', FROM, NOW)).cached).toBe(false);
    expect(a.calls).toBe(2);
  });

  it('is bounded: the least recently used answer is dropped first', async () => {
    const a = fake('alpaca', { getQuote: (s: string) => Promise.resolve({ ...quote(NOW), symbol: s }) });
    const { svc } = service([a], { cache: { ttlMs: { bars: 0, quote: 60_000, optionChain: 0, riskFreeRate: 0, earnings: 0 }, maxEntries: 2 } });
    await svc.getQuote('AAA');
    await svc.getQuote('BBB');
    await svc.getQuote('AAA');
    await svc.getQuote('CCC');
    expect(a.calls).toBe(3);
    expect((await svc.getQuote('AAA')).cached).toBe(true);
    expect((await svc.getQuote('BBB')).cached).toBe(false);
  });

  it('shares one call between identical requests in flight', async () => {
    let release: (v: Bar[]) => void = () => undefined;
    const a = fake('alpaca', { getBars: () => new Promise<Bar[]>((r) => (release = r)) });
    const { svc } = service([a]);
    const both = Promise.all([svc.getBars('AAPL', '1d', FROM, NOW), svc.getBars('AAPL', '1d', FROM, NOW)]);
    release(DAYS.map((d) => daily(d)));
    const [x, y] = await both;
    expect(a.calls).toBe(1);
    expect(x.data).toBe(y.data);
  });
});

describe('MarketDataService: quotes, rates, earnings', () => {
  it('treats a crossed quote as a failure and an old one as stale', async () => {
    const crossed = fake('alpaca', { getQuote: () => Promise.resolve(quote(NOW, 10.2, 10.1)) });
    const old = fake('polygon', { getQuote: () => Promise.resolve(quote(NOW - 120_000)) });
    const { svc, events } = service([crossed, old]);
    const r = await svc.getQuote('AAPL');
    expect(r).toMatchObject({ provider: 'polygon', stale: true });
    expect(events[0]).toMatchObject({ type: 'provider-failed', provider: 'alpaca', failure: 'shape' });
    expect(events[1]).toMatchObject({ type: 'stale', provider: 'polygon', kind: 'quote' });
  });

  it('judges a quote at the last open instant: Saturday is not stale for Friday 16:00', async () => {
    const a = fake('alpaca', { getQuote: () => Promise.resolve(quote(sessionCloseUtc('2026-11-20') - 1_000)) });
    const { svc, clock } = service([a]);
    clock.t = Date.parse('2026-11-21T18:00:00Z');
    expect((await svc.getQuote('AAPL')).stale).toBe(false);
  });

  it('flags a risk-free rate older than allowed', async () => {
    const f = fake('fred', { getRiskFreeRate: () => Promise.resolve({ rate: 0.043, date: '2026-11-02', series: 'FRED:DGS3MO' }) });
    const { svc } = service([f]);
    expect(await svc.getRiskFreeRate()).toMatchObject({ provider: 'fred', stale: true, data: { rate: 0.043 } });
  });

  it('falls back from a failing earnings provider to the bundled calendar', async () => {
    const fin = fake('finnhub', { getEarnings: () => Promise.reject(new MarketDataError('finnhub', 'http', 'HTTP 401 from /api/v1/calendar/earnings', {}, 401)) });
    const bundled = fake('bundled', { getEarnings: () => Promise.resolve([{ symbol: 'NVDA', date: '2026-11-19', timing: 'AMC' as const }]) });
    const { svc } = service([fin, bundled]);
    expect(await svc.getEarnings('2026-11-16', '2026-11-20')).toMatchObject({ provider: 'bundled', data: [{ symbol: 'NVDA' }] });
  });
});

describe('MarketDataService over loopback providers', () => {
  let servers: Loopback[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('Alpaca stale → Yahoo fresh; the repeat is served from the cache without a request', async () => {
    const alpacaServer = await startLoopback((_req, res) =>
      sendJson(res, 200, { bars: DAYS.slice(0, 3).map((d) => ({ t: `${d}T05:00:00Z`, o: 100, h: 101, l: 99, c: 100, v: 1000 })), symbol: 'AAPL', next_page_token: null }),
    );
    const yahooServer = await startLoopback((_req, res) =>
      sendJson(res, 200, {
        chart: {
          result: [{ meta: { symbol: 'AAPL' }, timestamp: DAYS.map((d) => sessionOpenUtc(d) / 1000), indicators: { quote: [{ open: [1, 1, 1, 1], high: [2, 2, 2, 2], low: [0.5, 0.5, 0.5, 0.5], close: [1.5, 1.5, 1.5, 1.5], volume: [9, 9, 9, 9] }] } }],
          error: null,
        },
      }),
    );
    servers.push(alpacaServer, yahooServer);
    const logs = captureLogs();
    const timing = instantTiming();
    const common = { budget: { requests: 100, perMs: 60_000 }, timeoutMs: 5_000, retry: NO_RETRY_WAIT, logger: logs.logger, sleep: timing.sleep, random: timing.random };
    const alpaca = createAlpacaProvider({ keyId: new Secret('PKID1234567890'), secretKey: new Secret('SECRET1234567890'), baseUrl: alpacaServer.url, feed: 'iex', optionsFeed: 'indicative', ...common });
    const yahoo = createYahooProvider({ baseUrl: yahooServer.url, ...common });
    const { svc } = service([alpaca, yahoo], { logger: logs.logger, priorities: { bars: ['alpaca', 'yahoo'] } });
    const first = await svc.getBars('AAPL', '1d', FROM, NOW);
    expect(first).toMatchObject({ provider: 'yahoo', stale: false, cached: false });
    expect(first.data).toHaveLength(4);
    const second = await svc.getBars('AAPL', '1d', FROM, NOW);
    expect(second).toMatchObject({ provider: 'yahoo', cached: true });
    expect([alpacaServer.requests.length, yahooServer.requests.length]).toEqual([1, 1]);
  });
});
