import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { InputError } from '../../engine/domain/errors.js';

describe('SimulatedClock', () => {
  it('fires timers in due order when time passes them', () => {
    const clock = new SimulatedClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    clock.setTimeout(() => fired.push('c'), 200);
    clock.advance(150);
    expect(fired).toEqual(['a']);
    clock.set(1200);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(1200);
  });

  it('runs a timer at its due time, and timers scheduled by timers', () => {
    const clock = new SimulatedClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 10);
    }, 5);
    clock.advance(100);
    expect(seen).toEqual([5, 15]);
  });

  it('cancels timers', () => {
    const clock = new SimulatedClock(0);
    let fired = false;
    const id = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(id);
    clock.advance(20);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses to go backwards, naming the field', () => {
    const clock = new SimulatedClock(1000);
    expect(() => clock.set(999)).toThrow(InputError);
    expect(() => clock.set(999)).toThrow(/time: simulated clock cannot go backwards/);
    expect(() => clock.advance(-1)).toThrow(/ms/);
    expect(() => new SimulatedClock(Number.NaN)).toThrow(/startMs/);
  });
});
