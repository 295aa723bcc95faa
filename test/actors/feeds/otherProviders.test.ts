import { afterEach, describe, expect, it } from 'vitest';
import { createBundledEarningsProvider, createFinnhubEarningsProvider } from '../../../actors/feeds/providers/earnings.js';
import { createFredProvider } from '../../../actors/feeds/providers/fred.js';
import type { MarketDataError } from '../../../actors/feeds/providers/marketDataError.js';
import { Secret } from '../../../actors/feeds/providers/secret.js';
import { createYahooProvider } from '../../../actors/feeds/providers/yahoo.js';
import { InputError } from '../../../engine/domain/errors.js';
import { sessionCloseUtc, sessionOpenUtc } from '../../../engine/domain/session.js';
import { bundledDataRoot } from '../../../engine/market/barLoader.js';
import { captureLogs, instantTiming, NO_RETRY_WAIT, sendJson, startLoopback, type Handler, type Loopback } from './loopback.js';

const AS_OF = Date.parse('2026-11-20T22:00:00Z');

let servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: Handler): Promise<Loopback> {
  const s = await startLoopback(handler);
  servers.push(s);
  return s;
}

const common = (logs = captureLogs()) => {
  const timing = instantTiming();
  return { budget: { requests: 100, perMs: 60_000 }, timeoutMs: 5_000, retry: NO_RETRY_WAIT, logger: logs.logger, sleep: timing.sleep, random: timing.random };
};

/** Yahoo's chart payload: timestamps (seconds, at the session open) and parallel OHLCV arrays, with nulls where it has none. */
function chart(dates: string[], rows: (number | null)[][]) {
  return {
    chart: {
      result: [
        {
          meta: { currency: 'USD', symbol: 'AAPL', exchangeName: 'NMS', instrumentType: 'EQUITY', gmtoffset: -18000, timezone: 'EST', exchangeTimezoneName: 'America/New_York', regularMarketPrice: 190, dataGranularity: '1d', range: '' },
          timestamp: dates.map((d) => sessionOpenUtc(d) / 1000),
          indicators: {
            quote: [{ open: rows.map((r) => r[0]!), high: rows.map((r) => r[1]!), low: rows.map((r) => r[2]!), close: rows.map((r) => r[3]!), volume: rows.map((r) => r[4]!) }],
            adjclose: [{ adjclose: rows.map((r) => r[3]!) }],
          },
        },
      ],
      error: null,
    },
  };
}

describe('Yahoo chart (daily history)', () => {
  it('turns the parallel arrays into daily bars, skipping rows without prices', async () => {
    const server = await serve((_req, res) =>
      sendJson(res, 200, chart(['2026-11-16', '2026-11-17', '2026-11-18'], [[1, 2, 0.5, 1.5, 100], [null, null, null, null, null], [1.5, 2.5, 1, 2, 200]])),
    );
    const yahoo = createYahooProvider({ baseUrl: server.url, ...common() });
    const bars = await yahoo.getBars!('AAPL', '1d', Date.parse('2026-11-16T00:00:00Z'), AS_OF);
    expect(bars).toEqual([
      { symbol: 'AAPL', timeframe: '1d', ts: sessionCloseUtc('2026-11-16'), open: 1, high: 2, low: 0.5, close: 1.5, volume: 100 },
      { symbol: 'AAPL', timeframe: '1d', ts: sessionCloseUtc('2026-11-18'), open: 1.5, high: 2.5, low: 1, close: 2, volume: 200 },
    ]);
    const req = server.requests[0]!;
    expect(req.path).toBe('/v8/finance/chart/AAPL');
    expect(req.query.get('interval')).toBe('1d');
    expect(Number(req.query.get('period2'))).toBe(AS_OF / 1000);
  });

  it('passes a partly empty row on as NaN so the bar check rejects it by field', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, chart(['2026-11-16'], [[1, 2, null, 1.5, 100]])));
    const yahoo = createYahooProvider({ baseUrl: server.url, ...common() });
    const [bar] = await yahoo.getBars!('AAPL', '1d', 0, AS_OF);
    expect(bar!.low).toBeNaN();
  });

  it('reports chart.error, arrays that do not line up, and a 5m request', async () => {
    const server = await serve((_req, res, i) =>
      i === 0
        ? sendJson(res, 200, { chart: { result: null, error: { code: 'Not Found', description: 'No data found, symbol may be delisted' } } })
        : sendJson(res, 200, { chart: { result: [{ meta: { symbol: 'AAPL' }, timestamp: [1, 2], indicators: { quote: [{ open: [1], high: [1, 1], low: [1, 1], close: [1, 1], volume: [1, 1] }] } }], error: null } }),
    );
    const yahoo = createYahooProvider({ baseUrl: server.url, ...common() });
    const e1 = (await yahoo.getBars!('ZZZZ', '1d', 0, AS_OF).catch((x: unknown) => x)) as MarketDataError;
    expect(e1.failure).toBe('no-data');
    expect(e1.message).toContain('No data found');
    const e2 = (await yahoo.getBars!('AAPL', '1d', 0, AS_OF).catch((x: unknown) => x)) as MarketDataError;
    expect(e2.location).toEqual({ symbol: 'AAPL', field: 'chart.result[0].indicators.quote[0].open' });
    const e3 = (await yahoo.getBars!('AAPL', '5m', 0, AS_OF).catch((x: unknown) => x)) as MarketDataError;
    expect(e3.failure).toBe('unsupported');
    expect(yahoo.barTimeframes).toEqual(['1d']);
  });
});

