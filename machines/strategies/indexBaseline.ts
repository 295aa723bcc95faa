import { and, assertEvent, assign, emit, setup } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';

/**
 * The phases of one benchmark ETF under the index baseline (SPEC §1.10):
 *
 *   flat ─REBALANCE(buy)→ buying ─POSITION→ holding ─REBALANCE→ adjusting ─POSITION→ holding
 *                                          holding ─HARVEST→ harvesting ─POSITION(0)→ washSale ─TICK(elapsed)→ flat
 *
 * The rules (engine/strategies/indexBaseline.ts) measure the drift from the
 * target allocation and the loss against cost, and send an event only when
 * something changes; this machine decides whether that becomes an order
 * (only from `flat` or `holding`, and not before a backed-off retry is due)
 * and what the position seen afterwards means. `POSITION` reports the
 * quantity held once no order of this strategy is working on the ETF: an
 * unchanged quantity after an order means the order never happened (refused
 * by validation or risk), a smaller change than asked means it was cut; both
 * back the ETF off until `retryAt`, so a cap that binds is not asked again on
 * every bar. After a tax-loss sale the ETF is not bought back until the
 * wash-sale window has passed.
 *
 * Pure: no clock, no I/O; every time is an event's `ts` (engine time).
 */

export type IndexOrderKind = 'buy' | 'trim' | 'harvest';

export interface IndexOrder {
  readonly kind: IndexOrderKind;
  /** Shares to buy or sell, ≥ 1. */
  readonly quantity: number;
  /** Shares held when the order was set up. */
  readonly fromQuantity: number;
  /** How long to leave the ETF alone after a first refused or cut order, ms; doubled on each one after, up to maxRetryAfterMs. */
  readonly retryAfterMs: number;
  readonly maxRetryAfterMs: number;
}

export interface IndexBaselineContext {
  readonly symbol: string;
  /** Shares this machine believes are held. */
  readonly quantity: number;
  readonly order: IndexOrder | null;
  /** Bar time of the signal waiting for its order; null when none. */
  readonly pendingSince: number | null;
  /** No new rebalance before this engine time. */
  readonly retryAt: number;
  /** The back-off in force after refused or cut orders in a row, ms; 0 after an order that did all it asked. */
  readonly backoffMs: number;
  /** An order was cut short since the last one that did all it asked: a cap binds. */
  readonly capped: boolean;
  /** No buying back before this engine time (after a tax-loss sale). */
  readonly washUntil: number;
  readonly harvests: number;
}

export interface IndexBaselineInput {
  readonly symbol: string;
}

export type IndexBaselineEvent =
  | { readonly type: 'REBALANCE'; readonly ts: number; readonly side: 'buy' | 'sell'; readonly quantity: number; readonly retryAfterMs: number; readonly maxRetryAfterMs: number }
  | { readonly type: 'HARVEST'; readonly ts: number; readonly quantity: number; readonly retryAfterMs: number; readonly maxRetryAfterMs: number; readonly washMs: number }
  | { readonly type: 'POSITION'; readonly ts: number; readonly quantity: number }
  | { readonly type: 'TICK'; readonly ts: number };

export type IndexBaselineEmitted = {
  readonly type: 'signal';
  readonly symbol: string;
  readonly ts: number;
  readonly kind: 'entry' | 'exit';
  readonly side: 'buy' | 'sell';
  readonly order: IndexOrder;
};

export function parseIndexBaselineInput(input: IndexBaselineInput): IndexBaselineContext {
  if (typeof input?.symbol !== 'string' || input.symbol.trim() === '') throw new InputError('symbol', 'must be a non-empty ticker');
  return {
    symbol: input.symbol, quantity: 0, order: null, pendingSince: null,
    retryAt: Number.NEGATIVE_INFINITY, backoffMs: 0, capped: false, washUntil: Number.NEGATIVE_INFINITY, harvests: 0,
  };
}

function orderOf(context: IndexBaselineContext, event: IndexBaselineEvent): IndexOrder | null {
  if (event.type === 'REBALANCE') {
    const kind = event.side === 'buy' ? 'buy' : 'trim';
    return { kind, quantity: event.quantity, fromQuantity: context.quantity, retryAfterMs: event.retryAfterMs, maxRetryAfterMs: event.maxRetryAfterMs };
  }
  if (event.type === 'HARVEST') {
    return { kind: 'harvest', quantity: event.quantity, fromQuantity: context.quantity, retryAfterMs: event.retryAfterMs, maxRetryAfterMs: event.maxRetryAfterMs };
  }
  return null;
}

/** Where the position should be if the pending order filled in full. */
function expected(order: IndexOrder): number {
  return order.kind === 'buy' ? order.fromQuantity + order.quantity : Math.max(0, order.fromQuantity - order.quantity);
}

