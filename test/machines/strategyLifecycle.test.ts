import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { equity } from '../../engine/domain/instrument.js';
import type { Signal } from '../../engine/domain/signal.js';
import { InputError } from '../../engine/domain/errors.js';
import {
  parseStrategyLifecycleInput,
  strategyLifecycleMachine,
  type StrategyLifecycleEmitted,
  type StrategyLifecycleEvent,
} from '../../machines/strategyLifecycle.js';

function signal(strategyId = 's1', id = 'sig-1'): Signal {
  return {
    id,
    strategyId,
    symbol: 'SPY',
    kind: 'entry',
    ts: 0,
    strength: 70,
    reason: 'test',
    intent: { strategyId, instrument: equity('SPY'), side: 'buy', quantity: 1, type: 'market', limitPrice: null, reason: 'test', signalId: id },
    features: {},
  };
}

function strategy(...events: StrategyLifecycleEvent[]) {
  const clock = new SimulatedClock(0);
  const actor = createActor(strategyLifecycleMachine, { input: { strategyId: 's1' }, clock });
  const emitted: StrategyLifecycleEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return { actor, clock, take: () => emitted.splice(0), value: () => actor.getSnapshot().value, ctx: () => actor.getSnapshot().context };
}

const START = { type: 'START' } as const;
const STOP = { type: 'STOP' } as const;
const RESUME = { type: 'RESUME' } as const;
const globalHalt = { type: 'HALT', reason: 'breaker:daily_loss_limit', source: 'global_breaker' } as const;

describe('strategyLifecycle transitions', () => {
  it('starts stopped and START → running', () => {
    const s = strategy();
    expect(s.value()).toBe('stopped');
    s.actor.send(START);
    expect(s.value()).toBe('running');
    expect(s.take()).toEqual([{ type: 'started', strategyId: 's1' }]);
  });

  it('running: STOP → stopped', () => {
    const s = strategy(START);
    s.actor.send(STOP);
    expect(s.value()).toBe('stopped');
    expect(s.take()).toEqual([{ type: 'stopped', strategyId: 's1' }]);
  });

  it('running: HALT → halted with the reason, RESUME → running', () => {
    const s = strategy(START);
    s.actor.send({ type: 'HALT', reason: 'operator says so' });
    expect(s.value()).toBe('halted');
    expect(s.ctx().haltReason).toBe('operator says so');
    expect(s.take()).toEqual([{ type: 'halted', strategyId: 's1', reason: 'operator says so', source: 'operator' }]);
    s.actor.send(RESUME);
    expect(s.value()).toBe('running');
    expect(s.ctx().haltReason).toBeNull();
    expect(s.take()).toEqual([{ type: 'resumed', strategyId: 's1', automatic: false }]);
  });

  it('a global-breaker halt never resumes by itself, even when a resume delay is given', () => {
    const s = strategy(START);
    s.actor.send({ ...globalHalt, resumeAfterMs: 1_000 });
    s.clock.advance(24 * 3_600_000);
    expect(s.value()).toBe('halted');
    expect(s.ctx().haltSource).toBe('global_breaker');
    s.actor.send(RESUME);
    expect(s.value()).toBe('running');
  });

  it('an untimed local halt stays halted until RESUME', () => {
    const s = strategy(START, { type: 'HALT', reason: 'x', source: 'strategy_breaker' });
    s.clock.advance(3_600_000);
    expect(s.value()).toBe('halted');
  });

  it('a timed local halt resumes after its delay', () => {
    const s = strategy(START, { type: 'HALT', reason: 'cool off', source: 'strategy_breaker', resumeAfterMs: 60_000 });
    s.clock.advance(59_999);
    expect(s.value()).toBe('halted');
    s.clock.advance(1);
    expect(s.value()).toBe('running');
    expect(s.take()).toEqual([{ type: 'resumed', strategyId: 's1', automatic: true }]);
    expect(s.ctx().haltReason).toBeNull();
  });

  it('a global halt overrides a timed local halt and cancels its timer', () => {
    const s = strategy(START, { type: 'HALT', reason: 'local', source: 'strategy_breaker', resumeAfterMs: 60_000 });
    s.clock.advance(30_000);
    s.actor.send(globalHalt);
    expect(s.take()).toEqual([{ type: 'halted', strategyId: 's1', reason: globalHalt.reason, source: 'global_breaker' }]);
    s.clock.advance(120_000);
    expect(s.value()).toBe('halted');
    expect(s.ctx().haltReason).toBe(globalHalt.reason);
  });

  it('the first halt reason stays while halted (a later local halt does not replace it)', () => {
    const s = strategy(START, globalHalt);
    s.actor.send({ type: 'HALT', reason: 'later', source: 'operator', resumeAfterMs: 10 });
    s.clock.advance(1_000);
    expect(s.ctx().haltReason).toBe(globalHalt.reason);
    expect(s.value()).toBe('halted');
    expect(s.take()).toEqual([]);
  });

  it('STOP then START cannot slip past a global halt', () => {
    const s = strategy(START, globalHalt, STOP);
    expect(s.value()).toBe('stopped');
    s.actor.send(START);
    expect(s.value()).toBe('halted');
    s.actor.send(RESUME);
    expect(s.value()).toBe('running');
  });

  it('a HALT received while stopped is kept for the next START; RESUME while stopped clears it', () => {
    const s = strategy(globalHalt);
    expect(s.value()).toBe('stopped');
    expect(s.ctx().haltReason).toBe(globalHalt.reason);
    s.actor.send(RESUME);
    expect(s.ctx().haltReason).toBeNull();
    s.actor.send(START);
    expect(s.value()).toBe('running');
  });

  it('halted: START is not a way to resume', () => {
    const s = strategy(START, globalHalt);
    s.actor.send(START);
    expect(s.value()).toBe('halted');
  });

  it('FAIL from running or halted → failed with the message; START restarts it; STOP stops it', () => {
    const s = strategy(START);
    s.actor.send({ type: 'FAIL', error: new Error('boom') });
    expect(s.value()).toBe('failed');
    expect(s.ctx().error).toBe('boom');
    expect(s.take()).toEqual([{ type: 'failed', strategyId: 's1', error: 'boom' }]);
    s.actor.send(START);
    expect(s.value()).toBe('running');
    expect(s.ctx().error).toBeNull();

    const h = strategy(START, globalHalt);
    h.actor.send({ type: 'FAIL', error: 'string error' });
    expect(h.value()).toBe('failed');
    h.actor.send(START);
    expect(h.value()).toBe('halted');
    h.actor.send({ type: 'FAIL', error: 'again' });
    h.actor.send(STOP);
    expect(h.value()).toBe('stopped');
  });

  it('FAIL while stopped → failed', () => {
    const s = strategy();
    s.actor.send({ type: 'FAIL', error: 'restore failed' });
    expect(s.value()).toBe('failed');
  });

  it('RESUME while running is ignored', () => {
    const s = strategy(START);
    expect(s.actor.getSnapshot().can(RESUME)).toBe(false);
    s.actor.send(RESUME);
    expect(s.take()).toEqual([]);
  });
});

