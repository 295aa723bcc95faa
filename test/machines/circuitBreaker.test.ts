import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { InputError } from '../../engine/domain/errors.js';
import {
  breakerCooldownMs,
  circuitBreakerMachine,
  DEFAULT_BREAKER_COOLDOWN_MS,
  parseCircuitBreakerInput,
  type CircuitBreakerEmitted,
  type CircuitBreakerInput,
} from '../../machines/circuitBreaker.js';

function breaker(input: Partial<CircuitBreakerInput> = {}) {
  const clock = new SimulatedClock(1_000_000);
  const actor = createActor(circuitBreakerMachine, { input: { scope: 'global', ...input }, clock });
  const emitted: CircuitBreakerEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  return { actor, clock, take: () => emitted.splice(0), value: () => actor.getSnapshot().value, ctx: () => actor.getSnapshot().context };
}

const trip = (reason = 'daily_loss_limit', detail = 'lost 6%') => ({ type: 'TRIP', reason, detail }) as const;

describe('circuitBreaker', () => {
  it('starts closed; TRIP opens it and announces the trip', () => {
    const b = breaker();
    expect(b.value()).toBe('closed');
    b.actor.send(trip());
    expect(b.value()).toBe('open');
    expect(b.take()).toEqual([
      { type: 'tripped', scope: 'global', reason: 'daily_loss_limit', detail: 'lost 6%', manual: false, tripCount: 1, cooldownMs: DEFAULT_BREAKER_COOLDOWN_MS },
    ]);
  });

  it('goes half-open exactly after the cool-down (default 300 s)', () => {
    const b = breaker();
    b.actor.send(trip());
    b.take();
    b.clock.advance(299_999);
    expect(b.value()).toBe('open');
    b.clock.advance(1);
    expect(b.value()).toBe('halfOpen');
    expect(b.take()).toEqual([{ type: 'halfOpen', scope: 'global' }]);
  });

  it('PROBE_SUCCEEDED closes it; PROBE_FAILED reopens with a longer cool-down', () => {
    const b = breaker({ cooldownMs: 1_000 });
    b.actor.send(trip());
    b.clock.advance(1_000);
    b.take();
    b.actor.send({ type: 'PROBE_FAILED' });
    expect(b.value()).toBe('open');
    expect(b.ctx().tripCount).toBe(2);
    expect(b.take()).toEqual([expect.objectContaining({ type: 'tripped', reason: 'probe_failed', tripCount: 2, cooldownMs: 2_000 })]);
    b.clock.advance(1_999);
    expect(b.value()).toBe('open');
    b.clock.advance(1);
    expect(b.value()).toBe('halfOpen');
    b.actor.send({ type: 'PROBE_SUCCEEDED' });
    expect(b.value()).toBe('closed');
    expect(b.take()).toEqual([{ type: 'halfOpen', scope: 'global' }, { type: 'closed', scope: 'global', by: 'probe' }]);
    expect(b.ctx().reason).toBeNull();
    // Closing resets the growth: the next trip waits the base cool-down again.
    b.actor.send(trip());
    b.clock.advance(1_000);
    expect(b.value()).toBe('halfOpen');
  });

  it('the cool-down doubles per consecutive opening and is capped', () => {
    const b = breaker({ cooldownMs: 1_000, maxCooldownMs: 5_000 });
    b.actor.send(trip());
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = b.clock.now();
      while (b.value() !== 'halfOpen') b.clock.advance(1);
      waits.push(b.clock.now() - start);
      b.actor.send({ type: 'PROBE_FAILED' });
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('TRIP while open keeps the first reason but counts', () => {
    const b = breaker();
    b.actor.send(trip('drawdown_limit', 'first'));
    b.actor.send(trip('error_burst', 'second'));
    b.actor.send(trip('stale_data', 'third'));
    expect(b.ctx()).toMatchObject({ reason: 'drawdown_limit', detail: 'first', tripCount: 3 });
    expect(b.take()).toHaveLength(1);
  });

  it('a manual halt never auto-resets; only RESET closes it', () => {
    const b = breaker();
    b.actor.send({ type: 'MANUAL_HALT', by: 'ops@desk' });
    expect(b.value()).toBe('open');
    expect(b.take()).toEqual([
      { type: 'tripped', scope: 'global', reason: 'manual_halt', detail: 'halted by ops@desk', manual: true, tripCount: 1, cooldownMs: null },
    ]);
    b.clock.advance(7 * 24 * 3_600_000);
    expect(b.value()).toBe('open');
    b.actor.send({ type: 'RESET', by: 'ops@desk' });
    expect(b.value()).toBe('closed');
    expect(b.take()).toEqual([{ type: 'closed', scope: 'global', by: 'ops@desk' }]);
    expect(b.ctx()).toMatchObject({ manual: false, haltedBy: null, reason: null });
  });

  it('a manual halt during an automatic cool-down takes it over: no half-open (the original defect)', () => {
    const b = breaker();
    b.actor.send(trip());
    b.clock.advance(100_000);
    b.actor.send({ type: 'MANUAL_HALT', by: 'ops' });
    expect(b.ctx()).toMatchObject({ reason: 'daily_loss_limit', manual: true, haltedBy: 'ops', tripCount: 2 });
    b.clock.advance(10 * DEFAULT_BREAKER_COOLDOWN_MS);
    expect(b.value()).toBe('open');
  });

  it('RESET from open and from halfOpen closes it; RESET while closed is ignored', () => {
    const b = breaker({ cooldownMs: 10 });
    b.actor.send({ type: 'RESET', by: 'x' });
    expect(b.take()).toEqual([]);
    b.actor.send(trip());
    b.actor.send({ type: 'RESET', by: 'a' });
    expect(b.value()).toBe('closed');
    b.actor.send(trip());
    b.clock.advance(10);
    expect(b.value()).toBe('halfOpen');
    b.actor.send({ type: 'RESET', by: 'b' });
    expect(b.value()).toBe('closed');
    // The pending timer of the first opening was cancelled by the RESET.
    b.clock.advance(1_000);
    expect(b.value()).toBe('closed');
  });

  it('a TRIP or MANUAL_HALT while half-open reopens it', () => {
    const b = breaker({ cooldownMs: 10 });
    b.actor.send(trip());
    b.clock.advance(10);
    b.take();
    b.actor.send(trip('error_burst', 'again'));
    expect(b.value()).toBe('open');
    expect(b.take()).toEqual([expect.objectContaining({ type: 'tripped', reason: 'error_burst', cooldownMs: 20 })]);
    b.clock.advance(20);
    b.actor.send({ type: 'MANUAL_HALT', by: 'ops' });
    expect(b.ctx().manual).toBe(true);
    b.clock.advance(1_000_000);
    expect(b.value()).toBe('open');
  });

  it('probe events are ignored unless half-open', () => {
    const b = breaker();
    expect(b.actor.getSnapshot().can({ type: 'PROBE_SUCCEEDED' })).toBe(false);
    b.actor.send(trip());
    expect(b.actor.getSnapshot().can({ type: 'PROBE_SUCCEEDED' })).toBe(false);
    expect(b.actor.getSnapshot().can({ type: 'PROBE_FAILED' })).toBe(false);
  });

  it('a per-strategy breaker carries its scope', () => {
    const b = breaker({ scope: 'wsb-dip-bot', cooldownMs: 5 });
    b.actor.send(trip());
    b.clock.advance(5);
    expect(b.take().map((e) => e.scope)).toEqual(['wsb-dip-bot', 'wsb-dip-bot']);
  });

  it.each([
    [{ scope: '' }, 'scope'],
    [{ scope: 'global', cooldownMs: -1 }, 'cooldownMs'],
    [{ scope: 'global', cooldownMs: 1.5 }, 'cooldownMs'],
    [{ scope: 'global', cooldownMs: 1_000, maxCooldownMs: 999 }, 'maxCooldownMs'],
  ])('rejects input %j naming %s', (input, field) => {
    expect(() => parseCircuitBreakerInput(input)).toThrow(InputError);
    expect(() => parseCircuitBreakerInput(input)).toThrow(new RegExp(`^${field}:`));
  });

  it('a cooldown above the default maximum raises the cap with it', () => {
    expect(parseCircuitBreakerInput({ scope: 'g', cooldownMs: 7_200_000 }).maxCooldownMs).toBe(7_200_000);
  });

  it('property: the cool-down is non-decreasing in openings and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 1, max: 2_000 }), (base, extra, opens) => {
        const max = base + extra;
        const a = breakerCooldownMs(base, max, opens);
        const b = breakerCooldownMs(base, max, opens + 1);
        expect(a).toBeGreaterThanOrEqual(Math.min(base, max));
        expect(b).toBeGreaterThanOrEqual(a);
        expect(b).toBeLessThanOrEqual(max);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
