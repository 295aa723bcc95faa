import type { Logger } from 'pino';
import type { Clock } from '../../engine/domain/clock.js';
import { errorMessage } from '../../engine/domain/errors.js';
import { SEVERITY_RANK, maxSeverity, type AlertBatch, type AlertEntry } from './batch.js';
import type { AlertChannel } from './channels/channel.js';
import { AlertDeliveryError } from './errors.js';
import { deliverWithRetry, type RetryPolicy } from './retry.js';
import { TokenBucket } from './tokenBucket.js';

export interface DispatcherOptions {
  readonly channel: AlertChannel;
  /** Wall clock: rate limits and retry waits are about the provider's time, not a replay's. */
  readonly clock: Clock;
  readonly logger: Logger;
  /** Entries waiting for this channel, at most. */
  readonly queueSize: number;
  readonly rate: { readonly perMinute: number; readonly burst: number };
  readonly retry: RetryPolicy;
  /** Above this many entries a message folds them into one summary per type. */
  readonly maxEntriesPerMessage: number;
  readonly random: () => number;
}

export interface DispatcherStats {
  readonly queued: number;
  /** Alerts delivered (a summary of 37 counts 37). */
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  readonly messages: number;
  readonly attempts: number;
}

/** Scopes of a folded entry: one scope as it is, several as "3 scopes: A, B, C". */
function foldScopes(scopes: readonly string[]): string {
  const unique = [...new Set(scopes)];
  if (unique.length === 1) return unique[0] ?? '';
  const named = unique.slice(0, 3).join(', ');
  return `${unique.length} scopes: ${named}${unique.length > 3 ? ', …' : ''}`;
}

