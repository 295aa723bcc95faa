import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../../engine/logger.js';

/**
 * A provider stand-in on 127.0.0.1 (port 0): records every request and lets
 * the test answer it with the provider's documented payloads, or hold it
 * (to play a timeout).
 */

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The raw request target, query included: what a proxy or access log would see. */
  readonly target: string;
}

/** Return 'hold' to leave the request unanswered until the server closes. */
export type Handler = (req: Recorded, res: ServerResponse, index: number) => void | 'hold';

export interface Loopback {
  readonly url: string;
  readonly origin: string;
  readonly requests: Recorded[];
  close(): Promise<void>;
}

export async function startLoopback(handler: Handler): Promise<Loopback> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rec: Recorded = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, target: req.url ?? '' };
    requests.push(rec);
    const out = handler(rec, res, requests.length - 1);
    if (out === 'hold') return;
    if (!res.writableEnded && !res.headersSent) sendJson(res, 500, { message: 'test server: no answer written' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    origin,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** A pino logger at trace level whose every line is kept, to search for secrets. */
export function captureLogs(): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const logger = createLogger('trace', { write: (s: string) => void out.push(s) });
  return {
    logger,
    text: () => out.join(''),
    lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Waits that record what they were asked to wait and return at once, and a fixed "random" for jitter. */
export function instantTiming(random = 0.5): { sleeps: number[]; sleep: (ms: number) => Promise<void>; random: () => number } {
  const sleeps: number[] = [];
  return {
    sleeps,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => random,
  };
}

/**
 * Attempt timeouts the test fires by hand: each attempt gets a fresh
 * controller; `fire(i)` times out attempt i as AbortSignal.timeout would.
 */
export function manualTimeouts(): { timeoutSignal: (ms: number) => AbortSignal; fire: (attempt: number) => void; count: () => number } {
  const controllers: AbortController[] = [];
  return {
    timeoutSignal: () => {
      const c = new AbortController();
      controllers.push(c);
      return c.signal;
    },
    fire: (attempt: number) => controllers[attempt]?.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    count: () => controllers.length,
  };
}

export const NO_RETRY_WAIT = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 } as const;
