import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from '../../engine/domain/money.js';
import { legQuantity, spreadIntent } from '../../engine/domain/optionLegs.js';
import type { OrderLeg, Side } from '../../engine/domain/orders.js';
import type { BrokerEvent } from '../../engine/domain/ports.js';
import { DAY, T0, leg, nextSignal, nodeHarness, single, tentModel } from './multiLegHarness.js';

/*
 * The book never holds one leg of a spread without the other, unless an
 * expiry or an explicit close of that one leg did it. Random sequences of
 * spread openings (debit and credit, calls and puts, two expiries, limits
 * that may or may not be met), spread closes, single-leg closes and bars that
 * walk the underlying through both expiry dates run through the OMS, the
 * paper venue and the book. After every broker event, once the node has
 * booked it, the book must equal what whole events predict for every leg.
 */

type Kind = 'debit' | 'credit';
type Action =
  | { do: 'open'; right: 'C' | 'P'; kind: Kind; far: boolean; quantity: number; aggression: number }
  | { do: 'closeSpread'; pick: number }
  | { do: 'closeLeg'; pick: number; legIndex: 0 | 1 }
  | { do: 'bar'; days: number; moveCents: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({
    do: fc.constant('open' as const),
    right: fc.constantFrom('C' as const, 'P' as const),
    kind: fc.constantFrom('debit' as const, 'credit' as const),
    far: fc.boolean(),
    quantity: fc.integer({ min: 1, max: 3 }),
    aggression: fc.integer({ min: -1, max: 4 }),
  }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('closeSpread' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('closeLeg' as const), pick: fc.nat(), legIndex: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 4, arbitrary: fc.record({ do: fc.constant('bar' as const), days: fc.integer({ min: 1, max: 6 }), moveCents: fc.integer({ min: -600, max: 600 }) }) },
);

interface Spread {
  readonly legs: readonly OrderLeg[];
  readonly kind: Kind;
  readonly quantity: number;
  readonly openId: string;
  /** Legs held (by index): set only by the broker events that move them. */
  held: [boolean, boolean];
  /** A working close of the spread or of one leg. */
  closeId: string | null;
}

/** Strikes of spread slot `n` are its own, so no two spreads share a contract. */
function legsFor(a: Extract<Action, { do: 'open' }>, slot: number): OrderLeg[] {
  const lower = 80 + 10 * slot;
  const upper = lower + 5;
  const expiry = a.far ? '2024-02-16' : '2024-01-19';
  const [buy, sell] = (a.right === 'C') === (a.kind === 'debit') ? [lower, upper] : [upper, lower];
  return [leg('buy', a.right, buy, expiry), leg('sell', a.right, sell, expiry)];
}

const opposite = (side: Side): Side => (side === 'buy' ? 'sell' : 'buy');

describe('multi-leg orders and expiries: the book holds whole spreads (property)', () => {
  it('after every broker event, each spread is held whole, or not at all, unless an expiry or a leg close split it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 40 }), async (actions) => {
        const t = nodeHarness();
        const spreads: Spread[] = [];
        const failures: string[] = [];
        const expected = (s: Spread, i: 0 | 1) => (s.held[i] ? legQuantity(s.legs[i]!, s.quantity) : 0);
        const check = (when: string) => {
          for (const s of spreads) {
            for (const i of [0, 1] as const) {
              const got = t.portfolio.position(s.legs[i]!.instrument.symbol)?.quantity ?? 0;
              if (got !== expected(s, i)) failures.push(`${when}: ${s.legs[i]!.instrument.symbol.trim()} holds ${got}, expected ${expected(s, i)}`);
            }
          }
        };
        const byOrder = (id: string) => spreads.find((s) => s.openId === id || s.closeId === id);
        // Subscribed after the node: runs once the OMS and the book have taken each event.
        t.venue.onEvent((e: BrokerEvent) => {
          if (e.type === 'fillGroup') {
            const s = byOrder(e.clientOrderId);
            if (s && e.clientOrderId === s.openId) s.held = [true, true];
            if (s && e.clientOrderId === s.closeId) s.held = [false, false];
          } else if (e.type === 'fill') {
            for (const s of spreads) s.legs.forEach((l, i) => { if (l.instrument.symbol === e.fill.symbol) s.held[i as 0 | 1] = false; });
            const s = byOrder(e.fill.clientOrderId);
            if (s && e.fill.clientOrderId === s.closeId) s.closeId = null;
          } else if (e.type === 'expiry') {
            for (const c of e.event.changes) for (const s of spreads) s.legs.forEach((l, i) => { if (l.instrument.symbol === c.symbol) s.held[i as 0 | 1] = false; });
          }
          if (e.type === 'fillGroup' || e.type === 'cancelled' || e.type === 'rejected' || e.type === 'expired') {
            const s = byOrder(e.clientOrderId);
            if (s && e.clientOrderId === s.closeId) s.closeId = null;
          }
          check(e.type);
        });
        let ts = T0;
        let priceC = 10_000;
        await t.step('AAPL', ts, priceC / 100);
        for (const a of actions) {
          if (a.do === 'bar') {
            ts += a.days * DAY;
            const open = priceC / 100;
            priceC = Math.min(13_000, Math.max(7_000, priceC + a.moveCents));
            // The bar ranges from the last close to the new one, so limits inside it can be crossed.
            await t.step('AAPL', ts, open, priceC / 100);
          } else if (a.do === 'open') {
            if (spreads.length >= 4) continue;
            const legs = legsFor(a, spreads.length);
            if (legs.some((l) => Date.parse(`${l.instrument.expiry}T21:00:00Z`) <= ts)) continue;
            const spot = priceC / 100;
            const model = legs.reduce((acc, l) => acc + (l.side === 'buy' ? 1 : -1) * tentModel(l.instrument, spot, ts), 0);
            const raw = Math.round((model + 0.1 * a.aggression) * 100) / 100;
            const net = a.kind === 'debit' ? Math.min(Math.max(raw, 0.05), 4.95) : Math.max(Math.min(raw, -0.05), -4.95);
            const order = await t.node.oms.place(spreadIntent({ strategyId: 'p', legs, quantity: a.quantity, netLimit: new Decimal(net.toFixed(2)), reason: 'open' }), nextSignal('open'));
            spreads.push({ legs, kind: a.kind, quantity: a.quantity, openId: order!.clientOrderId, held: [false, false], closeId: null });
          } else {
            const whole = spreads.filter((s) => s.held[0] && s.held[1] && s.closeId === null);
            const s = whole[a.pick % Math.max(1, whole.length)];
            if (!s) continue;
            if (a.do === 'closeSpread') {
              const legs = s.legs.map((l) => ({ ...l, side: opposite(l.side) }));
              const order = await t.node.oms.place(spreadIntent({ strategyId: 'p', legs, quantity: s.quantity, netLimit: null, side: s.kind === 'debit' ? 'sell' : 'buy', reason: 'close' }), nextSignal('close'));
              s.closeId = order?.clientOrderId ?? null;
            } else {
              const l = s.legs[a.legIndex]!;
              const order = await t.node.oms.place(single('p', l.instrument, opposite(l.side), s.quantity), nextSignal('leg'));
              s.closeId = order?.clientOrderId ?? null;
            }
          }
        }
        // Walk past both expiries: everything left settles.
        await t.step('AAPL', Date.UTC(2024, 1, 20, 21, 0), priceC / 100);
        check('end');
        expect(failures).toEqual([]);
        for (const s of spreads) expect(s.held).toEqual([false, false]);
        // What the store booked agrees with the book.
        const stored = new Map((await t.store.listPositions()).map((p) => [p.symbol, p.quantity]));
        for (const p of t.portfolio.allPositions()) expect(stored.get(p.symbol) ?? 0).toBe(p.quantity);
        expect(t.node.counters.errors).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});
