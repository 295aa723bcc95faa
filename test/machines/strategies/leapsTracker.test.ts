import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import {
  leapsTrackerMachine,
  parseLeapsTrackerInput,
  type LeapsSignalEmitted,
  type LeapsTrackerEvent,
} from '../../../machines/strategies/leapsTracker.js';

const CONTRACT = 'NVDA  260417C00192500';

function start(symbol = 'NVDA') {
  const actor = createActor(leapsTrackerMachine, { input: { symbol } });
  const emitted: LeapsSignalEmitted[] = [];
  actor.on('signal', (e) => emitted.push(e));
  actor.start();
  const send = (e: LeapsTrackerEvent) => {
    actor.send(e);
    return actor.getSnapshot();
  };
  return { actor, emitted, send, state: () => actor.getSnapshot().value, ctx: () => actor.getSnapshot().context };
}

const entry = (quantity = 10, ts = 1000): LeapsTrackerEvent => ({ type: 'ENTRY_SETUP', ts, contract: CONTRACT, quantity, reason: 'gate passed' });

/** A machine holding `quantity` contracts opened through an entry. */
function holding(quantity = 20) {
  const m = start();
  m.send(entry(quantity));
  m.send({ type: 'FILLED', contract: CONTRACT, quantity });
  m.emitted.length = 0;
  return m;
}

describe('leaps tracker machine: entering', () => {
  it('starts watching with an empty context, and refuses a blank symbol', () => {
    const m = start();
    expect(m.state()).toBe('watching');
    expect(m.ctx()).toMatchObject({ symbol: 'NVDA', contract: null, quantity: 0, scaleLevel: 0, lastExit: null, entries: 0 });
    expect(() => parseLeapsTrackerInput({ symbol: ' ' })).toThrow(InputError);
    expect(() => parseLeapsTrackerInput({ symbol: '' })).toThrow(/^symbol:/);
  });

  it('turns an entry setup into one open signal and waits for the fill', () => {
    const m = start();
    m.send(entry(7, 1234));
    expect(m.state()).toBe('entering');
    expect(m.emitted).toEqual([
      { type: 'signal', action: 'open', symbol: 'NVDA', ts: 1234, contract: CONTRACT, quantity: 7, reason: 'gate passed', level: 0, exitReason: null },
    ]);
    expect(m.ctx()).toMatchObject({ contract: CONTRACT, quantity: 7, entries: 1 });
    // A second setup while the first is pending is not a second entry.
    m.send(entry(7, 2000));
    expect(m.emitted).toHaveLength(1);
    m.send({ type: 'FILLED', contract: CONTRACT, quantity: 5 });
    expect(m.state()).toBe('holding');
    expect(m.ctx()).toMatchObject({ quantity: 5, initialQuantity: 5, scaleLevel: 0 });
    m.send(entry(7, 3000));
    expect(m.emitted).toHaveLength(1);
  });

  it.each([0, -1, 1.5, Number.NaN])('ignores an entry of %s contracts', (q) => {
    const m = start();
    m.send(entry(q));
    expect(m.state()).toBe('watching');
    expect(m.emitted).toHaveLength(0);
  });

  it('cools off after an entry that did not fill, until the given time', () => {
    const m = start();
    m.send(entry());
    m.send({ type: 'ENTRY_FAILED', until: 5000 });
    expect(m.state()).toBe('coolingOff');
    expect(m.ctx()).toMatchObject({ cooldownUntil: 5000, contract: null, quantity: 0 });
    m.send(entry());
    expect(m.emitted).toHaveLength(1);
    m.send({ type: 'TICK', ts: 4999 });
    expect(m.state()).toBe('coolingOff');
    m.send({ type: 'TICK', ts: 5000 });
    expect(m.state()).toBe('watching');
    m.send(entry());
    expect(m.emitted).toHaveLength(2);
  });

  it('adopts a position it finds while watching or cooling off (a restart)', () => {
    const m = start();
    m.send({ type: 'FILLED', contract: CONTRACT, quantity: 4 });
    expect(m.state()).toBe('holding');
    expect(m.ctx()).toMatchObject({ contract: CONTRACT, quantity: 4, initialQuantity: 4 });
    expect(m.emitted).toHaveLength(0);
    const c = start();
    c.send(entry());
    c.send({ type: 'ENTRY_FAILED', until: 10 });
    c.send({ type: 'FILLED', contract: CONTRACT, quantity: 3 });
    expect(c.state()).toBe('holding');
    // A zero-quantity "fill" is no position.
    const z = start();
    z.send({ type: 'FILLED', contract: CONTRACT, quantity: 0 });
    expect(z.state()).toBe('watching');
  });
});

