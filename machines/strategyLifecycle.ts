import { assertEvent, assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError, errorMessage } from '../engine/domain/errors.js';
import type { Signal } from '../engine/domain/signal.js';

/**
 * The lifecycle every strategy actor shares: stopped, running, halted, failed.
 * The strategy's rules run on the hot path as plain code; this machine only
 * decides whether a raised SIGNAL goes on (`signal`) or is dropped
 * (`signalDropped`).
 *
 * Under a halt from the strategy's own breaker, exit signals still go on
 * (they reduce risk); under a global-breaker or an operator halt nothing does.
 *
 * Halts: a HALT is cleared only by RESUME, or by its own timer when the sender
 * asked for one (`resumeAfterMs`) and the halt did not come from the global
 * breaker. A global-breaker halt is never timed, overrides a timed local halt
 * (cancelling its timer), and survives STOP/START and FAIL: starting a
 * strategy that is still under a halt puts it in `halted`, not `running`.
 */

export type HaltSource = 'global_breaker' | 'strategy_breaker' | 'operator';

export interface StrategyLifecycleContext {
  readonly strategyId: string;
  /** Set while a halt is in force (also while stopped or failed), null otherwise. */
  readonly haltReason: string | null;
  readonly haltSource: HaltSource | null;
  /** Automatic resume delay of the halt in force; null when only RESUME clears it. */
  readonly resumeAfterMs: number | null;
  readonly error: string | null;
  readonly forwardedSignals: number;
  readonly droppedSignals: number;
}

export interface StrategyLifecycleInput {
  readonly strategyId: string;
}

export type StrategyLifecycleEvent =
  | { readonly type: 'START' }
  | { readonly type: 'STOP' }
  | { readonly type: 'HALT'; readonly reason: string; readonly source?: HaltSource; readonly resumeAfterMs?: number }
  | { readonly type: 'RESUME' }
  | { readonly type: 'FAIL'; readonly error: unknown }
  | { readonly type: 'SIGNAL'; readonly signal: Signal };

export type SignalDropReason = 'stopped' | 'halted' | 'failed' | 'wrong_strategy';

export type StrategyLifecycleEmitted =
  | { readonly type: 'signal'; readonly strategyId: string; readonly signal: Signal }
  | { readonly type: 'signalDropped'; readonly strategyId: string; readonly signal: Signal; readonly reason: SignalDropReason }
  | { readonly type: 'started'; readonly strategyId: string }
  | { readonly type: 'stopped'; readonly strategyId: string }
  | { readonly type: 'halted'; readonly strategyId: string; readonly reason: string; readonly source: HaltSource }
  | { readonly type: 'resumed'; readonly strategyId: string; readonly automatic: boolean }
  | { readonly type: 'failed'; readonly strategyId: string; readonly error: string };

export function parseStrategyLifecycleInput(input: StrategyLifecycleInput): StrategyLifecycleContext {
  if (typeof input.strategyId !== 'string' || input.strategyId.trim() === '') {
    throw new InputError('strategyId', 'must be a non-empty string');
  }
  return {
    strategyId: input.strategyId,
    haltReason: null,
    haltSource: null,
    resumeAfterMs: null,
    error: null,
    forwardedSignals: 0,
    droppedSignals: 0,
  };
}

function timedResume(event: StrategyLifecycleEvent): number | null {
  if (event.type !== 'HALT' || event.source === 'global_breaker') return null;
  const ms = event.resumeAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : null;
}

