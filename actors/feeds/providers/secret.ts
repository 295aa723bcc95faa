import { inspect } from 'node:util';
import { InputError } from '../../../engine/domain/errors.js';

const REDACTED = '[redacted]';

/**
 * A credential that cannot leak by accident: printed, logged (pino serialises
 * with JSON.stringify), interpolated or inspected, it shows `[redacted]`.
 * Only `reveal()` gives the value, and only the code that puts it on the wire
 * calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string, field = 'secret') {
    if (typeof value !== 'string' || value.length === 0) throw new InputError(field, 'must be a non-empty string');
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Replaces every occurrence of the given secrets in `text`: the last line of
 * defence for messages built from provider bodies, URLs or library errors.
 */
export function scrubSecrets(text: string, secrets: readonly Secret[]): string {
  let out = text;
  for (const s of secrets) {
    const v = s.reveal();
    // Also catch the URL-encoded form, as it appears in a query string.
    for (const form of new Set([v, encodeURIComponent(v)])) out = out.split(form).join(REDACTED);
  }
  return out;
}
