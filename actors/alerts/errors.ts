import { WsbError } from '../../engine/domain/errors.js';

/**
 * An alert channel or operator bot could not talk to its provider. `retryable`
 * says whether the same request may be tried again (429, 5xx, a network error
 * or a timeout); `retryAfterMs` is the wait the provider asked for, if any.
 * Messages never carry a webhook URL, a token or a password: every one passes
 * through `scrubSecrets` before it is built.
 */
export class AlertDeliveryError extends WsbError {
  readonly code = 'ALERT_DELIVERY_FAILED';

  constructor(
    readonly provider: string,
    message: string,
    readonly retryable: boolean,
    readonly extra: { readonly status?: number; readonly retryAfterMs?: number; readonly field?: string } = {},
  ) {
    super(`${provider}: ${message}`, { provider, retryable, ...extra });
  }

  get status(): number | undefined {
    return this.extra.status;
  }

  get retryAfterMs(): number | undefined {
    return this.extra.retryAfterMs;
  }
}

/**
 * Replaces every configured secret (and its URL-encoded form) in a text. Used on
 * every error message that came from a library or a provider, because those may
 * quote the URL they were given (the Telegram token sits in the path).
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[redacted]');
  }
  return out;
}

/** The parts of a webhook URL that are secret: the whole URL and its path (the token lives there). */
export function urlSecrets(url: string): string[] {
  const out = [url];
  if (URL.canParse(url)) {
    const u = new URL(url);
    if (u.pathname.length > 1) out.push(u.pathname);
    for (const segment of u.pathname.split('/')) if (segment.length >= 16) out.push(segment);
    if (u.search.length > 1) out.push(u.search);
    if (u.password) out.push(u.password);
  }
  return out;
}
