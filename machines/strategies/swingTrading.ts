import { assertEvent, assign, emit, setup } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';

/**
 * Swing trading (SPEC §1.3) as two statecharts.
 *
 * `swingTradeMachine`, one per underlying, holds the phases of a trade:
 *
 *   watching ─ENTRY_SETUP→ entering ─FILLED→ holding ─EXIT_SETUP→ exiting ─FLAT→ watching
 *
 * The rules (engine/strategies/swingTrading.ts) judge the bars and send an
 * event only when something changes; this machine decides whether a setup
 * becomes a signal (only while watching, and only when the strategy's own
 * guards do not block entries) and keeps the plan of the trade (contract,
 * setup, maximum hold). An entry or exit signal that never became an order
 * (refused by validation or risk) comes back as *_ABANDONED. A position that
 * appears without an entry of this machine (a restart, an order that was
 * queued behind a symbol lock) is adopted with POSITION_FOUND.
 *
 * `swingGuardMachine`, one per strategy, holds the original's account guards:
 * no entries once the day's loss reaches `maxDailyLossPct` of the day's
 * starting equity, and after `lossStreak` straight losses a cool-off of
 * `coolOffDays` trading days that blocks only while at least
 * `coolOffMinLosses` losses are still unbroken (a win during the cool-off ends it).
 *
 * Pure: no clock, no I/O; every time is an event's `ts` (engine time).
 */

export type SwingSetupKind = 'breakout' | 'momentum' | 'reversal';
export type SwingRiskLevel = 'low' | 'medium';
export type SwingExitReason = 'stop' | 'target' | 'bigTarget' | 'time' | 'theta' | 'endOfDay';
export type SwingEntryBlock = 'daily_loss' | 'cooling_off';

/** What the trade is and how long it may last, fixed when it is set up. */
export interface SwingPlan {
  /** OCC symbol of the call. */
  readonly contractSymbol: string;
  readonly expiry: string;
  readonly strike: number;
  /** 'adopted' when the position was found rather than entered by this machine. */
  readonly setup: SwingSetupKind | 'adopted';
  readonly strength: number;
  readonly riskLevel: SwingRiskLevel;
  /** Premium per share expected at the setup (the mark then). */
  readonly premium: number;
  readonly contracts: number;
  /** Maximum hold of this setup, ms; the time exit comes at a fraction of it. */
  readonly maxHoldMs: number;
}

export interface SwingTradeContext {
  readonly symbol: string;
  readonly plan: SwingPlan | null;
  /** Bar time of the entry or exit signal waiting for its order; null when none. */
  readonly pendingSince: number | null;
  /** Fill price per share and contracts held, once filled. */
  readonly entryPremium: number;
  readonly contracts: number;
  /** Mark per share when the exit was signalled: the estimate of what the trade realised. */
  readonly exitMark: number;
  /** The +15 % "consider a partial exit" flag of the original, raised at most once per trade. */
  readonly partialFlagged: boolean;
  readonly lastExitReason: SwingExitReason | 'external' | null;
  /** Round trips completed on this underlying. */
  readonly trades: number;
}

export interface SwingTradeInput {
  readonly symbol: string;
}

export type SwingTradeEvent =
  | { readonly type: 'ENTRY_SETUP'; readonly ts: number; readonly plan: SwingPlan; readonly block: SwingEntryBlock | null }
  | { readonly type: 'FILLED'; readonly ts: number; readonly entryPremium: number; readonly contracts: number }
  | { readonly type: 'ENTRY_ABANDONED'; readonly ts: number }
  | { readonly type: 'POSITION_FOUND'; readonly ts: number; readonly plan: SwingPlan; readonly entryPremium: number; readonly contracts: number }
  | { readonly type: 'PROFIT_FLAG'; readonly ts: number; readonly pnlPct: number }
  | { readonly type: 'EXIT_SETUP'; readonly ts: number; readonly reason: SwingExitReason; readonly mark: number }
  | { readonly type: 'EXIT_ABANDONED'; readonly ts: number }
  | { readonly type: 'FLAT'; readonly ts: number };

export type SwingTradeEmitted =
  | { readonly type: 'signal'; readonly kind: 'entry'; readonly symbol: string; readonly ts: number; readonly plan: SwingPlan }
  | { readonly type: 'signal'; readonly kind: 'exit'; readonly symbol: string; readonly ts: number; readonly reason: SwingExitReason; readonly plan: SwingPlan }
  | { readonly type: 'setupBlocked'; readonly symbol: string; readonly ts: number; readonly block: SwingEntryBlock }
  | { readonly type: 'partialFlagged'; readonly symbol: string; readonly ts: number; readonly pnlPct: number }
  /** A round trip this machine closed; `pnl` in currency, estimated from the exit mark. */
  | { readonly type: 'tradeClosed'; readonly symbol: string; readonly ts: number; readonly pnl: number; readonly pnlPct: number; readonly reason: SwingExitReason };

