import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import { InspectionHub, STATELY_INSPECT_VERSION } from '../../../engine/gateway/ws/inspector.js';
import { toSafeJson } from '../../../engine/gateway/ws/safeJson.js';
import type { Frame } from '../../../engine/gateway/ws/frames.js';
import { TOKEN } from './fakeControl.js';
import { serve, type Served } from './wsHarness.js';

const toggle = setup({ types: { context: {} as { count: number }, events: {} as { type: 'GO' } } }).createMachine({
  id: 'toggle',
  initial: 'a',
  context: { count: 0 },
  states: {
    a: { on: { GO: { target: 'b', actions: assign({ count: ({ context }) => context.count + 1 }) } } },
    b: { on: { GO: 'a' } },
  },
});

let served: Served<never> | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** Collects what a real @statelyai/inspect WebSocket receiver gets, and waits for a matching event. */
function receive(url: string) {
  const events: StatelyInspectionEvent[] = [];
  const waiters: Array<{ match: (e: StatelyInspectionEvent) => boolean; resolve: (e: StatelyInspectionEvent) => void }> = [];
  createWebSocketReceiver({ server: url }).subscribe((e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.match(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const waitFor = (match: (e: StatelyInspectionEvent) => boolean) =>
    new Promise<StatelyInspectionEvent>((resolve) => {
      const found = events.find(match);
      if (found) resolve(found);
      else waiters.push({ match, resolve });
    });
  return { events, waitFor };
}

describe('the Stately inspector stream', () => {
  it('speaks the @statelyai/inspect protocol: a late receiver sees live actors, then every event and snapshot', async () => {
    const inspector = new InspectionHub();
    served = await serve({ inspector, openReads: false });
    const actor = createActor(toggle, { inspect: inspector.inspect });
    actor.start();
    actor.send({ type: 'GO' });
    const r = receive(`${served.url('/inspect')}?token=${TOKEN}`);
    const registered = await r.waitFor((e) => e.type === '@xstate.actor' && e.sessionId === actor.sessionId);
    expect(registered).toMatchObject({ type: '@xstate.actor', name: 'toggle', _version: STATELY_INSPECT_VERSION, snapshot: { value: 'b', context: { count: 1 }, status: 'active' } });
    expect(JSON.parse((registered as { definition: string }).definition)).toMatchObject({ id: 'toggle', initial: 'a' });
    actor.send({ type: 'GO' });
    const event = await r.waitFor((e) => e.type === '@xstate.event' && e.event.type === 'GO' && r.events.filter((x) => x.type === '@xstate.event' && x.event.type === 'GO').length === 2);
    expect(event).toMatchObject({ sessionId: actor.sessionId, rootId: actor.sessionId, _version: STATELY_INSPECT_VERSION });
    expect(typeof event.createdAt).toBe('string');
    const snap = await r.waitFor((e) => e.type === '@xstate.snapshot' && e.event.type === 'GO' && (e.snapshot as { value?: string }).value === 'a');
    expect(snap).toMatchObject({ sessionId: actor.sessionId, event: { type: 'GO' }, snapshot: { context: { count: 1 }, status: 'active' } });
    actor.stop();
  });

  it('needs a token when reads are not open, and serves the inspector page on GET', async () => {
    served = await serve({ inspector: new InspectionHub(), openReads: false });
    const http = served.url('/inspect').replace('ws:', 'http:');
    expect((await fetch(http)).status).toBe(401);
    const page = await fetch(http, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('https://stately.ai/inspect');
  });

  it('is not served unless enabled', async () => {
    served = await serve({});
    expect((await fetch(served.url('/inspect').replace('ws:', 'http:'))).status).toBe(404);
  });

  it('bounds what it holds: pending events past maxPending are dropped and counted, replay keeps bufferSize frames', () => {
    const flushes: Array<() => void> = [];
    const hub = new InspectionHub({ maxPending: 4, bufferSize: 3, schedule: (f) => flushes.push(f), now: () => 5 });
    const actor = createActor(toggle, { inspect: hub.inspect });
    actor.start();
    for (let i = 0; i < 5; i++) actor.send({ type: 'GO' });
    expect(hub.dropped).toBeGreaterThan(0);
    expect(flushes).toHaveLength(1);
    flushes[0]!();
    const got: Frame[] = [];
    hub.addClient({ deliver: (frames) => got.push(...frames) });
    const parsed = got.map((f) => JSON.parse(f.text) as StatelyInspectionEvent);
    // The live actor first (its registration may have been dropped), then the last 3 frames.
    expect(parsed[0]).toMatchObject({ type: '@xstate.actor', sessionId: actor.sessionId, createdAt: '5' });
    expect(parsed).toHaveLength(4);
    actor.stop();
  });

  it('ignores xstate events outside the protocol (microsteps, actions)', () => {
    const flushes: Array<() => void> = [];
    const hub = new InspectionHub({ schedule: (f) => flushes.push(f) });
    const got: Frame[] = [];
    hub.addClient({ deliver: (frames) => got.push(...frames) });
    const actor = createActor(toggle, { inspect: hub.inspect });
    actor.start();
    actor.send({ type: 'GO' });
    flushes[0]!();
    expect(new Set(got.map((f) => (JSON.parse(f.text) as { type: string }).type))).toEqual(new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot']));
    actor.stop();
  });
});

describe('toSafeJson', () => {
  it('copes with cycles, functions, Maps, Sets, bigints, toJSON and depth', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    function handler() {
      return 1;
    }
    const value = { cyclic, handler, m: new Map([['k', 1]]), s: new Set([1, 2]), big: 10n, when: new Date(0), nan: Number.NaN, deep: { a: { b: { c: 1 } } }, gone: undefined };
    expect(toSafeJson(value, 3)).toEqual({
      cyclic: { name: 'x', self: '[Circular]' },
      handler: { type: 'handler' },
      m: { k: 1 },
      s: [1, 2],
      big: '10',
      when: '1970-01-01T00:00:00.000Z',
      nan: null,
      deep: { a: { b: '[Object]' } },
    });
  });
});
