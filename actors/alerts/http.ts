import type { z } from 'zod';
import { AlertDeliveryError, scrubSecrets } from './errors.js';

/** How a channel or bot makes its HTTP calls; every part injectable so tests need no real waits. */
export interface HttpOptions {
  /** Per-request deadline. */
  readonly timeoutMs: number;
  /** Builds the deadline signal of one request (default `AbortSignal.timeout`); a test passes one it aborts itself. */
  readonly timeoutSignal?: (ms: number) => AbortSignal;
  readonly fetch?: typeof fetch;
  /** Wall-clock now, to turn an HTTP-date Retry-After into a wait. */
  readonly now?: () => number;
}

export interface ProviderResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface ProviderRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-encoded when present. */
  readonly json?: unknown;
}

function causeCode(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return e instanceof Error ? e.message : String(e);
}

/**
 * One HTTP exchange with a provider. Network failures and timeouts become a
 * retryable AlertDeliveryError; a cancellation by `signal` (shutdown) does
 * not. The status is left to the caller, which knows the provider's payloads.
 */
export async function providerRequest(
  provider: string,
  req: ProviderRequest,
  opts: HttpOptions,
  secrets: readonly string[],
  signal?: AbortSignal,
): Promise<ProviderResponse> {
  const deadline = (opts.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms)))(opts.timeoutMs);
  const combined = signal ? AbortSignal.any([deadline, signal]) : deadline;
  const doFetch = opts.fetch ?? fetch;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await doFetch(req.url, {
      method: req.method,
      headers,
      ...(req.json !== undefined ? { body: JSON.stringify(req.json) } : {}),
      signal: combined,
      redirect: 'error',
    });
  } catch (e) {
    throw transportError(provider, e, deadline, opts.timeoutMs, signal, secrets);
  }
  try {
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (e) {
    const err = transportError(provider, e, deadline, opts.timeoutMs, signal, secrets);
    // A 2xx whose body was cut may already have been delivered: sending it again could duplicate it.
    if (res.status >= 200 && res.status < 300) throw new AlertDeliveryError(provider, `${err.message} (status ${res.status}; delivery unconfirmed)`, false, { status: res.status });
    throw err;
  }
}

function transportError(provider: string, e: unknown, deadline: AbortSignal, timeoutMs: number, signal: AbortSignal | undefined, secrets: readonly string[]): AlertDeliveryError {
  if (signal?.aborted) return new AlertDeliveryError(provider, 'request cancelled (shutting down)', false);
  if (deadline.aborted) return new AlertDeliveryError(provider, `no answer within ${timeoutMs} ms`, true);
  return new AlertDeliveryError(provider, `network error: ${scrubSecrets(causeCode(e), secrets)}`, true);
}

/** Milliseconds a `Retry-After` header asks for: delta-seconds (decimals tolerated) or an HTTP-date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const date = Date.parse(v);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

function excerpt(text: string, secrets: readonly string[]): string {
  const flat = scrubSecrets(text, secrets).replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

/**
 * The error for a non-success status: 429 and 5xx are retryable (waiting at
 * least what the provider asked, from the header or its body), anything else
 * is final (a bad token, a deleted webhook, a payload the provider refuses).
 */
export function statusError(
  provider: string,
  res: ProviderResponse,
  opts: { readonly now: number; readonly bodyRetryAfterMs?: number | undefined; readonly description?: string | undefined },
  secrets: readonly string[],
): AlertDeliveryError {
  const headerWait = parseRetryAfter(res.headers.get('retry-after'), opts.now);
  const waits = [headerWait, opts.bodyRetryAfterMs].filter((x): x is number => x !== undefined && Number.isFinite(x));
  const retryAfterMs = waits.length > 0 ? Math.max(...waits) : undefined;
  const said = excerpt(opts.description ?? res.text, secrets);
  const message = `HTTP ${res.status}${said ? `: ${said}` : ''}`;
  const retryable = res.status === 429 || res.status >= 500;
  return new AlertDeliveryError(provider, message, retryable, { status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

/**
 * Validates a provider's JSON answer against its documented shape. A body that
 * is not JSON, or lacks a field, is a final error naming the field: a malformed
 * success may already have been delivered, so it is not sent again.
 */
export function validateJson<T>(provider: string, res: ProviderResponse, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(res.text) as unknown;
  } catch {
    throw malformedResponse(provider, res.status, 'body', 'is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  throw malformedResponse(provider, res.status, field, issue?.message ?? 'is invalid');
}

/** Like `validateJson` but for an error body: an unreadable one is simply ignored (the status already says enough). */
export function tryJson<T>(res: ProviderResponse, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(res.text) as unknown);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function malformedResponse(provider: string, status: number, field: string, what: string): AlertDeliveryError {
  return new AlertDeliveryError(provider, `unexpected response (HTTP ${status}): ${field} ${what}; delivery unconfirmed, not retried`, false, { status, field });
}
