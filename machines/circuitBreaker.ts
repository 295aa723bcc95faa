import { assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../engine/domain/errors.js';

/**
 * A circuit breaker (the global one, or one per strategy): closed → open on a
 * trip, open → halfOpen after a cool-down, halfOpen → closed when the engine's
 * probe succeeds (or back to open when it fails), and RESET by an operator
 * from open or halfOpen.
 *
 * Fixes to the original (SPEC §13): a MANUAL_HALT never auto-resets, not even
 * when it lands on a breaker already open for an automatic trip; only RESET
 * clears it. The first trip's reason is kept while open (first trip wins),
 * but every further TRIP is counted.
 *
 * Cool-down: cooldownMs × 2^(opens − 1), capped at maxCooldownMs, where
 * `opens` counts the openings since the breaker was last closed. A breaker
 * that keeps failing its probe waits longer each time instead of flapping;
 * closing it (probe success or RESET) starts again from cooldownMs.
 *
 * States are flat so that `snapshot.value` is the plain string the engine
 * and gateway publish; "manual" is a context flag guarding the delay.
 */

export const DEFAULT_BREAKER_COOLDOWN_MS = 300_000;
export const DEFAULT_BREAKER_MAX_COOLDOWN_MS = 3_600_000;

export interface CircuitBreakerInput {
  /** 'global' or a strategy id. */
  readonly scope: string;
  readonly cooldownMs?: number;
  readonly maxCooldownMs?: number;
}

export interface CircuitBreakerContext {
  readonly scope: string;
  readonly cooldownMs: number;
  readonly maxCooldownMs: number;
  /** Every trip, manual halt and failed probe ever counted, including TRIPs while already open. */
  readonly tripCount: number;
  /** Openings since the breaker was last closed; drives the cool-down growth. */
  readonly opensSinceClosed: number;
  readonly reason: string | null;
  readonly detail: string | null;
  /** True while the open state comes from (or was taken over by) a MANUAL_HALT. */
  readonly manual: boolean;
  readonly haltedBy: string | null;
}

export type CircuitBreakerEvent =
  | { readonly type: 'TRIP'; readonly reason: string; readonly detail: string }
  | { readonly type: 'MANUAL_HALT'; readonly by: string }
  | { readonly type: 'RESET'; readonly by: string }
  | { readonly type: 'PROBE_SUCCEEDED' }
  | { readonly type: 'PROBE_FAILED' };

export type CircuitBreakerEmitted =
  | {
      readonly type: 'tripped';
      readonly scope: string;
      readonly reason: string;
      readonly detail: string;
      readonly manual: boolean;
      readonly tripCount: number;
      /** How long until half-open; null for a manual halt, which waits for RESET. */
      readonly cooldownMs: number | null;
    }
  | { readonly type: 'halfOpen'; readonly scope: string }
  | { readonly type: 'closed'; readonly scope: string; readonly by: string };

export const MANUAL_HALT_REASON = 'manual_halt';
export const PROBE_FAILED_REASON = 'probe_failed';

function nonNegativeInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InputError(field, `must be a whole number of milliseconds >= 0, got ${String(value)}`);
  return value;
}

export function parseCircuitBreakerInput(input: CircuitBreakerInput): CircuitBreakerContext {
  if (typeof input.scope !== 'string' || input.scope.trim() === '') throw new InputError('scope', "must be 'global' or a strategy id");
  const cooldownMs = nonNegativeInteger(input.cooldownMs ?? DEFAULT_BREAKER_COOLDOWN_MS, 'cooldownMs');
  const maxCooldownMs = nonNegativeInteger(input.maxCooldownMs ?? Math.max(DEFAULT_BREAKER_MAX_COOLDOWN_MS, cooldownMs), 'maxCooldownMs');
  if (maxCooldownMs < cooldownMs) throw new InputError('maxCooldownMs', `must be >= cooldownMs (${cooldownMs}), got ${maxCooldownMs}`);
  return {
    scope: input.scope,
    cooldownMs,
    maxCooldownMs,
    tripCount: 0,
    opensSinceClosed: 0,
    reason: null,
    detail: null,
    manual: false,
    haltedBy: null,
  };
}

/** The cool-down before the `opens`-th consecutive half-open attempt (opens ≥ 1). */
export function breakerCooldownMs(cooldownMs: number, maxCooldownMs: number, opens: number): number {
  const exponent = Math.max(0, opens - 1);
  // 2^exponent overflows to Infinity for large exponents; min() still caps it.
  return Math.min(maxCooldownMs, cooldownMs * 2 ** exponent);
}