export const strategyLifecycleMachine = setup({
  types: {
    context: {} as StrategyLifecycleContext,
    events: {} as StrategyLifecycleEvent,
    input: {} as StrategyLifecycleInput,
    emitted: {} as StrategyLifecycleEmitted,
  },
  delays: {
    autoResume: ({ context }) => context.resumeAfterMs ?? 0,
  },
  guards: {
    ownSignal: ({ context, event }) => event.type === 'SIGNAL' && event.signal.strategyId === context.strategyId,
    haltPending: ({ context }) => context.haltReason !== null,
    haltIsTimed: ({ context }) => context.resumeAfterMs !== null,
    exitUnderStrategyBreakerHalt: ({ context, event }) =>
      event.type === 'SIGNAL' && event.signal.strategyId === context.strategyId && event.signal.kind === 'exit' && context.haltSource === 'strategy_breaker',
    // First halt wins, except that a global-breaker halt replaces a local one.
    haltTakesPrecedence: ({ context, event }) =>
      event.type === 'HALT' &&
      (context.haltReason === null || (event.source === 'global_breaker' && context.haltSource !== 'global_breaker')),
  },
  actions: {
    recordHalt: assign({
      haltReason: ({ event }) => (event.type === 'HALT' ? event.reason : null),
      haltSource: ({ event }) => (event.type === 'HALT' ? (event.source ?? 'operator') : null),
      resumeAfterMs: ({ event }) => timedResume(event),
    }),
    clearHalt: assign({ haltReason: null, haltSource: null, resumeAfterMs: null }),
    recordError: assign({ error: ({ event }) => (event.type === 'FAIL' ? errorMessage(event.error) : null) }),
    clearError: assign({ error: null }),
    forwardSignal: assign({ forwardedSignals: ({ context }) => context.forwardedSignals + 1 }),
    countDropped: assign({ droppedSignals: ({ context }) => context.droppedSignals + 1 }),
    emitSignal: emit(({ context, event }) => {
      assertEvent(event, 'SIGNAL');
      return { type: 'signal' as const, strategyId: context.strategyId, signal: event.signal };
    }),
    emitSignalDropped: emit(({ context, event }, params: { reason: SignalDropReason }) => {
      assertEvent(event, 'SIGNAL');
      return { type: 'signalDropped' as const, strategyId: context.strategyId, signal: event.signal, reason: params.reason };
    }),
    emitStarted: emit(({ context }) => ({ type: 'started' as const, strategyId: context.strategyId })),
    emitStopped: emit(({ context }) => ({ type: 'stopped' as const, strategyId: context.strategyId })),
    emitHalted: emit(({ context }) => ({
      type: 'halted' as const,
      strategyId: context.strategyId,
      reason: context.haltReason ?? '',
      source: context.haltSource ?? 'operator',
    })),
    emitResumed: emit(({ context }, params: { automatic: boolean }) => ({
      type: 'resumed' as const,
      strategyId: context.strategyId,
      automatic: params.automatic,
    })),
    emitFailed: emit(({ context }) => ({ type: 'failed' as const, strategyId: context.strategyId, error: context.error ?? '' })),
  },
}).createMachine({
  id: 'strategyLifecycle',
  context: ({ input }) => parseStrategyLifecycleInput(input),
  initial: 'stopped',
  states: {
    stopped: {
      on: {
        START: [
          { guard: 'haltPending', target: 'halted' },
          { target: 'running', actions: 'emitStarted' },
        ],
        // Recorded so that a later START cannot slip past a halt.
        HALT: { guard: 'haltTakesPrecedence', actions: 'recordHalt' },
        RESUME: { guard: 'haltPending', actions: 'clearHalt' },
        FAIL: { target: 'failed' },
        SIGNAL: { actions: ['countDropped', { type: 'emitSignalDropped', params: { reason: 'stopped' } }] },
      },
    },
    running: {
      on: {
        SIGNAL: [
          { guard: 'ownSignal', actions: ['forwardSignal', 'emitSignal'] },
          // A signal for another strategy is a wiring bug; it must not become this strategy's order.
          { actions: ['countDropped', { type: 'emitSignalDropped', params: { reason: 'wrong_strategy' } }] },
        ],
        HALT: { target: 'halted', actions: 'recordHalt' },
        STOP: { target: 'stopped', actions: 'emitStopped' },
        FAIL: { target: 'failed' },
      },
    },
    halted: {
      entry: 'emitHalted',
      // Flat on purpose (the engine reads `value` as a plain string). An untimed
      // halt schedules a zero delay whose guard fails, so only RESUME clears it.
      after: {
        autoResume: {
          guard: 'haltIsTimed',
          target: 'running',
          actions: ['clearHalt', { type: 'emitResumed', params: { automatic: true } }],
        },
      },
      on: {
        // Re-entered so a timed local halt's timer is cancelled by the global one.
        HALT: { guard: 'haltTakesPrecedence', target: 'halted', reenter: true, actions: 'recordHalt' },
        RESUME: { target: 'running', actions: ['clearHalt', { type: 'emitResumed', params: { automatic: false } }] },
        STOP: { target: 'stopped', actions: 'emitStopped' },
        FAIL: { target: 'failed' },
        SIGNAL: [
          // A strategy's own breaker stops its new risk, not the way out of it: an exit still goes
          // on. A global-breaker halt (every order blocked, as the issue and the original ask) and
          // an operator's halt stop everything.
          { guard: 'exitUnderStrategyBreakerHalt', actions: ['forwardSignal', 'emitSignal'] },
          { actions: ['countDropped', { type: 'emitSignalDropped', params: { reason: 'halted' } }] },
        ],
      },
    },
    failed: {
      entry: ['recordError', 'emitFailed'],
      on: {
        START: [
          { guard: 'haltPending', target: 'halted', actions: 'clearError' },
          { target: 'running', actions: ['clearError', 'emitStarted'] },
        ],
        STOP: { target: 'stopped', actions: ['clearError', 'emitStopped'] },
        HALT: { guard: 'haltTakesPrecedence', actions: 'recordHalt' },
        RESUME: { guard: 'haltPending', actions: 'clearHalt' },
        SIGNAL: { actions: ['countDropped', { type: 'emitSignalDropped', params: { reason: 'failed' } }] },
      },
    },
  },
});

export type StrategyLifecycleMachine = typeof strategyLifecycleMachine;
export type StrategyLifecycleSnapshot = SnapshotFrom<StrategyLifecycleMachine>;
