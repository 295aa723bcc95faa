import { assertEvent, assign, emit, setup } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';

/**
 * The phases of the LEAPS tracker (SPEC §1.8) for one underlying:
 *
 *   watching ──ENTRY_SETUP──▶ entering ──FILLED──▶ holding ──SCALE_SETUP──▶ scalingOut
 *      ▲                         │                  │  ▲                      │
 *      │                   ENTRY_FAILED        EXIT_SETUP └──REDUCED / ORDER_FAILED
 *      │                         ▼                  ▼
 *      └──────TICK (cooldown over)── coolingOff    exiting ──FLAT──▶ watching
 *
 * The rules (engine/strategies/leapsTracker.ts) decide when a setup holds;
 * this machine decides whether it becomes a signal: an entry only while
 * watching, a scale-out only at a level not yet taken, an exit only while
 * holding. It learns fills and flats from the rules, which compare the
 * position the engine books with what this machine believes. Pure: no clock
 * (times arrive in events), no I/O.
 */

export type LeapsPhase = 'watching' | 'entering' | 'holding' | 'scalingOut' | 'exiting' | 'coolingOff';

export type LeapsExitReason = 'stop' | 'roll' | 'expiry' | 'portfolio_drawdown';

export interface LeapsTrackerInput {
  readonly symbol: string;
}

export interface LeapsTrackerContext {
  readonly symbol: string;
  /** OCC symbol of the call being bought or held; null while watching or cooling off. */
  readonly contract: string | null;
  /** Contracts when the position was opened (or adopted): scale-outs are fractions of it. */
  readonly initialQuantity: number;
  /** Contracts held, as last reported (while entering: the contracts asked for). */
  readonly quantity: number;
  /** Scale-out levels taken, 0 = none. */
  readonly scaleLevel: number;
  /** The level a working scale-out order will have taken once it fills. */
  readonly pendingLevel: number;
  readonly pendingExit: LeapsExitReason | null;
  /** No new entry before this engine time (epoch ms) after one that did not fill. */
  readonly cooldownUntil: number;
  /** Why the last position ended: an exit rule, or 'external' when it went away without one (a breaker flatten). */
  readonly lastExit: LeapsExitReason | 'scale_out' | 'external' | null;
  readonly entries: number;
}

export type LeapsTrackerEvent =
  | { readonly type: 'ENTRY_SETUP'; readonly ts: number; readonly contract: string; readonly quantity: number; readonly reason: string }
  | { readonly type: 'FILLED'; readonly contract: string; readonly quantity: number }
  | { readonly type: 'ENTRY_FAILED'; readonly until: number }
  | { readonly type: 'TICK'; readonly ts: number }
  | { readonly type: 'SCALE_SETUP'; readonly ts: number; readonly level: number; readonly quantity: number; readonly reason: string }
  | { readonly type: 'EXIT_SETUP'; readonly ts: number; readonly reason: LeapsExitReason; readonly detail: string }
  | { readonly type: 'REDUCED'; readonly quantity: number }
  | { readonly type: 'ORDER_FAILED' }
  | { readonly type: 'FLAT' };

export type LeapsSignalAction = 'open' | 'scaleOut' | 'close';

export interface LeapsSignalEmitted {
  readonly type: 'signal';
  readonly action: LeapsSignalAction;
  readonly symbol: string;
  readonly ts: number;
  readonly contract: string;
  /** Contracts to buy (open) or sell (scaleOut, close). */
  readonly quantity: number;
  readonly reason: string;
  /** The scale-out level this order takes; 0 for open and close. */
  readonly level: number;
  readonly exitReason: LeapsExitReason | null;
}

