import { afterEach, describe, expect, it } from 'vitest';
import { MarketDataError } from '../../../actors/feeds/providers/marketDataError.js';
import { createPolygonProvider } from '../../../actors/feeds/providers/polygon.js';
import { Secret } from '../../../actors/feeds/providers/secret.js';
import { nyWallTimeToUtc, sessionCloseUtc } from '../../../engine/domain/session.js';
import { captureLogs, instantTiming, NO_RETRY_WAIT, sendJson, startLoopback, type Handler, type Loopback } from './loopback.js';

const API_KEY = 'Xy9_polygonTestKey_4f5e6d7c8b';
const AS_OF = Date.parse('2026-11-20T15:00:00Z');

let servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function polygon(handler: (server: Loopback) => Handler) {
  const ref: { server?: Loopback } = {};
  const server = await startLoopback((req, res, i) => handler(ref.server!)(req, res, i));
  ref.server = server;
  servers.push(server);
  const logs = captureLogs();
  const timing = instantTiming();
  const provider = createPolygonProvider({
    apiKey: new Secret(API_KEY),
    baseUrl: server.url,
    budget: { requests: 5, perMs: 60_000 },
    timeoutMs: 5_000,
    retry: NO_RETRY_WAIT,
    logger: logs.logger,
    sleep: timing.sleep,
    random: timing.random,
  });
  return { server, provider, logs };
}

// Polygon's documented aggregate: t is the window START in Unix ms (daily: New York midnight).
const dayAgg = (date: string, c: number) => ({ v: 5e7, vw: c, o: c - 1, c, h: c + 1, l: c - 2, t: nyWallTimeToUtc(date, 0, 0), n: 4e5 });

