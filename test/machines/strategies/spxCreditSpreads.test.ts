import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import {
  creditPlanUsable,
  parseSpxCreditSpreadsInput,
  spxCreditSpreadsMachine,
  type CreditSpreadPlan,
  type SpxCreditSpreadsEmitted,
  type SpxCreditSpreadsEvent,
} from '../../../machines/strategies/spxCreditSpreads.js';

const plan: CreditSpreadPlan = {
  side: 'put', expiry: '2026-11-16', shortSymbol: 'SPX   261116P07000000', longSymbol: 'SPX   261116P06990000',
  shortStrike: 7000, longStrike: 6990, credit: 2, targetValue: 1.5, stopValue: 3.5, exitAt: 9_000,
};

function machine(...events: SpxCreditSpreadsEvent[]) {
  const actor = createActor(spxCreditSpreadsMachine, { input: { symbol: 'SPX' } });
  const emitted: SpxCreditSpreadsEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return {
    send: (e: SpxCreditSpreadsEvent) => actor.send(e),
    take: () => emitted.splice(0),
    value: () => actor.getSnapshot().value,
    ctx: () => actor.getSnapshot().context,
  };
}

const OPEN_DAY = { type: 'SESSION', ts: 100, date: '2026-11-16', entriesOpen: true } as const;
const SETUP = { type: 'ENTRY_SETUP', ts: 1000, plan } as const;
const FILLED = { type: 'FILLED', ts: 2000, spreads: 5 } as const;
const EXIT = { type: 'EXIT_SETUP', ts: 3000, reason: 'target' } as const;

