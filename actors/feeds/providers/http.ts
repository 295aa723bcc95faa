import PQueue from 'p-queue';
import pRetry from 'p-retry';
import type { z } from 'zod';
import type { Logger } from '../../../engine/logger.js';
import { MarketDataError } from './marketDataError.js';
import { scrubSecrets, type Secret } from './secret.js';
import type { ProviderName } from './types.js';

/** A provider's request budget: at most `requests` started in any rolling `perMs` window. */
export interface RateBudget {
  readonly requests: number;
  readonly perMs: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt (so `retries + 1` attempts at most). */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited out: the request fails and the next provider is asked. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };

/** The waits and clocks a test replaces to stay deterministic; production uses the defaults. */
export interface HttpTiming {
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): spreads retries of many clients apart (jitter). */
  readonly random?: () => number;
  /** The signal that ends one attempt; default `AbortSignal.timeout(ms)`. */
  readonly timeoutSignal?: (ms: number) => AbortSignal;
  /** For Retry-After given as an HTTP date. */
  readonly now?: () => number;
}

export interface HttpClientOptions extends HttpTiming {
  readonly provider: ProviderName;
  readonly baseUrl: string;
  /** Sent with every request; Secret values are revealed only here. */
  readonly headers?: Readonly<Record<string, string | Secret>>;
  /** Query parameters that carry a credential (FRED's api_key): added on the wire, never logged. */
  readonly authQuery?: Readonly<Record<string, Secret>>;
  /** Further credentials to scrub from messages (those in headers and authQuery already are). */
  readonly secrets?: readonly Secret[];
  readonly budget: RateBudget;
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

export type QueryValue = string | number | boolean | undefined;

const retryAfterOf = new WeakMap<MarketDataError, number>();

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds, or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `items[3].o` from a zod path. */
function fieldOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * JSON over HTTPS for one provider: one rate-limit queue (p-queue in strict,
 * sliding-window mode, so the budget holds over any window), a timeout per
 * attempt, retries with exponential back-off and jitter on 429, 5xx, timeouts
 * and dropped connections (a Retry-After is honoured), and a zod check of
 * every body. Failures are MarketDataErrors naming the provider, the symbol
 * and the field. Logs and messages carry the URL path only, never the query
 * or headers, and every message is scrubbed of the provider's secrets.
 */
export class JsonHttpClient {
  readonly provider: ProviderName;
  readonly #base: URL;
  readonly #queue: PQueue;
  readonly #opts: HttpClientOptions;
  readonly #retry: RetryPolicy;
  readonly #secrets: readonly Secret[];
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #timeoutSignal: (ms: number) => AbortSignal;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;

  constructor(opts: HttpClientOptions) {
    this.provider = opts.provider;
    this.#opts = opts;
    this.#base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    this.#queue = new PQueue({ intervalCap: opts.budget.requests, interval: opts.budget.perMs, strict: true });
    this.#retry = opts.retry ?? DEFAULT_RETRY;
    this.#secrets = [
      ...Object.values(opts.headers ?? {}).filter((v): v is Secret => typeof v !== 'string'),
      ...Object.values(opts.authQuery ?? {}),
      ...(opts.secrets ?? []),
    ];
    this.#sleep = opts.sleep ?? defaultSleep;
    this.#random = opts.random ?? Math.random;
    this.#timeoutSignal = opts.timeoutSignal ?? ((ms) => AbortSignal.timeout(ms));
    this.#now = opts.now ?? Date.now;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** GET `path` (relative to the base URL) with `query`, parsed by `schema`. */
  get<S extends z.ZodType>(path: string, query: Readonly<Record<string, QueryValue>>, schema: S, ctx: { symbol?: string } = {}): Promise<z.output<S>> {
    const url = new URL(path.replace(/^\//, ''), this.#base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return this.#withRetries(url, schema, ctx);
  }

  /**
   * GET an absolute URL the provider handed out (a next-page link). It must
   * be on the provider's own origin: credentials are never sent elsewhere.
   */
  getAt<S extends z.ZodType>(absoluteUrl: string, schema: S, ctx: { symbol?: string; field: string }): Promise<z.output<S>> {
    let url: URL;
    try {
      url = new URL(absoluteUrl);
    } catch {
      return Promise.reject(new MarketDataError(this.provider, 'shape', 'is not a URL', { symbol: ctx.symbol, field: ctx.field }));
    }
    if (url.origin !== this.#base.origin) {
      return Promise.reject(new MarketDataError(this.provider, 'shape', `points to another host (${url.origin}); not followed`, { symbol: ctx.symbol, field: ctx.field }));
    }
    return this.#withRetries(url, schema, ctx);
  }

  /** Secrets of this client scrubbed from `text`. */
  scrub(text: string): string {
    return scrubSecrets(text, this.#secrets);
  }

  async #withRetries<S extends z.ZodType>(url: URL, schema: S, ctx: { symbol?: string }): Promise<z.output<S>> {
    const path = url.pathname;
    return pRetry(() => this.#queue.add(() => this.#attempt(url, schema, ctx)), {
      retries: this.#retry.retries,
      // p-retry's own timer is switched off (minTimeout 0): the wait happens
      // in shouldRetry through the injected sleep, so it can honour
      // Retry-After and tests can replace it.
      minTimeout: 0,
      factor: 1,
      randomize: false,
      shouldRetry: async ({ error, attemptNumber }) => {
        if (!(error instanceof MarketDataError) || !error.transient) return false;
        const retryAfter = retryAfterOf.get(error);
        if (retryAfter !== undefined && retryAfter > this.#retry.maxRetryAfterMs) {
          this.#opts.logger.warn({ provider: this.provider, path, status: error.status, retryAfterMs: retryAfter }, 'market data provider asks to wait longer than allowed; giving up on it');
          return false;
        }
        const delayMs = retryAfter ?? this.#backoff(attemptNumber);
        this.#opts.logger.warn(
          { provider: this.provider, path, failure: error.failure, status: error.status, attempt: attemptNumber, delayMs },
          'market data request failed; retrying',
        );
        await this.#sleep(delayMs);
        return true;
      },
    });
  }

