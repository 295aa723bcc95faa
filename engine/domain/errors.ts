/**
 * The one error hierarchy of the engine. Every error carries a stable `code`
 * (used by the CLI exit message, HTTP error bodies and logs) and, where it is
 * about a piece of input, the `field` (or file and line) that was wrong.
 */
export abstract class WsbError extends Error {
  abstract readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }

  toJSON(): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** An environment variable or configuration value is malformed. */
export class ConfigError extends WsbError {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`, { field });
  }
}

/** Bad input at an edge: a CLI flag, an HTTP body, a WebSocket message. */
export class InputError extends WsbError {
  readonly code = 'INPUT_INVALID';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`, { field });
  }
}

/** A data file or a market data record is missing, corrupt or inconsistent. */
export class DataError extends WsbError {
  readonly code = 'DATA_INVALID';
  constructor(
    message: string,
    readonly location: { file?: string; line?: number; field?: string; symbol?: string } = {},
  ) {
    const where = [
      location.file,
      location.line !== undefined ? `line ${location.line}` : undefined,
      location.symbol,
      location.field !== undefined ? `field ${location.field}` : undefined,
    ]
      .filter((s): s is string => s !== undefined)
      .join(', ');
    super(where ? `${where}: ${message}` : message, { ...location });
  }
}

/** An event was sent to a lifecycle that does not allow it in its current state. */
export class IllegalTransitionError extends WsbError {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(readonly machine: string, readonly from: string, readonly event: string) {
    super(`${machine}: event ${event} is not allowed in state ${from}`, { machine, from, event });
  }
}

export class NotFoundError extends WsbError {
  readonly code = 'NOT_FOUND';
  constructor(readonly what: string, readonly id: string) {
    super(`${what} ${id} not found`, { what, id });
  }
}

/** A uniqueness rule was violated (duplicate client_order_id, duplicate ticker). */
export class ConflictError extends WsbError {
  readonly code = 'CONFLICT';
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, details, options);
  }
}

export class PersistenceError extends WsbError {
  readonly code = 'PERSISTENCE_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, {}, options);
  }
}

export class BrokerError extends WsbError {
  readonly code = 'BROKER_ERROR';
  constructor(readonly broker: string, message: string, options?: { cause?: unknown }) {
    super(`${broker}: ${message}`, { broker }, options);
  }
}

/** An order intent was refused before reaching a broker (risk, breaker, lock, validation). */
export class OrderRejectedError extends WsbError {
  readonly code = 'ORDER_REJECTED';
  constructor(readonly reason: string, message: string) {
    super(message, { reason });
  }
}

/** Option pricing or implied volatility could not produce a defined result. */
export class PricingError extends WsbError {
  constructor(readonly code: 'PRICING_INPUT_INVALID' | 'NO_IMPLIED_VOLATILITY', message: string, details: Record<string, unknown> = {}) {
    super(message, details);
  }
}

export function isWsbError(e: unknown): e is WsbError {
  return e instanceof WsbError;
}

/** Message of any thrown value, for logging; never hides the original. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