describe('FRED risk-free rate', () => {
  const API_KEY = '0123456789abcdef0123456789abcdef';

  it('takes the newest observation with a value, in percent, as a fraction', async () => {
    const server = await serve((_req, res) =>
      sendJson(res, 200, {
        realtime_start: '2026-11-20', realtime_end: '2026-11-20', observation_start: '1600-01-01', observation_end: '9999-12-31',
        units: 'lin', output_type: 1, file_type: 'json', order_by: 'observation_date', sort_order: 'desc', count: 3, offset: 0, limit: 10,
        observations: [
          { realtime_start: '2026-11-20', realtime_end: '2026-11-20', date: '2026-11-11', value: '.' },
          { realtime_start: '2026-11-20', realtime_end: '2026-11-20', date: '2026-11-10', value: '4.31' },
          { realtime_start: '2026-11-20', realtime_end: '2026-11-20', date: '2026-11-09', value: '4.30' },
        ],
      }),
    );
    const logs = captureLogs();
    const fred = createFredProvider({ apiKey: new Secret(API_KEY), baseUrl: server.url, seriesId: 'DGS3MO', ...common(logs) });
    await expect(fred.getRiskFreeRate!()).resolves.toEqual({ rate: 0.0431, date: '2026-11-10', series: 'FRED:DGS3MO' });
    const q = server.requests[0]!.query;
    expect(server.requests[0]!.path).toBe('/fred/series/observations');
    expect([q.get('series_id'), q.get('file_type'), q.get('sort_order'), q.get('api_key')]).toEqual(['DGS3MO', 'json', 'desc', API_KEY]);
    expect(logs.text()).not.toContain(API_KEY);
  });

  it('names the observation whose value is not a number', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { observations: [{ date: '2026-11-10', value: 'n/a' }] }));
    const fred = createFredProvider({ apiKey: new Secret(API_KEY), baseUrl: server.url, seriesId: 'DGS3MO', ...common() });
    const e = (await fred.getRiskFreeRate!().catch((x: unknown) => x)) as MarketDataError;
    expect(e.location).toEqual({ symbol: 'DGS3MO', field: 'observations[0].value' });
  });
});

describe('earnings calendars', () => {
  const TOKEN = 'finnhub_tok_c0ffee1234567890';

  it('Finnhub: maps bmo/amc, leaves out other timings, sorts by date then symbol', async () => {
    const server = await serve((_req, res) =>
      sendJson(res, 200, {
        earningsCalendar: [
          { date: '2026-11-19', epsActual: null, epsEstimate: 1.2, hour: 'amc', quarter: 3, revenueActual: null, revenueEstimate: 1e9, symbol: 'NVDA', year: 2027 },
          { date: '2026-11-18', epsActual: null, epsEstimate: 0.5, hour: 'bmo', quarter: 3, revenueActual: null, revenueEstimate: 1e8, symbol: 'LOW', year: 2026 },
          { date: '2026-11-18', epsActual: null, epsEstimate: 0.1, hour: 'dmh', quarter: 3, revenueActual: null, revenueEstimate: 1e7, symbol: 'XYZ', year: 2026 },
          { date: '2026-11-18', epsActual: null, epsEstimate: 0.1, hour: '', quarter: 3, revenueActual: null, revenueEstimate: 1e7, symbol: 'ABC', year: 2026 },
        ],
      }),
    );
    const logs = captureLogs();
    const finnhub = createFinnhubEarningsProvider({ apiKey: new Secret(TOKEN), baseUrl: server.url, ...common(logs) });
    await expect(finnhub.getEarnings!('2026-11-16', '2026-11-20')).resolves.toEqual([
      { symbol: 'LOW', date: '2026-11-18', timing: 'BMO' },
      { symbol: 'NVDA', date: '2026-11-19', timing: 'AMC' },
    ]);
    const req = server.requests[0]!;
    expect(req.path).toBe('/api/v1/calendar/earnings');
    expect([req.query.get('from'), req.query.get('to')]).toEqual(['2026-11-16', '2026-11-20']);
    expect(req.headers['x-finnhub-token']).toBe(TOKEN);
    expect(req.target).not.toContain(TOKEN);
    expect(logs.text()).toContain('"skipped":2');
    expect(logs.text()).not.toContain(TOKEN);
  });

  it('bundled: the calendar shipped with the data set, filtered by date', async () => {
    const bundled = createBundledEarningsProvider({ root: bundledDataRoot() });
    const events = await bundled.getEarnings!('2024-01-18', '2024-01-19');
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.date >= '2024-01-18' && e.date <= '2024-01-19')).toBe(true);
    expect(events).toContainEqual({ symbol: 'USB', date: '2024-01-18', timing: 'BMO' });
    await expect(bundled.getEarnings!('2024-02-01', '2024-01-01')).rejects.toBeInstanceOf(InputError);
  });
});
