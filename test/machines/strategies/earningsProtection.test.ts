import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import {
  earningsProtectionMachine,
  parseEarningsProtectionInput,
  type CrushRisk,
  type EarningsPlan,
  type EarningsProtectionEmitted,
  type EarningsProtectionEvent,
} from '../../../machines/strategies/earningsProtection.js';

const deepItm: EarningsPlan = {
  eventKey: 'AAPL:2026-02-26', structure: 'deep-itm-call', legs: [{ symbol: 'AAPL  260306C00200000', side: 'buy' }],
  quantity: 2, exitTs: 1_000, exitReason: 'event-passed', ivSensitivity: 0.02,
};
const calendar: EarningsPlan = {
  eventKey: 'AAPL:2026-02-26', structure: 'calendar',
  legs: [{ symbol: 'AAPL  260306C00235000', side: 'buy' }, { symbol: 'AAPL  260220C00235000', side: 'sell' }],
  quantity: 3, exitTs: 800, exitReason: 'front-expiry', ivSensitivity: 0.2,
};

function machine(...events: EarningsProtectionEvent[]) {
  const actor = createActor(earningsProtectionMachine, { input: { symbol: 'AAPL' } });
  const emitted: EarningsProtectionEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return {
    send: (e: EarningsProtectionEvent) => actor.send(e),
    take: () => emitted.splice(0),
    value: () => actor.getSnapshot().value,
    ctx: () => actor.getSnapshot().context,
  };
}

const setup = (plan: EarningsPlan, ts = 100, crushRisk: CrushRisk = 'medium'): EarningsProtectionEvent => ({ type: 'SETUP', ts, plan, crushRisk });
const FILLED = { type: 'FILLED', ts: 200, quantity: 2 } as const;
const DUE = { type: 'EXIT_DUE', ts: 1_000 } as const;
const FLAT = { type: 'FLAT', ts: 1_100 } as const;