export const circuitBreakerMachine = setup({
  types: {
    context: {} as CircuitBreakerContext,
    events: {} as CircuitBreakerEvent,
    input: {} as CircuitBreakerInput,
    emitted: {} as CircuitBreakerEmitted,
  },
  delays: {
    cooldown: ({ context }) => breakerCooldownMs(context.cooldownMs, context.maxCooldownMs, context.opensSinceClosed),
  },
  guards: {
    automatic: ({ context }) => !context.manual,
  },
  actions: {
    recordTrip: assign(({ context, event }) => {
      if (event.type !== 'TRIP') return {};
      return {
        reason: event.reason,
        detail: event.detail,
        manual: false,
        haltedBy: null,
        tripCount: context.tripCount + 1,
        opensSinceClosed: context.opensSinceClosed + 1,
      };
    }),
    recordManualHalt: assign(({ context, event }) => {
      if (event.type !== 'MANUAL_HALT') return {};
      return {
        reason: MANUAL_HALT_REASON,
        detail: `halted by ${event.by}`,
        manual: true,
        haltedBy: event.by,
        tripCount: context.tripCount + 1,
        opensSinceClosed: context.opensSinceClosed + 1,
      };
    }),
    // While already open the first reason stays; the halt only becomes manual.
    takeOverAsManual: assign(({ context, event }) => ({
      manual: true,
      haltedBy: event.type === 'MANUAL_HALT' ? event.by : context.haltedBy,
      tripCount: context.tripCount + 1,
    })),
    countTrip: assign({ tripCount: ({ context }) => context.tripCount + 1 }),
    recordProbeFailure: assign(({ context }) => ({
      reason: PROBE_FAILED_REASON,
      detail: `half-open probe failed (opened for ${context.reason ?? 'unknown'})`,
      tripCount: context.tripCount + 1,
      opensSinceClosed: context.opensSinceClosed + 1,
    })),
    clearTrip: assign({ reason: null, detail: null, manual: false, haltedBy: null, opensSinceClosed: 0 }),
    emitTripped: emit(({ context }) => ({
      type: 'tripped' as const,
      scope: context.scope,
      reason: context.reason ?? '',
      detail: context.detail ?? '',
      manual: context.manual,
      tripCount: context.tripCount,
      cooldownMs: context.manual ? null : breakerCooldownMs(context.cooldownMs, context.maxCooldownMs, context.opensSinceClosed),
    })),
    emitHalfOpen: emit(({ context }) => ({ type: 'halfOpen' as const, scope: context.scope })),
    emitClosed: emit(({ context, event }) => ({
      type: 'closed' as const,
      scope: context.scope,
      by: event.type === 'RESET' ? event.by : 'probe',
    })),
  },
}).createMachine({
  id: 'circuitBreaker',
  context: ({ input }) => parseCircuitBreakerInput(input),
  initial: 'closed',
  states: {
    closed: {
      on: {
        TRIP: { target: 'open', actions: ['recordTrip', 'emitTripped'] },
        MANUAL_HALT: { target: 'open', actions: ['recordManualHalt', 'emitTripped'] },
      },
    },
    open: {
      after: {
        // Checked when the timer fires, so a MANUAL_HALT that arrives during an
        // automatic cool-down still blocks the half-open step.
        cooldown: { guard: 'automatic', target: 'halfOpen', actions: 'emitHalfOpen' },
      },
      on: {
        TRIP: { actions: 'countTrip' },
        MANUAL_HALT: { actions: 'takeOverAsManual' },
        RESET: { target: 'closed', actions: ['clearTrip', 'emitClosed'] },
      },
    },
    halfOpen: {
      on: {
        PROBE_SUCCEEDED: { target: 'closed', actions: ['clearTrip', 'emitClosed'] },
        PROBE_FAILED: { target: 'open', actions: ['recordProbeFailure', 'emitTripped'] },
        TRIP: { target: 'open', actions: ['recordTrip', 'emitTripped'] },
        MANUAL_HALT: { target: 'open', actions: ['recordManualHalt', 'emitTripped'] },
        RESET: { target: 'closed', actions: ['clearTrip', 'emitClosed'] },
      },
    },
  },
});

export type CircuitBreakerMachine = typeof circuitBreakerMachine;
export type CircuitBreakerSnapshot = SnapshotFrom<CircuitBreakerMachine>;