export function parseLeapsTrackerInput(input: LeapsTrackerInput): LeapsTrackerContext {
  if (typeof input.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return {
    symbol: input.symbol,
    contract: null,
    initialQuantity: 0,
    quantity: 0,
    scaleLevel: 0,
    pendingLevel: 0,
    pendingExit: null,
    cooldownUntil: Number.NEGATIVE_INFINITY,
    lastExit: null,
    entries: 0,
  };
}

const wholePositive = (q: number): boolean => Number.isSafeInteger(q) && q >= 1;

export const leapsTrackerMachine = setup({
  types: {
    context: {} as LeapsTrackerContext,
    events: {} as LeapsTrackerEvent,
    input: {} as LeapsTrackerInput,
    emitted: {} as LeapsSignalEmitted,
  },
  guards: {
    validEntry: ({ event }) => event.type === 'ENTRY_SETUP' && wholePositive(event.quantity) && event.contract !== '',
    positionSeen: ({ event }) => event.type === 'FILLED' && wholePositive(event.quantity) && event.contract !== '',
    cooldownOver: ({ context, event }) => event.type === 'TICK' && event.ts >= context.cooldownUntil,
    // A level already taken is never sold again; a sale larger than the position is not a scale-out.
    newScaleLevel: ({ context, event }) =>
      event.type === 'SCALE_SETUP' && event.level > context.scaleLevel && wholePositive(event.quantity) && event.quantity <= context.quantity,
    smallerPosition: ({ context, event }) => event.type === 'REDUCED' && wholePositive(event.quantity) && event.quantity < context.quantity,
  },
  actions: {
    planEntry: assign(({ context, event }) => {
      assertEvent(event, 'ENTRY_SETUP');
      return { contract: event.contract, quantity: event.quantity, initialQuantity: 0, scaleLevel: 0, pendingLevel: 0, pendingExit: null, entries: context.entries + 1 };
    }),
    emitOpen: emit(({ context, event }) => {
      assertEvent(event, 'ENTRY_SETUP');
      return { type: 'signal' as const, action: 'open' as const, symbol: context.symbol, ts: event.ts, contract: event.contract, quantity: event.quantity, reason: event.reason, level: 0, exitReason: null };
    }),
    adopt: assign(({ event }) => {
      assertEvent(event, 'FILLED');
      return { contract: event.contract, quantity: event.quantity, initialQuantity: event.quantity, scaleLevel: 0, pendingLevel: 0, pendingExit: null };
    }),
    startCooldown: assign(({ event }) => {
      assertEvent(event, 'ENTRY_FAILED');
      return { cooldownUntil: event.until, contract: null, quantity: 0 };
    }),
    planScale: assign({ pendingLevel: ({ event }) => (event.type === 'SCALE_SETUP' ? event.level : 0) }),
    emitScale: emit(({ context, event }) => {
      assertEvent(event, 'SCALE_SETUP');
      return { type: 'signal' as const, action: 'scaleOut' as const, symbol: context.symbol, ts: event.ts, contract: context.contract ?? '', quantity: event.quantity, reason: event.reason, level: event.level, exitReason: null };
    }),
    takeLevel: assign(({ context, event }) => {
      assertEvent(event, 'REDUCED');
      return { quantity: event.quantity, scaleLevel: context.pendingLevel, pendingLevel: 0 };
    }),
    setQuantity: assign({ quantity: ({ context, event }) => (event.type === 'REDUCED' ? event.quantity : context.quantity) }),
    dropPending: assign({ pendingLevel: 0, pendingExit: null }),
    planExit: assign({ pendingExit: ({ event }) => (event.type === 'EXIT_SETUP' ? event.reason : null) }),
    emitClose: emit(({ context, event }) => {
      assertEvent(event, 'EXIT_SETUP');
      return { type: 'signal' as const, action: 'close' as const, symbol: context.symbol, ts: event.ts, contract: context.contract ?? '', quantity: context.quantity, reason: event.detail, level: 0, exitReason: event.reason };
    }),
    closed: assign(({ context }, params: { by: 'exit' | 'scale_out' | 'external' }) => ({
      lastExit: params.by === 'exit' ? (context.pendingExit ?? 'external') : params.by,
      contract: null,
      quantity: 0,
      initialQuantity: 0,
      scaleLevel: 0,
      pendingLevel: 0,
      pendingExit: null,
    })),
  },
}).createMachine({
  id: 'leapsTracker',
  context: ({ input }) => parseLeapsTrackerInput(input),
  initial: 'watching',
  states: {
    watching: {
      on: {
        ENTRY_SETUP: { guard: 'validEntry', target: 'entering', actions: ['planEntry', 'emitOpen'] },
        // A position this strategy already holds (a restart, or a fill the machine did not see coming).
        FILLED: { guard: 'positionSeen', target: 'holding', actions: 'adopt' },
      },
    },
    entering: {
      on: {
        FILLED: { guard: 'positionSeen', target: 'holding', actions: 'adopt' },
        // Refused by validation or risk, or cancelled: no position and no working order.
        ENTRY_FAILED: { target: 'coolingOff', actions: 'startCooldown' },
      },
    },
    coolingOff: {
      on: {
        TICK: { guard: 'cooldownOver', target: 'watching' },
        FILLED: { guard: 'positionSeen', target: 'holding', actions: 'adopt' },
      },
    },
    holding: {
      on: {
        EXIT_SETUP: { target: 'exiting', actions: ['planExit', 'emitClose'] },
        SCALE_SETUP: { guard: 'newScaleLevel', target: 'scalingOut', actions: ['planScale', 'emitScale'] },
        REDUCED: { guard: 'smallerPosition', actions: 'setQuantity' },
        FLAT: { target: 'watching', actions: { type: 'closed', params: { by: 'external' } } },
      },
    },
    scalingOut: {
      on: {
        REDUCED: { guard: 'smallerPosition', target: 'holding', actions: 'takeLevel' },
        ORDER_FAILED: { target: 'holding', actions: 'dropPending' },
        FLAT: { target: 'watching', actions: { type: 'closed', params: { by: 'scale_out' } } },
      },
    },
    exiting: {
      on: {
        // A partial fill of the exit: keep waiting for the rest.
        REDUCED: { guard: 'smallerPosition', actions: 'setQuantity' },
        ORDER_FAILED: { target: 'holding', actions: 'dropPending' },
        FLAT: { target: 'watching', actions: { type: 'closed', params: { by: 'exit' } } },
      },
    },
  },
});
