import type { Logger } from 'pino';
import type { Clock } from '../../../engine/domain/clock.js';
import { errorMessage } from '../../../engine/domain/errors.js';
import { AlertDeliveryError } from '../errors.js';

export interface PollLoopOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** One poll; resolves when it is done (a long poll waits at the provider). */
  readonly step: (signal: AbortSignal) => Promise<void>;
  /** Pause after a successful poll (0 for a long poll, which waits at the server). */
  readonly intervalMs: number;
  /** First wait after a failure, doubling to `maxBackoffMs`; a provider's Retry-After wins when longer. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/**
 * Runs a bot's poll until stopped: failures are logged and retried after a
 * growing pause (never a tight loop against a provider that says no), and a
 * stop cancels the poll in flight and any pause.
 */
export class PollLoop {
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private failures = 0;

  constructor(private readonly opts: PollLoopOptions) {}

  start(): void {
    if (this.running !== null) return;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      let waitMs = this.opts.intervalMs;
      try {
        await this.opts.step(signal);
        this.failures = 0;
      } catch (e) {
        if (signal.aborted) break;
        this.failures++;
        const asked = e instanceof AlertDeliveryError ? (e.retryAfterMs ?? 0) : 0;
        waitMs = Math.max(asked, Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** (this.failures - 1)));
        const final = e instanceof AlertDeliveryError && !e.retryable;
        this.opts.logger[final ? 'error' : 'warn']({ bot: this.opts.name, failures: this.failures, waitMs, err: errorMessage(e) }, 'bot poll failed');
      }
      if (waitMs > 0 && !signal.aborted) await this.pause(waitMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      const id = this.opts.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        this.opts.clock.clearTimeout(id);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }
}
