import { and, assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../engine/domain/errors.js';

/**
 * `lock:<SYMBOL>`: only the holder may have a working order in the symbol.
 * A conflicting request waits in a bounded FIFO queue or is rejected with a
 * reason; it never races.
 *
 * Re-entrancy is not counted: an owner that acquires again is granted again
 * (with the new requestId) and a single RELEASE frees the lock, because an
 * owner works one order per symbol at a time.
 */

export const DEFAULT_LOCK_MAX_QUEUE = 8;

export interface LockRequest {
  readonly ownerId: string;
  readonly requestId: string;
}

export interface SymbolLockContext {
  readonly symbol: string;
  readonly owner: LockRequest | null;
  readonly queue: readonly LockRequest[];
  readonly maxQueue: number;
}

export interface SymbolLockInput {
  readonly symbol: string;
  readonly maxQueue?: number;
}

export type SymbolLockEvent =
  | { readonly type: 'ACQUIRE'; readonly ownerId: string; readonly requestId: string }
  | { readonly type: 'RELEASE'; readonly ownerId: string }
  /** Withdraws a queued request (the waiter gave up); it does not release a held lock. */
  | { readonly type: 'CANCEL'; readonly ownerId: string };

export type LockRejectReason = 'queue_full' | 'already_queued' | 'not_owner' | 'not_queued';

export type SymbolLockEmitted =
  | { readonly type: 'granted'; readonly symbol: string; readonly ownerId: string; readonly requestId: string }
  /** `position` is 1-based: 1 means next in line. */
  | { readonly type: 'queued'; readonly symbol: string; readonly ownerId: string; readonly requestId: string; readonly position: number }
  /** `requestId` is the refused ACQUIRE's, or '' for a refused RELEASE/CANCEL (they carry none). */
  | { readonly type: 'rejected'; readonly symbol: string; readonly ownerId: string; readonly requestId: string; readonly reason: LockRejectReason }
  | { readonly type: 'released'; readonly symbol: string; readonly ownerId: string }
  | { readonly type: 'cancelled'; readonly symbol: string; readonly ownerId: string; readonly requestId: string };

export function parseSymbolLockInput(input: SymbolLockInput): SymbolLockContext {
  if (typeof input.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty string');
  const maxQueue = input.maxQueue ?? DEFAULT_LOCK_MAX_QUEUE;
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) {
    throw new InputError('maxQueue', `must be a whole number >= 0, got ${String(maxQueue)}`);
  }
  return { symbol: input.symbol, owner: null, queue: [], maxQueue };
}

function requestOf(event: SymbolLockEvent): LockRequest {
  return { ownerId: event.ownerId, requestId: event.type === 'ACQUIRE' ? event.requestId : '' };
}

export const symbolLockMachine = setup({
  types: {
    context: {} as SymbolLockContext,
    events: {} as SymbolLockEvent,
    input: {} as SymbolLockInput,
    emitted: {} as SymbolLockEmitted,
  },
  guards: {
    isOwner: ({ context, event }) => context.owner?.ownerId === event.ownerId,
    isQueued: ({ context, event }) => context.queue.some((w) => w.ownerId === event.ownerId),
    queueFull: ({ context }) => context.queue.length >= context.maxQueue,
    hasWaiters: ({ context }) => context.queue.length > 0,
  },
  actions: {
    takeOwnership: assign({ owner: ({ event }) => requestOf(event) }),
    enqueue: assign({ queue: ({ context, event }) => [...context.queue, requestOf(event)] }),
    dequeueWaiter: assign({ queue: ({ context, event }) => context.queue.filter((w) => w.ownerId !== event.ownerId) }),
    promoteHead: assign({
      owner: ({ context }) => context.queue[0] ?? null,
      queue: ({ context }) => context.queue.slice(1),
    }),
    clearOwner: assign({ owner: null }),
    emitGrantedToOwner: emit(({ context }) => {
      // Only reached after takeOwnership/promoteHead, which always set an owner.
      const owner = context.owner ?? { ownerId: '', requestId: '' };
      return { type: 'granted' as const, symbol: context.symbol, ownerId: owner.ownerId, requestId: owner.requestId };
    }),
    emitQueued: emit(({ context, event }) => ({
      type: 'queued' as const,
      symbol: context.symbol,
      ownerId: event.ownerId,
      requestId: requestOf(event).requestId,
      position: context.queue.findIndex((w) => w.ownerId === event.ownerId) + 1,
    })),
    emitReleased: emit(({ context, event }) => ({ type: 'released' as const, symbol: context.symbol, ownerId: event.ownerId })),
    emitCancelled: emit(({ context, event }) => ({
      type: 'cancelled' as const,
      symbol: context.symbol,
      ownerId: event.ownerId,
      requestId: context.queue.find((w) => w.ownerId === event.ownerId)?.requestId ?? '',
    })),
    emitRejected: emit(({ context, event }, params: { reason: LockRejectReason }) => ({
      type: 'rejected' as const,
      symbol: context.symbol,
      ownerId: event.ownerId,
      requestId: event.type === 'ACQUIRE' ? event.requestId : '',
      reason: params.reason,
    })),
  },
}).createMachine({
  id: 'symbolLock',
  context: ({ input }) => parseSymbolLockInput(input),
  initial: 'free',
  states: {
    free: {
      on: {
        ACQUIRE: { target: 'held', actions: ['takeOwnership', 'emitGrantedToOwner'] },
        RELEASE: { actions: { type: 'emitRejected', params: { reason: 'not_owner' } } },
        CANCEL: { actions: { type: 'emitRejected', params: { reason: 'not_queued' } } },
      },
    },
    held: {
      on: {
        ACQUIRE: [
          { guard: 'isOwner', actions: ['takeOwnership', 'emitGrantedToOwner'] },
          { guard: 'isQueued', actions: { type: 'emitRejected', params: { reason: 'already_queued' } } },
          { guard: 'queueFull', actions: { type: 'emitRejected', params: { reason: 'queue_full' } } },
          { actions: ['enqueue', 'emitQueued'] },
        ],
        RELEASE: [
          { guard: and(['isOwner', 'hasWaiters']), actions: ['emitReleased', 'promoteHead', 'emitGrantedToOwner'] },
          { guard: 'isOwner', target: 'free', actions: ['emitReleased', 'clearOwner'] },
          { actions: { type: 'emitRejected', params: { reason: 'not_owner' } } },
        ],
        CANCEL: [
          // emitCancelled reads the waiter before dequeueWaiter removes it.
          { guard: 'isQueued', actions: ['emitCancelled', 'dequeueWaiter'] },
          { actions: { type: 'emitRejected', params: { reason: 'not_queued' } } },
        ],
      },
    },
  },
});

export type SymbolLockMachine = typeof symbolLockMachine;
export type SymbolLockSnapshot = SnapshotFrom<SymbolLockMachine>;
