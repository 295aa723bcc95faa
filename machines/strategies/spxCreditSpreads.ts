import { assertEvent, assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';

/**
 * The phases of one underlying under the 0DTE credit spread strategy
 * (SPEC §1.7), within one session:
 *
 *   resting ─SESSION(0DTE day)→ scanning ─ENTRY_SETUP→ entering ─FILLED→ open ─EXIT_SETUP→ closing ─FLAT→ scanning
 *   scanning ─CUTOFF→ resting          (no new spread after the entry cut-off, nor on a day without a 0DTE expiry)
 *
 * The rules (engine/strategies/spxCreditSpreads.ts) scan the chain and watch
 * the spread's value; this machine decides whether a setup becomes a signal
 * (`signal` only from the right phase: no entry while resting, no exit unless
 * a spread is open) and keeps the plan: the two contracts, the credit and the
 * values at which the spread is bought back. Entry and exit signals that
 * never became an order come back as *_ABANDONED. After a spread is closed
 * the underlying scans again if the entry window is still open (the
 * original's loop re-scanned every ticker without a position).
 * Positions found without an entry of this machine (a restart, shares left by
 * an assignment, one leg closed by a breaker flatten) come in with
 * POSITION_FOUND: a recognisable credit spread is adopted, anything else can
 * only be closed (`unmanaged`).
 * Pure: no clock, no I/O; every time is an event's `ts` (engine time).
 */

export type CreditSpreadSide = 'put' | 'call';
export type CreditExitReason = 'target' | 'stop' | 'time' | 'unmanaged';

/** The spread as it was set up: prices per share of one spread. */
export interface CreditSpreadPlan {
  /** Put credit spread (bullish/neutral) or call credit spread (bearish/neutral). */
  readonly side: CreditSpreadSide;
  readonly expiry: string;
  /** OCC symbols of the contract sold (nearer the money) and the one bought (further out). */
  readonly shortSymbol: string;
  readonly longSymbol: string;
  readonly shortStrike: number;
  readonly longStrike: number;
  /** Net received per share at the setup (model marks), > 0 and < the width. */
  readonly credit: number;
  /** Buy the spread back once its value falls to this (the profit target)… */
  readonly targetValue: number;
  /** …or rises to this (the stop)… */
  readonly stopValue: number;
  /** …or at this instant (epoch ms), before the expiry's close. */
  readonly exitAt: number;
}

export interface SpxCreditSpreadsContext {
  readonly symbol: string;
  readonly plan: CreditSpreadPlan | null;
  readonly spreads: number;
  /** Bar time of the entry or exit signal waiting for its order; null when none. */
  readonly pendingSince: number | null;
  /** New York date of the session the entry window was opened for. */
  readonly session: string | null;
  readonly lastExitReason: CreditExitReason | 'external' | null;
  readonly trades: number;
}

export interface SpxCreditSpreadsInput {
  readonly symbol: string;
}

export type SpxCreditSpreadsEvent =
  /** A new session, or a change of whether entries are allowed in it (a 0DTE expiry listed today, inside the entry window). */
  | { readonly type: 'SESSION'; readonly ts: number; readonly date: string; readonly entriesOpen: boolean }
  | { readonly type: 'CUTOFF'; readonly ts: number }
  | { readonly type: 'ENTRY_SETUP'; readonly ts: number; readonly plan: CreditSpreadPlan }
  | { readonly type: 'FILLED'; readonly ts: number; readonly spreads: number }
  | { readonly type: 'ENTRY_ABANDONED'; readonly ts: number }
  | { readonly type: 'POSITION_FOUND'; readonly ts: number; readonly plan: CreditSpreadPlan | null; readonly spreads: number }
  | { readonly type: 'EXIT_SETUP'; readonly ts: number; readonly reason: CreditExitReason }
  | { readonly type: 'EXIT_ABANDONED'; readonly ts: number }
  /** The spread is gone; `entriesOpen` says whether the entry window is still open. */
  | { readonly type: 'FLAT'; readonly ts: number; readonly entriesOpen: boolean };

export type SpxCreditSpreadsEmitted =
  | { readonly type: 'signal'; readonly kind: 'entry'; readonly symbol: string; readonly ts: number; readonly plan: CreditSpreadPlan }
  | { readonly type: 'signal'; readonly kind: 'exit'; readonly symbol: string; readonly ts: number; readonly reason: CreditExitReason; readonly plan: CreditSpreadPlan | null };

export function parseSpxCreditSpreadsInput(input: SpxCreditSpreadsInput): SpxCreditSpreadsContext {
  if (typeof input?.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return { symbol: input.symbol, plan: null, spreads: 0, pendingSince: null, session: null, lastExitReason: null, trades: 0 };
}

/** A plan the strategy can manage: a real credit vertical sold for less than its width, the target below the credit and the stop above it. */
export function creditPlanUsable(plan: CreditSpreadPlan): boolean {
  const width = plan.side === 'put' ? plan.shortStrike - plan.longStrike : plan.longStrike - plan.shortStrike;
  return (
    plan.shortSymbol !== plan.longSymbol && width > 0 && plan.credit > 0 && plan.credit < width &&
    plan.targetValue >= 0 && plan.targetValue < plan.credit && plan.stopValue > plan.credit && Number.isFinite(plan.exitAt)
  );
}

export const spxCreditSpreadsMachine = setup({
  types: {
    context: {} as SpxCreditSpreadsContext,
    events: {} as SpxCreditSpreadsEvent,
    input: {} as SpxCreditSpreadsInput,
    emitted: {} as SpxCreditSpreadsEmitted,
  },
  guards: {
    entriesOpen: ({ event }) => (event.type === 'SESSION' || event.type === 'FLAT') && event.entriesOpen,
    planUsable: ({ event }) => event.type === 'ENTRY_SETUP' && creditPlanUsable(event.plan),
    foundUsable: ({ event }) => event.type === 'POSITION_FOUND' && (event.plan === null || creditPlanUsable(event.plan)),
    spreadsHeld: ({ event }) => event.type === 'FILLED' && Number.isSafeInteger(event.spreads) && event.spreads >= 1,
    exitAllowed: ({ context, event }) => event.type === 'EXIT_SETUP' && (context.plan !== null || event.reason === 'unmanaged'),
    // An order is given until a later bar to show up before the signal counts as abandoned.
    pendingEarlier: ({ context, event }) => context.pendingSince !== null && event.ts > context.pendingSince,
  },
  actions: {
    takeSession: assign({ session: ({ event, context }) => (event.type === 'SESSION' ? event.date : context.session) }),
    takePlan: assign({
      plan: ({ event }) => (event.type === 'ENTRY_SETUP' || event.type === 'POSITION_FOUND' ? event.plan : null),
      spreads: ({ event }) => (event.type === 'POSITION_FOUND' ? event.spreads : 0),
      pendingSince: ({ event }) => (event.type === 'ENTRY_SETUP' ? event.ts : null),
    }),
    takeFill: assign({ spreads: ({ event, context }) => (event.type === 'FILLED' ? event.spreads : context.spreads), pendingSince: null }),
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
  id: 'spxCreditSpreads',
  context: ({ input }) => parseSpxCreditSpreadsInput(input),
  initial: 'resting',
  on: {
    // Whatever the phase, remember the session; only resting and scanning move on it.
    SESSION: { actions: 'takeSession' },
  },
  states: {
    resting: {
      on: {
        SESSION: [{ guard: 'entriesOpen', target: 'scanning', actions: 'takeSession' }, { actions: 'takeSession' }],
        POSITION_FOUND: { guard: 'foundUsable', target: 'open', actions: 'takePlan' },
      },
    },
    scanning: {
      on: {
        SESSION: [{ guard: 'entriesOpen', actions: 'takeSession' }, { target: 'resting', actions: 'takeSession' }],
        CUTOFF: { target: 'resting' },
        ENTRY_SETUP: { guard: 'planUsable', target: 'entering', actions: ['takePlan', 'emitEntry'] },
        POSITION_FOUND: { guard: 'foundUsable', target: 'open', actions: 'takePlan' },
      },
    },
    entering: {
      on: {
        FILLED: { guard: 'spreadsHeld', target: 'open', actions: 'takeFill' },
        ENTRY_ABANDONED: { guard: 'pendingEarlier', target: 'scanning', actions: 'dropPlan' },
      },
    },
    open: {
      on: {
        EXIT_SETUP: { guard: 'exitAllowed', target: 'closing', actions: ['markExitPending', 'emitExit'] },
        // Closed by something other than this strategy: a breaker flatten, an operator, the expiry.
        FLAT: [
          { guard: 'entriesOpen', target: 'scanning', actions: ['markExternalClose', 'closeTrade'] },
          { target: 'resting', actions: ['markExternalClose', 'closeTrade'] },
        ],
      },
    },
    closing: {
      on: {
        FLAT: [{ guard: 'entriesOpen', target: 'scanning', actions: 'closeTrade' }, { target: 'resting', actions: 'closeTrade' }],
        EXIT_ABANDONED: { guard: 'pendingEarlier', target: 'open', actions: 'clearPending' },
      },
    },
  },
});

export type SpxCreditSpreadsMachine = typeof spxCreditSpreadsMachine;
export type SpxCreditSpreadsSnapshot = SnapshotFrom<SpxCreditSpreadsMachine>;
export type SpxCreditSpreadsPhase = SpxCreditSpreadsSnapshot['value'];