describe('earningsProtection machine', () => {
  it('starts watching and refuses a blank symbol', () => {
    expect(machine().value()).toBe('watching');
    expect(machine().ctx()).toMatchObject({ plan: null, playedEvent: null, trades: 0, quantity: 0 });
    expect(() => parseEarningsProtectionInput({ symbol: ' ' })).toThrow(InputError);
  });

  it('watching: SETUP with a crush risk above low → entering, emitting the entry with its plan', () => {
    for (const risk of ['medium', 'high', 'extreme'] as const) {
      const m = machine();
      m.send(setup(deepItm, 100, risk));
      expect(m.value()).toBe('entering');
      expect(m.take()).toEqual([{ type: 'signal', kind: 'entry', symbol: 'AAPL', ts: 100, plan: deepItm, crushRisk: risk }]);
      expect(m.ctx()).toMatchObject({ plan: deepItm, pendingSince: 100, quantity: 2 });
    }
  });

  it('skips a low crush risk (SPEC: regular options may do) and a plan it cannot carry out', () => {
    const unusable: EarningsPlan[] = [
      { ...deepItm, quantity: 0 },
      { ...deepItm, quantity: 1.5 },
      { ...deepItm, legs: [] },
      { ...deepItm, exitTs: 100 }, // no time left to hold it: the exit is not after the setup
    ];
    for (const [plan, risk] of [[deepItm, 'low'] as const, ...unusable.map((u) => [u, 'high'] as const)]) {
      const m = machine();
      m.send(setup(plan, 100, risk));
      expect(m.value()).toBe('watching');
      expect(m.take()).toEqual([]);
    }
  });

  it('entering: FILLED → holding with the quantity held, the report recorded; ENTRY_ABANDONED → watching, report not counted', () => {
    const m = machine(setup(deepItm));
    m.send({ type: 'FILLED', ts: 200, quantity: 1 });
    expect(m.value()).toBe('holding');
    expect(m.ctx()).toMatchObject({ playedEvent: 'AAPL:2026-02-26', pendingSince: null, quantity: 1 });
    const a = machine(setup(deepItm));
    a.send({ type: 'ENTRY_ABANDONED', ts: 150 });
    expect(a.value()).toBe('watching');
    expect(a.ctx()).toMatchObject({ plan: null, playedEvent: null, quantity: 0 });
    a.send(setup(deepItm, 160));
    expect(a.value()).toBe('entering');
  });

  it('entering ignores a FILLED without a whole positive quantity', () => {
    const m = machine(setup(deepItm));
    m.send({ type: 'FILLED', ts: 200, quantity: 0 });
    expect(m.value()).toBe('entering');
  });

  it('holding: EXIT_DUE before the plan\'s exit time is ignored; at it → exiting with the plan\'s reason', () => {
    const m = machine(setup(deepItm), FILLED);
    m.send({ type: 'EXIT_DUE', ts: 999 });
    expect(m.value()).toBe('holding');
    expect(m.take()).toEqual([]);
    m.send(DUE);
    expect(m.value()).toBe('exiting');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'AAPL', ts: 1_000, plan: deepItm, reason: 'event-passed' }]);
    const c = machine(setup(calendar), FILLED);
    c.send({ type: 'EXIT_DUE', ts: 800 });
    expect(c.take()).toMatchObject([{ kind: 'exit', reason: 'front-expiry' }]);
  });

  it('exiting: FLAT → watching, one trade counted; EXIT_ABANDONED → holding and the exit may be raised again', () => {
    const m = machine(setup(deepItm), FILLED, DUE);
    m.send(FLAT);
    expect(m.value()).toBe('watching');
    expect(m.ctx()).toMatchObject({ plan: null, trades: 1, lastExitReason: 'event-passed', quantity: 0 });
    const a = machine(setup(deepItm), FILLED, DUE);
    a.send({ type: 'EXIT_ABANDONED', ts: 1_050 });
    expect(a.value()).toBe('holding');
    a.send({ type: 'EXIT_DUE', ts: 1_060 });
    expect(a.take()).toHaveLength(1);
  });

  it('holding: FLAT without an exit of its own → watching, marked external', () => {
    const m = machine(setup(deepItm), FILLED);
    m.send(FLAT);
    expect(m.value()).toBe('watching');
    expect(m.ctx().lastExitReason).toBe('external');
  });

  it('plays a report once: after its trade the same report is refused, the next one is not', () => {
    const m = machine(setup(deepItm), FILLED, DUE, FLAT);
    m.send(setup(deepItm, 1_200));
    expect(m.value()).toBe('watching');
    expect(m.take()).toEqual([]);
    m.send(setup({ ...deepItm, eventKey: 'AAPL:2026-05-28', exitTs: 5_000 }, 1_200));
    expect(m.value()).toBe('entering');
  });

  it('adopts a position found while watching, with its report, and exits it when due', () => {
    const m = machine();
    const adopted: EarningsPlan = { ...calendar, structure: 'adopted', exitTs: 50 };
    m.send({ type: 'POSITION_FOUND', ts: 60, plan: adopted, quantity: 3 });
    expect(m.value()).toBe('holding');
    expect(m.take()).toEqual([]);
    expect(m.ctx()).toMatchObject({ playedEvent: 'AAPL:2026-02-26', quantity: 3 });
    m.send({ type: 'EXIT_DUE', ts: 60 });
    expect(m.value()).toBe('exiting');
    const z = machine();
    z.send({ type: 'POSITION_FOUND', ts: 60, plan: adopted, quantity: 0 });
    expect(z.value()).toBe('watching');
  });

  it('emits entries only while watching, exits only while holding, never twice for a report filled (property)', () => {
    const event = fc.oneof(
      fc.constantFrom<EarningsProtectionEvent>(setup(deepItm), setup(calendar), setup(deepItm, 100, 'low'), FILLED, DUE, FLAT),
      fc.constantFrom<EarningsProtectionEvent>({ type: 'ENTRY_ABANDONED', ts: 1 }, { type: 'EXIT_ABANDONED', ts: 1 }, { type: 'EXIT_DUE', ts: 500 }),
      fc.constantFrom<EarningsProtectionEvent>(setup({ ...deepItm, eventKey: 'AAPL:2026-05-28' }), { type: 'POSITION_FOUND', ts: 1, plan: deepItm, quantity: 1 }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const m = machine();
        const filled: string[] = [];
        for (const e of events) {
          const before = String(m.value());
          const playedBefore = m.ctx().playedEvent;
          m.send(e);
          for (const out of m.take()) {
            if (out.kind === 'entry') {
              expect(before).toBe('watching');
              expect(out.crushRisk).not.toBe('low');
              expect(out.plan.eventKey).not.toBe(playedBefore);
            } else {
              expect(before).toBe('holding');
              expect(out.ts).toBeGreaterThanOrEqual(out.plan.exitTs);
            }
          }
          if (before === 'entering' && m.value() === 'holding') filled.push(m.ctx().plan!.eventKey);
          if (m.value() === 'watching') expect(m.ctx().plan).toBeNull();
          else expect(m.ctx().plan).not.toBeNull();
        }
        expect(new Set(filled).size).toBe(filled.length);
      }),
    );
  });
});
