import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert, AlertSeverity } from '../../../engine/bus.js';
import type { Clock } from '../../../engine/domain/clock.js';
import type { SimulatedClock } from '../../../engine/domain/clock.js';
import { createLogger, type Logger } from '../../../engine/logger.js';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Time on the test's clock when the request arrived. */
  readonly at: number;
  json(): unknown;
}

export type Handler = (req: RecordedRequest, res: ServerResponse, index: number) => void | Promise<void>;

export interface Loopback {
  readonly url: string;
  readonly requests: RecordedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1, port 0, recording every request; the handler answers like the provider would. */
export async function startLoopback(handler: Handler, clock?: Clock): Promise<Loopback> {
  const requests: RecordedRequest[] = [];
  const state: { handler: Handler } = { handler };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        at: clock ? clock.now() : 0,
        json: () => JSON.parse(body) as unknown,
      };
      requests.push(rec);
      void Promise.resolve(state.handler(rec, res, requests.length - 1)).catch((e: unknown) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get handler() {
      return state.handler;
    },
    set handler(h: Handler) {
      state.handler = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(text);
}

/** A pino logger writing into an array, at debug, with the engine's redaction. */
export function captureLogs(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (s: string) => lines.push(s) });
  return { logger, lines, text: () => lines.join('') };
}

let seq = 0;
export function alert(type: string, severity: AlertSeverity, scope = 'global', message = `${type} happened`, ts = Date.UTC(2026, 0, 5, 15, 0, 0) + seq++): Alert {
  return { type, severity, scope, message, ts, detail: {} };
}

/**
 * Runs a dispatcher or router to idle on a simulated clock: wait until nothing
 * is in flight, then move the clock, until the drain loop has stopped.
 */
export async function drive(clock: SimulatedClock, target: { settled(): Promise<void>; readonly active: boolean }, stepMs = 250, maxSteps = 10_000): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    await target.settled();
    if (!target.active) return;
    clock.advance(stepMs);
  }
  throw new Error(`still active after ${maxSteps} steps of ${stepMs} ms`);
}

/** A deadline signal the test fires itself (a provider that never answers, without waiting in real time). */
export class ManualTimeouts {
  private readonly controllers: AbortController[] = [];

  readonly factory = (_ms: number): AbortSignal => {
    const c = new AbortController();
    this.controllers.push(c);
    return c.signal;
  };

  /** Fires the most recent request's deadline. */
  fireLatest(): void {
    this.controllers.at(-1)?.abort(new DOMException('The operation timed out.', 'TimeoutError'));
  }
}
