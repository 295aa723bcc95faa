import { describe, expect, it } from 'vitest';
import { createActor, setup, sendTo } from 'xstate';
import { createReplayFeed, replayFeedActor, type ReplayFeedEvent } from '../../actors/feeds/replayFeed.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { ConflictError, InputError } from '../../engine/domain/errors.js';
import type { Bar } from '../../engine/domain/market.js';

const T0 = Date.parse('2026-11-20T14:35:00Z');
function bars(n: number, symbols = ['AAA']): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < n; i++) {
    for (const symbol of symbols) out.push({ symbol, timeframe: '5m', ts: T0 + i * 300_000, open: 1, high: 1, low: 1, close: 1, volume: i });
  }
  return out;
}

describe('createReplayFeed', () => {
  it('delivers every bar in order with the clock at the bar time', async () => {
    const data = bars(5, ['AAA', 'BBB']);
    const clock = new SimulatedClock(0);
    const seen: string[] = [];
    const feed = createReplayFeed({ bars: data, clock });
    const res = await feed.run((b) => {
      expect(clock.now()).toBe(b.ts);
      seen.push(`${b.symbol}${b.volume}`);
    });
    expect(res).toEqual({ delivered: 10, stopped: false });
    expect(seen).toEqual(['AAA0', 'BBB0', 'AAA1', 'BBB1', 'AAA2', 'BBB2', 'AAA3', 'BBB3', 'AAA4', 'BBB4']);
    expect(feed.position).toBe(10);
    expect(await feed.run(() => undefined)).toEqual({ delivered: 0, stopped: false });
  });

  it('fires simulated timers as the replay passes them', async () => {
    const clock = new SimulatedClock(0);
    const log: string[] = [];
    const feed = createReplayFeed({ bars: bars(4), clock });
    await feed.run((b) => {
      log.push(`bar${b.volume}`);
      if (b.volume === 0) clock.setTimeout(() => log.push('timer'), 600_000);
    });
    expect(log).toEqual(['bar0', 'bar1', 'timer', 'bar2', 'bar3']);
  });

  it('resumes after a persisted cursor: bars with ts ≤ startAfterTs are skipped', async () => {
    const data = bars(6, ['AAA', 'BBB']);
    const seen: number[] = [];
    const feed = createReplayFeed({ bars: data, clock: new SimulatedClock(0), startAfterTs: T0 + 2 * 300_000 });
    expect(feed.position).toBe(6);
    const res = await feed.run((b) => void seen.push(b.volume));
    expect(res.delivered).toBe(6);
    expect(seen).toEqual([3, 3, 4, 4, 5, 5]);
    const none = createReplayFeed({ bars: data, clock: new SimulatedClock(0), startAfterTs: T0 + 99 * 300_000 });
    expect(await none.run(() => undefined)).toEqual({ delivered: 0, stopped: false });
  });

  it('stop() ends after the current bar; a later run continues from there', async () => {
    const clock = new SimulatedClock(0);
    const feed = createReplayFeed({ bars: bars(10), clock });
    const first: number[] = [];
    const res = await feed.run((b) => {
      first.push(b.volume);
      if (b.volume === 3) feed.stop();
    });
    expect(res).toEqual({ delivered: 4, stopped: true });
    expect(first).toEqual([0, 1, 2, 3]);
    expect(feed.position).toBe(4);
    expect(clock.now()).toBe(T0 + 3 * 300_000);
    const rest: number[] = [];
    expect(await feed.run((b) => void rest.push(b.volume))).toEqual({ delivered: 6, stopped: false });
    expect(rest).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('awaits async handlers, and an error from a handler propagates with the position at that bar', async () => {
    const feed = createReplayFeed({ bars: bars(5), clock: new SimulatedClock(0) });
    const order: string[] = [];
    await expect(
      feed.run(async (b) => {
        await Promise.resolve();
        order.push(`done${b.volume}`);
        if (b.volume === 2) throw new Error('strategy blew up');
      }),
    ).rejects.toThrow('strategy blew up');
    expect(order).toEqual(['done0', 'done1', 'done2']);
    expect(feed.position).toBe(2);
    const sync = createReplayFeed({ bars: bars(3), clock: new SimulatedClock(0) });
    await expect(sync.run(() => {
      throw new TypeError('sync failure');
    })).rejects.toThrow(TypeError);
  });

  it('paces with real timers, and stop() cuts a pause short', async () => {
    const feed = createReplayFeed({ bars: bars(3), clock: new SimulatedClock(0), paceMs: 60_000 });
    const seen: number[] = [];
    const running = feed.run((b) => void seen.push(b.volume));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([0]);
    feed.stop();
    expect(await running).toEqual({ delivered: 1, stopped: true });
  });

  it('yields to the event loop while unpaced, so stop() from a timer lands mid-replay', async () => {
    const data = bars(50_000);
    const feed = createReplayFeed({ bars: data, clock: new SimulatedClock(0), yieldEvery: 1000 });
    setImmediate(() => feed.stop());
    const res = await feed.run(() => undefined);
    expect(res.stopped).toBe(true);
    expect(res.delivered).toBe(1000);
  });

  // Throughput is measured by `npm run bench`; this checks a million bars arrive complete and in order.
  it('replays a million bars, every one exactly once', async () => {
    const data = bars(1_000_000);
    let sum = 0;
    const res = await createReplayFeed({ bars: data, clock: new SimulatedClock(0) }).run((b) => {
      sum += b.volume;
    });
    expect(res.delivered).toBe(1_000_000);
    expect(sum).toBe((999_999 * 1_000_000) / 2);
  });

  it('rejects unsorted bars, bad options and concurrent runs', async () => {
    const data = bars(3);
    expect(() => createReplayFeed({ bars: [data[1]!, data[0]!], clock: new SimulatedClock(0) })).toThrow(/bars: not in time order at index 1/);
    expect(() => createReplayFeed({ bars: data, clock: new SimulatedClock(0), paceMs: -1 })).toThrow(InputError);
    expect(() => createReplayFeed({ bars: data, clock: new SimulatedClock(0), startAfterTs: Number.NaN })).toThrow(/startAfterTs/);
    const feed = createReplayFeed({ bars: data, clock: new SimulatedClock(0), paceMs: 60_000 });
    const first = feed.run(() => undefined);
    await expect(feed.run(() => undefined)).rejects.toThrow(ConflictError);
    feed.stop();
    await first;
    const late = createReplayFeed({ bars: data, clock: new SimulatedClock(T0 + 1e9) });
    await expect(late.run(() => undefined)).rejects.toThrow(/cannot go backwards/);
  });
});

describe('replayFeedActor', () => {
  it('replays via direct calls and reports the end to its parent', async () => {
    const seen: number[] = [];
    const done = new Promise<ReplayFeedEvent>((resolve) => {
      const parent = setup({ types: { events: {} as ReplayFeedEvent | { type: 'HALT' } }, actors: { replay: replayFeedActor } }).createMachine({
        invoke: { src: 'replay', input: { bars: bars(3), clock: new SimulatedClock(0), onBar: (b: Bar) => void seen.push(b.volume) } },
        on: { 'REPLAY.DONE': { actions: ({ event }) => resolve(event) }, 'REPLAY.FAILED': { actions: ({ event }) => resolve(event) } },
      });
      createActor(parent).start();
    });
    expect(await done).toEqual({ type: 'REPLAY.DONE', delivered: 3, stopped: false, position: 3 });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('stops on STOP and reports failures', async () => {
    const stopped = new Promise<ReplayFeedEvent>((resolve) => {
      const m = setup({ types: { events: {} as ReplayFeedEvent | { type: 'HALT' } }, actors: { replay: replayFeedActor } }).createMachine({
        invoke: { id: 'feed', src: 'replay', input: { bars: bars(3), clock: new SimulatedClock(0), paceMs: 60_000, onBar: () => undefined } },
        on: { HALT: { actions: sendTo('feed', { type: 'STOP' }) }, 'REPLAY.DONE': { actions: ({ event }) => resolve(event) } },
      });
      const a = createActor(m).start();
      a.send({ type: 'HALT' });
    });
    expect(await stopped).toMatchObject({ type: 'REPLAY.DONE', stopped: true, delivered: 1 });
    const failed = new Promise<ReplayFeedEvent>((resolve) => {
      const m = setup({ types: { events: {} as ReplayFeedEvent | { type: 'HALT' } }, actors: { replay: replayFeedActor } }).createMachine({
        invoke: {
          src: 'replay',
          input: { bars: bars(3), clock: new SimulatedClock(0), onBar: (b: Bar) => { if (b.volume === 1) throw new Error('boom'); } },
        },
        on: { 'REPLAY.FAILED': { actions: ({ event }) => resolve(event) } },
      });
      createActor(m).start();
    });
    const f = await failed;
    expect(f.type).toBe('REPLAY.FAILED');
    expect(f.type === 'REPLAY.FAILED' && (f.error as Error).message).toBe('boom');
    expect(f.position).toBe(1);
  });
});
