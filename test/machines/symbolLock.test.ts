import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';
import { DEFAULT_LOCK_MAX_QUEUE, parseSymbolLockInput, symbolLockMachine, type SymbolLockEmitted, type SymbolLockEvent } from '../../machines/symbolLock.js';

function lock(maxQueue?: number) {
  const actor = createActor(symbolLockMachine, { input: { symbol: 'AAPL', ...(maxQueue === undefined ? {} : { maxQueue }) } });
  const emitted: SymbolLockEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  const take = () => emitted.splice(0);
  return { actor, take, ctx: () => actor.getSnapshot().context, state: () => actor.getSnapshot().value };
}

const acquire = (ownerId: string, requestId = `${ownerId}-r`): SymbolLockEvent => ({ type: 'ACQUIRE', ownerId, requestId });

describe('symbolLock', () => {
  it('grants a free lock', () => {
    const l = lock();
    l.actor.send(acquire('a', 'r1'));
    expect(l.state()).toBe('held');
    expect(l.ctx().owner).toEqual({ ownerId: 'a', requestId: 'r1' });
    expect(l.take()).toEqual([{ type: 'granted', symbol: 'AAPL', ownerId: 'a', requestId: 'r1' }]);
  });

  it('grants again to the owner (re-entrant) and one RELEASE frees it', () => {
    const l = lock();
    l.actor.send(acquire('a', 'r1'));
    l.take();
    l.actor.send(acquire('a', 'r2'));
    expect(l.take()).toEqual([{ type: 'granted', symbol: 'AAPL', ownerId: 'a', requestId: 'r2' }]);
    expect(l.ctx().owner).toEqual({ ownerId: 'a', requestId: 'r2' });
    expect(l.ctx().queue).toEqual([]);
    l.actor.send({ type: 'RELEASE', ownerId: 'a' });
    expect(l.state()).toBe('free');
    expect(l.ctx().owner).toBeNull();
  });

  it('queues a conflicting request with its 1-based position', () => {
    const l = lock();
    l.actor.send(acquire('a'));
    l.actor.send(acquire('b', 'rb'));
    l.actor.send(acquire('c', 'rc'));
    expect(l.take().slice(1)).toEqual([
      { type: 'queued', symbol: 'AAPL', ownerId: 'b', requestId: 'rb', position: 1 },
      { type: 'queued', symbol: 'AAPL', ownerId: 'c', requestId: 'rc', position: 2 },
    ]);
    expect(l.ctx().queue.map((w) => w.ownerId)).toEqual(['b', 'c']);
  });

  it('rejects with queue_full when the queue is at maxQueue', () => {
    const l = lock(1);
    l.actor.send(acquire('a'));
    l.actor.send(acquire('b'));
    l.take();
    l.actor.send(acquire('c', 'rc'));
    expect(l.take()).toEqual([{ type: 'rejected', symbol: 'AAPL', ownerId: 'c', requestId: 'rc', reason: 'queue_full' }]);
    expect(l.ctx().queue.map((w) => w.ownerId)).toEqual(['b']);
  });

  it('a maxQueue of 0 rejects every conflicting request', () => {
    const l = lock(0);
    l.actor.send(acquire('a'));
    l.actor.send(acquire('b', 'rb'));
    expect(l.take()[1]).toMatchObject({ type: 'rejected', reason: 'queue_full' });
  });

  it('rejects with already_queued when the same owner asks again while waiting', () => {
    const l = lock();
    l.actor.send(acquire('a'));
    l.actor.send(acquire('b', 'rb1'));
    l.take();
    l.actor.send(acquire('b', 'rb2'));
    expect(l.take()).toEqual([{ type: 'rejected', symbol: 'AAPL', ownerId: 'b', requestId: 'rb2', reason: 'already_queued' }]);
    expect(l.ctx().queue).toEqual([{ ownerId: 'b', requestId: 'rb1' }]);
  });

  it('on RELEASE hands the lock to the head of the queue', () => {
    const l = lock();
    l.actor.send(acquire('a'));
    l.actor.send(acquire('b', 'rb'));
    l.actor.send(acquire('c', 'rc'));
    l.take();
    l.actor.send({ type: 'RELEASE', ownerId: 'a' });
    expect(l.take()).toEqual([
      { type: 'released', symbol: 'AAPL', ownerId: 'a' },
      { type: 'granted', symbol: 'AAPL', ownerId: 'b', requestId: 'rb' },
    ]);
    expect(l.ctx().owner).toEqual({ ownerId: 'b', requestId: 'rb' });
    expect(l.ctx().queue).toEqual([{ ownerId: 'c', requestId: 'rc' }]);
    expect(l.state()).toBe('held');
  });

  it('rejects RELEASE by a non-owner (held or free) and changes nothing', () => {
    const l = lock();
    l.actor.send({ type: 'RELEASE', ownerId: 'x' });
    expect(l.take()).toEqual([{ type: 'rejected', symbol: 'AAPL', ownerId: 'x', requestId: '', reason: 'not_owner' }]);
    l.actor.send(acquire('a'));
    l.actor.send(acquire('b'));
    l.take();
    const before = l.ctx();
    l.actor.send({ type: 'RELEASE', ownerId: 'b' });
    expect(l.take()).toEqual([{ type: 'rejected', symbol: 'AAPL', ownerId: 'b', requestId: '', reason: 'not_owner' }]);
    expect(l.ctx()).toEqual(before);
  });

  it('CANCEL removes a queued waiter; CANCEL of someone not queued is rejected', () => {
    const l = lock();
    l.actor.send(acquire('a'));
    l.actor.send(acquire('b', 'rb'));
    l.actor.send(acquire('c', 'rc'));
    l.take();
    l.actor.send({ type: 'CANCEL', ownerId: 'b' });
    expect(l.take()).toEqual([{ type: 'cancelled', symbol: 'AAPL', ownerId: 'b', requestId: 'rb' }]);
    expect(l.ctx().queue).toEqual([{ ownerId: 'c', requestId: 'rc' }]);
    l.actor.send({ type: 'CANCEL', ownerId: 'a' });
    expect(l.take()).toEqual([{ type: 'rejected', symbol: 'AAPL', ownerId: 'a', requestId: '', reason: 'not_queued' }]);
    l.actor.send({ type: 'RELEASE', ownerId: 'a' });
    expect(l.ctx().owner?.ownerId).toBe('c');
  });

  it('validates its input, naming the field', () => {
    expect(parseSymbolLockInput({ symbol: 'X' }).maxQueue).toBe(DEFAULT_LOCK_MAX_QUEUE);
    expect(() => parseSymbolLockInput({ symbol: ' ' })).toThrow(/^symbol:/);
    expect(() => parseSymbolLockInput({ symbol: 'X', maxQueue: -1 })).toThrow(InputError);
    expect(() => parseSymbolLockInput({ symbol: 'X', maxQueue: 1.5 })).toThrow(/^maxQueue:/);
  });

  it('property: one owner at most, bounded queue, FIFO grants', () => {
    const owners = ['a', 'b', 'c', 'd', 'e'];
    const commandArb = fc.record({
      kind: fc.constantFrom('ACQUIRE', 'RELEASE', 'CANCEL'),
      owner: fc.constantFrom(...owners),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(commandArb, { maxLength: 60 }), (maxQueue, commands) => {
        const l = lock(maxQueue);
        // A model of the waiting line built only from what the lock announced.
        let holder: string | null = null;
        let line: string[] = [];
        let n = 0;
        for (const c of commands) {
          n++;
          const event: SymbolLockEvent =
            c.kind === 'ACQUIRE' ? { type: 'ACQUIRE', ownerId: c.owner, requestId: `${c.owner}-${n}` } : { type: c.kind, ownerId: c.owner };
          l.actor.send(event);
          for (const e of l.take()) {
            if (e.type === 'granted') {
              if (holder !== null && holder !== e.ownerId) throw new Error(`granted to ${e.ownerId} while ${holder} holds`);
              if (holder === null && line.length > 0) {
                expect(e.ownerId).toBe(line[0]);
                line = line.slice(1);
              }
              holder = e.ownerId;
            } else if (e.type === 'released') {
              expect(e.ownerId).toBe(holder);
              holder = null;
            } else if (e.type === 'queued') {
              line.push(e.ownerId);
              expect(e.position).toBe(line.length);
            } else if (e.type === 'cancelled') {
              line = line.filter((o) => o !== e.ownerId);
            }
          }
          const ctx = l.ctx();
          expect(ctx.queue.length).toBeLessThanOrEqual(maxQueue);
          expect(ctx.owner?.ownerId ?? null).toBe(holder);
          expect(ctx.queue.map((w) => w.ownerId)).toEqual(line);
          expect(new Set(ctx.queue.map((w) => w.ownerId)).size).toBe(ctx.queue.length);
          if (ctx.owner === null) expect(ctx.queue).toEqual([]);
        }
      }),
      { seed: 424242, numRuns: 400 },
    );
  });
});