export function parseSwingTradeInput(input: SwingTradeInput): SwingTradeContext {
  if (typeof input?.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return {
    symbol: input.symbol, plan: null, pendingSince: null, entryPremium: 0, contracts: 0, exitMark: 0,
    partialFlagged: false, lastExitReason: null, trades: 0,
  };
}

function usablePlan(plan: SwingPlan): boolean {
  return plan.premium > 0 && Number.isFinite(plan.premium) && Number.isInteger(plan.contracts) && plan.contracts >= 1 && plan.maxHoldMs > 0;
}

export const swingTradeMachine = setup({
  types: {
    context: {} as SwingTradeContext,
    events: {} as SwingTradeEvent,
    input: {} as SwingTradeInput,
    emitted: {} as SwingTradeEmitted,
  },
  guards: {
    entryBlocked: ({ event }) => event.type === 'ENTRY_SETUP' && event.block !== null,
    // A plan without a price or a size cannot be managed; refuse it rather than hold blind.
    planUsable: ({ event }) => (event.type === 'ENTRY_SETUP' || event.type === 'POSITION_FOUND') && usablePlan(event.plan),
    notYetFlagged: ({ context }) => !context.partialFlagged,
  },
  actions: {
    takePlan: assign({
      plan: ({ event }) => (event.type === 'ENTRY_SETUP' || event.type === 'POSITION_FOUND' ? event.plan : null),
      pendingSince: ({ event }) => (event.type === 'ENTRY_SETUP' ? event.ts : null),
      partialFlagged: false,
      exitMark: 0,
    }),
    recordFill: assign({
      pendingSince: null,
      entryPremium: ({ event, context }) => (event.type === 'FILLED' || event.type === 'POSITION_FOUND' ? event.entryPremium : context.entryPremium),
      contracts: ({ event, context }) => (event.type === 'FILLED' || event.type === 'POSITION_FOUND' ? event.contracts : context.contracts),
    }),
    dropPlan: assign({ plan: null, pendingSince: null }),
    flag: assign({ partialFlagged: true }),
    markExitPending: assign({
      pendingSince: ({ event }) => (event.type === 'EXIT_SETUP' ? event.ts : null),
      exitMark: ({ event, context }) => (event.type === 'EXIT_SETUP' ? event.mark : context.exitMark),
      lastExitReason: ({ event, context }) => (event.type === 'EXIT_SETUP' ? event.reason : context.lastExitReason),
    }),
    clearPending: assign({ pendingSince: null }),
    closeTrade: assign({ plan: null, pendingSince: null, trades: ({ context }) => context.trades + 1 }),
    markExternalClose: assign({ lastExitReason: 'external' as const }),
    emitEntry: emit(({ context, event }) => {
      assertEvent(event, 'ENTRY_SETUP');
      return { type: 'signal' as const, kind: 'entry' as const, symbol: context.symbol, ts: event.ts, plan: event.plan };
    }),
    emitBlocked: emit(({ context, event }) => {
      assertEvent(event, 'ENTRY_SETUP');
      return { type: 'setupBlocked' as const, symbol: context.symbol, ts: event.ts, block: event.block ?? 'daily_loss' };
    }),
    emitFlag: emit(({ context, event }) => {
      assertEvent(event, 'PROFIT_FLAG');
      return { type: 'partialFlagged' as const, symbol: context.symbol, ts: event.ts, pnlPct: event.pnlPct };
    }),
    emitExit: emit(({ context, event }) => {
      assertEvent(event, 'EXIT_SETUP');
      // holding always has a plan (planUsable on the way in).
      const plan = context.plan as SwingPlan;
      return { type: 'signal' as const, kind: 'exit' as const, symbol: context.symbol, ts: event.ts, reason: event.reason, plan };
    }),
    emitClosed: emit(({ context, event }) => {
      assertEvent(event, 'FLAT');
      const per = context.exitMark - context.entryPremium;
      return {
        type: 'tradeClosed' as const, symbol: context.symbol, ts: event.ts,
        pnl: per * context.contracts * 100,
        pnlPct: context.entryPremium > 0 ? per / context.entryPremium : 0,
        reason: context.lastExitReason === 'external' || context.lastExitReason === null ? 'stop' : context.lastExitReason,
      };
    }),
  },
}).createMachine({
  id: 'swingTrade',
  context: ({ input }) => parseSwingTradeInput(input),
  initial: 'watching',
  states: {
    watching: {
      on: {
        ENTRY_SETUP: [
          { guard: 'entryBlocked', actions: 'emitBlocked' },
          { guard: 'planUsable', target: 'entering', actions: ['takePlan', 'emitEntry'] },
        ],
        POSITION_FOUND: { guard: 'planUsable', target: 'holding', actions: ['takePlan', 'recordFill'] },
      },
    },
    entering: {
      on: {
        FILLED: { target: 'holding', actions: 'recordFill' },
        ENTRY_ABANDONED: { target: 'watching', actions: 'dropPlan' },
      },
    },
    holding: {
      on: {
        PROFIT_FLAG: { guard: 'notYetFlagged', actions: ['flag', 'emitFlag'] },
        EXIT_SETUP: { target: 'exiting', actions: ['markExitPending', 'emitExit'] },
        // Closed by something other than this strategy (breaker flatten, operator): no estimate of its result.
        FLAT: { target: 'watching', actions: ['markExternalClose', 'closeTrade'] },
      },
    },
    exiting: {
      on: {
        FLAT: { target: 'watching', actions: ['emitClosed', 'closeTrade'] },
        EXIT_ABANDONED: { target: 'holding', actions: 'clearPending' },
      },
    },
  },
});

// ---------------------------------------------------------------------------

export interface SwingGuardLimits {
  /** Fraction of the day's starting equity; entries stop once the day's realised loss reaches it. */
  readonly maxDailyLossPct: number;
  /** Straight losses that start a cool-off. */
  readonly lossStreak: number;
  /** Trading days the cool-off lasts (the day it starts counts as the first). */
  readonly coolOffDays: number;
  /** The cool-off blocks only while at least this many losses are unbroken. */
  readonly coolOffMinLosses: number;
}

export interface SwingGuardContext extends SwingGuardLimits {
  readonly consecutiveLosses: number;
  /** Realised P&L of the current New York day, currency (an estimate: statistics, not booking). */
  readonly dayPnl: number;
  /** Equity at the first bar of the day; null before the first day starts. */
  readonly dayStartEquity: number | null;
  readonly coolOffDaysLeft: number;
}

export type SwingGuardEvent =
  | { readonly type: 'NEW_DAY'; readonly equity: number }
  | { readonly type: 'TRADE_CLOSED'; readonly pnl: number }
  | { readonly type: 'CONFIGURE'; readonly limits: SwingGuardLimits };

export function parseSwingGuardInput(input: SwingGuardLimits): SwingGuardContext {
  const checks: [keyof SwingGuardLimits, boolean][] = [
    ['maxDailyLossPct', input.maxDailyLossPct > 0 && input.maxDailyLossPct <= 1],
    ['lossStreak', Number.isInteger(input.lossStreak) && input.lossStreak >= 1],
    ['coolOffDays', Number.isInteger(input.coolOffDays) && input.coolOffDays >= 0],
    ['coolOffMinLosses', Number.isInteger(input.coolOffMinLosses) && input.coolOffMinLosses >= 0],
  ];
  for (const [field, ok] of checks) if (!ok) throw new InputError(field, `out of range: ${String(input[field])}`);
  return { ...input, consecutiveLosses: 0, dayPnl: 0, dayStartEquity: null, coolOffDaysLeft: 0 };
}

export const swingGuardMachine = setup({
  types: {
    context: {} as SwingGuardContext,
    events: {} as SwingGuardEvent,
    input: {} as SwingGuardLimits,
  },
  guards: {
    coolingOff: ({ context }) => context.coolOffDaysLeft > 0 && context.consecutiveLosses >= context.coolOffMinLosses,
    dailyLossReached: ({ context }) =>
      context.dayStartEquity !== null && context.dayStartEquity > 0 && -context.dayPnl >= context.maxDailyLossPct * context.dayStartEquity,
  },
  actions: {
    startDay: assign(({ context, event }) => {
      assertEvent(event, 'NEW_DAY');
      return { dayPnl: 0, dayStartEquity: event.equity, coolOffDaysLeft: Math.max(0, context.coolOffDaysLeft - 1) };
    }),
    recordTrade: assign(({ context, event }) => {
      assertEvent(event, 'TRADE_CLOSED');
      const loss = event.pnl < 0;
      const losses = loss ? context.consecutiveLosses + 1 : 0;
      return {
        dayPnl: context.dayPnl + event.pnl,
        consecutiveLosses: losses,
        coolOffDaysLeft: loss && losses >= context.lossStreak ? context.coolOffDays : context.coolOffDaysLeft,
      };
    }),
    configure: assign(({ event }) => {
      assertEvent(event, 'CONFIGURE');
      return { ...event.limits };
    }),
  },
}).createMachine({
  id: 'swingGuard',
  context: ({ input }) => parseSwingGuardInput(input),
  initial: 'open',
  // Every event may change what is blocked, so each one goes through `judging`.
  on: {
    NEW_DAY: { target: '.judging', actions: 'startDay' },
    TRADE_CLOSED: { target: '.judging', actions: 'recordTrade' },
    CONFIGURE: { target: '.judging', actions: 'configure' },
  },
  states: {
    open: {},
    coolingOff: {},
    dailyLossLimit: {},
    judging: {
      always: [
        { guard: 'coolingOff', target: 'coolingOff' },
        { guard: 'dailyLossReached', target: 'dailyLossLimit' },
        { target: 'open' },
      ],
    },
  },
});

/** Why the guard blocks new entries now, or null. */
export function swingEntryBlock(state: string): SwingEntryBlock | null {
  if (state === 'coolingOff') return 'cooling_off';
  if (state === 'dailyLossLimit') return 'daily_loss';
  return null;
}