describe('leaps tracker machine: scaling out and exiting', () => {
  it('sells each scale-out level once, taking it only when the position shrinks', () => {
    const m = holding(20);
    m.send({ type: 'SCALE_SETUP', ts: 1, level: 1, quantity: 3, reason: 'scale 1' });
    expect(m.state()).toBe('scalingOut');
    expect(m.emitted).toEqual([{ type: 'signal', action: 'scaleOut', symbol: 'NVDA', ts: 1, contract: CONTRACT, quantity: 3, reason: 'scale 1', level: 1, exitReason: null }]);
    m.send({ type: 'REDUCED', quantity: 17 });
    expect(m.state()).toBe('holding');
    expect(m.ctx()).toMatchObject({ scaleLevel: 1, quantity: 17, initialQuantity: 20, pendingLevel: 0 });
    m.send({ type: 'SCALE_SETUP', ts: 2, level: 1, quantity: 3, reason: 'again' });
    expect(m.state()).toBe('holding');
    expect(m.emitted).toHaveLength(1);
    m.send({ type: 'SCALE_SETUP', ts: 3, level: 3, quantity: 15, reason: 'jump' });
    expect(m.emitted.at(-1)).toMatchObject({ action: 'scaleOut', level: 3, quantity: 15 });
    m.send({ type: 'REDUCED', quantity: 2 });
    expect(m.ctx().scaleLevel).toBe(3);
  });

  it('refuses a scale-out larger than the position or of no contracts', () => {
    const m = holding(5);
    m.send({ type: 'SCALE_SETUP', ts: 1, level: 1, quantity: 6, reason: '' });
    m.send({ type: 'SCALE_SETUP', ts: 1, level: 1, quantity: 0, reason: '' });
    expect(m.state()).toBe('holding');
    expect(m.emitted).toHaveLength(0);
  });

  it('goes back to holding at the same level when a scale-out order fails, so it can be tried again', () => {
    const m = holding(10);
    m.send({ type: 'SCALE_SETUP', ts: 1, level: 2, quantity: 4, reason: '' });
    m.send({ type: 'ORDER_FAILED' });
    expect(m.state()).toBe('holding');
    expect(m.ctx()).toMatchObject({ scaleLevel: 0, pendingLevel: 0, quantity: 10 });
    m.send({ type: 'SCALE_SETUP', ts: 2, level: 2, quantity: 4, reason: '' });
    expect(m.emitted).toHaveLength(2);
  });

  it('closes the whole position on an exit setup and records why once flat', () => {
    const m = holding(9);
    m.send({ type: 'EXIT_SETUP', ts: 7, reason: 'roll', detail: 'roll: 74 days left' });
    expect(m.state()).toBe('exiting');
    expect(m.emitted).toEqual([{ type: 'signal', action: 'close', symbol: 'NVDA', ts: 7, contract: CONTRACT, quantity: 9, reason: 'roll: 74 days left', level: 0, exitReason: 'roll' }]);
    m.send({ type: 'REDUCED', quantity: 4 });
    expect(m.state()).toBe('exiting');
    expect(m.ctx().quantity).toBe(4);
    m.send({ type: 'FLAT' });
    expect(m.state()).toBe('watching');
    expect(m.ctx()).toMatchObject({ lastExit: 'roll', contract: null, quantity: 0, initialQuantity: 0, scaleLevel: 0 });
  });

  it('returns to holding when the exit order fails, and ignores exits while not holding', () => {
    const m = holding(3);
    m.send({ type: 'EXIT_SETUP', ts: 1, reason: 'stop', detail: 'stop' });
    m.send({ type: 'ORDER_FAILED' });
    expect(m.state()).toBe('holding');
    const w = start();
    w.send({ type: 'EXIT_SETUP', ts: 1, reason: 'stop', detail: 'stop' });
    expect(w.state()).toBe('watching');
    expect(w.emitted).toHaveLength(0);
  });

  it('notices a position that went away without its exit (a breaker flatten) or with its last scale-out', () => {
    const m = holding(3);
    m.send({ type: 'FLAT' });
    expect(m.state()).toBe('watching');
    expect(m.ctx().lastExit).toBe('external');
    const s = holding(1);
    s.send({ type: 'SCALE_SETUP', ts: 1, level: 3, quantity: 1, reason: '' });
    s.send({ type: 'FLAT' });
    expect(s.ctx().lastExit).toBe('scale_out');
  });
});