export const indexBaselineMachine = setup({
  types: {
    context: {} as IndexBaselineContext,
    events: {} as IndexBaselineEvent,
    input: {} as IndexBaselineInput,
    emitted: {} as IndexBaselineEmitted,
  },
  guards: {
    retryDue: ({ context, event }) => event.type === 'REBALANCE' && event.ts >= context.retryAt,
    validBuy: ({ event }) => event.type === 'REBALANCE' && event.side === 'buy' && Number.isInteger(event.quantity) && event.quantity >= 1,
    validOrder: ({ context, event }) =>
      (event.type === 'REBALANCE' || event.type === 'HARVEST') && Number.isInteger(event.quantity) && event.quantity >= 1 &&
      (event.type === 'REBALANCE' && event.side === 'buy' ? true : event.quantity <= context.quantity),
    positionUnchanged: ({ context, event }) => event.type === 'POSITION' && event.quantity === context.order?.fromQuantity,
    positionGone: ({ event }) => event.type === 'POSITION' && event.quantity <= 0,
    positionHeld: ({ event }) => event.type === 'POSITION' && event.quantity > 0,
    positionDiffers: ({ context, event }) => event.type === 'POSITION' && event.quantity !== context.quantity,
    washOver: ({ context, event }) => event.type === 'TICK' && event.ts >= context.washUntil,
  },
  actions: {
    takeOrder: assign({
      order: ({ context, event }) => orderOf(context, event),
      pendingSince: ({ event }) => (event.type === 'REBALANCE' || event.type === 'HARVEST' ? event.ts : null),
      washUntil: ({ context, event }) => (event.type === 'HARVEST' ? event.ts + event.washMs : context.washUntil),
    }),
    // Runs after takeOrder, so the order is in the context.
    emitSignal: emit(({ context, event }) => {
      const order = context.order;
      if (order === null) throw new InputError('event', `no order set up by ${event.type}`);
      const side = order.kind === 'buy' ? ('buy' as const) : ('sell' as const);
      return { type: 'signal' as const, symbol: context.symbol, ts: context.pendingSince ?? 0, kind: side === 'buy' ? ('entry' as const) : ('exit' as const), side, order };
    }),
    /**
     * The order resolved: take the position as seen, and back off if it did
     * less than asked. Once an order has been cut (the position moved, but
     * not all the way: a cap binds), each further refused or cut order doubles
     * the back-off, so a binding cap is asked about less and less often; a
     * refusal without that evidence (e.g. the validator's warm-up) waits the
     * base delay only.
     */
    settle: assign(({ context, event }) => {
      assertEvent(event, 'POSITION');
      const order = context.order;
      const quantity = Math.max(0, event.quantity);
      if (order === null) return { quantity, pendingSince: null };
      const target = expected(order);
      const full = order.kind === 'buy' ? quantity >= target : quantity <= target;
      if (full) return { quantity, order: null, pendingSince: null, backoffMs: 0, capped: false };
      const cut = quantity !== order.fromQuantity;
      const capped = context.capped || cut;
      const backoffMs = capped && context.backoffMs > 0 ? Math.min(order.maxRetryAfterMs, 2 * context.backoffMs) : order.retryAfterMs;
      return { quantity, order: null, pendingSince: null, backoffMs, capped, retryAt: event.ts + backoffMs };
    }),
    // A harvest sale that never happened must not leave the ETF locked out of buying for the wash-sale window.
    undoWash: assign({ washUntil: Number.NEGATIVE_INFINITY }),
    countHarvest: assign({ harvests: ({ context }) => context.harvests + 1 }),
    adopt: assign({ quantity: ({ event }) => (event.type === 'POSITION' ? Math.max(0, event.quantity) : 0) }),
  },
}).createMachine({
  id: 'indexBaseline',
  context: ({ input }) => parseIndexBaselineInput(input),
  initial: 'flat',
  states: {
    flat: {
      on: {
        REBALANCE: { guard: and(['retryDue', 'validBuy']), target: 'buying', actions: ['takeOrder', 'emitSignal'] },
        POSITION: { guard: 'positionHeld', target: 'holding', actions: 'adopt' },
      },
    },
    buying: {
      on: {
        POSITION: [
          { guard: 'positionHeld', target: 'holding', actions: 'settle' },
          { target: 'flat', actions: 'settle' },
        ],
      },
    },
    holding: {
      on: {
        REBALANCE: { guard: and(['retryDue', 'validOrder']), target: 'adjusting', actions: ['takeOrder', 'emitSignal'] },
        // A tax-loss sale reduces risk: a backed-off rebalance does not hold it up.
        HARVEST: { guard: 'validOrder', target: 'harvesting', actions: ['takeOrder', 'emitSignal'] },
        POSITION: [
          { guard: 'positionGone', target: 'flat', actions: 'adopt' },
          { guard: 'positionDiffers', actions: 'adopt' },
        ],
      },
    },
    adjusting: {
      on: {
        POSITION: [
          { guard: 'positionGone', target: 'flat', actions: 'settle' },
          { target: 'holding', actions: 'settle' },
        ],
      },
    },
    harvesting: {
      on: {
        POSITION: [
          { guard: 'positionGone', target: 'washSale', actions: ['settle', 'countHarvest'] },
          { guard: 'positionUnchanged', target: 'holding', actions: ['settle', 'undoWash'] },
          { target: 'holding', actions: 'settle' },
        ],
      },
    },
    washSale: {
      on: {
        TICK: { guard: 'washOver', target: 'flat' },
        POSITION: { guard: 'positionHeld', target: 'holding', actions: 'adopt' },
      },
    },
  },
});
