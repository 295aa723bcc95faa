import { assign, emit, fromPromise, raise, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { ConfigError, InputError, errorMessage } from '../engine/domain/errors.js';

/**
 * The engine's supervisor.
 *
 *   booting ─START─▶ migrating ─▶ reconciling ─▶ running.starting ─▶ running.trading
 *      any of them ─STOP─▶ stopping ─▶ stopped          a failed step ─▶ failed
 *
 * `booting` waits for START so the engine can attach its `on(...)` listeners
 * before anything runs. Start-up and crash recovery are one path: every start
 * migrates and reconciles before trading. Each step is an invoked actor the
 * engine supplies with `machine.provide({ actors: { migrate, ... } })`; the
 * placeholders here fail loudly so a missing wiring cannot pass for success.
 *
 * Supervision: CHILD_FAILED while running schedules `restartChild` after
 * baseMs × 2^(attempt − 1), capped at maxMs, while the child's restart count is
 * under the budget; past it the child is marked failed. CHILD_HEALTHY resets
 * the count. `failed` is not final: STOP still runs the shutdown actor.
 */

export const DEFAULT_RESTART_BUDGET = 5;
export const DEFAULT_BACKOFF_BASE_MS = 100;
export const DEFAULT_BACKOFF_MAX_MS = 30_000;

export interface EngineRootInput {
  readonly restartBudget?: number;
  readonly baseMs?: number;
  readonly maxMs?: number;
}

export type ChildStatus = 'running' | 'restarting' | 'failed';

export interface ChildRecord {
  /** Restarts since the child was last reported healthy. */
  readonly restarts: number;
  readonly status: ChildStatus;
  readonly lastError: string | null;
}

export interface EngineRootContext {
  readonly restartBudget: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly children: Readonly<Record<string, ChildRecord>>;
  /** The error that sent the engine to `failed` (or made shutdown fail). */
  readonly error: string | null;
}

export type EngineRootEvent =
  | { readonly type: 'START' }
  | { readonly type: 'STOP' }
  | { readonly type: 'CHILD_FAILED'; readonly childId: string; readonly error: unknown }
  | { readonly type: 'CHILD_HEALTHY'; readonly childId: string }
  /** Internal: a child's back-off has elapsed. */
  | { readonly type: 'RESTART_DUE'; readonly childId: string };

export type EngineRootEmitted =
  | { readonly type: 'childRestarting'; readonly childId: string; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'childFailedPermanently'; readonly childId: string; readonly error: string }
  | { readonly type: 'failed'; readonly error: string };

/** Parameters the engine's `restartChild` action receives. */
export interface RestartChildParams {
  readonly childId: string;
  readonly attempt: number;
}

function wholeNumber(value: number, field: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new InputError(field, `must be a whole number >= ${min}, got ${String(value)}`);
  return value;
}

export function parseEngineRootInput(input: EngineRootInput | undefined): EngineRootContext {
  const restartBudget = wholeNumber(input?.restartBudget ?? DEFAULT_RESTART_BUDGET, 'restartBudget', 0);
  const baseMs = wholeNumber(input?.baseMs ?? DEFAULT_BACKOFF_BASE_MS, 'baseMs', 0);
  const maxMs = wholeNumber(input?.maxMs ?? DEFAULT_BACKOFF_MAX_MS, 'maxMs', 0);
  if (maxMs < baseMs) throw new InputError('maxMs', `must be >= baseMs (${baseMs}), got ${maxMs}`);
  return { restartBudget, baseMs, maxMs, children: {}, error: null };
}

/** Back-off before restart number `attempt` (1-based): baseMs × 2^(attempt − 1), capped at maxMs. */
export function restartBackoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

function childOf(context: EngineRootContext, childId: string): ChildRecord {
  return context.children[childId] ?? { restarts: 0, status: 'running', lastError: null };
}

function childIdOf(event: EngineRootEvent): string {
  return 'childId' in event ? event.childId : '';
}

function notProvided(name: string) {
  return fromPromise<unknown>(() => Promise.reject(new ConfigError(`engineRoot.actors.${name}`, 'not provided; supply it with machine.provide')));
}

export const engineRootMachine = setup({
  types: {
    context: {} as EngineRootContext,
    events: {} as EngineRootEvent,
    // Every field has a default: `createActor(machine, { input: {} })` is enough.
    // The assertion is XState's type-declaration idiom, not a cast of a value.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    input: {} as EngineRootInput,
    emitted: {} as EngineRootEmitted,
  },
  actors: {
    migrate: notProvided('migrate'),
    reconcile: notProvided('reconcile'),
    startTrading: notProvided('startTrading'),
    shutdown: notProvided('shutdown'),
  },
  delays: {
    // Read after recordRestart, so `restarts` is already this attempt's number.
    restartBackoff: ({ context, event }) => restartBackoffMs(childOf(context, childIdOf(event)).restarts, context.baseMs, context.maxMs),
  },
  guards: {
    childWithinBudget: ({ context, event }) => childOf(context, childIdOf(event)).restarts < context.restartBudget,
    childAlreadyHandled: ({ context, event }) => {
      const status = context.children[childIdOf(event)]?.status;
      return status === 'restarting' || status === 'failed';
    },
    childAwaitingRestart: ({ context, event }) => context.children[childIdOf(event)]?.status === 'restarting',
  },
  actions: {
    /** Supplied by the engine: restart the child from its last persisted snapshot. */
    restartChild: (_args, _params: RestartChildParams) => {},
    recordRestart: assign({
      children: ({ context, event }) => {
        assertChildEvent(event);
        const child = childOf(context, event.childId);
        return {
          ...context.children,
          [event.childId]: { restarts: child.restarts + 1, status: 'restarting', lastError: childError(event) ?? child.lastError },
        };
      },
    }),
    markChildRunning: assign({
      children: ({ context, event }) => {
        assertChildEvent(event);
        const child = childOf(context, event.childId);
        const restarts = event.type === 'CHILD_HEALTHY' ? 0 : child.restarts;
        return { ...context.children, [event.childId]: { restarts, status: 'running', lastError: child.lastError } };
      },
    }),
    markChildFailed: assign({
      children: ({ context, event }) => {
        assertChildEvent(event);
        const child = childOf(context, event.childId);
        return { ...context.children, [event.childId]: { ...child, status: 'failed', lastError: childError(event) ?? child.lastError } };
      },
    }),
    // One pending restart per child at most (childAlreadyHandled), so no cancel id is needed.
    scheduleRestart: raise(({ event }) => ({ type: 'RESTART_DUE' as const, childId: childIdOf(event) }), { delay: 'restartBackoff' }),
    emitChildRestarting: emit(({ context, event }) => {
      const { restarts } = childOf(context, childIdOf(event));
      return {
        type: 'childRestarting' as const,
        childId: childIdOf(event),
        attempt: restarts,
        delayMs: restartBackoffMs(restarts, context.baseMs, context.maxMs),
      };
    }),
    emitChildFailedPermanently: emit(({ context, event }) => ({
      type: 'childFailedPermanently' as const,
      childId: childIdOf(event),
      error: childOf(context, childIdOf(event)).lastError ?? '',
    })),
    recordError: assign({
      error: ({ event }) => ('error' in event ? errorMessage(event.error) : 'unknown error'),
    }),
    emitFailed: emit(({ context }) => ({ type: 'failed' as const, error: context.error ?? 'unknown error' })),
  },
}).createMachine({
  id: 'engineRoot',
  context: ({ input }) => parseEngineRootInput(input),
  initial: 'booting',
  states: {
    booting: {
      on: { START: 'migrating', STOP: 'stopping' },
    },
    migrating: {
      invoke: {
        src: 'migrate',
        onDone: 'reconciling',
        onError: { target: 'failed', actions: 'recordError' },
      },
      on: { STOP: 'stopping' },
    },
    reconciling: {
      invoke: {
        src: 'reconcile',
        onDone: 'running',
        onError: { target: 'failed', actions: 'recordError' },
      },
      on: { STOP: 'stopping' },
    },
    running: {
      initial: 'starting',
      states: {
        starting: {
          invoke: {
            src: 'startTrading',
            onDone: 'trading',
            onError: { target: '#engineRoot.failed', actions: 'recordError' },
          },
        },
        trading: {},
      },
      on: {
        STOP: 'stopping',
        CHILD_FAILED: [
          // The same failure reported twice, or a child already given up on: counted once.
          { guard: 'childAlreadyHandled' },
          { guard: 'childWithinBudget', actions: ['recordRestart', 'emitChildRestarting', 'scheduleRestart'] },
          { actions: ['markChildFailed', 'emitChildFailedPermanently'] },
        ],
        RESTART_DUE: {
          guard: 'childAwaitingRestart',
          actions: [
            'markChildRunning',
            {
              type: 'restartChild',
              params: ({ context, event }) => ({ childId: event.childId, attempt: childOf(context, event.childId).restarts }),
            },
          ],
        },
        CHILD_HEALTHY: { actions: 'markChildRunning' },
      },
    },
    stopping: {
      // A second STOP lands here and is ignored: shutdown is already running.
      invoke: {
        src: 'shutdown',
        onDone: 'stopped',
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    stopped: { type: 'final' },
    failed: {
      entry: 'emitFailed',
      on: { STOP: 'stopping' },
    },
  },
});

function assertChildEvent(event: EngineRootEvent): asserts event is Extract<EngineRootEvent, { childId: string }> {
  if (!('childId' in event)) throw new Error(`engineRoot: ${event.type} carries no childId`);
}

function childError(event: EngineRootEvent): string | null {
  return event.type === 'CHILD_FAILED' ? errorMessage(event.error) : null;
}

export type EngineRootMachine = typeof engineRootMachine;
export type EngineRootSnapshot = SnapshotFrom<EngineRootMachine>;