describe('Polygon aggregates', () => {
  it('asks the range endpoint with the key in a header and follows next_url', async () => {
    const { server, provider } = await polygon((self) => (req, res) => {
      if (req.query.get('cursor') === null) {
        return sendJson(res, 200, {
          ticker: 'AAPL', queryCount: 2, resultsCount: 2, adjusted: true, status: 'OK', request_id: 'a1',
          results: [dayAgg('2026-11-16', 100), dayAgg('2026-11-17', 101)],
          next_url: `${self.url}/v2/aggs/ticker/AAPL/range/1/day/1/2?cursor=bmV4dA`,
        });
      }
      sendJson(res, 200, { ticker: 'AAPL', queryCount: 1, resultsCount: 1, adjusted: true, status: 'OK', request_id: 'a2', results: [dayAgg('2026-11-18', 102)] });
    });
    const from = Date.parse('2026-11-16T00:00:00Z');
    const bars = await provider.getBars!('AAPL', '1d', from, AS_OF);
    expect(bars.map((b) => [b.ts, b.close])).toEqual([
      [sessionCloseUtc('2026-11-16'), 100],
      [sessionCloseUtc('2026-11-17'), 101],
      [sessionCloseUtc('2026-11-18'), 102],
    ]);
    const first = server.requests[0]!;
    expect(first.path).toBe(`/v2/aggs/ticker/AAPL/range/1/day/${from - 86_400_000}/${AS_OF}`);
    expect(first.query.get('adjusted')).toBe('true');
    expect(first.query.get('sort')).toBe('asc');
    expect(first.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(server.requests.every((r) => !r.target.includes(API_KEY))).toBe(true);
  });

  it('uses 5-minute windows and stamps each bar at its end', async () => {
    const start = Date.parse('2026-11-20T14:30:00Z');
    const { server, provider } = await polygon(() => (_req, res) =>
      sendJson(res, 200, { ticker: 'SPY', status: 'OK', resultsCount: 1, results: [{ v: 1000, o: 1, c: 1.1, h: 1.2, l: 0.9, t: start }] }),
    );
    const bars = await provider.getBars!('SPY', '5m', start, start + 300_000);
    expect(bars.map((b) => b.ts)).toEqual([start + 300_000]);
    expect(server.requests[0]!.path).toContain('/range/5/minute/');
  });

  it('reads an answer without results as no bars', async () => {
    const { provider } = await polygon(() => (_req, res) => sendJson(res, 200, { ticker: 'AAPL', queryCount: 0, resultsCount: 0, adjusted: true, status: 'OK', request_id: 'x' }));
    await expect(provider.getBars!('AAPL', '1d', 0, AS_OF)).resolves.toEqual([]);
  });

  it('refuses a next_url on another host and an ERROR status, naming the field', async () => {
    const { provider } = await polygon(() => (_req, res) =>
      sendJson(res, 200, { ticker: 'AAPL', status: 'OK', results: [dayAgg('2026-11-16', 100)], next_url: 'https://elsewhere.example/v2/aggs?cursor=x' }),
    );
    const e = (await provider.getBars!('AAPL', '1d', 0, AS_OF).catch((x: unknown) => x)) as MarketDataError;
    expect(e).toBeInstanceOf(MarketDataError);
    expect(e.location).toEqual({ symbol: 'AAPL', field: 'next_url' });

    const { provider: p2 } = await polygon(() => (_req, res) => sendJson(res, 200, { status: 'ERROR', request_id: 'y', error: 'bad' }));
    const e2 = (await p2.getBars!('AAPL', '1d', 0, AS_OF).catch((x: unknown) => x)) as MarketDataError;
    expect(e2.location.field).toBe('status');
  });
});

describe('Polygon last quote and option chain snapshot', () => {
  it('maps the NBBO (nanosecond SIP time) to a quote', async () => {
    const { server, provider } = await polygon(() => (_req, res) =>
      // Raw text: a SIP nanosecond time has more digits than a double holds, as on the real wire.
      sendJson(res, 200, '{"request_id":"q","status":"OK","results":{"T":"AAPL","P":190.06,"S":4,"p":190.02,"s":3,"t":1795186799123456789,"x":11,"X":19,"y":0,"q":1,"z":3}}'),
    );
    const q = await provider.getQuote!('AAPL');
    expect(q).toEqual({ symbol: 'AAPL', ts: 1_795_186_799_123, bid: 190.02, ask: 190.06, bidSize: 3, askSize: 4 });
    expect(server.requests[0]!.path).toBe('/v2/last/nbbo/AAPL');
  });

  it('builds the chain with open interest, volume and the underlying price', async () => {
    const result = (ticker: string, type: 'call' | 'put', strike: number, expiry: string, bid: number, ask: number) => ({
      break_even_price: strike + ask,
      day: { change: 0.1, change_percent: 1, close: ask, high: ask, last_updated: 1, low: bid, open: bid, previous_close: bid, volume: 1200, vwap: bid },
      details: { contract_type: type, exercise_style: 'american', expiration_date: expiry, shares_per_contract: 100, strike_price: strike, ticker },
      greeks: { delta: type === 'call' ? 0.5 : -0.5, gamma: 0.02, theta: -0.03, vega: 0.15 },
      implied_volatility: 0.28,
      last_quote: { ask, ask_size: 5, bid, bid_size: 7, last_updated: 1_795_186_740_000_000_000, midpoint: (bid + ask) / 2, timeframe: 'REAL-TIME' },
      open_interest: 4321,
      underlying_asset: { change_to_break_even: 1, last_updated: 1, price: 190.04, ticker: 'AAPL', timeframe: 'REAL-TIME' },
    });
    const { server, provider } = await polygon((self) => (req, res) => {
      if (req.query.get('cursor') === null) {
        return sendJson(res, 200, {
          request_id: 'c1', status: 'OK',
          results: [result('O:AAPL261218C00190000', 'call', 190, '2026-12-18', 6.1, 6.3)],
          next_url: `${self.url}/v3/snapshot/options/AAPL?cursor=YXA9`,
        });
      }
      sendJson(res, 200, { request_id: 'c2', status: 'OK', results: [result('O:AAPL261218P00190000', 'put', 190, '2026-12-18', 5.9, 6.05)] });
    });
    const chain = await provider.getOptionChain!('AAPL', AS_OF);
    expect(server.requests[0]!.path).toBe('/v3/snapshot/options/AAPL');
    expect(server.requests[0]!.query.get('limit')).toBe('250');
    expect(chain.spot).toBe(190.04);
    expect(chain.expiries).toHaveLength(1);
    const [call, put] = [chain.expiries[0]!.calls[0]!, chain.expiries[0]!.puts[0]!];
    expect(call).toMatchObject({ symbol: 'AAPL  261218C00190000', openInterest: 4321, volume: 1200, iv: 0.28, delta: 0.5, rho: null, quoteTs: 1_795_186_740_000 });
    expect(put).toMatchObject({ symbol: 'AAPL  261218P00190000', bid: 5.9, ask: 6.05 });
  });

  it('keeps the key out of logs and errors', async () => {
    const { provider, logs } = await polygon(() => (req, res, i) =>
      i === 0 ? sendJson(res, 502, {}) : sendJson(res, 401, { status: 'ERROR', error: `Unknown API Key ${String(req.headers.authorization)}` }),
    );
    const e = (await provider.getQuote!('AAPL').catch((x: unknown) => x)) as MarketDataError;
    expect(e.failure).toBe('http');
    expect(`${logs.text()}${e.message}${JSON.stringify(e)}`).not.toContain(API_KEY);
  });
});
