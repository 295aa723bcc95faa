import { createActor, type Actor, type InspectionEvent } from 'xstate';
import type { Logger } from 'pino';
import { orderLifecycleMachine, orderSnapshotFromOrder, type OrderLifecycleEvent } from '../machines/orderLifecycle.js';
import type { Clock } from './domain/clock.js';
import { ConflictError, InputError, errorMessage } from './domain/errors.js';
import { Decimal } from './domain/money.js';
import { isTerminal, type Fill, type OptionExpiryEvent, type Order, type OrderIntent, type OrderLeg } from './domain/orders.js';
import { checkOrderLegs } from './domain/optionLegs.js';
import type { Broker, BrokerEvent, BrokerOrderState } from './domain/ports.js';
import type { MessageBus } from './bus.js';
import type { PersistenceWriter } from '../actors/persistenceWriter.js';
import { clientOrderIdFor } from './ids.js';

interface Working {
  order: Order;
  readonly actor: Actor<typeof orderLifecycleMachine>;
  /** True from the write-ahead insert until the broker has answered the submit. */
  inFlight: boolean;
  /** Set when a cancel was asked for while the submit was in flight; acted on once it lands. */
  cancelRequested: string | null;
  /** Resolved when the order reaches a final status. */
  readonly waiters: Array<() => void>;
}

/** How long cancelAll waits for the broker to confirm each cancel before reporting it unconfirmed. */
export const DEFAULT_CANCEL_CONFIRM_TIMEOUT_MS = 10_000;

export interface CancelAllResult {
  readonly requested: number;
  readonly confirmed: number;
  /** Orders still not final when the confirmation timed out. */
  readonly unconfirmed: readonly string[];
}

export interface OmsHooks {
  /** A fill arrived for a known order: book it, return what to persist with it. */
  onFill(fill: Fill, order: Order): void;
  /**
   * Every leg of one multi-leg execution, to book together (one store
   * transaction), with the order as it stands after them. Without this hook
   * each leg goes to onFill.
   */
  onFillGroup?(fills: readonly Fill[], order: Order): void;
  /** The broker settled expiring options (exercise, assignment, worthless expiry): book it. */
  onExpiry?(event: OptionExpiryEvent): void;
  /** The order reached a final status (filled, cancelled, rejected, expired). */
  onTerminal(order: Order): void;
  /** Something went wrong that the breaker should count. */
  onError(source: string, message: string): void;
}

/**
 * The order manager. Every order is an order-lifecycle actor; no status is
 * ever written that the machine did not reach. Write ahead, then act: the row
 * exists in `pending_submit` before the broker sees the order.
 */
export class OrderManager {
  private readonly working = new Map<string, Working>();
  private placed = 0;

  constructor(
    private readonly deps: {
      readonly broker: Broker;
      readonly writer: PersistenceWriter;
      readonly bus: MessageBus;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly hooks: OmsHooks;
      /** Mixed into client order ids so runs sharing a database never collide. */
      readonly idNamespace: string;
      /** Inspection observer for every order actor (WSB_INSPECTOR). */
      readonly inspect?: (event: InspectionEvent) => void;
    },
  ) {
    deps.broker.onEvent((e) => this.onBrokerEvent(e));
  }

  private inspectOption(): { inspect?: (event: InspectionEvent) => void } {
    return this.deps.inspect ? { inspect: this.deps.inspect } : {};
  }

  get placedCount(): number {
    return this.placed;
  }

  workingOrders(): Order[] {
    return [...this.working.values()].map((w) => w.order);
  }

  get(clientOrderId: string): Order | undefined {
    return this.working.get(clientOrderId)?.order;
  }