describe('leaps tracker machine: invariants over random event sequences', () => {
  const event = fc.oneof(
    fc.record({ type: fc.constant('ENTRY_SETUP' as const), ts: fc.nat(), contract: fc.constant(CONTRACT), quantity: fc.integer({ min: -1, max: 30 }), reason: fc.constant('') }),
    fc.record({ type: fc.constant('FILLED' as const), contract: fc.constant(CONTRACT), quantity: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ type: fc.constant('ENTRY_FAILED' as const), until: fc.nat(100) }),
    fc.record({ type: fc.constant('TICK' as const), ts: fc.nat(100) }),
    fc.record({ type: fc.constant('SCALE_SETUP' as const), ts: fc.nat(), level: fc.integer({ min: 0, max: 4 }), quantity: fc.integer({ min: 0, max: 30 }), reason: fc.constant('') }),
    fc.record({ type: fc.constant('EXIT_SETUP' as const), ts: fc.nat(), reason: fc.constantFrom('stop' as const, 'roll' as const, 'expiry' as const, 'portfolio_drawdown' as const), detail: fc.constant('') }),
    fc.record({ type: fc.constant('REDUCED' as const), quantity: fc.integer({ min: 0, max: 30 }) }),
    fc.constant({ type: 'ORDER_FAILED' as const }),
    fc.constant({ type: 'FLAT' as const }),
  );

  const isOpen = (v: string) => v === 'holding' || v === 'scalingOut' || v === 'exiting';

  it('opens only from watching, never sells more than it holds, and never takes a scale-out level twice', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const m = start();
        for (const e of events) {
          const before = m.actor.getSnapshot();
          const n = m.emitted.length;
          m.send(e);
          const after = m.actor.getSnapshot();
          const out = m.emitted.slice(n);
          expect(out.length).toBeLessThanOrEqual(1);
          for (const s of out) {
            expect(Number.isSafeInteger(s.quantity) && s.quantity >= 1).toBe(true);
            if (s.action === 'open') expect(before.value).toBe('watching');
            else {
              expect(before.value).toBe('holding');
              expect(s.quantity).toBeLessThanOrEqual(before.context.quantity);
            }
            if (s.action === 'scaleOut') expect(s.level).toBeGreaterThan(before.context.scaleLevel);
          }
          if (after.value === 'holding' || after.value === 'scalingOut') expect(after.context.quantity).toBeGreaterThanOrEqual(1);
          // Levels only go up while a position stays open.
          if (isOpen(before.value) && isOpen(after.value)) expect(after.context.scaleLevel).toBeGreaterThanOrEqual(before.context.scaleLevel);
          if (after.value === 'watching' || after.value === 'coolingOff') expect(after.context.contract).toBeNull();
        }
      }),
    );
  });
});
