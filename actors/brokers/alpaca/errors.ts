import { BrokerError } from '../../../engine/domain/errors.js';

/**
 * What went wrong talking to Alpaca. `ambiguous` marks failures after which the
 * request may or may not have been carried out (a timeout, a dropped
 * connection, a 5xx, an unreadable 200): a submit must then look the order up
 * by client_order_id before deciding anything.
 */
export type AlpacaErrorKind =
  | 'http'
  | 'rate_limited'
  | 'unauthorized'
  | 'timeout'
  | 'network'
  | 'malformed_json'
  | 'schema'
  | 'stream';

export interface AlpacaErrorInfo {
  readonly status?: number;
  /** Alpaca's numeric error code from the body (e.g. 40010001). */
  readonly alpacaCode?: number;
  /** The response field that had an unexpected shape (e.g. `legs.0.filled_qty`). */
  readonly field?: string;
  readonly ambiguous?: boolean;
  /** From a 429's Retry-After (or X-RateLimit-Reset), when the server said. */
  readonly retryAfterMs?: number;
}

export class AlpacaError extends BrokerError {
  readonly status: number | undefined;
  readonly alpacaCode: number | undefined;
  readonly field: string | undefined;
  readonly ambiguous: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(readonly kind: AlpacaErrorKind, message: string, info: AlpacaErrorInfo = {}, options?: { cause?: unknown }) {
    super('alpaca', message, options);
    this.status = info.status;
    this.alpacaCode = info.alpacaCode;
    this.field = info.field;
    this.ambiguous = info.ambiguous ?? false;
    this.retryAfterMs = info.retryAfterMs;
  }
}

/** Alpaca's answer to a second order with a known client_order_id (HTTP 422). */
export function isDuplicateClientOrderId(e: unknown): boolean {
  return e instanceof AlpacaError && e.status === 422 && /client[\s_-]?order[\s_-]?id must be unique/i.test(e.message);
}

export function isNotFound(e: unknown): boolean {
  return e instanceof AlpacaError && e.status === 404;
}

/**
 * Removes the credentials from any text that leaves this adapter (error
 * messages, log fields), in case a server or a library echoes them back.
 */
export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  const needles = secrets.filter((s) => s.length >= 4);
  return (text: string) => {
    let out = text;
    for (const s of needles) out = out.split(s).join('[redacted]');
    return out;
  };
}
