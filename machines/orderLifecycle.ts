import { assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { InputError } from '../engine/domain/errors.js';
import type { Order, OrderStatus } from '../engine/domain/orders.js';

/**
 * One order's lifecycle. The table is deliberately strict, fixing the original's
 * defects: a fill may never take the filled quantity past the order quantity,
 * and nothing moves an order out of a terminal state.
 *
 *   new ──WRITTEN──▶ pending_submit ──ACCEPTED──▶ submitted ──FILLED──▶ partially_filled ──FILLED──▶ filled
 *                         │ CANCELLED/REJECTED        │ CANCELLED/REJECTED/EXPIRED   │ CANCELLED/EXPIRED
 *
 * A broker ack always precedes fills in our adapters, so FILLED is refused in
 * pending_submit: an adapter that reports a fill first has a bug worth seeing.
 */

export interface OrderLifecycleContext {
  readonly clientOrderId: string;
  readonly quantity: number;
  readonly filledQuantity: number;
  readonly brokerOrderId: string | null;
  /** Why it was cancelled or rejected; null otherwise. */
  readonly reason: string | null;
}

export interface OrderLifecycleInput {
  readonly clientOrderId: string;
  readonly quantity: number;
}

export type OrderLifecycleEvent =
  | { readonly type: 'WRITTEN' }
  | { readonly type: 'ACCEPTED'; readonly brokerOrderId: string }
  /** `quantity` is the increment of this execution, not the cumulative filled quantity. */
  | { readonly type: 'FILLED'; readonly quantity: number }
  | { readonly type: 'CANCELLED'; readonly reason: string }
  | { readonly type: 'REJECTED'; readonly reason: string }
  | { readonly type: 'EXPIRED' };

/** Emitted on every entry into a status after `new`, so the engine can persist and publish it. */
export interface OrderStatusChanged {
  readonly type: 'statusChanged';
  readonly clientOrderId: string;
  readonly status: Exclude<OrderStatus, 'new'>;
  readonly filledQuantity: number;
  readonly brokerOrderId: string | null;
  readonly reason: string | null;
}

export type OrderLifecycleEmitted = OrderStatusChanged;

function isPositiveInteger(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}

/** Validates machine input; throws InputError naming the field. */
export function parseOrderLifecycleInput(input: OrderLifecycleInput): OrderLifecycleContext {
  if (typeof input.clientOrderId !== 'string' || input.clientOrderId.trim() === '') {
    throw new InputError('clientOrderId', 'must be a non-empty string');
  }
  if (!isPositiveInteger(input.quantity)) {
    throw new InputError('quantity', `must be a whole number > 0, got ${String(input.quantity)}`);
  }
  return { clientOrderId: input.clientOrderId, quantity: input.quantity, filledQuantity: 0, brokerOrderId: null, reason: null };
}

function fillFits(context: OrderLifecycleContext, quantity: number): boolean {
  return isPositiveInteger(quantity) && context.filledQuantity + quantity <= context.quantity;
}

export const orderLifecycleMachine = setup({
  types: {
    context: {} as OrderLifecycleContext,
    events: {} as OrderLifecycleEvent,
    input: {} as OrderLifecycleInput,
    emitted: {} as OrderLifecycleEmitted,
  },
  guards: {
    fillCompletesOrder: ({ context, event }) =>
      event.type === 'FILLED' && fillFits(context, event.quantity) && context.filledQuantity + event.quantity === context.quantity,
    fillLeavesRemainder: ({ context, event }) =>
      event.type === 'FILLED' && fillFits(context, event.quantity) && context.filledQuantity + event.quantity < context.quantity,
    hasBrokerOrderId: ({ event }) => event.type === 'ACCEPTED' && typeof event.brokerOrderId === 'string' && event.brokerOrderId !== '',
  },
  actions: {
    recordBrokerOrderId: assign({
      brokerOrderId: ({ context, event }) => (event.type === 'ACCEPTED' ? event.brokerOrderId : context.brokerOrderId),
    }),
    recordFill: assign({
      filledQuantity: ({ context, event }) => (event.type === 'FILLED' ? context.filledQuantity + event.quantity : context.filledQuantity),
    }),
    recordReason: assign({
      reason: ({ context, event }) => (event.type === 'CANCELLED' || event.type === 'REJECTED' ? event.reason : context.reason),
    }),
    announceStatus: emit(({ context }, params: { status: OrderStatusChanged['status'] }) => ({
      type: 'statusChanged' as const,
      clientOrderId: context.clientOrderId,
      status: params.status,
      filledQuantity: context.filledQuantity,
      brokerOrderId: context.brokerOrderId,
      reason: context.reason,
    })),
  },
}).createMachine({
  id: 'orderLifecycle',
  context: ({ input }) => parseOrderLifecycleInput(input),
  initial: 'new',
  states: {
    new: {
      on: { WRITTEN: { target: 'pending_submit' } },
    },
    pending_submit: {
      entry: { type: 'announceStatus', params: { status: 'pending_submit' } },
      on: {
        ACCEPTED: { guard: 'hasBrokerOrderId', target: 'submitted', actions: 'recordBrokerOrderId' },
        CANCELLED: { target: 'cancelled', actions: 'recordReason' },
        REJECTED: { target: 'rejected', actions: 'recordReason' },
      },
    },
    submitted: {
      entry: { type: 'announceStatus', params: { status: 'submitted' } },
      on: {
        FILLED: [
          { guard: 'fillCompletesOrder', target: 'filled', actions: 'recordFill' },
          { guard: 'fillLeavesRemainder', target: 'partially_filled', actions: 'recordFill' },
        ],
        CANCELLED: { target: 'cancelled', actions: 'recordReason' },
        REJECTED: { target: 'rejected', actions: 'recordReason' },
        EXPIRED: { target: 'expired' },
      },
    },
    partially_filled: {
      entry: { type: 'announceStatus', params: { status: 'partially_filled' } },
      on: {
        FILLED: [
          { guard: 'fillCompletesOrder', target: 'filled', actions: 'recordFill' },
          // Re-entered so each further partial fill is announced like the first.
          { guard: 'fillLeavesRemainder', target: 'partially_filled', reenter: true, actions: 'recordFill' },
        ],
        CANCELLED: { target: 'cancelled', actions: 'recordReason' },
        EXPIRED: { target: 'expired' },
      },
    },
    filled: { type: 'final', entry: { type: 'announceStatus', params: { status: 'filled' } } },
    cancelled: { type: 'final', entry: { type: 'announceStatus', params: { status: 'cancelled' } } },
    rejected: { type: 'final', entry: { type: 'announceStatus', params: { status: 'rejected' } } },
    expired: { type: 'final', entry: { type: 'announceStatus', params: { status: 'expired' } } },
  },
});

export type OrderLifecycleMachine = typeof orderLifecycleMachine;
export type OrderLifecycleSnapshot = SnapshotFrom<OrderLifecycleMachine>;

/** The status an order actor's snapshot stands for. */
export function orderStatusOf(snapshot: OrderLifecycleSnapshot): OrderStatus {
  return snapshot.value;
}

/**
 * Checks that a stored order's status and quantities could have been reached
 * through the machine, so a corrupt row is refused instead of being resumed.
 */
function checkRestorable(status: OrderStatus, context: OrderLifecycleContext): void {
  parseOrderLifecycleInput(context);
  const { quantity, filledQuantity } = context;
  if (!Number.isSafeInteger(filledQuantity) || filledQuantity < 0 || filledQuantity > quantity) {
    throw new InputError('filledQuantity', `must be a whole number in [0, ${quantity}], got ${String(filledQuantity)}`);
  }
  if (status === 'filled' && filledQuantity !== quantity) {
    throw new InputError('filledQuantity', `a filled order must have filledQuantity = quantity (${quantity}), got ${filledQuantity}`);
  }
  if (status === 'partially_filled' && (filledQuantity === 0 || filledQuantity === quantity)) {
    throw new InputError('filledQuantity', `a partially filled order needs 0 < filledQuantity < ${quantity}, got ${filledQuantity}`);
  }
  if ((status === 'new' || status === 'pending_submit' || status === 'rejected') && filledQuantity !== 0) {
    throw new InputError('filledQuantity', `an order in status ${status} cannot have fills, got ${filledQuantity}`);
  }
  if ((status === 'submitted' || status === 'partially_filled') && (context.brokerOrderId === null || context.brokerOrderId === '')) {
    throw new InputError('brokerOrderId', `an order in status ${status} needs the broker's order id`);
  }
}

/**
 * A snapshot standing for an order loaded from the database, to pass as
 * `createActor(machine, { snapshot })` after a restart. No entry actions run,
 * so nothing is re-announced. Pass the provided machine if the engine used
 * `machine.provide(...)`.
 */
export function orderSnapshotFromStatus(
  status: OrderStatus,
  context: OrderLifecycleContext,
  machine: OrderLifecycleMachine = orderLifecycleMachine,
): OrderLifecycleSnapshot {
  checkRestorable(status, context);
  return machine.resolveState({ value: status, context: { ...context } });
}

/** `orderSnapshotFromStatus` for a stored `Order` row. */
export function orderSnapshotFromOrder(
  order: Pick<Order, 'clientOrderId' | 'quantity' | 'filledQuantity' | 'brokerOrderId' | 'status' | 'rejectReason'>,
  machine: OrderLifecycleMachine = orderLifecycleMachine,
): OrderLifecycleSnapshot {
  return orderSnapshotFromStatus(
    order.status,
    {
      clientOrderId: order.clientOrderId,
      quantity: order.quantity,
      filledQuantity: order.filledQuantity,
      brokerOrderId: order.brokerOrderId,
      reason: order.rejectReason,
    },
    machine,
  );
}

/** Whether `event` would move an order in `status` with `context`; pure, no actor needed. */
export function orderEventAllowed(status: OrderStatus, event: OrderLifecycleEvent, context: OrderLifecycleContext): boolean {
  return orderLifecycleMachine.resolveState({ value: status, context: { ...context } }).can(event);
}
