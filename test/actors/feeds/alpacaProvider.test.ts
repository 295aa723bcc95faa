import { afterEach, describe, expect, it } from 'vitest';
import { createAlpacaProvider } from '../../../actors/feeds/providers/alpaca.js';
import { MarketDataError } from '../../../actors/feeds/providers/marketDataError.js';
import { Secret } from '../../../actors/feeds/providers/secret.js';
import { sessionCloseUtc } from '../../../engine/domain/session.js';
import { captureLogs, instantTiming, manualTimeouts, NO_RETRY_WAIT, sendJson, startLoopback, type Handler, type Loopback } from './loopback.js';

const KEY_ID = 'PKTEST7H2J4K6L8M0N1P';
const SECRET = 'sEcReT/abcdefghijklmnopqrstuvwxyz0123456';
const AS_OF = Date.parse('2026-11-20T15:00:00Z');

let servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function alpaca(handler: Handler, extra: { timeoutSignal?: (ms: number) => AbortSignal } = {}) {
  const server = await startLoopback(handler);
  servers.push(server);
  const logs = captureLogs();
  const timing = instantTiming();
  const provider = createAlpacaProvider({
    keyId: new Secret(KEY_ID),
    secretKey: new Secret(SECRET),
    baseUrl: server.url,
    feed: 'iex',
    optionsFeed: 'indicative',
    budget: { requests: 200, perMs: 60_000 },
    timeoutMs: 5_000,
    retry: NO_RETRY_WAIT,
    logger: logs.logger,
    sleep: timing.sleep,
    random: timing.random,
    ...extra,
  });
  return { server, provider, logs, sleeps: timing.sleeps };
}

// Alpaca's documented bar: t is the bar's START (RFC-3339), o/h/l/c/v, n trades, vw VWAP.
const dailyBar = (date: string, c: number) => ({ t: `${date}T05:00:00Z`, o: c - 1, h: c + 1, l: c - 2, c, v: 1_000_000, n: 5000, vw: c });

describe('Alpaca market data v2: bars', () => {
  it('follows next_page_token and stamps daily bars at the New York close', async () => {
    const { server, provider } = await alpaca((req, res) => {
      if (req.query.get('page_token') === null) {
        sendJson(res, 200, { bars: [dailyBar('2026-11-16', 100), dailyBar('2026-11-17', 101)], symbol: 'AAPL', next_page_token: 'QUFQTHwyMDI2LTExLTE3' });
      } else {
        sendJson(res, 200, { bars: [dailyBar('2026-11-18', 102)], symbol: 'AAPL', next_page_token: null });
      }
    });
    const bars = await provider.getBars!('AAPL', '1d', Date.parse('2026-11-16T00:00:00Z'), Date.parse('2026-11-20T00:00:00Z'));
    expect(bars.map((b) => b.ts)).toEqual([sessionCloseUtc('2026-11-16'), sessionCloseUtc('2026-11-17'), sessionCloseUtc('2026-11-18')]);
    expect(bars[2]).toEqual({ symbol: 'AAPL', timeframe: '1d', ts: sessionCloseUtc('2026-11-18'), open: 101, high: 103, low: 100, close: 102, volume: 1_000_000 });
    const first = server.requests[0]!;
    expect(first.path).toBe('/v2/stocks/AAPL/bars');
    expect(first.query.get('timeframe')).toBe('1Day');
    expect(first.query.get('feed')).toBe('iex');
    expect(first.query.get('adjustment')).toBe('split');
    expect(first.headers['apca-api-key-id']).toBe(KEY_ID);
    expect(first.headers['apca-api-secret-key']).toBe(SECRET);
    expect(server.requests[1]!.query.get('page_token')).toBe('QUFQTHwyMDI2LTExLTE3');
  });

  it('stamps five-minute bars at their end and keeps only those ending in range', async () => {
    const start = Date.parse('2026-11-20T14:30:00Z');
    const { provider } = await alpaca((_req, res) =>
      sendJson(res, 200, {
        bars: [0, 1, 2].map((i) => ({ t: new Date(start + i * 300_000).toISOString(), o: 10, h: 11, l: 9, c: 10.5, v: 300 })),
        symbol: 'SPY',
        next_page_token: null,
      }),
    );
    const bars = await provider.getBars!('SPY', '5m', start + 600_000, start + 900_000);
    expect(bars.map((b) => b.ts)).toEqual([start + 600_000, start + 900_000]);
  });

  it('reads "bars": null as no bars', async () => {
    const { provider } = await alpaca((_req, res) => sendJson(res, 200, { bars: null, symbol: 'AAPL', next_page_token: null }));
    await expect(provider.getBars!('AAPL', '1d', 0, AS_OF)).resolves.toEqual([]);
  });

  it('names provider, symbol and field when a bar has the wrong shape', async () => {
    const { provider } = await alpaca((_req, res) => sendJson(res, 200, { bars: [dailyBar('2026-11-16', 100), { ...dailyBar('2026-11-17', 1), o: '99.5' }], symbol: 'AAPL' }));
    const e = (await provider.getBars!('AAPL', '1d', 0, AS_OF).catch((x: unknown) => x)) as MarketDataError;
    expect(e).toBeInstanceOf(MarketDataError);
    expect(e.provider).toBe('alpaca');
    expect(e.location).toEqual({ symbol: 'AAPL', field: 'bars[1].o' });
  });

  it('fails on a page token that repeats instead of looping', async () => {
    const { provider } = await alpaca((_req, res) => sendJson(res, 200, { bars: [], symbol: 'AAPL', next_page_token: 'same' }));
    const e = (await provider.getBars!('AAPL', '1d', 0, AS_OF).catch((x: unknown) => x)) as MarketDataError;
    expect(e.location.field).toBe('next_page_token');
  });

  it('recovers from a 429 with Retry-After, a 500 and a timeout in a row', async () => {
    const timeouts = manualTimeouts();
    const { server, provider, sleeps } = await alpaca(
      (_req, res, i) => {
        if (i === 0) return sendJson(res, 429, { message: 'too many requests' }, { 'retry-after': '1' });
        if (i === 1) return sendJson(res, 500, { message: 'internal error' });
        if (i === 2) {
          timeouts.fire(2);
          return 'hold';
        }
        sendJson(res, 200, { bars: [dailyBar('2026-11-16', 100)], symbol: 'AAPL', next_page_token: null });
      },
      { timeoutSignal: timeouts.timeoutSignal },
    );
    const bars = await provider.getBars!('AAPL', '1d', 0, AS_OF);
    expect(bars).toHaveLength(1);
    expect(server.requests).toHaveLength(4);
    expect(sleeps[0]).toBe(1000);
    expect(sleeps).toHaveLength(3);
  });
});

