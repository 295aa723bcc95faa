import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import {
  debitPlanUsable,
  debitSpreadsMachine,
  parseDebitSpreadsInput,
  type DebitSpreadPlan,
  type DebitSpreadsEmitted,
  type DebitSpreadsEvent,
} from '../../../machines/strategies/debitSpreads.js';

const plan: DebitSpreadPlan = {
  longSymbol: 'AAPL  250221C00100000', shortSymbol: 'AAPL  250221C00105000', expiry: '2025-02-21',
  longStrike: 100, shortStrike: 105, debit: 2, profitTarget: 0.9, stopLoss: 1, timeExitDte: 7,
};

function machine(...events: DebitSpreadsEvent[]) {
  const actor = createActor(debitSpreadsMachine, { input: { symbol: 'AAPL' } });
  const emitted: DebitSpreadsEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return {
    send: (e: DebitSpreadsEvent) => actor.send(e),
    take: () => emitted.splice(0),
    value: () => actor.getSnapshot().value,
    ctx: () => actor.getSnapshot().context,
  };
}

const SETUP = { type: 'ENTRY_SETUP', ts: 1000, plan } as const;
const FILLED = { type: 'FILLED', ts: 2000, spreads: 3 } as const;
const EXIT = { type: 'EXIT_SETUP', ts: 3000, reason: 'target' } as const;
const FLAT = { type: 'FLAT', ts: 4000 } as const;

