import { assertEvent, assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';
import { CONTRACT_MULTIPLIER, Decimal, ZERO } from '../../engine/domain/money.js';

/**
 * The wheel (SPEC §1.2, §2) for one underlying:
 *
 *   idle ─PUT_SETUP→ cashSecuredPut.opening ─OPENED→ .open ─CLOSE_SETUP→ .closing
 *     ▲                     │ ABANDONED                 │ BOUGHT_BACK / EXPIRED → idle
 *     │                     ▼                           │ ASSIGNED
 *     │                   idle                          ▼
 *     │            assigned (stock held) ─CALL_SETUP→ coveredCall.opening ─OPENED→ .open ─CLOSE_SETUP→ .closing
 *     │                   ▲                                                   │ BOUGHT_BACK / EXPIRED → assigned
 *     └──────────────── CALLED_AWAY (every share) ◀──────────────────────────┘
 *
 * plus `unmanaged` (DESYNC: the book shows positions this machine cannot
 * explain, e.g. a put and a call at once) which raises nothing until RESTORE
 * brings a consistent picture.
 *
 * The machine keeps the wheel's invariants by refusing what would break them:
 * a put is sold only from idle (no shares, no call, no other put); a call
 * only from `assigned`, for at most shares / 100 contracts and at a strike at
 * or above the cost basis; while a put is asked for or open, the cash its
 * assignment would take (strike × 100 × contracts) is held in `reserved`.
 * Premium, stock cost, fees and the realised result are Decimal. The rules
 * (engine/strategies/wheel.ts) send the facts they read from the engine's
 * book; RESTORE rebuilds the phase from facts after a restart. Pure: no clock,
 * no I/O; every time is an event's `ts`.
 */

export type WheelRight = 'P' | 'C';
export type WheelCloseReason = 'profit_target' | 'dte_buffer';
export type WheelOutcome = 'put_expired' | 'put_bought_back' | 'assigned' | 'call_expired' | 'call_bought_back' | 'called_away';

/** The contract an order asks for (sell to open). */
export interface WheelPlan {
  readonly contractSymbol: string;
  readonly right: WheelRight;
  readonly expiry: string;
  readonly strike: Decimal;
  readonly contracts: number;
}

/** A short option the wheel holds. */
export interface WheelOption extends WheelPlan {
  /** Premium received per share when it was sold (average of its fills). */
  readonly premium: Decimal;
  readonly openedTs: number;
}

/** What the book shows for one underlying; RESTORE puts the machine in the phase it implies. */
export interface WheelFacts {
  readonly put: WheelOption | null;
  readonly call: WheelOption | null;
  readonly shares: number;
  /** What the shares held cost in all (the strike for assigned shares). */
  readonly stockCost: Decimal;
  /** Net option premium of the current cycle: received − paid to close, in currency. */
  readonly premium: Decimal;
  readonly fees: Decimal;
  /** Realised stock P&L of the current cycle (shares called away). */
  readonly stockRealized: Decimal;
  readonly cycles: number;
  readonly realized: Decimal;
  /** Set when the book holds something a wheel never opens (a long option, two puts, short stock). */
  readonly unexpected: string | null;
}

export interface WheelContext extends Omit<WheelFacts, 'unexpected'> {
  readonly symbol: string;
  /** The order asked for and not yet seen in the book (sell to open), or null. */
  readonly plan: WheelPlan | null;
  /** Bar time of the signal whose order is awaited (open or buy back); null when none. */
  readonly pendingSince: number | null;
  readonly closeReason: WheelCloseReason | null;
  /** Cash the open or asked-for put would take on assignment: strike × 100 × contracts; 0 otherwise. */
  readonly reserved: Decimal;
  readonly lastOutcome: WheelOutcome | null;
  /** Result of the last completed cycle: net premium − fees + stock P&L. */
  readonly lastCyclePnl: Decimal | null;
  readonly unmanagedReason: string | null;
}

export interface WheelInput {
  readonly symbol: string;
}

export type WheelEvent =
  | { readonly type: 'PUT_SETUP'; readonly ts: number; readonly plan: WheelPlan }
  | { readonly type: 'CALL_SETUP'; readonly ts: number; readonly plan: WheelPlan }
  | { readonly type: 'CLOSE_SETUP'; readonly ts: number; readonly reason: WheelCloseReason }
  /** The order asked for ended without changing the book (refused, expired, cancelled). */
  | { readonly type: 'ABANDONED'; readonly ts: number }
  /** The planned contract is now held short; `price` is the premium per share received. */
  | { readonly type: 'OPENED'; readonly ts: number; readonly contracts: number; readonly price: Decimal; readonly fees: Decimal }
  | { readonly type: 'BOUGHT_BACK'; readonly ts: number; readonly price: Decimal; readonly fees: Decimal }
  /** The short option expired worthless. */
  | { readonly type: 'EXPIRED'; readonly ts: number }
  /** The put was assigned: `shares` received at `price` (its strike). */
  | { readonly type: 'ASSIGNED'; readonly ts: number; readonly shares: number; readonly price: Decimal }
  /** The call was assigned: `shares` delivered at `price` (its strike). */
  | { readonly type: 'CALLED_AWAY'; readonly ts: number; readonly shares: number; readonly price: Decimal }
  | { readonly type: 'DESYNC'; readonly ts: number; readonly reason: string }
  | { readonly type: 'RESTORE'; readonly ts: number; readonly facts: WheelFacts };

export type WheelEmitted =
  | { readonly type: 'signal'; readonly action: 'sellPut'; readonly symbol: string; readonly ts: number; readonly plan: WheelPlan }
  | { readonly type: 'signal'; readonly action: 'sellCall'; readonly symbol: string; readonly ts: number; readonly plan: WheelPlan; readonly basis: Decimal }
  | { readonly type: 'signal'; readonly action: 'buyToClose'; readonly symbol: string; readonly ts: number; readonly option: WheelOption; readonly reason: WheelCloseReason }
  | { readonly type: 'cycleCompleted'; readonly symbol: string; readonly ts: number; readonly pnl: Decimal; readonly outcome: WheelOutcome };

const MULT = new Decimal(CONTRACT_MULTIPLIER);

export function parseWheelInput(input: WheelInput): WheelContext {
  if (typeof input?.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return {
    symbol: input.symbol, plan: null, pendingSince: null, closeReason: null, put: null, call: null, shares: 0,
    stockCost: ZERO, premium: ZERO, fees: ZERO, stockRealized: ZERO, reserved: ZERO, cycles: 0, realized: ZERO,
    lastOutcome: null, lastCyclePnl: null, unmanagedReason: null,
  };
}

/** Cost basis per share of the shares held: (stock cost − net premium + fees) / shares (SPEC §2); null without shares. */
export function costBasisPerShare(c: Pick<WheelFacts, 'shares' | 'stockCost' | 'premium' | 'fees'>): Decimal | null {
  return c.shares > 0 ? c.stockCost.minus(c.premium).plus(c.fees).div(c.shares) : null;
}

/** Cash an assignment of this put takes: strike × 100 × contracts. */
export function assignmentCash(p: Pick<WheelPlan, 'strike' | 'contracts'>): Decimal {
  return p.strike.times(MULT).times(p.contracts);
}

/** Why these facts are not a state a wheel can be in; null when they are. */
function optionProblem(o: WheelOption | null, right: WheelRight): string | null {
  if (o === null) return null;
  if (o.right !== right) return `${o.contractSymbol.trim()} is not a ${right === 'P' ? 'put' : 'call'}`;
  if (!Number.isSafeInteger(o.contracts) || o.contracts < 1) return `${o.contractSymbol.trim()}: ${o.contracts} contracts`;
  if (!o.strike.isFinite() || o.strike.lte(0) || !validAmount(o.premium)) return `${o.contractSymbol.trim()}: not a priced contract`;
  return null;
}

export function factsProblem(f: WheelFacts): string | null {
  if (f.unexpected !== null) return f.unexpected;
  const option = optionProblem(f.put, 'P') ?? optionProblem(f.call, 'C');
  if (option !== null) return option;
  if (!Number.isSafeInteger(f.shares) || f.shares < 0) return `shares ${f.shares}: not a long whole number`;
  if (f.put !== null && f.call !== null) return 'a short put and a short call are open together';
  if (f.put !== null && f.shares > 0) return 'a short put is open while shares are held';
  if (f.call !== null && f.call.contracts * CONTRACT_MULTIPLIER > f.shares) return `${f.call.contracts} short call(s) need ${f.call.contracts * CONTRACT_MULTIPLIER} shares, ${f.shares} held`;
  return null;
}

/** The facts a context stands for (what a restart must give back). */
export function factsOf(c: WheelContext): WheelFacts {
  return {
    put: c.put, call: c.call, shares: c.shares, stockCost: c.stockCost, premium: c.premium, fees: c.fees,
    stockRealized: c.stockRealized, cycles: c.cycles, realized: c.realized, unexpected: null,
  };
}

function validPlan(plan: WheelPlan, right: WheelRight): boolean {
  return plan.right === right && Number.isSafeInteger(plan.contracts) && plan.contracts >= 1 && plan.strike.isFinite() && plan.strike.gt(0);
}

function validAmount(d: Decimal): boolean {
  return d.isFinite() && d.gte(0);
}

/** Cycle closed: its result joins the realised total and the per-cycle amounts start again. */
function completed(c: WheelContext, outcome: WheelOutcome): Partial<WheelContext> {
  const pnl = c.premium.minus(c.fees).plus(c.stockRealized);
  return {
    put: null, call: null, plan: null, pendingSince: null, closeReason: null, reserved: ZERO, shares: 0, stockCost: ZERO,
    premium: ZERO, fees: ZERO, stockRealized: ZERO, cycles: c.cycles + 1, realized: c.realized.plus(pnl), lastOutcome: outcome, lastCyclePnl: pnl,
  };
}

const DROP_PLAN = { plan: null, pendingSince: null, closeReason: null } as const;


export const wheelMachine = setup({
  types: {
    context: {} as WheelContext,
    events: {} as WheelEvent,
    input: {} as WheelInput,
    emitted: {} as WheelEmitted,
  },
  guards: {
    putPlanOk: ({ context, event }) =>
      event.type === 'PUT_SETUP' && validPlan(event.plan, 'P') && context.shares === 0 && context.put === null && context.call === null,
    callPlanOk: ({ context, event }) => {
      if (event.type !== 'CALL_SETUP' || !validPlan(event.plan, 'C') || context.call !== null || context.put !== null) return false;
      const basis = costBasisPerShare(context);
      return basis !== null && event.plan.contracts * CONTRACT_MULTIPLIER <= context.shares && event.plan.strike.gte(basis);
    },
    openedOk: ({ context, event }) => {
      if (event.type !== 'OPENED' || context.plan === null || !Number.isSafeInteger(event.contracts) || event.contracts < 1) return false;
      if (!validAmount(event.price) || !validAmount(event.fees)) return false;
      // A call is never held without 100 shares per contract, whatever filled.
      return context.plan.right === 'P' || event.contracts * CONTRACT_MULTIPLIER <= context.shares;
    },
    putBoughtBackOk: ({ context, event }) => event.type === 'BOUGHT_BACK' && context.put !== null && validAmount(event.price) && validAmount(event.fees),
    callBoughtBackOk: ({ context, event }) => event.type === 'BOUGHT_BACK' && context.call !== null && validAmount(event.price) && validAmount(event.fees),
    putHeld: ({ context }) => context.put !== null,
    callHeld: ({ context }) => context.call !== null,
    assignedOk: ({ context, event }) =>
      event.type === 'ASSIGNED' && context.put !== null && Number.isSafeInteger(event.shares) && event.shares > 0 && event.price.isFinite() && event.price.gt(0),
    calledAwayOk: ({ context, event }) =>
      event.type === 'CALLED_AWAY' && context.call !== null && Number.isSafeInteger(event.shares) && event.shares > 0 && event.shares <= context.shares && validAmount(event.price),
    calledAwayAll: ({ context, event }) =>
      event.type === 'CALLED_AWAY' && context.call !== null && Number.isSafeInteger(event.shares) && event.shares === context.shares && validAmount(event.price),
    factsInconsistent: ({ event }) => event.type === 'RESTORE' && factsProblem(event.facts) !== null,
    factsPut: ({ event }) => event.type === 'RESTORE' && event.facts.put !== null,
    factsCall: ({ event }) => event.type === 'RESTORE' && event.facts.call !== null,
    factsShares: ({ event }) => event.type === 'RESTORE' && event.facts.shares > 0,
  },
  actions: {
    takePutPlan: assign(({ event }) => {
      assertEvent(event, 'PUT_SETUP');
      return { plan: event.plan, pendingSince: event.ts, closeReason: null, reserved: assignmentCash(event.plan) };
    }),
    takeCallPlan: assign(({ event }) => {
      assertEvent(event, 'CALL_SETUP');
      return { plan: event.plan, pendingSince: event.ts, closeReason: null };
    }),
    openOption: assign(({ context, event }) => {
      assertEvent(event, 'OPENED');
      const plan = context.plan as WheelPlan;
      const option: WheelOption = { ...plan, contracts: event.contracts, premium: event.price, openedTs: event.ts };
      const premium = context.premium.plus(event.price.times(MULT).times(event.contracts));
      const fees = context.fees.plus(event.fees);
      return plan.right === 'P'
        ? { ...DROP_PLAN, put: option, premium, fees, reserved: assignmentCash(option) }
        : { ...DROP_PLAN, call: option, premium, fees };
    }),
    dropPutPlan: assign({ ...DROP_PLAN, reserved: ZERO }),
    dropPlan: assign(DROP_PLAN),
    markClosing: assign(({ event }) => {
      assertEvent(event, 'CLOSE_SETUP');
      return { pendingSince: event.ts, closeReason: event.reason };
    }),
    clearPending: assign({ pendingSince: null, closeReason: null }),
    putBoughtBack: assign(({ context, event }) => {
      assertEvent(event, 'BOUGHT_BACK');
      const put = context.put as WheelOption;
      const c = { ...context, premium: context.premium.minus(event.price.times(MULT).times(put.contracts)), fees: context.fees.plus(event.fees) };
      return { ...c, ...completed(c, 'put_bought_back') };
    }),
    putExpired: assign(({ context }) => completed(context, 'put_expired')),
    takeAssignment: assign(({ context, event }) => {
      assertEvent(event, 'ASSIGNED');
      return {
        ...DROP_PLAN, put: null, reserved: ZERO, shares: context.shares + event.shares,
        stockCost: context.stockCost.plus(event.price.times(event.shares)), lastOutcome: 'assigned' as const,
      };
    }),
    callBoughtBack: assign(({ context, event }) => {
      assertEvent(event, 'BOUGHT_BACK');
      const call = context.call as WheelOption;
      return {
        ...DROP_PLAN, call: null, premium: context.premium.minus(event.price.times(MULT).times(call.contracts)),
        fees: context.fees.plus(event.fees), lastOutcome: 'call_bought_back' as const,
      };
    }),
    callExpired: assign({ ...DROP_PLAN, call: null, lastOutcome: 'call_expired' as const }),
    calledAway: assign(({ context, event }) => {
      assertEvent(event, 'CALLED_AWAY');
      // The shares delivered carry their share of the stock cost.
      const cost = context.stockCost.times(event.shares).div(context.shares);
      const c: WheelContext = {
        ...context, ...DROP_PLAN, call: null, shares: context.shares - event.shares, stockCost: context.stockCost.minus(cost),
        stockRealized: context.stockRealized.plus(event.price.times(event.shares)).minus(cost), lastOutcome: 'called_away',
      };
      return c.shares === 0 ? { ...c, ...completed(c, 'called_away') } : c;
    }),
    emitCycle: emit(({ context, event }) => ({
      type: 'cycleCompleted' as const, symbol: context.symbol, ts: event.ts,
      pnl: context.lastCyclePnl ?? ZERO, outcome: context.lastOutcome ?? 'put_expired',
    })),
    emitSellPut: emit(({ context, event }) => {
      assertEvent(event, 'PUT_SETUP');
      return { type: 'signal' as const, action: 'sellPut' as const, symbol: context.symbol, ts: event.ts, plan: event.plan };
    }),
    emitSellCall: emit(({ context, event }) => {
      assertEvent(event, 'CALL_SETUP');
      return { type: 'signal' as const, action: 'sellCall' as const, symbol: context.symbol, ts: event.ts, plan: event.plan, basis: costBasisPerShare(context) as Decimal };
    }),
    emitBuyToClose: emit(({ context, event }) => {
      assertEvent(event, 'CLOSE_SETUP');
      const option = (context.put ?? context.call) as WheelOption;
      return { type: 'signal' as const, action: 'buyToClose' as const, symbol: context.symbol, ts: event.ts, option, reason: event.reason };
    }),
    markUnmanaged: assign(({ context, event }) => ({
      ...DROP_PLAN, put: null, call: null, reserved: ZERO,
      unmanagedReason: event.type === 'DESYNC' ? event.reason : event.type === 'RESTORE' ? factsProblem(event.facts) : context.unmanagedReason,
    })),
    restore: assign(({ event }) => {
      assertEvent(event, 'RESTORE');
      const f = event.facts;
      return {
        ...DROP_PLAN, put: f.put, call: f.call, shares: f.shares, stockCost: f.stockCost, premium: f.premium, fees: f.fees,
        stockRealized: f.stockRealized, cycles: f.cycles, realized: f.realized, reserved: f.put === null ? ZERO : assignmentCash(f.put),
        unmanagedReason: null,
      };
    }),
  },
}).createMachine({
  id: 'wheel',
  context: ({ input }) => parseWheelInput(input),
  initial: 'idle',
  on: {
    // The book shows what this machine cannot explain: raise nothing until a consistent RESTORE.
    DESYNC: { target: '.unmanaged', actions: 'markUnmanaged' },
  },
  states: {
    idle: {
      on: {
        PUT_SETUP: { guard: 'putPlanOk', target: 'cashSecuredPut.opening', actions: ['takePutPlan', 'emitSellPut'] },
        RESTORE: [
          { guard: 'factsInconsistent', target: 'unmanaged', actions: 'markUnmanaged' },
          { guard: 'factsPut', target: 'cashSecuredPut.open', actions: 'restore' },
          { guard: 'factsCall', target: 'coveredCall.open', actions: 'restore' },
          { guard: 'factsShares', target: 'assigned', actions: 'restore' },
          { target: 'idle', actions: 'restore' },
        ],
      },
    },
    cashSecuredPut: {
      initial: 'opening',
      states: {
        opening: {
          on: {
            OPENED: { guard: 'openedOk', target: 'open', actions: 'openOption' },
            ABANDONED: { target: '#wheel.idle', actions: 'dropPutPlan' },
          },
        },
        open: {
          on: { CLOSE_SETUP: { target: 'closing', actions: ['markClosing', 'emitBuyToClose'] } },
        },
        closing: {
          on: { ABANDONED: { target: 'open', actions: 'clearPending' } },
        },
      },
      on: {
        BOUGHT_BACK: { guard: 'putBoughtBackOk', target: 'idle', actions: ['putBoughtBack', 'emitCycle'] },
        EXPIRED: { guard: 'putHeld', target: 'idle', actions: ['putExpired', 'emitCycle'] },
        ASSIGNED: { guard: 'assignedOk', target: 'assigned', actions: 'takeAssignment' },
      },
    },
    assigned: {
      on: {
        CALL_SETUP: { guard: 'callPlanOk', target: 'coveredCall.opening', actions: ['takeCallPlan', 'emitSellCall'] },
      },
    },
    coveredCall: {
      initial: 'opening',
      states: {
        opening: {
          on: {
            OPENED: { guard: 'openedOk', target: 'open', actions: 'openOption' },
            ABANDONED: { target: '#wheel.assigned', actions: 'dropPlan' },
          },
        },
        open: {
          on: { CLOSE_SETUP: { target: 'closing', actions: ['markClosing', 'emitBuyToClose'] } },
        },
        closing: {
          on: { ABANDONED: { target: 'open', actions: 'clearPending' } },
        },
      },
      on: {
        BOUGHT_BACK: { guard: 'callBoughtBackOk', target: 'assigned', actions: 'callBoughtBack' },
        EXPIRED: { guard: 'callHeld', target: 'assigned', actions: 'callExpired' },
        CALLED_AWAY: [
          { guard: 'calledAwayAll', target: 'idle', actions: ['calledAway', 'emitCycle'] },
          { guard: 'calledAwayOk', target: 'assigned', actions: 'calledAway' },
        ],
      },
    },
    unmanaged: {
      on: {
        RESTORE: [
          { guard: 'factsInconsistent', target: 'unmanaged', actions: 'markUnmanaged' },
          { guard: 'factsPut', target: 'cashSecuredPut.open', actions: 'restore' },
          { guard: 'factsCall', target: 'coveredCall.open', actions: 'restore' },
          { guard: 'factsShares', target: 'assigned', actions: 'restore' },
          { target: 'idle', actions: 'restore' },
        ],
      },
    },
  },
});

export type WheelMachine = typeof wheelMachine;
export type WheelSnapshot = SnapshotFrom<WheelMachine>;

/** The top-level phase of a snapshot: idle, cashSecuredPut, assigned, coveredCall or unmanaged. */
export type WheelPhase = 'idle' | 'cashSecuredPut' | 'assigned' | 'coveredCall' | 'unmanaged';

export function wheelPhaseOf(snapshot: WheelSnapshot): WheelPhase {
  const v = snapshot.value;
  return (typeof v === 'string' ? v : Object.keys(v)[0]) as WheelPhase;
}
