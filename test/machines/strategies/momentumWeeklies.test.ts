import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import {
  momentumWeekliesMachine,
  parseMomentumWeekliesInput,
  type MomentumPlan,
  type MomentumWeekliesEmitted,
  type MomentumWeekliesEvent,
} from '../../../machines/strategies/momentumWeeklies.js';

const plan: MomentumPlan = {
  contractSymbol: 'AAPL  250117C00105000', expiry: '2025-01-17', pattern: 'reversal',
  entrySpot: 100, otmPct: 0.05, exitTarget: 107, stopPrice: 98.5,
};

function machine(...events: MomentumWeekliesEvent[]) {
  const actor = createActor(momentumWeekliesMachine, { input: { symbol: 'AAPL' } });
  const emitted: MomentumWeekliesEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return {
    actor,
    send: (e: MomentumWeekliesEvent) => actor.send(e),
    take: () => emitted.splice(0),
    value: () => actor.getSnapshot().value,
    ctx: () => actor.getSnapshot().context,
  };
}

const SETUP = { type: 'ENTRY_SETUP', ts: 1000, plan } as const;
const FILLED = { type: 'FILLED', ts: 2000 } as const;
const EXIT = { type: 'EXIT_SETUP', ts: 3000, reason: 'target' } as const;
const FLAT = { type: 'FLAT', ts: 4000, cooldownMs: 600 } as const;

