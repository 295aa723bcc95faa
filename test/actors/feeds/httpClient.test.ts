import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { JsonHttpClient, parseRetryAfter, type HttpClientOptions } from '../../../actors/feeds/providers/http.js';
import { MarketDataError } from '../../../actors/feeds/providers/marketDataError.js';
import { Secret } from '../../../actors/feeds/providers/secret.js';
import { DataError } from '../../../engine/domain/errors.js';
import { captureLogs, instantTiming, manualTimeouts, NO_RETRY_WAIT, sendJson, startLoopback, type Handler, type Loopback } from './loopback.js';

const KEY = 'pk_live_9f8e7d6c5b4a39281716';
const schema = z.object({ status: z.literal('OK'), results: z.array(z.object({ c: z.number() })) });
const OK = { status: 'OK', results: [{ c: 1.5 }] };

let servers: Loopback[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: Handler): Promise<Loopback> {
  const s = await startLoopback(handler);
  servers.push(s);
  return s;
}

function client(server: Loopback, extra: Partial<HttpClientOptions> = {}) {
  const logs = captureLogs();
  const timing = instantTiming(0.5);
  const http = new JsonHttpClient({
    provider: 'polygon',
    baseUrl: server.url,
    headers: { authorization: new Secret(`Bearer ${KEY}`) },
    secrets: [new Secret(KEY)],
    budget: { requests: 1000, perMs: 60_000 },
    timeoutMs: 5_000,
    retry: NO_RETRY_WAIT,
    logger: logs.logger,
    sleep: timing.sleep,
    random: timing.random,
    ...extra,
  });
  return { http, logs, sleeps: timing.sleeps };
}

async function failure(p: Promise<unknown>): Promise<MarketDataError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MarketDataError);
  return e as MarketDataError;
}

