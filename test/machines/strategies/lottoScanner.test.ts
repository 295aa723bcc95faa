import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import {
  lottoScannerMachine,
  parseLottoScannerInput,
  type LottoPlan,
  type LottoScannerEmitted,
  type LottoScannerEvent,
} from '../../../machines/strategies/lottoScanner.js';

const zeroDte: LottoPlan = { playType: '0dte', contractSymbol: 'SPY   251110C00505000', expiry: '2025-11-10', targetMult: 3, stopMult: 0.5, eventKey: null };
const earnings: LottoPlan = { playType: 'earnings', contractSymbol: 'META  251121C00700000', expiry: '2025-11-21', targetMult: 5, stopMult: 0.5, eventKey: 'META:2025-11-18' };

function machine(...events: LottoScannerEvent[]) {
  const actor = createActor(lottoScannerMachine, { input: { symbol: 'SPY' } });
  const emitted: LottoScannerEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return {
    send: (e: LottoScannerEvent) => actor.send(e),
    take: () => emitted.splice(0),
    value: () => actor.getSnapshot().value,
    ctx: () => actor.getSnapshot().context,
  };
}

const found = (plan: LottoPlan, ts = 100): LottoScannerEvent => ({ type: 'PLAY_FOUND', ts, plan });
const FILLED = { type: 'FILLED', ts: 200 } as const;
const EXIT = { type: 'EXIT_SETUP', ts: 300, reason: 'stop' } as const;
const FLAT = { type: 'FLAT', ts: 400, date: '2025-11-10' } as const;