describe('spxCreditSpreads machine', () => {
  it('starts resting with an empty context and refuses a blank symbol', () => {
    const m = machine();
    expect(m.value()).toBe('resting');
    expect(m.ctx()).toEqual({ symbol: 'SPX', plan: null, spreads: 0, pendingSince: null, session: null, lastExitReason: null, trades: 0 });
    expect(() => parseSpxCreditSpreadsInput({ symbol: ' ' })).toThrow(InputError);
  });

  it('resting: no entry; a session with entries open → scanning, one without stays resting', () => {
    const m = machine();
    m.send(SETUP);
    expect(m.value()).toBe('resting');
    expect(m.take()).toEqual([]);
    m.send({ type: 'SESSION', ts: 50, date: '2026-11-17', entriesOpen: false });
    expect(m.value()).toBe('resting');
    expect(m.ctx().session).toBe('2026-11-17');
    m.send(OPEN_DAY);
    expect(m.value()).toBe('scanning');
    expect(m.ctx().session).toBe('2026-11-16');
  });

  it('scanning: ENTRY_SETUP → entering with the entry emitted; CUTOFF or a closed session → resting', () => {
    const m = machine(OPEN_DAY);
    m.send(SETUP);
    expect(m.value()).toBe('entering');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'entry', symbol: 'SPX', ts: 1000, plan }]);
    const cut = machine(OPEN_DAY);
    cut.send({ type: 'CUTOFF', ts: 500 });
    expect(cut.value()).toBe('resting');
    const closed = machine(OPEN_DAY);
    closed.send({ type: 'SESSION', ts: 500, date: '2026-11-17', entriesOpen: false });
    expect(closed.value()).toBe('resting');
  });

  it('refuses a plan that is not a credit vertical sold below its width with the target under and the stop over the credit', () => {
    const bad: CreditSpreadPlan[] = [
      { ...plan, longStrike: 7010 },
      { ...plan, side: 'call' },
      { ...plan, credit: 10 },
      { ...plan, credit: 0 },
      { ...plan, targetValue: 2 },
      { ...plan, stopValue: 2 },
      { ...plan, exitAt: Number.NaN },
    ];
    for (const b of bad) {
      expect(creditPlanUsable(b)).toBe(false);
      const m = machine(OPEN_DAY);
      m.send({ type: 'ENTRY_SETUP', ts: 1, plan: b });
      expect(m.value()).toBe('scanning');
      expect(m.take()).toEqual([]);
    }
    expect(creditPlanUsable(plan)).toBe(true);
    expect(creditPlanUsable({ ...plan, side: 'call', shortStrike: 7000, longStrike: 7010 })).toBe(true);
  });

  it('entering: FILLED → open; ENTRY_ABANDONED on a later bar → scanning; a session change does not interrupt it', () => {
    const m = machine(OPEN_DAY, SETUP);
    m.send({ type: 'SESSION', ts: 1500, date: '2026-11-17', entriesOpen: false });
    expect(m.value()).toBe('entering');
    m.send(FILLED);
    expect(m.value()).toBe('open');
    expect(m.ctx()).toMatchObject({ spreads: 5, pendingSince: null, plan });
    const gone = machine(OPEN_DAY, SETUP);
    gone.send({ type: 'ENTRY_ABANDONED', ts: 1000 });
    expect(gone.value()).toBe('entering');
    gone.send({ type: 'ENTRY_ABANDONED', ts: 1300 });
    expect(gone.value()).toBe('scanning');
    expect(gone.ctx().plan).toBeNull();
  });

  it('open: EXIT_SETUP → closing with the exit emitted; FLAT → scanning while entries are open, else resting', () => {
    const m = machine(OPEN_DAY, SETUP, FILLED);
    m.send(EXIT);
    expect(m.value()).toBe('closing');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'SPX', ts: 3000, reason: 'target', plan }]);
    m.send({ type: 'FLAT', ts: 3300, entriesOpen: true });
    expect(m.value()).toBe('scanning');
    expect(m.ctx()).toMatchObject({ trades: 1, plan: null, lastExitReason: 'target' });
    const late = machine(OPEN_DAY, SETUP, FILLED, EXIT);
    late.send({ type: 'FLAT', ts: 3300, entriesOpen: false });
    expect(late.value()).toBe('resting');
  });

  it('closing: EXIT_ABANDONED on a later bar → open, and the exit can be raised again', () => {
    const m = machine(OPEN_DAY, SETUP, FILLED, EXIT);
    m.send({ type: 'EXIT_ABANDONED', ts: 3000 });
    expect(m.value()).toBe('closing');
    m.send({ type: 'EXIT_ABANDONED', ts: 3300 });
    expect(m.value()).toBe('open');
    m.send({ type: 'EXIT_SETUP', ts: 3600, reason: 'time' });
    expect(m.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'SPX', ts: 3600, reason: 'time', plan }]);
  });

  it('open: FLAT without an exit (breaker flatten, expiry) is marked external', () => {
    const m = machine(OPEN_DAY, SETUP, FILLED);
    m.send({ type: 'FLAT', ts: 5000, entriesOpen: false });
    expect(m.value()).toBe('resting');
    expect(m.ctx()).toMatchObject({ lastExitReason: 'external', trades: 1 });
  });

  it('adopts a found spread, or leftovers without a plan that only an unmanaged exit may close', () => {
    const m = machine();
    m.send({ type: 'POSITION_FOUND', ts: 10, plan, spreads: 1 });
    expect(m.value()).toBe('open');
    const left = machine(OPEN_DAY);
    left.send({ type: 'POSITION_FOUND', ts: 10, plan: null, spreads: 0 });
    expect(left.value()).toBe('open');
    left.send({ type: 'EXIT_SETUP', ts: 20, reason: 'time' });
    expect(left.take()).toEqual([]);
    left.send({ type: 'EXIT_SETUP', ts: 30, reason: 'unmanaged' });
    expect(left.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'SPX', ts: 30, reason: 'unmanaged', plan: null }]);
  });

  it('emits an entry only while scanning and an exit only while open, over any event sequence (property)', () => {
    const event = fc.oneof(
      fc.boolean().map<SpxCreditSpreadsEvent>((entriesOpen) => ({ type: 'SESSION', ts: 1, date: '2026-11-16', entriesOpen })),
      fc.constant<SpxCreditSpreadsEvent>({ type: 'CUTOFF', ts: 1 }),
      fc.constant<SpxCreditSpreadsEvent>(SETUP),
      fc.integer({ min: 0, max: 2 }).map<SpxCreditSpreadsEvent>((spreads) => ({ type: 'FILLED', ts: 2, spreads })),
      fc.integer({ min: 999, max: 1001 }).map<SpxCreditSpreadsEvent>((ts) => ({ type: 'ENTRY_ABANDONED', ts })),
      fc.constantFrom<SpxCreditSpreadsEvent>({ type: 'POSITION_FOUND', ts: 1, plan, spreads: 1 }, { type: 'POSITION_FOUND', ts: 1, plan: null, spreads: 0 }),
      fc.constantFrom<SpxCreditSpreadsEvent>(EXIT, { type: 'EXIT_SETUP', ts: 3000, reason: 'unmanaged' }),
      fc.integer({ min: 2999, max: 3001 }).map<SpxCreditSpreadsEvent>((ts) => ({ type: 'EXIT_ABANDONED', ts })),
      fc.boolean().map<SpxCreditSpreadsEvent>((entriesOpen) => ({ type: 'FLAT', ts: 4, entriesOpen })),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const m = machine();
        for (const e of events) {
          const before = m.value();
          m.send(e);
          for (const out of m.take()) expect(before).toBe(out.kind === 'entry' ? 'scanning' : 'open');
          if (m.value() === 'entering') expect(m.ctx().plan).not.toBeNull();
          if (m.value() === 'scanning' || m.value() === 'resting') expect(m.ctx().plan).toBeNull();
        }
      }),
    );
  });
});
