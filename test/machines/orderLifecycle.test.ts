import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor, initialTransition, transition } from 'xstate';
import { InputError } from '../../engine/domain/errors.js';
import { ORDER_STATUSES, TERMINAL_ORDER_STATUSES, type OrderStatus } from '../../engine/domain/orders.js';
import {
  orderEventAllowed,
  orderLifecycleMachine,
  orderSnapshotFromOrder,
  orderSnapshotFromStatus,
  parseOrderLifecycleInput,
  type OrderLifecycleContext,
  type OrderLifecycleEmitted,
  type OrderLifecycleEvent,
} from '../../machines/orderLifecycle.js';

const QTY = 10;

/** A context that is valid for `status`, so the machine can be resolved there. */
function contextFor(status: OrderStatus, filledQuantity?: number): OrderLifecycleContext {
  const filled = filledQuantity ?? (status === 'filled' ? QTY : status === 'partially_filled' ? 4 : 0);
  const hasBroker = !['new', 'pending_submit', 'rejected'].includes(status);
  return { clientOrderId: 'wsb-1', quantity: QTY, filledQuantity: filled, brokerOrderId: hasBroker ? 'B-1' : null, reason: null };
}

function actorAt(status: OrderStatus, filledQuantity?: number) {
  const ctx = contextFor(status, filledQuantity);
  // The input is ignored when a snapshot is given; XState's types still ask for it.
  const actor = createActor(orderLifecycleMachine, { snapshot: orderSnapshotFromStatus(status, ctx), input: ctx });
  const emitted: OrderLifecycleEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  return { actor, emitted };
}

// Written out independently of the machine, from the brief.
const LEGAL: ReadonlyArray<{ from: OrderStatus; event: OrderLifecycleEvent; to: OrderStatus; filled?: number }> = [
  { from: 'new', event: { type: 'WRITTEN' }, to: 'pending_submit' },
  { from: 'pending_submit', event: { type: 'ACCEPTED', brokerOrderId: 'B-9' }, to: 'submitted' },
  { from: 'pending_submit', event: { type: 'CANCELLED', reason: 'user' }, to: 'cancelled' },
  { from: 'pending_submit', event: { type: 'REJECTED', reason: 'risk' }, to: 'rejected' },
  { from: 'submitted', event: { type: 'FILLED', quantity: 3 }, to: 'partially_filled', filled: 3 },
  { from: 'submitted', event: { type: 'FILLED', quantity: QTY }, to: 'filled', filled: QTY },
  { from: 'submitted', event: { type: 'CANCELLED', reason: 'user' }, to: 'cancelled' },
  { from: 'submitted', event: { type: 'REJECTED', reason: 'venue' }, to: 'rejected' },
  { from: 'submitted', event: { type: 'EXPIRED' }, to: 'expired' },
  { from: 'partially_filled', event: { type: 'FILLED', quantity: 2 }, to: 'partially_filled', filled: 6 },
  { from: 'partially_filled', event: { type: 'FILLED', quantity: 6 }, to: 'filled', filled: QTY },
  { from: 'partially_filled', event: { type: 'CANCELLED', reason: 'eod' }, to: 'cancelled', filled: 4 },
  { from: 'partially_filled', event: { type: 'EXPIRED' }, to: 'expired', filled: 4 },
];

const SAMPLE_EVENTS: readonly OrderLifecycleEvent[] = [
  { type: 'WRITTEN' },
  { type: 'ACCEPTED', brokerOrderId: 'B-9' },
  { type: 'FILLED', quantity: 1 },
  { type: 'CANCELLED', reason: 'x' },
  { type: 'REJECTED', reason: 'x' },
  { type: 'EXPIRED' },
];

function isLegal(from: OrderStatus, type: OrderLifecycleEvent['type']): boolean {
  return LEGAL.some((l) => l.from === from && l.event.type === type);
}