describe('debitSpreads machine', () => {
  it('starts watching with an empty context and refuses a blank symbol', () => {
    const m = machine();
    expect(m.value()).toBe('watching');
    expect(m.ctx()).toEqual({ symbol: 'AAPL', plan: null, spreads: 0, pendingSince: null, lastExitReason: null, trades: 0 });
    expect(() => parseDebitSpreadsInput({ symbol: '' })).toThrow(InputError);
  });

  it('watching: ENTRY_SETUP → entering, emitting the entry with its plan', () => {
    const m = machine();
    m.send(SETUP);
    expect(m.value()).toBe('entering');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'entry', symbol: 'AAPL', ts: 1000, plan }]);
    expect(m.ctx()).toMatchObject({ plan, pendingSince: 1000 });
  });

  it('refuses a plan that is not a bull call spread bought below its width', () => {
    const bad: DebitSpreadPlan[] = [
      { ...plan, shortStrike: 100 },
      { ...plan, debit: 5 },
      { ...plan, debit: 0 },
      { ...plan, profitTarget: 0 },
      { ...plan, stopLoss: -1 },
      { ...plan, shortSymbol: plan.longSymbol },
    ];
    for (const b of bad) {
      expect(debitPlanUsable(b)).toBe(false);
      const m = machine();
      m.send({ type: 'ENTRY_SETUP', ts: 1, plan: b });
      expect(m.value()).toBe('watching');
      expect(m.take()).toEqual([]);
    }
    expect(debitPlanUsable(plan)).toBe(true);
  });

  it('entering: FILLED with spreads → holding; FILLED with none is ignored', () => {
    const m = machine(SETUP);
    m.send({ type: 'FILLED', ts: 2000, spreads: 0 });
    expect(m.value()).toBe('entering');
    m.send(FILLED);
    expect(m.value()).toBe('holding');
    expect(m.ctx()).toMatchObject({ plan, spreads: 3, pendingSince: null });
  });

  it('entering: ENTRY_ABANDONED on a later bar → watching without the plan; on the signal bar it waits', () => {
    const m = machine(SETUP);
    m.send({ type: 'ENTRY_ABANDONED', ts: 1000 });
    expect(m.value()).toBe('entering');
    m.send({ type: 'ENTRY_ABANDONED', ts: 1001 });
    expect(m.value()).toBe('watching');
    expect(m.ctx()).toMatchObject({ plan: null, spreads: 0, pendingSince: null, trades: 0 });
  });

  it('entering ignores a second setup and an exit', () => {
    const m = machine(SETUP);
    m.send({ ...SETUP, ts: 1500 });
    m.send(EXIT);
    expect(m.value()).toBe('entering');
    expect(m.take()).toEqual([]);
  });

  it('holding: EXIT_SETUP → exiting, emitting the exit with its reason and plan', () => {
    const m = machine(SETUP, FILLED);
    m.send(EXIT);
    expect(m.value()).toBe('exiting');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'AAPL', ts: 3000, reason: 'target', plan }]);
    expect(m.ctx()).toMatchObject({ pendingSince: 3000, lastExitReason: 'target' });
  });

  it('exiting: FLAT → watching counting the trade; EXIT_ABANDONED → holding and the exit may be raised again', () => {
    const m = machine(SETUP, FILLED, EXIT);
    m.send(FLAT);
    expect(m.value()).toBe('watching');
    expect(m.ctx()).toMatchObject({ plan: null, spreads: 0, trades: 1, lastExitReason: 'target' });
    const retry = machine(SETUP, FILLED, EXIT);
    retry.send({ type: 'EXIT_ABANDONED', ts: 3000 });
    expect(retry.value()).toBe('exiting');
    retry.send({ type: 'EXIT_ABANDONED', ts: 3100 });
    expect(retry.value()).toBe('holding');
    retry.send({ type: 'EXIT_SETUP', ts: 3200, reason: 'stop' });
    expect(retry.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'AAPL', ts: 3200, reason: 'stop', plan }]);
  });

  it('holding: FLAT (closed by someone else, or by the expiry) → watching, marked external', () => {
    const m = machine(SETUP, FILLED);
    m.send(FLAT);
    expect(m.value()).toBe('watching');
    expect(m.ctx()).toMatchObject({ lastExitReason: 'external', trades: 1 });
  });

  it('adopts a found spread with its plan, or something else without one that can only be closed as unmanaged', () => {
    const spread = machine();
    spread.send({ type: 'POSITION_FOUND', ts: 10, plan, spreads: 2 });
    expect(spread.value()).toBe('holding');
    expect(spread.ctx()).toMatchObject({ plan, spreads: 2 });
    expect(spread.take()).toEqual([]);

    const leftovers = machine();
    leftovers.send({ type: 'POSITION_FOUND', ts: 10, plan: null, spreads: 0 });
    expect(leftovers.value()).toBe('holding');
    // No plan: the level-based exits are refused…
    leftovers.send({ type: 'EXIT_SETUP', ts: 20, reason: 'stop' });
    expect(leftovers.value()).toBe('holding');
    expect(leftovers.take()).toEqual([]);
    // …closing what is there is not.
    leftovers.send({ type: 'EXIT_SETUP', ts: 30, reason: 'unmanaged' });
    expect(leftovers.value()).toBe('exiting');
    expect(leftovers.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'AAPL', ts: 30, reason: 'unmanaged', plan: null }]);
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
      fc.constant<DebitSpreadsEvent>(SETUP),
      fc.integer({ min: 0, max: 3 }).map<DebitSpreadsEvent>((spreads) => ({ type: 'FILLED', ts: 2000, spreads })),
      fc.integer({ min: 999, max: 1001 }).map<DebitSpreadsEvent>((ts) => ({ type: 'ENTRY_ABANDONED', ts })),
      fc.constant<DebitSpreadsEvent>({ type: 'POSITION_FOUND', ts: 1, plan, spreads: 1 }),
      fc.constant<DebitSpreadsEvent>({ type: 'POSITION_FOUND', ts: 1, plan: null, spreads: 0 }),
      fc.constantFrom<DebitSpreadsEvent>(EXIT, { type: 'EXIT_SETUP', ts: 3000, reason: 'unmanaged' }),
      fc.integer({ min: 2999, max: 3001 }).map<DebitSpreadsEvent>((ts) => ({ type: 'EXIT_ABANDONED', ts })),
      fc.constant<DebitSpreadsEvent>(FLAT),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const m = machine();
        for (const e of events) {
          const before = m.value();
          const hadPlan = m.ctx().plan !== null;
          m.send(e);
          for (const out of m.take()) {
            if (out.kind === 'entry') expect(before).toBe('watching');
            else {
              expect(before).toBe('holding');
              // Level exits only with a plan to measure them against.
              if (out.reason !== 'unmanaged') expect(hadPlan).toBe(true);
            }
          }
          if (m.value() === 'entering') expect(m.ctx().plan).not.toBeNull();
          if (m.value() === 'watching') expect(m.ctx()).toMatchObject({ plan: null, spreads: 0 });
        }
      }),
    );
  });
});