  /**
   * Create, persist (pending_submit), then submit. Returns the order, or null
   * when the same signal already produced an order (idempotent across restarts).
   */
  async place(intent: OrderIntent, signalId: string): Promise<Order | null> {
    // Before anything is written: a malformed spread is the caller's bug, refused with an InputError naming the field.
    const legs = intent.legs === undefined ? undefined : multiLegOf(intent);
    const clientOrderId = clientOrderIdFor(this.deps.idNamespace, signalId);
    if (this.working.has(clientOrderId)) return null;
    const now = this.deps.clock.now();
    const actor = createActor(orderLifecycleMachine, { input: { clientOrderId, quantity: intent.quantity }, ...this.inspectOption() });
    actor.start();
    const order: Order = {
      clientOrderId,
      strategyId: intent.strategyId,
      // A multi-leg order is one row on its underlying (the symbol lock's key); its instrument is the first leg.
      symbol: legs ? legs[0]!.instrument.underlying : intent.instrument.symbol,
      instrument: legs ? legs[0]!.instrument : intent.instrument,
      side: intent.side,
      quantity: intent.quantity,
      type: intent.type,
      limitPrice: intent.limitPrice,
      status: 'new',
      filledQuantity: 0,
      avgFillPrice: null,
      brokerOrderId: null,
      reason: intent.reason,
      rejectReason: null,
      signalId,
      createdAt: now,
      updatedAt: now,
      ...(legs ? { legs } : {}),
    };
    const w: Working = { order, actor, inFlight: true, cancelRequested: null, waiters: [] };
    this.working.set(clientOrderId, w);
    this.transition(w, { type: 'WRITTEN' });
    try {
      await this.deps.writer.run('insertOrder', (s) => s.insertOrder(w.order));
    } catch (e) {
      this.working.delete(clientOrderId);
      actor.stop();
      if (e instanceof ConflictError) {
        this.deps.logger.info({ clientOrderId, signalId }, 'order for this signal already exists; not placing it again');
        return null;
      }
      this.deps.hooks.onError('oms.insert', errorMessage(e));
      throw e;
    }
    this.placed++;
    this.deps.bus.publish('order.updated', w.order);
    if (w.cancelRequested !== null) {
      // Cancelled (a breaker trip, an operator) while the row was being written: the broker never sees it.
      w.inFlight = false;
      this.transition(w, { type: 'CANCELLED', reason: `cancelled_before_submit: ${w.cancelRequested}` }, w.cancelRequested);
      return w.order;
    }
    let state: BrokerOrderState | null;
    try {
      state = await this.deps.broker.submit(w.order);
    } catch (e) {
      // The broker may or may not have it: look it up by client_order_id before deciding.
      state = await this.deps.broker.getOrder(clientOrderId).catch(() => null);
      if (!state) {
        w.inFlight = false;
        this.deps.hooks.onError('oms.submit', errorMessage(e));
        this.reject(w, `broker_error: ${errorMessage(e)}`);
        return w.order;
      }
    }
    w.inFlight = false;
    this.applyBrokerState(w, state);
    // A cancel asked for while the submit was on its way is sent now that the broker knows the order.
    if (w.cancelRequested !== null && !isTerminal(w.order.status)) await this.deps.broker.cancel(clientOrderId);
    return w.order;
  }

  /** Re-create the actor of an order loaded from the store after a restart. */
  adopt(order: Order): void {
    if (isTerminal(order.status) || this.working.has(order.clientOrderId)) return;
    const actor = createActor(orderLifecycleMachine, {
      snapshot: orderSnapshotFromOrder(order),
      input: { clientOrderId: order.clientOrderId, quantity: order.quantity },
      ...this.inspectOption(),
    });
    actor.start();
    this.working.set(order.clientOrderId, { order, actor, inFlight: false, cancelRequested: null, waiters: [] });
  }

  /**
   * Bring an adopted order in line with what the broker says (reconciliation).
   * An order the broker does not know and that never filled is resubmitted with
   * the same client_order_id when `resubmitUnknown` (a simulated venue, whose
   * book died with the last process); otherwise it is closed with a reason.
   */
  async reconcileWith(clientOrderId: string, state: BrokerOrderState | null, opts: { resubmitUnknown: boolean }): Promise<void> {
    const w = this.working.get(clientOrderId);
    if (!w) return;
    if (state) {
      this.applyBrokerState(w, state);
      return;
    }
    if (opts.resubmitUnknown && w.order.filledQuantity === 0) {
      this.deps.logger.info({ clientOrderId }, 'resubmitting a working order the venue does not know (same client_order_id)');
      this.applyBrokerState(w, await this.deps.broker.submit(w.order));
      return;
    }
    if (w.order.status === 'pending_submit') {
      this.reject(w, 'not_at_broker_after_restart');
    } else {
      this.transition(w, { type: 'EXPIRED' }, 'unknown_at_broker_after_restart');
    }
  }

  /**
   * Ask the broker to cancel. An order whose submit is still in flight is
   * marked instead: it is cancelled before submission if the broker has not
   * been called yet, or right after the broker's answer otherwise, so a cancel
   * racing a submit never leaves a live order behind.
   */
  async cancel(clientOrderId: string, reason = 'cancel_requested'): Promise<void> {
    const w = this.working.get(clientOrderId);
    if (!w || isTerminal(w.order.status)) return;
    w.cancelRequested ??= reason;
    if (w.inFlight) return;
    await this.deps.broker.cancel(clientOrderId);
  }

