import { InputError } from '../../domain/errors.js';

/** Per-connection limits of the WebSocket endpoints (docs/websocket.md, "Limits"). */
export interface WsLimits {
  /** Largest client message; a larger one gets MESSAGE_TOO_LARGE and close 1009. */
  readonly maxMessageBytes: number;
  /** Client messages per second, sustained (token bucket). */
  readonly ratePerSecond: number;
  /** Client messages accepted at once before the rate applies. */
  readonly burst: number;
  /** Consecutive rate-limited messages before close 1008. */
  readonly maxStrikes: number;
  /** Unsent bytes queued for one client before it is closed as a slow consumer (1013). */
  readonly maxBufferedBytes: number;
  /** Topics one connection may hold. */
  readonly maxTopicsPerConnection: number;
  /** Open WebSocket connections (both endpoints); more are refused with HTTP 503. */
  readonly maxConnections: number;
  /** Failed `auth` messages before close 1008. */
  readonly maxAuthFailures: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = Object.freeze({
  maxMessageBytes: 64 * 1024,
  ratePerSecond: 50,
  burst: 100,
  maxStrikes: 20,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxTopicsPerConnection: 64,
  maxConnections: 1000,
  maxAuthFailures: 3,
});

/** Defaults overridden by `partial`, each value checked (InputError naming the limit). */
export function resolveLimits(partial: Partial<WsLimits> = {}): WsLimits {
  const out = { ...DEFAULT_WS_LIMITS, ...partial };
  for (const [k, v] of Object.entries(out)) {
    const integral = k !== 'ratePerSecond';
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v) || (integral && !Number.isInteger(v))) {
      throw new InputError(`limits.${k}`, `must be a positive ${integral ? 'integer' : 'number'}, got ${String(v)}`);
    }
  }
  return Object.freeze(out);
}

/**
 * ws's own cap on a frame, above ours: a message between the two is read and
 * refused with a clear error; past this ws closes with a bare 1009.
 */
export function hardPayloadCap(limits: WsLimits): number {
  return Math.max(limits.maxMessageBytes * 16, 1024 * 1024);
}
