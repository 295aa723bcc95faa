import { assertEvent, assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';

/**
 * The phases of one underlying under momentum weeklies (SPEC §1.4):
 *
 *   watching ─ENTRY_SETUP→ entering ─FILLED→ holding ─EXIT_SETUP→ exiting ─FLAT→ coolingOff ─TICK(elapsed)→ watching
 *
 * The rules (engine/strategies/momentumWeeklies.ts) judge the bars and send
 * an event only when something changes; this machine decides whether a setup
 * becomes a signal (`signal` is emitted only from the right phase) and keeps
 * the plan of the trade: the contract and the levels on the underlying at
 * which it is closed. Entry and exit signals that never became an order
 * (refused by validation or risk) come back as *_ABANDONED and return the
 * phase to where it was. A position that appears without an entry of this
 * machine (a restart, an operator's trade) is adopted with POSITION_FOUND.
 * Pure: no clock, no I/O; every time is an event's `ts` (engine time).
 */

export type MomentumPattern = 'reversal' | 'breakout';
export type MomentumExitReason = 'target' | 'stop' | 'expiry';

/** What the trade is and where it ends, fixed when it is set up. */
export interface MomentumPlan {
  /** OCC symbol of the weekly call. */
  readonly contractSymbol: string;
  readonly expiry: string;
  readonly pattern: MomentumPattern;
  /** Underlying price at the setup. */
  readonly entrySpot: number;
  readonly otmPct: number;
  /** Close the call when the underlying reaches this price… */
  readonly exitTarget: number;
  /** …or falls to this one. */
  readonly stopPrice: number;
}

export interface MomentumWeekliesContext {
  readonly symbol: string;
  readonly plan: MomentumPlan | null;
  /** Bar time of the entry or exit signal waiting for its order to show up; null when none. */
  readonly pendingSince: number | null;
  /** Engine time from which a new entry may be set up again. */
  readonly cooldownUntil: number;
  readonly lastExitReason: MomentumExitReason | 'external' | null;
  /** Round trips completed on this underlying. */
  readonly trades: number;
}

export interface MomentumWeekliesInput {
  readonly symbol: string;
}

export type MomentumWeekliesEvent =
  | { readonly type: 'ENTRY_SETUP'; readonly ts: number; readonly plan: MomentumPlan }
  | { readonly type: 'FILLED'; readonly ts: number }
  | { readonly type: 'ENTRY_ABANDONED'; readonly ts: number }
  | { readonly type: 'POSITION_FOUND'; readonly ts: number; readonly plan: MomentumPlan }
  | { readonly type: 'EXIT_SETUP'; readonly ts: number; readonly reason: MomentumExitReason }
  | { readonly type: 'EXIT_ABANDONED'; readonly ts: number }
  | { readonly type: 'FLAT'; readonly ts: number; readonly cooldownMs: number }
  | { readonly type: 'TICK'; readonly ts: number };

export type MomentumWeekliesEmitted =
  | { readonly type: 'signal'; readonly kind: 'entry'; readonly symbol: string; readonly ts: number; readonly plan: MomentumPlan }
  | { readonly type: 'signal'; readonly kind: 'exit'; readonly symbol: string; readonly ts: number; readonly reason: MomentumExitReason; readonly plan: MomentumPlan };

export function parseMomentumWeekliesInput(input: MomentumWeekliesInput): MomentumWeekliesContext {
  if (typeof input?.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return { symbol: input.symbol, plan: null, pendingSince: null, cooldownUntil: Number.NEGATIVE_INFINITY, lastExitReason: null, trades: 0 };
}

export const momentumWeekliesMachine = setup({
  types: {
    context: {} as MomentumWeekliesContext,
    events: {} as MomentumWeekliesEvent,
    input: {} as MomentumWeekliesInput,
    emitted: {} as MomentumWeekliesEmitted,
  },
  guards: {
    hasPlan: ({ context }) => context.plan !== null,
    cooldownOver: ({ context, event }) => event.type === 'TICK' && event.ts >= context.cooldownUntil,
    // A plan whose levels are not prices cannot be managed; refuse it rather than hold blind.
    planUsable: ({ event }) =>
      (event.type === 'ENTRY_SETUP' || event.type === 'POSITION_FOUND') &&
      event.plan.entrySpot > 0 && event.plan.exitTarget > event.plan.stopPrice && event.plan.stopPrice > 0,
  },
  actions: {
    takePlan: assign({
      plan: ({ event }) => (event.type === 'ENTRY_SETUP' || event.type === 'POSITION_FOUND' ? event.plan : null),
      pendingSince: ({ event }) => (event.type === 'ENTRY_SETUP' ? event.ts : null),
    }),
    clearPending: assign({ pendingSince: null }),
    dropPlan: assign({ plan: null, pendingSince: null }),
    markExitPending: assign({
      pendingSince: ({ event }) => (event.type === 'EXIT_SETUP' ? event.ts : null),
      lastExitReason: ({ event, context }) => (event.type === 'EXIT_SETUP' ? event.reason : context.lastExitReason),
    }),
    closeTrade: assign({
      plan: null,
      pendingSince: null,
      trades: ({ context }) => context.trades + 1,
      cooldownUntil: ({ event, context }) => (event.type === 'FLAT' ? event.ts + event.cooldownMs : context.cooldownUntil),
    }),
    markExternalClose: assign({ lastExitReason: 'external' as const }),
    emitEntry: emit(({ context, event }) => {
      assertEvent(event, 'ENTRY_SETUP');
      return { type: 'signal' as const, kind: 'entry' as const, symbol: context.symbol, ts: event.ts, plan: event.plan };
    }),
    emitExit: emit(({ context, event }) => {
      assertEvent(event, 'EXIT_SETUP');
      // Guarded by hasPlan: holding always has one.
      const plan = context.plan as MomentumPlan;
      return { type: 'signal' as const, kind: 'exit' as const, symbol: context.symbol, ts: event.ts, reason: event.reason, plan };
    }),
  },
}).createMachine({
  id: 'momentumWeeklies',
  context: ({ input }) => parseMomentumWeekliesInput(input),
  initial: 'watching',
  states: {
    watching: {
      on: {
        ENTRY_SETUP: { guard: 'planUsable', target: 'entering', actions: ['takePlan', 'emitEntry'] },
        POSITION_FOUND: { guard: 'planUsable', target: 'holding', actions: 'takePlan' },
      },
    },
    entering: {
      on: {
        FILLED: { target: 'holding', actions: 'clearPending' },
        ENTRY_ABANDONED: { target: 'watching', actions: 'dropPlan' },
      },
    },
    holding: {
      on: {
        // Exits are decided in the rules only while holding; the machine checks the phase again.
        EXIT_SETUP: { guard: 'hasPlan', target: 'exiting', actions: ['markExitPending', 'emitExit'] },
        // Closed by something other than this strategy (breaker flatten, operator, expiry).
        FLAT: { target: 'coolingOff', actions: ['markExternalClose', 'closeTrade'] },
      },
    },
    exiting: {
      on: {
        FLAT: { target: 'coolingOff', actions: 'closeTrade' },
        EXIT_ABANDONED: { target: 'holding', actions: 'clearPending' },
      },
    },
    coolingOff: {
      on: {
        TICK: { guard: 'cooldownOver', target: 'watching' },
        POSITION_FOUND: { guard: 'planUsable', target: 'holding', actions: 'takePlan' },
      },
    },
  },
});

export type MomentumWeekliesMachine = typeof momentumWeekliesMachine;
export type MomentumWeekliesSnapshot = SnapshotFrom<MomentumWeekliesMachine>;
export type MomentumWeekliesPhase = MomentumWeekliesSnapshot['value'];
