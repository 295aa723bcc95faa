import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { InputError } from '../../engine/domain/errors.js';
import {
  engineRootMachine,
  parseEngineRootInput,
  restartBackoffMs,
  type EngineRootEmitted,
  type EngineRootInput,
  type RestartChildParams,
} from '../../machines/engineRoot.js';

type Step = 'migrate' | 'reconcile' | 'startTrading' | 'shutdown';

/** A promise the test settles by hand, so no step depends on real time. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function engine(opts: { input?: EngineRootInput; auto?: Partial<Record<Step, 'resolve' | Error>> } = {}) {
  const clock = new SimulatedClock(0);
  const calls: Step[] = [];
  const pending = new Map<Step, ReturnType<typeof deferred>>();
  const restarts: Array<RestartChildParams & { at: number }> = [];
  const step = (name: Step) =>
    fromPromise<unknown>(() => {
      calls.push(name);
      const auto = opts.auto?.[name];
      if (auto === 'resolve') return Promise.resolve();
      if (auto instanceof Error) return Promise.reject(auto);
      const d = deferred();
      pending.set(name, d);
      return d.promise;
    });
  const machine = engineRootMachine.provide({
    actors: { migrate: step('migrate'), reconcile: step('reconcile'), startTrading: step('startTrading'), shutdown: step('shutdown') },
    actions: { restartChild: (_, params) => restarts.push({ ...params, at: clock.now() }) },
  });
  const actor = createActor(machine, { input: opts.input ?? {}, clock });
  const emitted: EngineRootEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  const settle = (name: Step, error?: Error) => {
    const d = pending.get(name);
    if (!d) throw new Error(`${name} was not started`);
    if (error) d.reject(error);
    else d.resolve();
  };
  const until = (pred: (s: ReturnType<typeof actor.getSnapshot>) => boolean) => waitFor(actor, pred);
  return { actor, clock, calls, restarts, emitted, settle, until, value: () => actor.getSnapshot().value };
}

const allSteps = { migrate: 'resolve', reconcile: 'resolve', startTrading: 'resolve', shutdown: 'resolve' } as const;

async function runningEngine(input?: EngineRootInput) {
  const e = engine({ input, auto: allSteps });
  e.actor.send({ type: 'START' });
  await e.until((s) => s.matches({ running: 'trading' }));
  return e;
}

describe('engineRoot lifecycle', () => {
  it('waits in booting, then migrates, reconciles, starts trading, and stops', async () => {
    const e = engine();
    expect(e.value()).toBe('booting');
    expect(e.calls).toEqual([]);
    e.actor.send({ type: 'START' });
    expect(e.value()).toBe('migrating');
    e.settle('migrate');
    await e.until((s) => s.matches('reconciling'));
    e.settle('reconcile');
    await e.until((s) => s.matches({ running: 'starting' }));
    e.settle('startTrading');
    await e.until((s) => s.matches({ running: 'trading' }));
    e.actor.send({ type: 'STOP' });
    expect(e.value()).toBe('stopping');
    e.actor.send({ type: 'STOP' });
    e.settle('shutdown');
    await e.until((s) => s.status === 'done');
    expect(e.value()).toBe('stopped');
    expect(e.calls).toEqual(['migrate', 'reconcile', 'startTrading', 'shutdown']);
    expect(e.emitted).toEqual([]);
  });

  it('a failed migration goes to failed, announces it, and never reconciles', async () => {
    const e = engine();
    e.actor.send({ type: 'START' });
    e.settle('migrate', new Error('relation "orders" already exists'));
    await e.until((s) => s.matches('failed'));
    expect(e.actor.getSnapshot().context.error).toBe('relation "orders" already exists');
    expect(e.emitted).toEqual([{ type: 'failed', error: 'relation "orders" already exists' }]);
    expect(e.calls).toEqual(['migrate']);
    // failed is not final: STOP still shuts down cleanly.
    e.actor.send({ type: 'STOP' });
    e.settle('shutdown');
    await e.until((s) => s.status === 'done');
    expect(e.calls).toEqual(['migrate', 'shutdown']);
  });

  it.each(['reconcile', 'startTrading'] as const)('a failed %s goes to failed', async (step) => {
    const e = engine({ auto: { migrate: 'resolve', reconcile: 'resolve', startTrading: 'resolve', [step]: new Error(`${step} broke`) } });
    e.actor.send({ type: 'START' });
    await e.until((s) => s.matches('failed'));
    expect(e.actor.getSnapshot().context.error).toBe(`${step} broke`);
  });

  it('STOP while booting shuts down without migrating', async () => {
    const e = engine({ auto: { shutdown: 'resolve' } });
    e.actor.send({ type: 'STOP' });
    await e.until((s) => s.status === 'done');
    expect(e.calls).toEqual(['shutdown']);
  });

  it('STOP during migration abandons it; a late result changes nothing; a second STOP is harmless', async () => {
    const e = engine();
    e.actor.send({ type: 'START' });
    e.actor.send({ type: 'STOP' });
    e.actor.send({ type: 'STOP' });
    e.settle('migrate');
    await Promise.resolve();
    expect(e.value()).toBe('stopping');
    e.settle('shutdown');
    await e.until((s) => s.status === 'done');
    expect(e.calls).toEqual(['migrate', 'shutdown']);
  });

  it('a failed shutdown lands in failed, and STOP retries it', async () => {
    const failing = engine({ auto: { ...allSteps, shutdown: new Error('flush failed') } });
    failing.actor.send({ type: 'START' });
    await failing.until((s) => s.matches({ running: 'trading' }));
    failing.actor.send({ type: 'STOP' });
    await failing.until((s) => s.matches('failed'));
    expect(failing.actor.getSnapshot().context.error).toBe('flush failed');
    failing.actor.send({ type: 'STOP' });
    await failing.until((s) => s.matches('failed') && failing.calls.filter((c) => c === 'shutdown').length === 2);
  });

  it('the unprovided placeholders fail loudly, naming the missing actor', async () => {
    const actor = createActor(engineRootMachine, { input: {} }).start();
    actor.send({ type: 'START' });
    await waitFor(actor, (s) => s.matches('failed'));
    expect(actor.getSnapshot().context.error).toMatch(/engineRoot\.actors\.migrate/);
  });

  it.each([
    [{ restartBudget: -1 }, 'restartBudget'],
    [{ baseMs: 1.5 }, 'baseMs'],
    [{ baseMs: 100, maxMs: 50 }, 'maxMs'],
  ])('rejects input %j naming %s', (input, field) => {
    expect(() => parseEngineRootInput(input)).toThrow(InputError);
    expect(() => parseEngineRootInput(input)).toThrow(new RegExp(`^${field}:`));
  });

  it('defaults: budget 5, base 100 ms, max 30 s', () => {
    expect(parseEngineRootInput(undefined)).toMatchObject({ restartBudget: 5, baseMs: 100, maxMs: 30_000 });
  });
});

describe('engineRoot supervision', () => {
  it('restarts a failed child after 100, 200, 400, 800, 1600 ms, then gives up', async () => {
    const e = await runningEngine();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      e.actor.send({ type: 'CHILD_FAILED', childId: 'strategy:dip', error: new Error(`crash ${attempt}`) });
      const ev = e.emitted.at(-1);
      expect(ev).toEqual({ type: 'childRestarting', childId: 'strategy:dip', attempt, delayMs: 100 * 2 ** (attempt - 1) });
      const before = e.restarts.length;
      const start = e.clock.now();
      e.clock.advance(100 * 2 ** (attempt - 1) - 1);
      expect(e.restarts.length).toBe(before);
      e.clock.advance(1);
      expect(e.restarts.length).toBe(before + 1);
      delays.push(e.clock.now() - start);
      expect(e.restarts.at(-1)).toMatchObject({ childId: 'strategy:dip', attempt });
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_600]);
    e.actor.send({ type: 'CHILD_FAILED', childId: 'strategy:dip', error: new Error('crash 6') });
    expect(e.emitted.at(-1)).toEqual({ type: 'childFailedPermanently', childId: 'strategy:dip', error: 'crash 6' });
    expect(e.actor.getSnapshot().context.children['strategy:dip']).toMatchObject({ status: 'failed', restarts: 5 });
    e.clock.advance(60_000);
    expect(e.restarts).toHaveLength(5);
    // Further failures of a child already given up on are not reported twice.
    e.actor.send({ type: 'CHILD_FAILED', childId: 'strategy:dip', error: 'again' });
    expect(e.emitted.filter((x) => x.type === 'childFailedPermanently')).toHaveLength(1);
  });

  it('caps the back-off at maxMs', async () => {
    const e = await runningEngine({ restartBudget: 10, baseMs: 100, maxMs: 300 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      e.actor.send({ type: 'CHILD_FAILED', childId: 'feed', error: 'x' });
      const ev = e.emitted.at(-1);
      if (ev?.type !== 'childRestarting') throw new Error('expected childRestarting');
      delays.push(ev.delayMs);
      e.clock.advance(ev.delayMs);
    }
    expect(delays).toEqual([100, 200, 300, 300]);
    expect(e.restarts.map((r) => r.at)).toEqual([100, 300, 600, 900]);
  });

  it('CHILD_HEALTHY resets the count, so the next failure waits the base delay again', async () => {
    const e = await runningEngine();
    e.actor.send({ type: 'CHILD_FAILED', childId: 'c', error: 'x' });
    e.clock.advance(100);
    e.actor.send({ type: 'CHILD_FAILED', childId: 'c', error: 'x' });
    e.clock.advance(200);
    e.actor.send({ type: 'CHILD_HEALTHY', childId: 'c' });
    expect(e.actor.getSnapshot().context.children.c).toMatchObject({ restarts: 0, status: 'running' });
    e.actor.send({ type: 'CHILD_FAILED', childId: 'c', error: 'x' });
    expect(e.emitted.at(-1)).toEqual({ type: 'childRestarting', childId: 'c', attempt: 1, delayMs: 100 });
  });

  it('a failure reported again while the restart is pending is counted once', async () => {
    const e = await runningEngine();
    e.actor.send({ type: 'CHILD_FAILED', childId: 'c', error: 'x' });
    e.actor.send({ type: 'CHILD_FAILED', childId: 'c', error: 'x' });
    expect(e.emitted).toHaveLength(1);
    e.clock.advance(10_000);
    expect(e.restarts).toHaveLength(1);
  });

  it('supervises children independently', async () => {
    const e = await runningEngine();
    e.actor.send({ type: 'CHILD_FAILED', childId: 'a', error: 'x' });
    e.clock.advance(50);
    e.actor.send({ type: 'CHILD_FAILED', childId: 'b', error: 'y' });
    e.clock.advance(50);
    expect(e.restarts.map((r) => [r.childId, r.at])).toEqual([['a', 100]]);
    e.clock.advance(50);
    expect(e.restarts.map((r) => [r.childId, r.at])).toEqual([
      ['a', 100],
      ['b', 150],
    ]);
  });

  it('a restart budget of 0 fails the child at once', async () => {
    const e = await runningEngine({ restartBudget: 0 });
    e.actor.send({ type: 'CHILD_FAILED', childId: 'c', error: 'x' });
    expect(e.emitted).toEqual([{ type: 'childFailedPermanently', childId: 'c', error: 'x' }]);
  });

  it('ignores child failures outside running, and pending restarts after STOP', async () => {
    const early = engine();
    early.actor.send({ type: 'CHILD_FAILED', childId: 'c', error: 'x' });
    expect(early.emitted).toEqual([]);

    const e = engine({ auto: { ...allSteps, shutdown: undefined } });
    e.actor.send({ type: 'START' });
    await e.until((s) => s.matches({ running: 'trading' }));
    e.actor.send({ type: 'CHILD_FAILED', childId: 'c', error: 'x' });
    e.actor.send({ type: 'STOP' });
    e.clock.advance(1_000);
    expect(e.restarts).toEqual([]);
    expect(e.value()).toBe('stopping');
  });

  it('restartBackoffMs follows base × 2^(attempt − 1), capped', () => {
    expect([1, 2, 3, 4, 5, 6, 20, 2_000].map((n) => restartBackoffMs(n, 100, 30_000))).toEqual([100, 200, 400, 800, 1_600, 3_200, 30_000, 30_000]);
  });
});