describe('strategyLifecycle signals', () => {
  it('forwards a signal while running', () => {
    const s = strategy(START);
    const sig = signal();
    s.actor.send({ type: 'SIGNAL', signal: sig });
    expect(s.take()).toEqual([{ type: 'signal', strategyId: 's1', signal: sig }]);
    expect(s.ctx().forwardedSignals).toBe(1);
    expect(s.ctx().droppedSignals).toBe(0);
  });

  it.each([
    ['stopped', [] as StrategyLifecycleEvent[]],
    ['halted', [START, globalHalt] as StrategyLifecycleEvent[]],
    ['failed', [START, { type: 'FAIL', error: 'x' }] as StrategyLifecycleEvent[]],
  ] as const)('drops a signal while %s', (reason, setup) => {
    const s = strategy(...setup);
    const sig = signal();
    s.actor.send({ type: 'SIGNAL', signal: sig });
    expect(s.take()).toEqual([{ type: 'signalDropped', strategyId: 's1', signal: sig, reason }]);
    expect(s.ctx().droppedSignals).toBe(1);
    expect(s.ctx().forwardedSignals).toBe(0);
  });

  it("halted by the strategy's own breaker, an exit still goes on; under a global-breaker or operator halt it is dropped", () => {
    const exit = { ...signal('s1', 'x'), kind: 'exit' as const };
    const own = strategy(START, { type: 'HALT', reason: 'breaker:daily_loss_limit', source: 'strategy_breaker' });
    own.actor.send({ type: 'SIGNAL', signal: exit });
    own.actor.send({ type: 'SIGNAL', signal: signal('s1', 'entry') });
    expect(own.take().map((e) => e.type)).toEqual(['signal', 'signalDropped']);
    for (const halt of [globalHalt, { type: 'HALT', reason: 'maintenance', source: 'operator' } as const]) {
      const s = strategy(START, halt);
      s.actor.send({ type: 'SIGNAL', signal: exit });
      expect(s.take()).toMatchObject([{ type: 'signalDropped', reason: 'halted' }]);
    }
  });

  it("drops another strategy's signal as wrong_strategy", () => {
    const s = strategy(START);
    s.actor.send({ type: 'SIGNAL', signal: signal('other') });
    expect(s.take()).toMatchObject([{ type: 'signalDropped', reason: 'wrong_strategy' }]);
  });

  it('counts forwarded and dropped signals across a halt', () => {
    const s = strategy(START);
    s.actor.send({ type: 'SIGNAL', signal: signal('s1', 'a') });
    s.actor.send(globalHalt);
    s.actor.send({ type: 'SIGNAL', signal: signal('s1', 'b') });
    s.actor.send({ type: 'SIGNAL', signal: signal('s1', 'c') });
    s.actor.send(RESUME);
    s.actor.send({ type: 'SIGNAL', signal: signal('s1', 'd') });
    expect(s.ctx().forwardedSignals).toBe(2);
    expect(s.ctx().droppedSignals).toBe(2);
  });
});

describe('strategyLifecycle input', () => {
  it('names the field of a bad input', () => {
    expect(() => parseStrategyLifecycleInput({ strategyId: '' })).toThrow(InputError);
    expect(() => parseStrategyLifecycleInput({ strategyId: '' })).toThrow(/^strategyId:/);
    expect(createActor(strategyLifecycleMachine, { input: { strategyId: ' ' } }).getSnapshot().status).toBe('error');
  });
});