describe('orderLifecycle: legal transitions', () => {
  it.each(LEGAL.map((l) => [`${l.from} --${l.event.type}${l.event.type === 'FILLED' ? `(${l.event.quantity})` : ''}--> ${l.to}`, l] as const))(
    '%s',
    (_name, l) => {
      const { actor, emitted } = actorAt(l.from);
      expect(actor.getSnapshot().can(l.event)).toBe(true);
      actor.send(l.event);
      const s = actor.getSnapshot();
      expect(s.value).toBe(l.to);
      if (l.filled !== undefined) expect(s.context.filledQuantity).toBe(l.filled);
      expect(emitted).toEqual([expect.objectContaining({ type: 'statusChanged', status: l.to, clientOrderId: 'wsb-1' })]);
      if (TERMINAL_ORDER_STATUSES.has(l.to)) expect(s.status).toBe('done');
    },
  );

  it('records the broker order id on ACCEPTED and the reason on CANCELLED/REJECTED', () => {
    const { actor } = actorAt('pending_submit');
    actor.send({ type: 'ACCEPTED', brokerOrderId: 'B-42' });
    expect(actor.getSnapshot().context.brokerOrderId).toBe('B-42');
    actor.send({ type: 'REJECTED', reason: 'insufficient buying power' });
    expect(actor.getSnapshot().context.reason).toBe('insufficient buying power');
  });

  it('runs a whole order from new to filled through partial fills, announcing each status', () => {
    const actor = createActor(orderLifecycleMachine, { input: { clientOrderId: 'wsb-7', quantity: 5 } });
    const seen: string[] = [];
    actor.on('statusChanged', (e) => seen.push(`${e.status}:${e.filledQuantity}`));
    actor.start();
    expect(actor.getSnapshot().value).toBe('new');
    for (const e of [
      { type: 'WRITTEN' },
      { type: 'ACCEPTED', brokerOrderId: 'B-1' },
      { type: 'FILLED', quantity: 2 },
      { type: 'FILLED', quantity: 2 },
      { type: 'FILLED', quantity: 1 },
    ] as const) {
      actor.send(e);
    }
    expect(seen).toEqual(['pending_submit:0', 'submitted:0', 'partially_filled:2', 'partially_filled:4', 'filled:5']);
    expect(actor.getSnapshot().status).toBe('done');
  });
});

describe('orderLifecycle: refused events', () => {
  const cases: Array<[OrderStatus, OrderLifecycleEvent]> = [];
  for (const status of ORDER_STATUSES) {
    for (const event of SAMPLE_EVENTS) if (!isLegal(status, event.type)) cases.push([status, event]);
  }

  it.each(cases.map(([s, e]) => [`${e.type} in ${s}`, s, e] as const))('refuses %s and leaves the state unchanged', (_n, status, event) => {
    const snapshot = orderSnapshotFromStatus(status, contextFor(status));
    expect(snapshot.can(event)).toBe(false);
    expect(orderEventAllowed(status, event, contextFor(status))).toBe(false);
    const [next] = transition(orderLifecycleMachine, snapshot, event);
    expect(next.value).toBe(status);
    expect(next.context).toEqual(snapshot.context);
  });

  it('ignores a refused event sent to a live actor', () => {
    const { actor, emitted } = actorAt('pending_submit');
    actor.send({ type: 'FILLED', quantity: 1 });
    actor.send({ type: 'EXPIRED' });
    expect(actor.getSnapshot().value).toBe('pending_submit');
    expect(actor.getSnapshot().context.filledQuantity).toBe(0);
    expect(emitted).toEqual([]);
  });

  it('refuses an over-fill from submitted and from partially_filled', () => {
    const sub = actorAt('submitted').actor;
    expect(sub.getSnapshot().can({ type: 'FILLED', quantity: QTY + 1 })).toBe(false);
    sub.send({ type: 'FILLED', quantity: QTY + 1 });
    expect(sub.getSnapshot().value).toBe('submitted');
    expect(sub.getSnapshot().context.filledQuantity).toBe(0);

    const part = actorAt('partially_filled', 6).actor;
    expect(part.getSnapshot().can({ type: 'FILLED', quantity: 5 })).toBe(false);
    part.send({ type: 'FILLED', quantity: 5 });
    expect(part.getSnapshot().context.filledQuantity).toBe(6);
    part.send({ type: 'FILLED', quantity: 4 });
    expect(part.getSnapshot().value).toBe('filled');
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a fill of %s', (quantity) => {
    expect(orderEventAllowed('submitted', { type: 'FILLED', quantity }, contextFor('submitted'))).toBe(false);
  });

  it('refuses ACCEPTED without a broker order id', () => {
    expect(orderEventAllowed('pending_submit', { type: 'ACCEPTED', brokerOrderId: '' }, contextFor('pending_submit'))).toBe(false);
  });

  it.each(['filled', 'cancelled', 'rejected', 'expired'] as const)('refuses a fill after terminal status %s', (status) => {
    const snapshot = orderSnapshotFromStatus(status, contextFor(status, status === 'filled' ? QTY : 0));
    expect(snapshot.status).toBe('done');
    expect(snapshot.can({ type: 'FILLED', quantity: 1 })).toBe(false);
    const [next] = transition(orderLifecycleMachine, snapshot, { type: 'FILLED', quantity: 1 });
    expect(next.value).toBe(status);
  });
});

