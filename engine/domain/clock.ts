import { InputError } from './errors.js';

/**
 * The one source of time. Live mode uses `RealClock`; replay and tests use
 * `SimulatedClock`, so a replay is deterministic. The timer methods match
 * XState's `clock` option, so delayed transitions follow the same clock.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): unknown {
    return globalThis.setTimeout(fn, ms);
  }
  clearTimeout(id: unknown): void {
    globalThis.clearTimeout(id as ReturnType<typeof globalThis.setTimeout>);
  }
}

interface SimTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire, in due order (ties in
 * creation order), when `set`/`advance` passes their due time. Time never goes
 * backwards: that would make a replay non-deterministic.
 */
export class SimulatedClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: SimTimer[] = [];

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new InputError('startMs', 'must be a finite epoch millisecond value');
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, due: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Move to `ms`, firing every timer due on the way. */
  set(ms: number): void {
    if (!Number.isFinite(ms)) throw new InputError('time', 'must be a finite epoch millisecond value');
    if (ms < this.current) {
      throw new InputError('time', `simulated clock cannot go backwards (${new Date(ms).toISOString()} < ${new Date(this.current).toISOString()})`);
    }
    for (;;) {
      let next: SimTimer | undefined;
      for (const t of this.timers) {
        if (t.due <= ms && (next === undefined || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
      }
      if (next === undefined) break;
      const fired = next;
      this.timers = this.timers.filter((t) => t !== fired);
      this.current = Math.max(this.current, fired.due);
      fired.fn();
    }
    this.current = ms;
  }

  advance(ms: number): void {
    if (ms < 0) throw new InputError('ms', 'cannot advance by a negative amount');
    this.set(this.current + ms);
  }
}
