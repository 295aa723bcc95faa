import { fromCallback } from 'xstate';
import type { SimulatedClock } from '../../engine/domain/clock.js';
import { ConflictError, InputError } from '../../engine/domain/errors.js';
import type { Bar } from '../../engine/domain/market.js';

/**
 * Replays recorded bars through a simulated clock. This is the hot path of a
 * backtest: per bar it sets the clock and calls `onBar` directly, awaiting
 * only when the handler returns a promise, so millions of bars a second go
 * through without an actor hop or a microtask each.
 */

export type BarHandler = (bar: Bar) => void | Promise<void>;

export interface ReplayFeedOptions {
  /** Bars in time order (ts non-decreasing). */
  readonly bars: readonly Bar[];
  readonly clock: SimulatedClock;
  /** Real milliseconds to wait between bars (a watchable replay); 0 or absent = as fast as possible. */
  readonly paceMs?: number;
  /** Resume from a persisted cursor: bars with ts ≤ this are skipped. */
  readonly startAfterTs?: number;
  /** When not paced, yield to the event loop every this many bars so timers, I/O and `stop()` get a turn. */
  readonly yieldEvery?: number;
}

export interface ReplayResult {
  /** Bars handed to `onBar` by this run. */
  readonly delivered: number;
  /** True when `stop()` ended the run before the last bar. */
  readonly stopped: boolean;
}

export interface ReplayFeed {
  run(onBar: BarHandler): Promise<ReplayResult>;
  /** Ends the run after the bar being handled; a later `run` continues from there. */
  stop(): void;
  /** Index in `bars` of the next bar to deliver. After a handler throws, it is that bar's index. */
  readonly position: number;
}

const DEFAULT_YIELD_EVERY = 10_000;

function isPromiseLike(x: unknown): x is PromiseLike<void> {
  return x !== null && typeof x === 'object' && typeof (x as { then?: unknown }).then === 'function';
}

/** First index whose bar is after `ts` (bars sorted by ts). */
function firstAfter(bars: readonly Bar[], ts: number): number {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bars[mid]!.ts <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createReplayFeed(opts: ReplayFeedOptions): ReplayFeed {
  const { bars, clock } = opts;
  const paceMs = opts.paceMs ?? 0;
  const yieldEvery = opts.yieldEvery ?? DEFAULT_YIELD_EVERY;
  if (!Number.isFinite(paceMs) || paceMs < 0) throw new InputError('paceMs', `must be a non-negative number, got ${paceMs}`);
  if (!Number.isInteger(yieldEvery) || yieldEvery < 1) throw new InputError('yieldEvery', `must be a positive integer, got ${yieldEvery}`);
  if (opts.startAfterTs !== undefined && !Number.isFinite(opts.startAfterTs)) throw new InputError('startAfterTs', 'must be a finite epoch millisecond time');
  for (let i = 1; i < bars.length; i++) {
    if (bars[i]!.ts < bars[i - 1]!.ts) throw new InputError('bars', `not in time order at index ${i} (${bars[i]!.symbol})`);
  }

  let position = opts.startAfterTs === undefined ? 0 : firstAfter(bars, opts.startAfterTs);
  let running = false;
  let stopRequested = false;
  let wake: (() => void) | undefined;
  let paceTimer: ReturnType<typeof setTimeout> | undefined;

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      paceTimer = setTimeout(resolve, ms);
    });
  const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  async function run(onBar: BarHandler): Promise<ReplayResult> {
    if (running) throw new ConflictError('replay feed is already running');
    running = true;
    stopRequested = false;
    let delivered = 0;
    try {
      let sinceYield = 0;
      while (position < bars.length) {
        if (stopRequested) return { delivered, stopped: true };
        const bar = bars[position]!;
        clock.set(bar.ts);
        const r = onBar(bar);
        if (isPromiseLike(r)) await r;
        position++;
        delivered++;
        if (paceMs > 0) {
          if (position < bars.length && !stopRequested) await pause(paceMs);
        } else if (++sinceYield >= yieldEvery) {
          sinceYield = 0;
          await breathe();
        }
      }
      return { delivered, stopped: false };
    } finally {
      running = false;
      wake = undefined;
    }
  }

  return {
    run,
    stop(): void {
      stopRequested = true;
      if (paceTimer !== undefined) clearTimeout(paceTimer);
      wake?.();
    },
    get position(): number {
      return position;
    },
  };
}

export interface ReplayFeedActorInput extends ReplayFeedOptions {
  /** Called directly per bar (the hot path stays out of the actor system). */
  readonly onBar: BarHandler;
}

/** What the replay actor sends its parent: only lifecycle events, never one per bar. */
export type ReplayFeedEvent =
  | { type: 'REPLAY.DONE'; delivered: number; stopped: boolean; position: number }
  | { type: 'REPLAY.FAILED'; error: unknown; position: number };

/**
 * The replay as an XState callback actor: it starts replaying when spawned,
 * stops on a `STOP` event or when the parent stops it, and reports the end.
 */
export const replayFeedActor = fromCallback<{ type: 'STOP' }, ReplayFeedActorInput, ReplayFeedEvent>(({ input, sendBack, receive }) => {
  const feed = createReplayFeed(input);
  receive((e) => {
    if (e.type === 'STOP') feed.stop();
  });
  feed.run(input.onBar).then(
    (r) => sendBack({ type: 'REPLAY.DONE', delivered: r.delivered, stopped: r.stopped, position: feed.position }),
    (error: unknown) => sendBack({ type: 'REPLAY.FAILED', error, position: feed.position }),
  );
  return () => feed.stop();
});