describe('orderLifecycle: input and restore', () => {
  it.each([
    [{ clientOrderId: '', quantity: 1 }, 'clientOrderId'],
    [{ clientOrderId: 'a', quantity: 0 }, 'quantity'],
    [{ clientOrderId: 'a', quantity: 2.5 }, 'quantity'],
    [{ clientOrderId: 'a', quantity: -3 }, 'quantity'],
  ])('rejects input %j naming %s', (input, field) => {
    expect(() => parseOrderLifecycleInput(input)).toThrow(InputError);
    expect(() => parseOrderLifecycleInput(input)).toThrow(new RegExp(`^${field}:`));
    const actor = createActor(orderLifecycleMachine, { input });
    const snap = actor.getSnapshot();
    expect(snap.status).toBe('error');
    expect((snap.error as InputError).field).toBe(field);
  });

  it.each(['new', 'pending_submit', 'submitted', 'partially_filled'] as const)(
    'resumes an order loaded in status %s and keeps taking events',
    (status) => {
      const actor = createActor(orderLifecycleMachine, { snapshot: orderSnapshotFromStatus(status, contextFor(status)), input: contextFor(status) });
      const emitted: OrderLifecycleEmitted[] = [];
      actor.on('*', (e) => emitted.push(e));
      actor.start();
      // Restoring must not re-announce the status it was loaded in.
      expect(emitted).toEqual([]);
      expect(actor.getSnapshot().value).toBe(status);
      const remaining = QTY - actor.getSnapshot().context.filledQuantity;
      const rest: Record<typeof status, OrderLifecycleEvent[]> = {
        new: [{ type: 'WRITTEN' }, { type: 'ACCEPTED', brokerOrderId: 'B-1' }, { type: 'FILLED', quantity: remaining }],
        pending_submit: [{ type: 'ACCEPTED', brokerOrderId: 'B-1' }, { type: 'FILLED', quantity: remaining }],
        submitted: [{ type: 'FILLED', quantity: remaining }],
        partially_filled: [{ type: 'FILLED', quantity: remaining }],
      };
      for (const e of rest[status]) actor.send(e);
      expect(actor.getSnapshot().value).toBe('filled');
      expect(actor.getSnapshot().context.filledQuantity).toBe(QTY);
    },
  );

  it('restores from a stored Order row', () => {
    const snap = orderSnapshotFromOrder({
      clientOrderId: 'wsb-9',
      quantity: 8,
      filledQuantity: 3,
      brokerOrderId: 'B-3',
      status: 'partially_filled',
      rejectReason: null,
    });
    const actor = createActor(orderLifecycleMachine, { snapshot: snap, input: { clientOrderId: 'wsb-9', quantity: 8 } }).start();
    actor.send({ type: 'FILLED', quantity: 5 });
    expect(actor.getSnapshot().value).toBe('filled');
  });

  it.each([
    ['filled', { filledQuantity: 3 }, 'filledQuantity'],
    ['partially_filled', { filledQuantity: 0 }, 'filledQuantity'],
    ['partially_filled', { filledQuantity: QTY }, 'filledQuantity'],
    ['submitted', { filledQuantity: QTY + 1 }, 'filledQuantity'],
    ['submitted', { filledQuantity: -1 }, 'filledQuantity'],
    ['pending_submit', { filledQuantity: 2 }, 'filledQuantity'],
    ['submitted', { brokerOrderId: null }, 'brokerOrderId'],
    ['new', { quantity: 0 }, 'quantity'],
    ['new', { clientOrderId: '' }, 'clientOrderId'],
  ] as const)('refuses to restore %s with %j (field %s)', (status, patch, field) => {
    const ctx = { ...contextFor(status), ...patch };
    expect(() => orderSnapshotFromStatus(status, ctx)).toThrow(InputError);
    expect(() => orderSnapshotFromStatus(status, ctx)).toThrow(new RegExp(`^${field}:`));
  });
});

describe('orderLifecycle: properties', () => {
  const eventArb: fc.Arbitrary<OrderLifecycleEvent> = fc.oneof(
    fc.constant({ type: 'WRITTEN' as const }),
    fc.constant({ type: 'ACCEPTED' as const, brokerOrderId: 'B-1' }),
    fc.integer({ min: -2, max: 12 }).map((quantity) => ({ type: 'FILLED' as const, quantity })),
    fc.constant({ type: 'CANCELLED' as const, reason: 'r' }),
    fc.constant({ type: 'REJECTED' as const, reason: 'r' }),
    fc.constant({ type: 'EXPIRED' as const }),
  );

  it('never over-fills, moves only along legal edges, and never leaves a final state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(eventArb, { maxLength: 40 }), (quantity, events) => {
        let [snap] = initialTransition(orderLifecycleMachine, { clientOrderId: 'p', quantity });
        for (const event of events) {
          const before = snap.value;
          const wasFinal = snap.status === 'done';
          const [next] = transition(orderLifecycleMachine, snap, event);
          expect(next.context.filledQuantity).toBeLessThanOrEqual(quantity);
          expect(next.context.filledQuantity).toBeGreaterThanOrEqual(0);
          if (wasFinal) expect(next.value).toBe(before);
          if (next.value !== before || next.context.filledQuantity !== snap.context.filledQuantity) {
            expect(isLegal(before, event.type)).toBe(true);
          }
          if (next.value === 'filled') expect(next.context.filledQuantity).toBe(quantity);
          snap = next;
        }
      }),
      { seed: 20261125, numRuns: 500 },
    );
  });
});
