import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Clock } from '../../../engine/domain/clock.js';
import { RealClock } from '../../../engine/domain/clock.js';
import { createRng } from '../../../engine/domain/random.js';
import { errorMessage } from '../../../engine/domain/errors.js';
import { ALPACA_REQUESTS_PER_MINUTE } from './config.js';
import { AlpacaError, makeScrubber } from './errors.js';
import { alpacaErrorBodySchema } from './schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * The one queue every Trading API request of an account goes through: a
 * sliding window (p-queue `strict`) of at most `perMinute` request starts in
 * any 60 s, so a burst never exceeds Alpaca's budget even across a window
 * boundary. Each retry is a new request and takes its own place.
 */
export function createAlpacaQueue(perMinute = ALPACA_REQUESTS_PER_MINUTE, concurrency = 4): PQueue {
  return new PQueue({ intervalCap: perMinute, interval: 60_000, strict: true, concurrency });
}

export interface AlpacaHttpOptions {
  readonly baseUrl: string;
  readonly keyId: string;
  readonly secretKey: string;
  readonly timeoutMs: number;
  /** Extra attempts after the first, for retryable requests. */
  readonly maxRetries: number;
  /** Shared with every other user of the same account's Trading API. */
  readonly queue?: PQueue;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** How back-off waits; tests record the delays instead of waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Seed of the jitter, so a test run is reproducible. */
  readonly jitterSeed?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly fetch?: typeof globalThis.fetch;
}

export interface AlpacaRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** Cancels jump the queue: they are what a breaker trip needs first. */
  readonly priority?: number;
}

/** The longest Retry-After we wait for; beyond it the request fails and the caller decides. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * HTTPS transport of the adapter: the credentials in headers only, a timeout
 * per attempt, the shared rate-limit queue, and exponential back-off with
 * jitter. Whether a failure may be retried is the caller's decision
 * (`withRetries`); this class reports each attempt's outcome as a typed
 * AlpacaError. Log lines carry method, path, status and attempt, never a
 * header or a secret.
 */
export class AlpacaHttp {
  readonly queue: PQueue;
  private readonly log: Logger;
  private readonly sleepFn: (ms: number) => Promise<void>;
  private readonly rng;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly fetchFn: typeof globalThis.fetch;
  private readonly clock: Clock;
  readonly scrub: (text: string) => string;

  constructor(private readonly opts: AlpacaHttpOptions) {
    this.queue = opts.queue ?? createAlpacaQueue();
    this.log = opts.logger ?? pino({ enabled: false });
    const clock = opts.clock ?? new RealClock();
    this.clock = clock;
    this.sleepFn = opts.sleep ?? ((ms) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms)));
    this.rng = createRng(opts.jitterSeed ?? 1, 'alpaca-http-backoff');
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.maxDelayMs = opts.maxDelayMs ?? 8_000;
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.scrub = makeScrubber([opts.keyId, opts.secretKey]);
  }

  /** One attempt through the queue. Resolves with the parsed JSON body (null for 204). */
  send(req: AlpacaRequest): Promise<unknown> {
    return this.queue.add(() => this.attempt(req), { priority: req.priority ?? 0 });
  }

  /**
   * Run `op` until it succeeds, fails with something `retryable` refuses, or
   * the attempts run out. Between attempts it waits an exponential back-off
   * with jitter, at least as long as a 429's Retry-After.
   */
  async withRetries<T>(label: string, op: () => Promise<T>, retryable: (e: AlpacaError) => boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if (!(e instanceof AlpacaError) || !retryable(e) || attempt >= this.opts.maxRetries) throw e;
        if (e.retryAfterMs !== undefined && e.retryAfterMs > MAX_RETRY_AFTER_MS) throw e;
        const delayMs = Math.max(this.backoff(attempt), e.retryAfterMs ?? 0);
        this.log.warn({ request: label, kind: e.kind, status: e.status ?? null, attempt: attempt + 1, delayMs }, 'alpaca: request failed; retrying');
        await this.sleepFn(delayMs);
      }
    }
  }

  /** Equal jitter: half the exponential delay fixed, half random, so retries spread but never bunch at zero. */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + this.rng.uniform() * (ceiling / 2));
  }

  private async attempt(req: AlpacaRequest): Promise<unknown> {
    const url = new URL(this.opts.baseUrl + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const label = `${req.method} ${req.path}`;
    const headers: Record<string, string> = {
      'APCA-API-KEY-ID': this.opts.keyId,
      'APCA-API-SECRET-KEY': this.opts.secretKey,
      accept: 'application/json',
    };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    let retryAfterMs: number | undefined;
    try {
      const res = await this.fetchFn(url, {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      status = res.status;
      retryAfterMs = retryAfterOf(res.headers, this.clock.now());
      text = await res.text();
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      const kind = timedOut ? 'timeout' : 'network';
      const detail = timedOut ? `no answer within ${this.opts.timeoutMs} ms` : this.scrub(causeMessage(e));
      this.log.debug({ request: label, kind }, 'alpaca: request did not complete');
      throw new AlpacaError(kind, `${label}: ${detail}`, { ambiguous: true }, { cause: e });
    }
    this.log.debug({ request: label, status }, 'alpaca: response');
    if (status >= 200 && status < 300) {
      if (status === 204 || text.trim() === '') return null;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // A success we cannot read may still have done its work (an order placed).
        throw new AlpacaError('malformed_json', `${label}: HTTP ${status} with a body that is not JSON`, { status, ambiguous: true });
      }
    }
    throw this.httpError(label, status, text, retryAfterMs);
  }

  private httpError(label: string, status: number, text: string, retryAfterMs: number | undefined): AlpacaError {
    let message = text.trim().slice(0, 300);
    let alpacaCode: number | undefined;
    try {
      const body = alpacaErrorBodySchema.safeParse(JSON.parse(text));
      if (body.success) {
        message = body.data.message;
        alpacaCode = body.data.code;
      }
    } catch {
      // Not JSON (a proxy's HTML page): keep the text, shortened.
    }
    message = this.scrub(message || `HTTP ${status}`);
    const info = { status, ...(alpacaCode !== undefined ? { alpacaCode } : {}) };
    if (status === 429) {
      return new AlpacaError('rate_limited', `${label}: HTTP 429 ${message}`, { ...info, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    if (status === 401 || status === 403) {
      // 403 is also Alpaca's "insufficient buying power": a definite refusal, not a credentials problem.
      return new AlpacaError(status === 401 ? 'unauthorized' : 'http', `${label}: HTTP ${status} ${message}`, info);
    }
    return new AlpacaError('http', `${label}: HTTP ${status} ${message}`, { ...info, ambiguous: status >= 500 });
  }
}

/** Transient for a read or a cancel: 429, 5xx, timeouts, dropped connections, unreadable bodies. */
export function isTransient(e: AlpacaError): boolean {
  return e.kind === 'rate_limited' || e.kind === 'timeout' || e.kind === 'network' || e.kind === 'malformed_json' || (e.status !== undefined && e.status >= 500);
}

/** Retry-After in seconds or as an HTTP date; Alpaca's X-RateLimit-Reset (epoch seconds) as a fallback. */
function retryAfterOf(headers: Headers, now: number): number | undefined {
  const value = headers.get('retry-after');
  if (value !== null) {
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const at = Date.parse(value);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.has('x-ratelimit-reset') && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  return undefined;
}

function causeMessage(e: unknown): string {
  const cause = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  return cause !== undefined ? `${errorMessage(e)} (${errorMessage(cause)})` : errorMessage(e);
}