describe('Alpaca market data v2: latest quote', () => {
  it('maps bp/ap/bs/as and t', async () => {
    const { server, provider } = await alpaca((_req, res) =>
      sendJson(res, 200, { symbol: 'AAPL', quote: { t: '2026-11-20T14:59:59.123456789Z', ax: 'V', ap: 190.05, as: 3, bx: 'V', bp: 190.01, bs: 2, c: ['R'], z: 'C' } }),
    );
    const q = await provider.getQuote!('AAPL');
    expect(q).toEqual({ symbol: 'AAPL', ts: Date.parse('2026-11-20T14:59:59.123Z'), bid: 190.01, ask: 190.05, bidSize: 2, askSize: 3 });
    expect(server.requests[0]!.path).toBe('/v2/stocks/AAPL/quotes/latest');
  });
});

describe('Alpaca options: chain snapshots', () => {
  const snap = (bp: number, ap: number, extra: object = {}) => ({
    latestQuote: { t: '2026-11-20T14:59:00Z', ax: 'C', ap, as: 10, bx: 'C', bp, bs: 12, c: 'A' },
    latestTrade: { t: '2026-11-20T14:58:00Z', x: 'C', p: (bp + ap) / 2, s: 1, c: 'I' },
    greeks: { delta: 0.52, gamma: 0.03, rho: 0.1, theta: -0.05, vega: 0.2 },
    impliedVolatility: 0.31,
    ...extra,
  });

  it('groups every page into expiries, converts OCC symbols and leaves out expired and crossed contracts', async () => {
    const { server, provider } = await alpaca((req, res) => {
      if (req.query.get('page_token') === null) {
        return sendJson(res, 200, {
          snapshots: {
            AAPL261218C00150000: snap(5.1, 5.3),
            AAPL261218P00150000: snap(2.0, 2.1, { greeks: { delta: -0.45, gamma: 0.03, rho: -0.1, theta: -0.04, vega: 0.2 } }),
            AAPL261113C00150000: snap(1, 1.1),
          },
          next_page_token: 'page2',
        });
      }
      sendJson(res, 200, { snapshots: { AAPL261127C00152500: snap(1.2, 1.25), AAPL261127P00152500: snap(3.0, 2.5) }, next_page_token: null });
    });
    const chain = await provider.getOptionChain!('AAPL', AS_OF);
    expect(server.requests[0]!.path).toBe('/v1beta1/options/snapshots/AAPL');
    expect(server.requests[0]!.query.get('feed')).toBe('indicative');
    expect(chain.expiries.map((e) => [e.expiry, e.monthly, e.calls.length, e.puts.length])).toEqual([
      ['2026-11-27', false, 1, 0],
      ['2026-12-18', true, 1, 1],
    ]);
    const call = chain.expiries[1]!.calls[0]!;
    expect(call).toMatchObject({ symbol: 'AAPL  261218C00150000', right: 'C', strike: '150', bid: 5.1, ask: 5.3, iv: 0.31, delta: 0.52, openInterest: null, dte: 28 });
    expect(call.mid).toBeCloseTo(5.2, 12);
    expect(chain.expiries[0]!.calls[0]!.strike).toBe('152.5');
    expect(chain.rejected).toEqual([{ symbol: 'AAPL  261127P00152500', field: 'bid', message: 'bid 3 is above ask 2.5' }]);
    expect(chain.provider).toBe('alpaca');
    expect(chain.spot).toBeNull();
  });
});

describe('Alpaca credentials', () => {
  it('never appear in a log line or an error', async () => {
    const { provider, logs } = await alpaca((req, res, i) =>
      i < 2 ? sendJson(res, 503, {}) : sendJson(res, 403, { message: `forbidden for ${String(req.headers['apca-api-key-id'])}:${String(req.headers['apca-api-secret-key'])}` }),
    );
    const e = (await provider.getQuote!('AAPL').catch((x: unknown) => x)) as MarketDataError;
    expect(e.failure).toBe('http');
    const everything = `${logs.text()}${e.message}${JSON.stringify(e)}`;
    expect(everything).not.toContain(KEY_ID);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(encodeURIComponent(SECRET));
  });
});