describe('lottoScanner machine', () => {
  it('starts scanning and refuses a blank symbol', () => {
    expect(machine().value()).toBe('scanning');
    expect(machine().ctx()).toMatchObject({ plan: null, doneDate: null, playedEvent: null, plays: 0 });
    expect(() => parseLottoScannerInput({ symbol: '' })).toThrow(InputError);
  });

  it('scanning: PLAY_FOUND → entering, emitting the entry', () => {
    const m = machine();
    m.send(found(zeroDte));
    expect(m.value()).toBe('entering');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'entry', symbol: 'SPY', ts: 100, plan: zeroDte }]);
    expect(m.ctx()).toMatchObject({ plan: zeroDte, pendingSince: 100 });
  });

  it('refuses a plan without a target above 1x or with a stop at or above the entry', () => {
    for (const bad of [{ ...zeroDte, targetMult: 1 }, { ...zeroDte, stopMult: 1 }, { ...zeroDte, stopMult: -0.1 }]) {
      const m = machine();
      m.send(found(bad));
      expect(m.value()).toBe('scanning');
      expect(m.take()).toEqual([]);
    }
  });

  it('entering: FILLED → holding and records the earnings event; ENTRY_ABANDONED → scanning, event not counted', () => {
    const m = machine(found(earnings));
    m.send(FILLED);
    expect(m.value()).toBe('holding');
    expect(m.ctx()).toMatchObject({ playedEvent: 'META:2025-11-18', pendingSince: null });
    const a = machine(found(earnings));
    a.send({ type: 'ENTRY_ABANDONED', ts: 150 });
    expect(a.value()).toBe('scanning');
    expect(a.ctx()).toMatchObject({ plan: null, playedEvent: null });
    // Abandoned is not played: the same event may be tried again.
    a.send(found(earnings, 160));
    expect(a.value()).toBe('entering');
  });

  it('holding: EXIT_SETUP → exiting with the reason; exiting: FLAT → doneForDay for that date', () => {
    const m = machine(found(zeroDte), FILLED);
    m.send(EXIT);
    expect(m.value()).toBe('exiting');
    expect(m.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'SPY', ts: 300, reason: 'stop', plan: zeroDte }]);
    m.send(FLAT);
    expect(m.value()).toBe('doneForDay');
    expect(m.ctx()).toMatchObject({ plan: null, doneDate: '2025-11-10', plays: 1, lastExitReason: 'stop' });
  });

  it('exiting: EXIT_ABANDONED → holding, and the exit may be raised again', () => {
    const m = machine(found(zeroDte), FILLED, EXIT);
    m.send({ type: 'EXIT_ABANDONED', ts: 350 });
    expect(m.value()).toBe('holding');
    m.send({ ...EXIT, ts: 360 });
    expect(m.take()).toHaveLength(1);
  });

  it('holding: FLAT without an exit of its own → doneForDay marked external', () => {
    const m = machine(found(zeroDte), FILLED);
    m.send(FLAT);
    expect(m.value()).toBe('doneForDay');
    expect(m.ctx().lastExitReason).toBe('external');
  });

  it('doneForDay: one play a session; NEW_SESSION of the same date stays, a later one → scanning', () => {
    const m = machine(found(zeroDte), FILLED, EXIT, FLAT);
    m.send(found(zeroDte, 500));
    expect(m.take()).toEqual([]);
    m.send({ type: 'NEW_SESSION', date: '2025-11-10' });
    expect(m.value()).toBe('doneForDay');
    m.send({ type: 'NEW_SESSION', date: '2025-11-11' });
    expect(m.value()).toBe('scanning');
  });

  it('plays an earnings event once: after its play, the same event is refused, another event or a 0DTE is not', () => {
    const m = machine(found(earnings), FILLED, EXIT, FLAT, { type: 'NEW_SESSION', date: '2025-11-11' });
    m.send(found(earnings, 600));
    expect(m.value()).toBe('scanning');
    expect(m.take()).toEqual([]);
    m.send(found({ ...earnings, eventKey: 'META:2026-02-18' }, 610));
    expect(m.value()).toBe('entering');
    const z = machine(found(earnings), FILLED, EXIT, FLAT, { type: 'NEW_SESSION', date: '2025-11-11' });
    z.send(found(zeroDte, 600));
    expect(z.value()).toBe('entering');
  });

  it('adopts a position found while scanning or done for the day, recording its event', () => {
    const s = machine();
    s.send({ type: 'POSITION_FOUND', ts: 1, plan: earnings });
    expect(s.value()).toBe('holding');
    expect(s.take()).toEqual([]);
    expect(s.ctx().playedEvent).toBe('META:2025-11-18');
    const d = machine(found(zeroDte), FILLED, EXIT, FLAT);
    d.send({ type: 'POSITION_FOUND', ts: 1, plan: zeroDte });
    expect(d.value()).toBe('holding');
  });

  it('emits entries only from scanning and exits only from holding, over any event sequence (property)', () => {
    const event = fc.oneof(
      fc.constantFrom<LottoScannerEvent>(found(zeroDte), found(earnings), FILLED, EXIT, FLAT, { type: 'ENTRY_ABANDONED', ts: 1 }, { type: 'EXIT_ABANDONED', ts: 1 }),
      fc.constantFrom<LottoScannerEvent>({ type: 'POSITION_FOUND', ts: 1, plan: zeroDte }),
      fc.constantFrom('2025-11-09', '2025-11-10', '2025-11-11').map<LottoScannerEvent>((date) => ({ type: 'NEW_SESSION', date })),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const m = machine();
        const filledEvents: string[] = [];
        for (const e of events) {
          const before = String(m.value());
          const playedBefore = m.ctx().playedEvent;
          m.send(e);
          for (const out of m.take()) {
            if (out.kind === 'entry') {
              expect(before).toBe('scanning');
              // Never a second play on an event already filled.
              if (out.plan.eventKey !== null) expect(out.plan.eventKey).not.toBe(playedBefore);
            } else expect(before).toBe('holding');
          }
          if (before === 'entering' && e.type === 'FILLED' && m.ctx().plan?.eventKey) filledEvents.push(m.ctx().plan!.eventKey!);
          if (['entering', 'holding', 'exiting'].includes(String(m.value()))) expect(m.ctx().plan).not.toBeNull();
        }
        expect(new Set(filledEvents).size).toBe(filledEvents.length);
      }),
    );
  });
});
