import { assertEvent, assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';

/**
 * The phases of one underlying under the bull call debit spread strategy
 * (SPEC §1.6):
 *
 *   watching ─ENTRY_SETUP→ entering ─FILLED→ holding ─EXIT_SETUP→ exiting ─FLAT→ watching
 *
 * The rules (engine/strategies/debitSpreads.ts) scan the chain and watch the
 * spread's value; this machine decides whether a setup becomes a signal
 * (`signal` is emitted only from the right phase) and keeps the plan: the
 * two calls, the debit the spread was set up at and the levels that close it.
 * Entry and exit signals that never became an order (refused by validation or
 * risk) come back as *_ABANDONED and return the phase to where it was.
 * Positions found without an entry of this machine (a restart, an exercise
 * that left shares, one leg closed by a breaker flatten) come in with
 * POSITION_FOUND: a recognisable spread is adopted with a plan, anything else
 * is held without one and can only be closed (`unmanaged`).
 * Pure: no clock, no I/O; every time is an event's `ts` (engine time).
 */

export type DebitExitReason = 'target' | 'stop' | 'time' | 'unmanaged';

/** The spread as it was set up: prices per share of one spread. */
export interface DebitSpreadPlan {
  /** OCC symbols of the call bought (lower strike) and the call sold (higher strike), one expiry. */
  readonly longSymbol: string;
  readonly shortSymbol: string;
  readonly expiry: string;
  readonly longStrike: number;
  readonly shortStrike: number;
  /** Net paid per share at the setup (model marks), > 0 and < the width. */
  readonly debit: number;
  /** Take profit once the spread's value − debit reaches this (> 0)… */
  readonly profitTarget: number;
  /** …stop once debit − value reaches this (> 0)… */
  readonly stopLoss: number;
  /** …and close once the expiry is at most this many calendar days away. */
  readonly timeExitDte: number;
}

export interface DebitSpreadsContext {
  readonly symbol: string;
  readonly plan: DebitSpreadPlan | null;
  /** Spreads held once filled. */
  readonly spreads: number;
  /** Bar time of the entry or exit signal waiting for its order; null when none. */
  readonly pendingSince: number | null;
  readonly lastExitReason: DebitExitReason | 'external' | null;
  /** Round trips completed on this underlying. */
  readonly trades: number;
}

export interface DebitSpreadsInput {
  readonly symbol: string;
}

export type DebitSpreadsEvent =
  | { readonly type: 'ENTRY_SETUP'; readonly ts: number; readonly plan: DebitSpreadPlan }
  | { readonly type: 'FILLED'; readonly ts: number; readonly spreads: number }
  | { readonly type: 'ENTRY_ABANDONED'; readonly ts: number }
  | { readonly type: 'POSITION_FOUND'; readonly ts: number; readonly plan: DebitSpreadPlan | null; readonly spreads: number }
  | { readonly type: 'EXIT_SETUP'; readonly ts: number; readonly reason: DebitExitReason }
  | { readonly type: 'EXIT_ABANDONED'; readonly ts: number }
  | { readonly type: 'FLAT'; readonly ts: number };

export type DebitSpreadsEmitted =
  | { readonly type: 'signal'; readonly kind: 'entry'; readonly symbol: string; readonly ts: number; readonly plan: DebitSpreadPlan }
  | { readonly type: 'signal'; readonly kind: 'exit'; readonly symbol: string; readonly ts: number; readonly reason: DebitExitReason; readonly plan: DebitSpreadPlan | null };

export function parseDebitSpreadsInput(input: DebitSpreadsInput): DebitSpreadsContext {
  if (typeof input?.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return { symbol: input.symbol, plan: null, spreads: 0, pendingSince: null, lastExitReason: null, trades: 0 };
}

/** A plan the strategy can manage: a real bull call spread bought for less than its width, with both exit levels set. */
export function debitPlanUsable(plan: DebitSpreadPlan): boolean {
  const width = plan.shortStrike - plan.longStrike;
  return (
    plan.longSymbol !== plan.shortSymbol && width > 0 && plan.debit > 0 && plan.debit < width &&
    plan.profitTarget > 0 && plan.stopLoss > 0 && plan.timeExitDte >= 0
  );
}

export const debitSpreadsMachine = setup({
  types: {
    context: {} as DebitSpreadsContext,
    events: {} as DebitSpreadsEvent,
    input: {} as DebitSpreadsInput,
    emitted: {} as DebitSpreadsEmitted,
  },
  guards: {
    planUsable: ({ event }) => event.type === 'ENTRY_SETUP' && debitPlanUsable(event.plan),
    // An adopted position without a usable plan is still taken on: it can only be closed.
    foundUsable: ({ event }) => event.type === 'POSITION_FOUND' && event.spreads >= 0 && (event.plan === null || debitPlanUsable(event.plan)),
    spreadsHeld: ({ event }) => event.type === 'FILLED' && Number.isSafeInteger(event.spreads) && event.spreads >= 1,
    // Levels need a plan; without one the only exit is closing what is there.
    exitAllowed: ({ context, event }) => event.type === 'EXIT_SETUP' && (context.plan !== null || event.reason === 'unmanaged'),
    // An order is given until a later bar to show up before the signal counts as abandoned.
    pendingEarlier: ({ context, event }) => context.pendingSince !== null && event.ts > context.pendingSince,
  },
  actions: {
    takePlan: assign({
      plan: ({ event }) => (event.type === 'ENTRY_SETUP' || event.type === 'POSITION_FOUND' ? event.plan : null),
      spreads: ({ event }) => (event.type === 'POSITION_FOUND' ? event.spreads : 0),
      pendingSince: ({ event }) => (event.type === 'ENTRY_SETUP' ? event.ts : null),
    }),
    takeFill: assign({
      spreads: ({ event, context }) => (event.type === 'FILLED' ? event.spreads : context.spreads),
      pendingSince: null,
    }),
    clearPending: assign({ pendingSince: null }),
    dropPlan: assign({ plan: null, spreads: 0, pendingSince: null }),
    markExitPending: assign({
      pendingSince: ({ event }) => (event.type === 'EXIT_SETUP' ? event.ts : null),
      lastExitReason: ({ event, context }) => (event.type === 'EXIT_SETUP' ? event.reason : context.lastExitReason),
    }),
    closeTrade: assign({ plan: null, spreads: 0, pendingSince: null, trades: ({ context }) => context.trades + 1 }),
    markExternalClose: assign({ lastExitReason: 'external' as const }),
    emitEntry: emit(({ context, event }) => {
      assertEvent(event, 'ENTRY_SETUP');
      return { type: 'signal' as const, kind: 'entry' as const, symbol: context.symbol, ts: event.ts, plan: event.plan };
    }),
    emitExit: emit(({ context, event }) => {
      assertEvent(event, 'EXIT_SETUP');
      return { type: 'signal' as const, kind: 'exit' as const, symbol: context.symbol, ts: event.ts, reason: event.reason, plan: context.plan };
    }),
  },
}).createMachine({
  id: 'debitSpreads',
  context: ({ input }) => parseDebitSpreadsInput(input),
  initial: 'watching',
  states: {
    watching: {
      on: {
        ENTRY_SETUP: { guard: 'planUsable', target: 'entering', actions: ['takePlan', 'emitEntry'] },
        POSITION_FOUND: { guard: 'foundUsable', target: 'holding', actions: 'takePlan' },
      },
    },
    entering: {
      on: {
        FILLED: { guard: 'spreadsHeld', target: 'holding', actions: 'takeFill' },
        ENTRY_ABANDONED: { guard: 'pendingEarlier', target: 'watching', actions: 'dropPlan' },
      },
    },
    holding: {
      on: {
        EXIT_SETUP: { guard: 'exitAllowed', target: 'exiting', actions: ['markExitPending', 'emitExit'] },
        // Closed by something other than this strategy (breaker flatten, operator, expiry).
        FLAT: { target: 'watching', actions: ['markExternalClose', 'closeTrade'] },
      },
    },
    exiting: {
      on: {
        FLAT: { target: 'watching', actions: 'closeTrade' },
        // The exit never became an order, or closed only part of what was held.
        EXIT_ABANDONED: { guard: 'pendingEarlier', target: 'holding', actions: 'clearPending' },
      },
    },
  },
});

export type DebitSpreadsMachine = typeof debitSpreadsMachine;
export type DebitSpreadsSnapshot = SnapshotFrom<DebitSpreadsMachine>;
export type DebitSpreadsPhase = DebitSpreadsSnapshot['value'];