  /** Resolves true when the order is final, false if `timeoutMs` passes first. */
  whenFinal(clientOrderId: string, timeoutMs: number): Promise<boolean> {
    const w = this.working.get(clientOrderId);
    if (!w || isTerminal(w.order.status)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => resolve(false), timeoutMs);
      w.waiters.push(() => {
        this.deps.clock.clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Cancel every working order and wait for the broker to confirm each (a
   * cancelled or a final filled status). What is still not final after
   * `timeoutMs` is reported, and counted as an error by the caller's hook.
   */
  cancelAll(reason = 'cancel_all', timeoutMs = DEFAULT_CANCEL_CONFIRM_TIMEOUT_MS): Promise<CancelAllResult> {
    return this.cancelWhere(() => true, reason, timeoutMs);
  }

  /** cancelAll, limited to the working orders `which` selects (e.g. one strategy's). */
  async cancelWhere(which: (order: Order) => boolean, reason = 'cancel_all', timeoutMs = DEFAULT_CANCEL_CONFIRM_TIMEOUT_MS): Promise<CancelAllResult> {
    // An order whose final fill is being booked right now is still in the map, but done.
    const open = [...this.working.values()].filter((w) => !isTerminal(w.order.status) && which(w.order)).map((w) => w.order.clientOrderId);
    const outcomes = await Promise.all(
      open.map(async (id) => {
        try {
          await this.cancel(id, reason);
        } catch (e) {
          this.deps.hooks.onError('oms.cancel', `cancel of ${id} failed: ${errorMessage(e)}`);
        }
        return (await this.whenFinal(id, timeoutMs)) ? null : id;
      }),
    );
    const unconfirmed = outcomes.filter((id): id is string => id !== null);
    for (const id of unconfirmed) this.deps.hooks.onError('oms.cancel', `cancel of ${id} not confirmed by the broker within ${timeoutMs} ms`);
    return { requested: open.length, confirmed: open.length - unconfirmed.length, unconfirmed };
  }

  private applyBrokerState(w: Working, state: BrokerOrderState): void {
    // A broker event (a rejection, a fill) may have closed the order while the submit's answer was on its way.
    if (isTerminal(w.order.status)) return;
    if (state.status === 'rejected') {
      this.reject(w, 'rejected_by_broker');
      return;
    }
    if (w.order.status === 'pending_submit' && state.brokerOrderId) {
      this.transition(w, { type: 'ACCEPTED', brokerOrderId: state.brokerOrderId });
    }
    if (state.status === 'cancelled' && !isTerminal(w.order.status)) this.transition(w, { type: 'CANCELLED', reason: 'cancelled_at_broker' });
    if (state.status === 'expired' && !isTerminal(w.order.status)) this.transition(w, { type: 'EXPIRED' });
  }

  private reject(w: Working, reason: string): void {
    this.transition(w, { type: 'REJECTED', reason }, reason);
  }

  private onBrokerEvent(e: BrokerEvent): void {
    if (e.type === 'fill') {
      this.onFill(e.fill);
      return;
    }
    if (e.type === 'fillGroup') {
      this.onFillGroup(e);
      return;
    }
    if (e.type === 'expiry') {
      if (this.deps.hooks.onExpiry) this.deps.hooks.onExpiry(e.event);
      else this.deps.hooks.onError('oms.expiry', `expiry ${e.event.eventId} reported but nothing books expiries`);
      return;
    }
    const w = this.working.get(e.clientOrderId);
    if (!w) {
      this.deps.logger.warn({ event: e.type, clientOrderId: e.clientOrderId }, 'broker event for an order this engine does not hold');
      return;
    }
    switch (e.type) {
      case 'accepted':
        if (w.order.status === 'pending_submit') this.transition(w, { type: 'ACCEPTED', brokerOrderId: e.brokerOrderId });
        return;
      case 'cancelled':
        this.transition(w, { type: 'CANCELLED', reason: e.reason }, e.reason);
        return;
      case 'rejected':
        this.reject(w, e.reason);
        return;
      case 'expired':
        this.transition(w, { type: 'EXPIRED' });
        return;
    }
  }

  private onFill(fill: Fill): void {
    const w = this.working.get(fill.clientOrderId);
    if (!w) {
      this.deps.hooks.onError('oms.fill', `fill ${fill.fillId} for unknown order ${fill.clientOrderId}`);
      return;
    }
    if (w.order.legs !== undefined) {
      this.deps.hooks.onError('oms.fill', `fill ${fill.fillId} of multi-leg order ${fill.clientOrderId} arrived alone; its legs must arrive as one group`);
      return;
    }
    const before = w.order;
    if (!this.transition(w, { type: 'FILLED', quantity: fill.quantity })) return;
    const filled = before.filledQuantity + fill.quantity;
    const prevNotional = (before.avgFillPrice ?? new Decimal(0)).times(before.filledQuantity);
    w.order = { ...w.order, filledQuantity: filled, avgFillPrice: prevNotional.plus(fill.price.times(fill.quantity)).div(filled) };
    this.deps.hooks.onFill(fill, w.order);
    // recordFill persists the order together with the fill, so no separate update.
    this.afterChange(w, false);
  }

  /**
   * One all-or-none execution of a multi-leg order: the order moves once by
   * the spreads filled (its average is the signed net), then every leg is
   * booked together. A group that does not match the order's legs is refused
   * whole, so the book never takes one leg without the others.
   */
  private onFillGroup(e: Extract<BrokerEvent, { type: 'fillGroup' }>): void {
    const w = this.working.get(e.clientOrderId);
    if (!w) {
      this.deps.hooks.onError('oms.fill', `fill group ${e.groupId} for unknown order ${e.clientOrderId}`);
      return;
    }
    const legs = w.order.legs ?? [];
    const symbols = new Set(e.fills.map((f) => f.symbol));
    const matches =
      e.fills.length === legs.length &&
      symbols.size === legs.length &&
      legs.every((l) => e.fills.some((f) => f.symbol === l.instrument.symbol && f.side === l.side && f.quantity === l.ratio * e.spreads && f.groupId === e.groupId && f.clientOrderId === e.clientOrderId));
    if (!matches) {
      this.deps.hooks.onError('oms.fill', `fill group ${e.groupId} does not match the legs of order ${e.clientOrderId}; not booked`);
      return;
    }
    const before = w.order;
    if (!this.transition(w, { type: 'FILLED', quantity: e.spreads })) return;
    const filled = before.filledQuantity + e.spreads;
    const prevNotional = (before.avgFillPrice ?? new Decimal(0)).times(before.filledQuantity);
    w.order = { ...w.order, filledQuantity: filled, avgFillPrice: prevNotional.plus(e.netPrice.times(e.spreads)).div(filled) };
    if (this.deps.hooks.onFillGroup) this.deps.hooks.onFillGroup(e.fills, w.order);
    else for (const fill of e.fills) this.deps.hooks.onFill(fill, w.order);
    this.afterChange(w, false);
  }

  /** Send an event through the order's machine; refuse (and report) what it does not allow. */
  private transition(w: Working, event: OrderLifecycleEvent, reason?: string): boolean {
    const snap = w.actor.getSnapshot();
    if (!snap.can(event)) {
      this.deps.logger.error({ clientOrderId: w.order.clientOrderId, status: snap.value, event: event.type }, 'illegal order transition refused');
      this.deps.hooks.onError('oms.transition', `${event.type} not allowed in ${snap.value} for ${w.order.clientOrderId}`);
      return false;
    }
    w.actor.send(event);
    const next = w.actor.getSnapshot();
    w.order = {
      ...w.order,
      status: next.value,
      brokerOrderId: next.context.brokerOrderId,
      rejectReason: reason ?? w.order.rejectReason,
      updatedAt: this.deps.clock.now(),
    };
    if (event.type !== 'FILLED' && event.type !== 'WRITTEN') this.afterChange(w);
    return true;
  }

  private afterChange(w: Working, persist = true): void {
    const order = w.order;
    if (persist && order.status !== 'pending_submit') {
      this.deps.writer.enqueue('updateOrder', (s) => s.updateOrder(order));
    }
    this.deps.bus.publish('order.updated', order);
    if (isTerminal(order.status)) {
      this.working.delete(order.clientOrderId);
      w.actor.stop();
      for (const wake of w.waiters.splice(0)) wake();
      this.deps.hooks.onTerminal(order);
    }
  }
}

/** The legs of a multi-leg intent, checked (InputError naming the field), with its instrument the first leg. */
function multiLegOf(intent: OrderIntent): readonly OrderLeg[] {
  const legs = checkOrderLegs(intent);
  const first = legs[0]!;
  if (intent.instrument.symbol !== first.instrument.symbol) {
    throw new InputError('instrument', `a multi-leg intent's instrument is its first leg ${JSON.stringify(first.instrument.symbol)}, got ${JSON.stringify(intent.instrument.symbol)}`);
  }
  return legs;
}