describe('momentumWeeklies machine', () => {
  it('starts watching with an empty context and refuses a blank symbol', () => {
    const m = machine();
    expect(m.value()).toBe('watching');
    expect(m.ctx()).toEqual({ symbol: 'AAPL', plan: null, pendingSince: null, cooldownUntil: Number.NEGATIVE_INFINITY, lastExitReason: null, trades: 0 });
    expect(() => parseMomentumWeekliesInput({ symbol: ' ' })).toThrow(InputError);
  });

  it('watching: ENTRY_SETUP → entering, emitting the entry with its plan', () => {
    const m = machine();
    m.send(SETUP);
    expect(m.value()).toBe('entering');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'entry', symbol: 'AAPL', ts: 1000, plan }]);
    expect(m.ctx()).toMatchObject({ plan, pendingSince: 1000 });
  });

  it('refuses a plan whose stop is not below its target, or not a price', () => {
    for (const bad of [{ ...plan, stopPrice: 107 }, { ...plan, stopPrice: 0 }, { ...plan, entrySpot: 0 }]) {
      const m = machine();
      m.send({ type: 'ENTRY_SETUP', ts: 1, plan: bad });
      expect(m.value()).toBe('watching');
      expect(m.take()).toEqual([]);
    }
  });

  it('entering: FILLED → holding; ENTRY_ABANDONED → watching without the plan', () => {
    const filled = machine(SETUP);
    filled.send(FILLED);
    expect(filled.value()).toBe('holding');
    expect(filled.ctx()).toMatchObject({ plan, pendingSince: null });
    const abandoned = machine(SETUP);
    abandoned.send({ type: 'ENTRY_ABANDONED', ts: 1300 });
    expect(abandoned.value()).toBe('watching');
    expect(abandoned.ctx()).toMatchObject({ plan: null, pendingSince: null, trades: 0 });
  });

  it('entering ignores a second setup and an exit: no signal', () => {
    const m = machine(SETUP);
    m.send({ ...SETUP, ts: 1300 });
    m.send(EXIT);
    expect(m.value()).toBe('entering');
    expect(m.take()).toEqual([]);
  });

  it('holding: EXIT_SETUP → exiting, emitting the exit with reason and plan', () => {
    const m = machine(SETUP, FILLED);
    m.send(EXIT);
    expect(m.value()).toBe('exiting');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'AAPL', ts: 3000, reason: 'target', plan }]);
    expect(m.ctx()).toMatchObject({ pendingSince: 3000, lastExitReason: 'target' });
  });

  it('exiting: FLAT → coolingOff until ts + cooldown, counting the trade; EXIT_ABANDONED → holding', () => {
    const m = machine(SETUP, FILLED, EXIT);
    m.send(FLAT);
    expect(m.value()).toBe('coolingOff');
    expect(m.ctx()).toMatchObject({ plan: null, pendingSince: null, trades: 1, cooldownUntil: 4600, lastExitReason: 'target' });
    const retry = machine(SETUP, FILLED, EXIT);
    retry.send({ type: 'EXIT_ABANDONED', ts: 3300 });
    expect(retry.value()).toBe('holding');
    expect(retry.ctx()).toMatchObject({ plan, pendingSince: null });
    // And the exit can be raised again.
    retry.send({ ...EXIT, ts: 3300, reason: 'stop' });
    expect(retry.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'AAPL', ts: 3300, reason: 'stop', plan }]);
  });

  it('holding: FLAT (closed by someone else) → coolingOff marked external', () => {
    const m = machine(SETUP, FILLED);
    m.send(FLAT);
    expect(m.value()).toBe('coolingOff');
    expect(m.ctx()).toMatchObject({ lastExitReason: 'external', trades: 1 });
  });

  it('coolingOff: TICK before the end stays, at the end → watching; a setup meanwhile gives nothing', () => {
    const m = machine(SETUP, FILLED, EXIT, FLAT);
    m.send({ type: 'TICK', ts: 4599 });
    m.send({ ...SETUP, ts: 4599 });
    expect(m.value()).toBe('coolingOff');
    expect(m.take()).toEqual([]);
    m.send({ type: 'TICK', ts: 4600 });
    expect(m.value()).toBe('watching');
  });

  it('adopts a position found while watching or cooling off, without a signal', () => {
    const w = machine();
    w.send({ type: 'POSITION_FOUND', ts: 10, plan });
    expect(w.value()).toBe('holding');
    expect(w.take()).toEqual([]);
    const c = machine(SETUP, FILLED, EXIT, FLAT);
    c.send({ type: 'POSITION_FOUND', ts: 4100, plan });
    expect(c.value()).toBe('holding');
  });

  it('watching ignores exits, fills and flats', () => {
    const m = machine();
    m.send(EXIT);
    m.send(FILLED);
    m.send(FLAT);
    expect(m.value()).toBe('watching');
    expect(m.take()).toEqual([]);
  });

  it('emits an entry only from watching and an exit only from holding, over any event sequence (property)', () => {
    const event = fc.oneof(
      fc.constant<MomentumWeekliesEvent>(SETUP),
      fc.constant<MomentumWeekliesEvent>(FILLED),
      fc.constant<MomentumWeekliesEvent>({ type: 'ENTRY_ABANDONED', ts: 1 }),
      fc.constant<MomentumWeekliesEvent>({ type: 'POSITION_FOUND', ts: 1, plan }),
      fc.constant<MomentumWeekliesEvent>(EXIT),
      fc.constant<MomentumWeekliesEvent>({ type: 'EXIT_ABANDONED', ts: 1 }),
      fc.constant<MomentumWeekliesEvent>(FLAT),
      fc.integer({ min: 0, max: 10_000 }).map<MomentumWeekliesEvent>((ts) => ({ type: 'TICK', ts })),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const m = machine();
        let entries = 0;
        let exits = 0;
        for (const e of events) {
          const before = m.value();
          m.send(e);
          for (const out of m.take()) {
            if (out.kind === 'entry') {
              entries++;
              expect(before).toBe('watching');
            } else {
              exits++;
              expect(before).toBe('holding');
            }
          }
          // A trade is never open twice: entering/holding/exiting always carry the plan.
          if (['entering', 'holding', 'exiting'].includes(String(m.value()))) expect(m.ctx().plan).not.toBeNull();
        }
        expect(exits).toBeLessThanOrEqual(entries + events.filter((e) => e.type === 'POSITION_FOUND').length + events.filter((e) => e.type === 'EXIT_ABANDONED').length);
      }),
    );
  });
});