  /** Exponential, capped, with "equal jitter": half fixed, half random. */
  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + this.#random() * (ceiling / 2));
  }

  #fail(failure: ConstructorParameters<typeof MarketDataError>[1], message: string, ctx: { symbol?: string; field?: string }, status?: number, cause?: unknown): MarketDataError {
    return new MarketDataError(this.provider, failure, this.scrub(message), ctx, status, cause === undefined ? undefined : { cause });
  }

  #classifyThrown(e: unknown, path: string, ctx: { symbol?: string }): MarketDataError {
    const name = e instanceof Error || e instanceof DOMException ? e.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') return this.#fail('timeout', `no answer from ${path} within ${this.#opts.timeoutMs} ms`, ctx);
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return this.#fail('network', `request to ${path} failed (${e instanceof Error ? e.message : String(e)}${cause})`, ctx);
  }

  async #attempt<S extends z.ZodType>(url: URL, schema: S, ctx: { symbol?: string }): Promise<z.output<S>> {
    const path = url.pathname;
    const wire = new URL(url);
    for (const [k, v] of Object.entries(this.#opts.authQuery ?? {})) wire.searchParams.set(k, v.reveal());
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'wsb-engine' };
    for (const [k, v] of Object.entries(this.#opts.headers ?? {})) headers[k] = typeof v === 'string' ? v : v.reveal();
    this.#opts.logger.debug({ provider: this.provider, path }, 'market data request');

    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(wire, { headers, signal: this.#timeoutSignal(this.#opts.timeoutMs) });
      // The body is read under the same signal: a stalled body is a timeout too.
      text = await res.text();
    } catch (e) {
      throw this.#classifyThrown(e, path, ctx);
    }
    if (res.status === 429 || res.status >= 500) {
      const err = this.#fail(res.status === 429 ? 'rate-limited' : 'server', `HTTP ${res.status} from ${path}`, ctx, res.status);
      const after = parseRetryAfter(res.headers.get('retry-after'), this.#now());
      if (after !== undefined) retryAfterOf.set(err, after);
      throw err;
    }
    if (!res.ok) {
      const hint = res.status === 401 || res.status === 403 ? ' (credentials refused: check the API key)' : '';
      throw this.#fail('http', `HTTP ${res.status} from ${path}${hint}: ${text.slice(0, 200)}`, ctx, res.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw this.#fail('malformed-json', `malformed JSON from ${path}: ${e instanceof Error ? e.message : String(e)}`, ctx, res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue === undefined ? '(root)' : fieldOf(issue.path);
      throw this.#fail('shape', `unexpected response from ${path}: ${issue?.message ?? 'invalid'}`, { ...ctx, field }, res.status);
    }
    return parsed.data;
  }
}
