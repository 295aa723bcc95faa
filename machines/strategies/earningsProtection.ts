import { and, assertEvent, assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';

/**
 * The phases of one underlying under earnings protection (SPEC §1.5):
 *
 *   watching ─SETUP─▶ entering ─FILLED─▶ holding ─EXIT_DUE─▶ exiting ─FLAT─▶ watching
 *      ▲                 │                  │  ▲                │
 *      └─ENTRY_ABANDONED─┘                  │  └─EXIT_ABANDONED─┘
 *      └────────────────FLAT (closed by something else)
 *
 * The rules (engine/strategies/earningsProtection.ts) find a report in the
 * window, measure its crush risk and price the structures; this machine
 * decides whether that becomes a signal: an entry only while watching, only
 * when the crush risk is worth protecting against (not "low"), and at most
 * once per report (a report whose trade closed, or was adopted, is not
 * played again). The exit comes when the plan's exit time has been reached:
 * the last close before the report, so the order fills at the first open
 * after it, or for a calendar the session before its short leg expires.
 * Pure: no clock, no I/O; times arrive in the events.
 */

export type EarningsStructure = 'deep-itm-call' | 'calendar' | 'long-strangle';
export type CrushRisk = 'low' | 'medium' | 'high' | 'extreme';
/**
 * `event-passed`: the report is out by the time the order fills (the original
 * exits once the earnings date has passed); `front-expiry`: a calendar is
 * closed before its short leg expires; `unplanned`: an adopted position with
 * no report ahead.
 */
export type EarningsExitReason = 'event-passed' | 'front-expiry' | 'unplanned';

export interface EarningsLegPlan {
  /** OCC symbol. */
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
}

/** What was set up for one report: the structure, its legs and when it is closed. */
export interface EarningsPlan {
  /** `SYMBOL:YYYY-MM-DD` of the report. */
  readonly eventKey: string;
  /** 'adopted' for a position found rather than opened (a restart). */
  readonly structure: EarningsStructure | 'adopted';
  /** 1 leg (deep ITM call) or 2 (calendar, strangle), as opened. */
  readonly legs: readonly EarningsLegPlan[];
  /** Contracts (a single option) or spreads asked for. */
  readonly quantity: number;
  /** The daily bar at or after this time closes the position. */
  readonly exitTs: number;
  readonly exitReason: EarningsExitReason;
  /** The original's IV sensitivity of the structure (0–1), kept for the record. */
  readonly ivSensitivity: number;
}

export interface EarningsProtectionContext {
  readonly symbol: string;
  readonly plan: EarningsPlan | null;
  /** Bar time of the entry or exit signal waiting for its order; null when none. */
  readonly pendingSince: number | null;
  /** Contracts or spreads actually held (risk may have cut the order). */
  readonly quantity: number;
  /** The last report a position was held for: never played twice. */
  readonly playedEvent: string | null;
  readonly lastExitReason: EarningsExitReason | 'external' | null;
  readonly trades: number;
}

export interface EarningsProtectionInput {
  readonly symbol: string;
}

export type EarningsProtectionEvent =
  | { readonly type: 'SETUP'; readonly ts: number; readonly plan: EarningsPlan; readonly crushRisk: CrushRisk }
  | { readonly type: 'FILLED'; readonly ts: number; readonly quantity: number }
  | { readonly type: 'ENTRY_ABANDONED'; readonly ts: number }
  | { readonly type: 'POSITION_FOUND'; readonly ts: number; readonly plan: EarningsPlan; readonly quantity: number }
  | { readonly type: 'EXIT_DUE'; readonly ts: number }
  | { readonly type: 'EXIT_ABANDONED'; readonly ts: number }
  | { readonly type: 'FLAT'; readonly ts: number };

export type EarningsProtectionEmitted =
  | { readonly type: 'signal'; readonly kind: 'entry'; readonly symbol: string; readonly ts: number; readonly plan: EarningsPlan; readonly crushRisk: CrushRisk }
  | { readonly type: 'signal'; readonly kind: 'exit'; readonly symbol: string; readonly ts: number; readonly plan: EarningsPlan; readonly reason: EarningsExitReason };

export function parseEarningsProtectionInput(input: EarningsProtectionInput): EarningsProtectionContext {
  if (typeof input?.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return { symbol: input.symbol, plan: null, pendingSince: null, quantity: 0, playedEvent: null, lastExitReason: null, trades: 0 };
}

const wholePositive = (q: number): boolean => Number.isSafeInteger(q) && q >= 1;

function planOf(event: EarningsProtectionEvent): EarningsPlan | null {
  return event.type === 'SETUP' || event.type === 'POSITION_FOUND' ? event.plan : null;
}

/** A plan the rules can carry out: 1–4 legs, whole quantity, an exit after the setup. */
function usable(plan: EarningsPlan | null, ts: number): boolean {
  return plan !== null && plan.legs.length >= 1 && plan.legs.length <= 4 && plan.legs.every((l) => l.symbol !== '') && wholePositive(plan.quantity) && Number.isFinite(plan.exitTs) && plan.exitTs > ts;
}

export const earningsProtectionMachine = setup({
  types: {
    context: {} as EarningsProtectionContext,
    events: {} as EarningsProtectionEvent,
    input: {} as EarningsProtectionInput,
    emitted: {} as EarningsProtectionEmitted,
  },
  guards: {
    planUsable: ({ event }) => event.type === 'SETUP' && usable(event.plan, event.ts),
    // SPEC §1.5: a "low" crush risk is skipped (regular options may do).
    crushWorthProtecting: ({ event }) => event.type === 'SETUP' && event.crushRisk !== 'low',
    newEvent: ({ context, event }) => {
      const plan = planOf(event);
      return plan !== null && plan.eventKey !== context.playedEvent;
    },
    adoptable: ({ event }) => event.type === 'POSITION_FOUND' && wholePositive(event.quantity) && event.plan.legs.length >= 1,
    positionSeen: ({ event }) => event.type === 'FILLED' && wholePositive(event.quantity),
    exitReached: ({ context, event }) => event.type === 'EXIT_DUE' && context.plan !== null && event.ts >= context.plan.exitTs,
  },
  actions: {
    takePlan: assign({
      plan: ({ event }) => planOf(event),
      pendingSince: ({ event }) => (event.type === 'SETUP' ? event.ts : null),
      quantity: ({ event }) => (event.type === 'POSITION_FOUND' ? event.quantity : (planOf(event)?.quantity ?? 0)),
    }),
    recordFill: assign({
      pendingSince: null,
      quantity: ({ event, context }) => (event.type === 'FILLED' ? event.quantity : context.quantity),
      playedEvent: ({ context }) => context.plan?.eventKey ?? context.playedEvent,
    }),
    recordAdopted: assign({ playedEvent: ({ context, event }) => planOf(event)?.eventKey ?? context.playedEvent }),
    dropPlan: assign({ plan: null, pendingSince: null, quantity: 0 }),
    clearPending: assign({ pendingSince: null }),
    markExitPending: assign({
      pendingSince: ({ event }) => (event.type === 'EXIT_DUE' ? event.ts : null),
      lastExitReason: ({ context }) => context.plan?.exitReason ?? context.lastExitReason,
    }),
    markExternalClose: assign({ lastExitReason: 'external' as const }),
    closeTrade: assign({ plan: null, pendingSince: null, quantity: 0, trades: ({ context }) => context.trades + 1 }),
    emitEntry: emit(({ context, event }) => {
      assertEvent(event, 'SETUP');
      return { type: 'signal' as const, kind: 'entry' as const, symbol: context.symbol, ts: event.ts, plan: event.plan, crushRisk: event.crushRisk };
    }),
    emitExit: emit(({ context, event }) => {
      assertEvent(event, 'EXIT_DUE');
      // Guarded by exitReached, so the plan is there.
      const plan = context.plan as EarningsPlan;
      return { type: 'signal' as const, kind: 'exit' as const, symbol: context.symbol, ts: event.ts, plan, reason: plan.exitReason };
    }),
  },
}).createMachine({
  id: 'earningsProtection',
  context: ({ input }) => parseEarningsProtectionInput(input),
  initial: 'watching',
  states: {
    watching: {
      on: {
        SETUP: { guard: and(['planUsable', 'crushWorthProtecting', 'newEvent']), target: 'entering', actions: ['takePlan', 'emitEntry'] },
        // A position this machine did not open (a restart): manage it to its exit.
        POSITION_FOUND: { guard: 'adoptable', target: 'holding', actions: ['takePlan', 'recordAdopted'] },
      },
    },
    entering: {
      on: {
        FILLED: { guard: 'positionSeen', target: 'holding', actions: 'recordFill' },
        // Refused by validation or risk, or never filled: the report may be tried again on a later bar.
        ENTRY_ABANDONED: { target: 'watching', actions: 'dropPlan' },
      },
    },
    holding: {
      on: {
        EXIT_DUE: { guard: 'exitReached', target: 'exiting', actions: ['markExitPending', 'emitExit'] },
        // Closed by something else: a breaker flatten, an operator, an expiry.
        FLAT: { target: 'watching', actions: ['markExternalClose', 'closeTrade'] },
      },
    },
    exiting: {
      on: {
        FLAT: { target: 'watching', actions: 'closeTrade' },
        // The exit never became an order that closed everything: back to holding, the rules raise it again.
        EXIT_ABANDONED: { target: 'holding', actions: 'clearPending' },
      },
    },
  },
});

export type EarningsProtectionMachine = typeof earningsProtectionMachine;
export type EarningsProtectionSnapshot = SnapshotFrom<EarningsProtectionMachine>;
export type EarningsProtectionPhase = EarningsProtectionSnapshot['value'];
