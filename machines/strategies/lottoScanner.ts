import { and, assertEvent, assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';

/**
 * The phases of one underlying under the lotto scanner (SPEC §1.9):
 *
 *   scanning ─PLAY_FOUND→ entering ─FILLED→ holding ─EXIT_SETUP→ exiting ─FLAT→ doneForDay ─NEW_SESSION→ scanning
 *
 * One play per underlying per session: once a play is closed the underlying
 * waits for the next session (the original's "no doubling down"). An earnings
 * event is played at most once, even across sessions. An entry or exit that
 * never became an order (refused by validation or risk) comes back as
 * *_ABANDONED: the phase returns to where it was and the next scan may try
 * again. A position this machine did not open (a restart) is adopted with
 * POSITION_FOUND. Pure: no clock, no I/O; times are the events' `ts`.
 */

export type LottoPlayType = '0dte' | 'earnings';
export type LottoExitReason = 'target' | 'stop' | 'expiry';

/** The play as it was set up: what was bought and how it is managed. */
export interface LottoPlan {
  readonly playType: LottoPlayType;
  /** OCC symbol of the long call or put. */
  readonly contractSymbol: string;
  readonly expiry: string;
  /** Close when the option's mark reaches targetMult × entry (3× for 0DTE, 5× for earnings)… */
  readonly targetMult: number;
  /** …or falls to stopMult × entry (0.5). */
  readonly stopMult: number;
  /** `SYMBOL:YYYY-MM-DD` of the earnings report played; null for a 0DTE play. */
  readonly eventKey: string | null;
}

export interface LottoScannerContext {
  readonly symbol: string;
  readonly plan: LottoPlan | null;
  /** Bar time of the entry or exit signal waiting for its order; null when none. */
  readonly pendingSince: number | null;
  /** New York date of the session whose play is done. */
  readonly doneDate: string | null;
  /** The last earnings event an entry was filled for. */
  readonly playedEvent: string | null;
  readonly lastExitReason: LottoExitReason | 'external' | null;
  readonly plays: number;
}

export interface LottoScannerInput {
  readonly symbol: string;
}

export type LottoScannerEvent =
  | { readonly type: 'PLAY_FOUND'; readonly ts: number; readonly plan: LottoPlan }
  | { readonly type: 'FILLED'; readonly ts: number }
  | { readonly type: 'ENTRY_ABANDONED'; readonly ts: number }
  | { readonly type: 'POSITION_FOUND'; readonly ts: number; readonly plan: LottoPlan }
  | { readonly type: 'EXIT_SETUP'; readonly ts: number; readonly reason: LottoExitReason }
  | { readonly type: 'EXIT_ABANDONED'; readonly ts: number }
  | { readonly type: 'FLAT'; readonly ts: number; readonly date: string }
  | { readonly type: 'NEW_SESSION'; readonly date: string };

export type LottoScannerEmitted =
  | { readonly type: 'signal'; readonly kind: 'entry'; readonly symbol: string; readonly ts: number; readonly plan: LottoPlan }
  | { readonly type: 'signal'; readonly kind: 'exit'; readonly symbol: string; readonly ts: number; readonly reason: LottoExitReason; readonly plan: LottoPlan };

export function parseLottoScannerInput(input: LottoScannerInput): LottoScannerContext {
  if (typeof input?.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return { symbol: input.symbol, plan: null, pendingSince: null, doneDate: null, playedEvent: null, lastExitReason: null, plays: 0 };
}

function planOf(event: LottoScannerEvent): LottoPlan | null {
  return event.type === 'PLAY_FOUND' || event.type === 'POSITION_FOUND' ? event.plan : null;
}

export const lottoScannerMachine = setup({
  types: {
    context: {} as LottoScannerContext,
    events: {} as LottoScannerEvent,
    input: {} as LottoScannerInput,
    emitted: {} as LottoScannerEmitted,
  },
  guards: {
    // A plan that cannot be managed (no target above the stop) is refused rather than held blind.
    planUsable: ({ event }) => {
      const plan = planOf(event);
      return plan !== null && plan.targetMult > 1 && plan.stopMult >= 0 && plan.stopMult < 1;
    },
    // An earnings report is played once: no second lotto on the same event after a stop-out.
    newPlay: ({ context, event }) => {
      const plan = planOf(event);
      return plan !== null && (plan.eventKey === null || plan.eventKey !== context.playedEvent);
    },
    hasPlan: ({ context }) => context.plan !== null,
    laterSession: ({ context, event }) => event.type === 'NEW_SESSION' && (context.doneDate === null || event.date > context.doneDate),
  },
  actions: {
    takePlan: assign({
      plan: ({ event }) => planOf(event),
      pendingSince: ({ event }) => (event.type === 'PLAY_FOUND' ? event.ts : null),
    }),
    recordFill: assign({
      pendingSince: null,
      playedEvent: ({ context }) => context.plan?.eventKey ?? context.playedEvent,
    }),
    recordAdopted: assign({ playedEvent: ({ context, event }) => planOf(event)?.eventKey ?? context.playedEvent }),
    dropPlan: assign({ plan: null, pendingSince: null }),
    clearPending: assign({ pendingSince: null }),
    markExitPending: assign({
      pendingSince: ({ event }) => (event.type === 'EXIT_SETUP' ? event.ts : null),
      lastExitReason: ({ context, event }) => (event.type === 'EXIT_SETUP' ? event.reason : context.lastExitReason),
    }),
    markExternalClose: assign({ lastExitReason: 'external' as const }),
    closePlay: assign({
      plan: null,
      pendingSince: null,
      plays: ({ context }) => context.plays + 1,
      doneDate: ({ context, event }) => (event.type === 'FLAT' ? event.date : context.doneDate),
    }),
    emitEntry: emit(({ context, event }) => {
      assertEvent(event, 'PLAY_FOUND');
      return { type: 'signal' as const, kind: 'entry' as const, symbol: context.symbol, ts: event.ts, plan: event.plan };
    }),
    emitExit: emit(({ context, event }) => {
      assertEvent(event, 'EXIT_SETUP');
      // Guarded by hasPlan.
      const plan = context.plan as LottoPlan;
      return { type: 'signal' as const, kind: 'exit' as const, symbol: context.symbol, ts: event.ts, reason: event.reason, plan };
    }),
  },
}).createMachine({
  id: 'lottoScanner',
  context: ({ input }) => parseLottoScannerInput(input),
  initial: 'scanning',
  states: {
    scanning: {
      on: {
        PLAY_FOUND: { guard: and(['planUsable', 'newPlay']), target: 'entering', actions: ['takePlan', 'emitEntry'] },
        POSITION_FOUND: { guard: 'planUsable', target: 'holding', actions: ['takePlan', 'recordAdopted'] },
      },
    },
    entering: {
      on: {
        FILLED: { target: 'holding', actions: 'recordFill' },
        ENTRY_ABANDONED: { target: 'scanning', actions: 'dropPlan' },
      },
    },
    holding: {
      on: {
        EXIT_SETUP: { guard: 'hasPlan', target: 'exiting', actions: ['markExitPending', 'emitExit'] },
        // Closed by something else: a breaker flatten, an operator.
        FLAT: { target: 'doneForDay', actions: ['markExternalClose', 'closePlay'] },
      },
    },
    exiting: {
      on: {
        FLAT: { target: 'doneForDay', actions: 'closePlay' },
        EXIT_ABANDONED: { target: 'holding', actions: 'clearPending' },
      },
    },
    doneForDay: {
      on: {
        NEW_SESSION: { guard: 'laterSession', target: 'scanning' },
        POSITION_FOUND: { guard: 'planUsable', target: 'holding', actions: ['takePlan', 'recordAdopted'] },
      },
    },
  },
});

export type LottoScannerMachine = typeof lottoScannerMachine;
export type LottoScannerSnapshot = SnapshotFrom<LottoScannerMachine>;
export type LottoScannerPhase = LottoScannerSnapshot['value'];
