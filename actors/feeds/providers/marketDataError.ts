import { DataError } from '../../../engine/domain/errors.js';
import type { ProviderName } from './types.js';

/**
 * Why a provider's answer could not be used. `timeout`, `network`,
 * `rate-limited` and `server` are transient (retried, then the next provider
 * is asked); the others say the provider will not do better on a retry.
 */
export type MarketDataFailure =
  | 'timeout'
  | 'network'
  | 'rate-limited'
  | 'server'
  | 'http'
  | 'malformed-json'
  | 'shape'
  | 'no-data'
  | 'unsupported';

const TRANSIENT: ReadonlySet<MarketDataFailure> = new Set(['timeout', 'network', 'rate-limited', 'server']);

/**
 * A market data answer that cannot be used. A DataError (code DATA_INVALID),
 * so callers that handle data errors handle it; it adds the provider and the
 * kind of failure. Messages never carry a credential: the HTTP client scrubs
 * them before building one.
 */
export class MarketDataError extends DataError {
  constructor(
    readonly provider: ProviderName,
    readonly failure: MarketDataFailure,
    message: string,
    location: { symbol?: string; field?: string } = {},
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, location);
    // Provider first, then DataError's "symbol, field": "polygon: AAPL, field results[1].c: …".
    this.message = `${provider}: ${this.message}`;
    if (options?.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }

  get transient(): boolean {
    return TRANSIENT.has(this.failure);
  }

  override toJSON(): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
    return {
      code: this.code,
      message: this.message,
      details: { ...this.details, provider: this.provider, failure: this.failure, ...(this.status === undefined ? {} : { status: this.status }) },
    };
  }
}

/** Every provider failed for one request; `attempts` says why each one did, in priority order. */
export class NoMarketDataError extends DataError {
  constructor(
    readonly kind: string,
    readonly attempts: readonly { readonly provider: ProviderName; readonly reason: string }[],
    location: { symbol?: string } = {},
  ) {
    const why = attempts.length === 0 ? 'no provider is configured for it' : attempts.map((a) => `${a.provider}: ${a.reason}`).join('; ');
    super(`no provider could serve ${kind}: ${why}`, location);
  }
}