describe('JsonHttpClient', () => {
  it('sends the credentials in the header, the query on the URL, and returns the checked body', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, OK));
    const { http } = client(server);
    await expect(http.get('/v2/aggs/ticker/AAPL', { adjusted: true, skip: undefined }, schema, { symbol: 'AAPL' })).resolves.toEqual(OK);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(server.requests[0]!.target).toBe('/v2/aggs/ticker/AAPL?adjusted=true');
  });

  it('honours Retry-After on a 429, then succeeds', async () => {
    const server = await serve((_req, res, i) => (i === 0 ? sendJson(res, 429, { status: 'ERROR' }, { 'retry-after': '2' }) : sendJson(res, 200, OK)));
    const { http, sleeps } = client(server);
    await expect(http.get('/x', {}, schema)).resolves.toEqual(OK);
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-20T15:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 15:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('gives up at once, without waiting, when Retry-After exceeds the allowed wait', async () => {
    const server = await serve((_req, res) => sendJson(res, 429, {}, { 'retry-after': '3600' }));
    const { http, sleeps } = client(server);
    const e = await failure(http.get('/x', {}, schema, { symbol: 'AAPL' }));
    expect(e.failure).toBe('rate-limited');
    expect(e.status).toBe(429);
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries 5xx with exponential back-off and jitter, then reports the last failure', async () => {
    const server = await serve((_req, res) => sendJson(res, 503, { error: 'unavailable' }));
    const { http, sleeps } = client(server);
    const e = await failure(http.get('/v2/x', {}, schema, { symbol: 'MSFT' }));
    expect(e).toBeInstanceOf(DataError);
    expect(e.failure).toBe('server');
    expect(e.message).toMatch(/^polygon: MSFT: HTTP 503 from \/v2\/x/);
    expect(server.requests).toHaveLength(NO_RETRY_WAIT.retries + 1);
    // base 100 ms doubling, capped at 1 s; with random() = 0.5 each wait is 3/4 of its ceiling.
    expect(sleeps).toEqual([75, 150, 300]);
  });

  it('retries a timed-out attempt and then succeeds', async () => {
    const timeouts = manualTimeouts();
    const server = await serve((_req, res, i) => {
      if (i === 0) {
        timeouts.fire(0);
        return 'hold';
      }
      sendJson(res, 200, OK);
    });
    const { http } = client(server, { timeoutSignal: timeouts.timeoutSignal });
    await expect(http.get('/x', {}, schema)).resolves.toEqual(OK);
    expect(server.requests).toHaveLength(2);
  });

  it('reports a timeout once every attempt timed out', async () => {
    const timeouts = manualTimeouts();
    const server = await serve((_req, _res, i) => {
      timeouts.fire(i);
      return 'hold';
    });
    const { http } = client(server, { timeoutSignal: timeouts.timeoutSignal, retry: { ...NO_RETRY_WAIT, retries: 1 } });
    const e = await failure(http.get('/x', {}, schema, { symbol: 'AAPL' }));
    expect(e.failure).toBe('timeout');
    expect(e.transient).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry malformed JSON, and says so', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, '{"status":"OK","results":[{"c":1.5}'));
    const { http } = client(server);
    const e = await failure(http.get('/x', {}, schema, { symbol: 'AAPL' }));
    expect(e.failure).toBe('malformed-json');
    expect(server.requests).toHaveLength(1);
  });

  it('names the field of an unexpected shape', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { status: 'OK', results: [{ c: 1 }, { c: 'one' }] }));
    const { http } = client(server);
    const e = await failure(http.get('/x', {}, schema, { symbol: 'AAPL' }));
    expect(e.failure).toBe('shape');
    expect(e.location).toEqual({ symbol: 'AAPL', field: 'results[1].c' });
    expect(e.message).toContain('field results[1].c');
    expect(e.toJSON().details).toMatchObject({ provider: 'polygon', failure: 'shape', field: 'results[1].c', symbol: 'AAPL' });
  });

  it('does not retry a 401 and points at the key', async () => {
    const server = await serve((_req, res) => sendJson(res, 401, { status: 'ERROR', error: 'Unknown API Key' }));
    const { http } = client(server);
    const e = await failure(http.get('/x', {}, schema));
    expect(e.failure).toBe('http');
    expect(e.message).toContain('credentials refused');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a refused connection as a network failure', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, OK));
    const url = server.url;
    await server.close();
    servers = [];
    const { http, sleeps } = client({ ...server, url }, { retry: { ...NO_RETRY_WAIT, retries: 1 } });
    const e = await failure(http.get('/x', {}, schema));
    expect(e.failure).toBe('network');
    expect(sleeps).toHaveLength(1);
  });

  it('follows a next-page link only on the provider origin', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, OK));
    const { http } = client(server);
    await expect(http.getAt(`${server.url}/v2/next?cursor=abc`, schema, { field: 'next_url' })).resolves.toEqual(OK);
    const e = await failure(http.getAt('https://evil.example/steal', schema, { symbol: 'AAPL', field: 'next_url' }));
    expect(e.location.field).toBe('next_url');
    expect(server.requests).toHaveLength(1);
  });

  it('never starts more requests than the budget in any window (counted at the server)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const server = await serve((_req, res) => sendJson(res, 200, OK));
    const { http } = client(server, { budget: { requests: 3, perMs: 60_000 } });
    const all = Promise.all(Array.from({ length: 7 }, (_, i) => http.get(`/n/${i}`, {}, schema)));
    const settle = async (n: number): Promise<void> => {
      await vi.waitFor(() => expect(server.requests.length).toBeGreaterThanOrEqual(n));
      // A few more turns of the event loop: nothing beyond the budget may arrive.
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(server.requests).toHaveLength(n);
    };
    await settle(3);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(server.requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    await settle(6);
    await vi.advanceTimersByTimeAsync(60_000);
    await settle(7);
    await expect(all).resolves.toHaveLength(7);
  });

  it('keeps the key out of logs and errors, even when the server echoes it', async () => {
    const server = await serve((req, res, i) => {
      if (i === 0) return sendJson(res, 503, {});
      sendJson(res, 400, { error: `bad request with ${String(req.headers.authorization)}` });
    });
    const { http, logs } = client(server);
    const e = await failure(http.get('/x', {}, schema));
    expect(e.message).toContain('[redacted]');
    const everything = `${logs.text()}\n${e.message}\n${JSON.stringify(e)}`;
    expect(everything).not.toContain(KEY);
    expect(logs.text()).toContain('retrying');
  });

  it('puts a query credential on the wire only, never in a log line or an error', async () => {
    const apiKey = 'abcdef0123456789abcdef0123456789';
    const server = await serve((req, res, i) =>
      i === 0 ? sendJson(res, 500, {}) : sendJson(res, 400, { error_message: `Bad Request. The value ${String(req.query.get('api_key'))} is not registered.` }),
    );
    const logs = captureLogs();
    const timing = instantTiming();
    const http = new JsonHttpClient({
      provider: 'fred',
      baseUrl: server.url,
      authQuery: { api_key: new Secret(apiKey) },
      budget: { requests: 100, perMs: 60_000 },
      timeoutMs: 5_000,
      retry: { ...NO_RETRY_WAIT, retries: 1 },
      logger: logs.logger,
      sleep: timing.sleep,
    });
    const e = await failure(http.get('/fred/series/observations', { series_id: 'DGS3MO' }, schema));
    expect(server.requests[0]!.query.get('api_key')).toBe(apiKey);
    expect(e.message).toContain('[redacted] is not registered');
    expect(`${logs.text()}${e.message}${JSON.stringify(e)}`).not.toContain(apiKey);
    expect(logs.text()).toContain('/fred/series/observations');
  });
});