/** Folds a long list into one entry per type, most severe first. */
export function foldByType(entries: readonly AlertEntry[]): AlertEntry[] {
  const groups = new Map<string, AlertEntry[]>();
  for (const e of entries) {
    const g = groups.get(e.type);
    if (g) g.push(e);
    else groups.set(e.type, [e]);
  }
  const out: AlertEntry[] = [];
  for (const [type, g] of groups) {
    const head = g[0];
    const tail = g[g.length - 1];
    if (!head || !tail) continue;
    if (g.length === 1) {
      out.push(head);
      continue;
    }
    out.push({
      type,
      severity: g.reduce((s, e) => maxSeverity(s, e.severity), head.severity),
      scope: foldScopes(g.map((e) => e.scope)),
      count: g.reduce((n, e) => n + e.count, 0),
      first: head.first,
      last: tail.last,
      since: Math.min(...g.map((e) => e.since)),
      ...(g.every((e) => e.repeat === true) ? { repeat: true } : {}),
    });
  }
  return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

/**
 * One channel's outbox. `enqueue` is synchronous and O(queue) at worst, so the
 * bus handler that calls it never waits on a provider. A single loop drains
 * the queue: it waits for a rate-limit token, takes EVERYTHING queued as one
 * message (folded by type when long), and sends it with retries. While the
 * channel is slow or rate limited, alerts pile up and leave as one summary.
 */
export class ChannelDispatcher {
  private pending: AlertEntry[] = [];
  private droppedSinceMessage = 0;
  private running = false;
  private sleeping = false;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly bucket: TokenBucket;
  private waiters: Array<{ readonly settledOnly: boolean; readonly resolve: () => void }> = [];
  private counts = { delivered: 0, failed: 0, dropped: 0, messages: 0, attempts: 0 };

  constructor(private readonly opts: DispatcherOptions) {
    this.bucket = new TokenBucket(opts.rate.burst, opts.rate.perMinute, () => opts.clock.now());
  }

  get name(): string {
    return this.opts.channel.name;
  }

  /** True while the drain loop runs (sending, or waiting for a token or a retry). */
  get active(): boolean {
    return this.running;
  }

  stats(): DispatcherStats {
    return { queued: this.pending.reduce((n, e) => n + e.count, 0), ...this.counts };
  }

  enqueue(entry: AlertEntry): void {
    if (this.closed) {
      this.drop(entry, 'closed');
      return;
    }
    if (this.pending.length >= this.opts.queueSize) {
      const victim = this.victimIndex(entry);
      if (victim < 0) {
        this.drop(entry, 'queue_full');
        return;
      }
      const [dropped] = this.pending.splice(victim, 1);
      if (dropped) this.drop(dropped, 'queue_full');
    }
    this.pending.push(entry);
    if (!this.running) {
      this.running = true;
      void this.loop();
    }
  }

  /**
   * Which entry gives way when the queue is full: the oldest of the lowest
   * severity, the incoming one included (-1), so info goes first and a
   * critical alert is never pushed out by a less severe one.
   */
  private victimIndex(incoming: AlertEntry): number {
    let victim = -1;
    let rank = SEVERITY_RANK[incoming.severity];
    for (let i = 0; i < this.pending.length; i++) {
      const r = SEVERITY_RANK[this.pending[i]!.severity];
      if (victim < 0 ? r <= rank : r < rank) {
        victim = i;
        rank = r;
      }
    }
    return victim;
  }

  private drop(entry: AlertEntry, why: 'queue_full' | 'closed'): void {
    this.counts.dropped += entry.count;
    this.droppedSinceMessage += entry.count;
    this.opts.logger.warn({ channel: this.name, alert: entry.type, scope: entry.scope, severity: entry.severity, count: entry.count, why, droppedTotal: this.counts.dropped }, 'alert dropped');
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed && this.pending.length > 0) {
        await this.takeToken();
        const batch = this.takeBatch();
        await this.deliver(batch);
      }
    } catch (e) {
      // Only a shutdown cancels a wait; anything else here is a bug worth seeing.
      if (!this.closed) this.opts.logger.error({ channel: this.name, err: errorMessage(e) }, 'alert dispatcher stopped unexpectedly');
    } finally {
      this.running = false;
      this.notify();
      // An entry queued while the last send finished is picked up here.
      if (!this.closed && this.pending.length > 0) {
        this.running = true;
        void this.loop();
      }
    }
  }

  private async takeToken(): Promise<void> {
    while (!this.bucket.tryTake()) await this.sleep(this.bucket.msUntilToken());
  }

  private takeBatch(): AlertBatch {
    const taken = this.pending;
    this.pending = [];
    const dropped = this.droppedSinceMessage;
    this.droppedSinceMessage = 0;
    const entries = taken.length > this.opts.maxEntriesPerMessage ? foldByType(taken) : taken;
    return { entries, dropped, ts: this.opts.clock.now() };
  }

  private async deliver(batch: AlertBatch): Promise<void> {
    const count = batch.entries.reduce((n, e) => n + e.count, 0);
    const types = [...new Set(batch.entries.map((e) => e.type))];
    try {
      const { attempts } = await deliverWithRetry(this.opts.channel, batch, this.opts.retry, {
        sleep: (ms) => this.sleep(ms),
        random: this.opts.random,
        signal: this.abort.signal,
        beforeAttempt: async (attempt) => {
          this.counts.attempts++;
          if (attempt > 1) await this.takeToken();
        },
        onRetry: ({ attempt, waitMs, error }) =>
          this.opts.logger.warn({ channel: this.name, attempt, waitMs, status: error.status, err: error.message }, 'alert delivery failed; retrying'),
      });
      this.counts.delivered += count;
      this.counts.messages++;
      this.opts.logger.debug({ channel: this.name, alerts: count, types, attempts }, 'alerts delivered');
    } catch (e) {
      this.counts.failed += count;
      const err = e instanceof AlertDeliveryError ? e : new AlertDeliveryError(this.name, errorMessage(e), false);
      this.opts.logger.error({ channel: this.name, alerts: count, types, status: err.status, err: err.message }, 'alert delivery failed; giving up on this message');
    }
  }

  /** A wait on the clock that a shutdown cancels. The timer callback marks the loop busy before it resumes, so `settled()` never sees a stale "sleeping". */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const signal = this.abort.signal;
      if (signal.aborted) {
        reject(new AlertDeliveryError(this.name, 'cancelled (shutting down)', false));
        return;
      }
      const onAbort = (): void => {
        this.opts.clock.clearTimeout(id);
        this.sleeping = false;
        reject(new AlertDeliveryError(this.name, 'cancelled (shutting down)', false));
      };
      const id = this.opts.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        this.sleeping = false;
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
      this.sleeping = true;
      this.notify();
    });
  }

  private notify(): void {
    const settled = !this.running || this.sleeping;
    const idle = !this.running;
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (idle || (w.settledOnly && settled)) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /** Resolves once nothing is in flight: the loop is idle or waiting on the clock (tests advance a simulated clock between these). */
  settled(): Promise<void> {
    if (!this.running || this.sleeping) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ settledOnly: true, resolve }));
  }

  /** Resolves when the queue is empty and nothing is being sent. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ settledOnly: false, resolve }));
  }

  /** Stops sending: in-flight requests and waits are cancelled; what is still queued is counted as dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const left = this.pending;
    this.pending = [];
    for (const e of left) this.drop(e, 'closed');
    this.abort.abort();
    this.notify();
  }
}
