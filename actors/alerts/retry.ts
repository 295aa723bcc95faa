import pRetry, { AbortError } from 'p-retry';
import { errorMessage } from '../../engine/domain/errors.js';
import type { AlertBatch } from './batch.js';
import type { AlertChannel } from './channels/channel.js';
import { AlertDeliveryError } from './errors.js';

export interface RetryPolicy {
  /** Further attempts after the first. */
  readonly retries: number;
  /** First backoff; doubles each retry, with jitter, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A provider asking for a longer wait than this is given up on (and logged) rather than waited for. */
  readonly maxRetryAfterMs: number;
}

export interface RetryDeps {
  /** Waits on the dispatcher's clock; rejects when the dispatcher shuts down. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform [0, 1) for jitter. */
  readonly random: () => number;
  /** Runs before each attempt (the rate limiter's token); attempt numbers start at 1. */
  readonly beforeAttempt?: (attempt: number) => Promise<void>;
  readonly signal?: AbortSignal;
  readonly onRetry?: (info: { readonly attempt: number; readonly waitMs: number; readonly error: AlertDeliveryError }) => void;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries of many senders spread out. */
export function backoffMs(policy: RetryPolicy, retryNumber: number, random: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.round(cap / 2 + (cap / 2) * random);
}

function asDeliveryError(channel: string, e: unknown): AlertDeliveryError {
  return e instanceof AlertDeliveryError ? e : new AlertDeliveryError(channel, `unexpected failure: ${errorMessage(e)}`, false);
}

/**
 * Sends a batch through a channel, retrying only what the channel marked
 * retryable (429, 5xx, network errors, timeouts). The wait before a retry is
 * the larger of the backoff and the provider's Retry-After. p-retry runs the
 * loop; its own delay is off so every wait goes through `sleep` (the
 * dispatcher's clock, a simulated one in tests).
 */
export async function deliverWithRetry(channel: AlertChannel, batch: AlertBatch, policy: RetryPolicy, deps: RetryDeps): Promise<{ attempts: number }> {
  let attempts = 0;
  await pRetry(
    async (attempt) => {
      attempts = attempt;
      await deps.beforeAttempt?.(attempt);
      try {
        await channel.send(batch, deps.signal);
      } catch (e) {
        const err = asDeliveryError(channel.name, e);
        if (!err.retryable) throw new AbortError(err);
        const asked = err.retryAfterMs;
        if (asked !== undefined && asked > policy.maxRetryAfterMs) {
          throw new AbortError(new AlertDeliveryError(channel.name, `${err.message}; the provider asked to wait ${Math.ceil(asked / 1000)} s, more than the ${Math.ceil(policy.maxRetryAfterMs / 1000)} s allowed`, false, { ...err.extra }));
        }
        throw err;
      }
    },
    {
      retries: policy.retries,
      minTimeout: 0,
      factor: 1,
      randomize: false,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft <= 0) return;
        const err = asDeliveryError(channel.name, error);
        const waitMs = Math.max(err.retryAfterMs ?? 0, backoffMs(policy, attemptNumber, deps.random()));
        deps.onRetry?.({ attempt: attemptNumber, waitMs, error: err });
        await deps.sleep(waitMs);
      },
    },
  );
  return { attempts };
}
