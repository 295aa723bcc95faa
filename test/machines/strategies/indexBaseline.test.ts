import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import {
  indexBaselineMachine,
  parseIndexBaselineInput,
  type IndexBaselineEmitted,
  type IndexBaselineEvent,
} from '../../../machines/strategies/indexBaseline.js';

const DAY = 86_400_000;
const retry = { retryAfterMs: 7 * DAY, maxRetryAfterMs: 20 * DAY } as const;

function etf(...events: IndexBaselineEvent[]) {
  const actor = createActor(indexBaselineMachine, { input: { symbol: 'SPY' } });
  const emitted: IndexBaselineEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return { actor, take: () => emitted.splice(0), value: () => String(actor.getSnapshot().value), ctx: () => actor.getSnapshot().context };
}

const buy = (ts: number, quantity: number): IndexBaselineEvent => ({ type: 'REBALANCE', ts, side: 'buy', quantity, ...retry });
const sell = (ts: number, quantity: number): IndexBaselineEvent => ({ type: 'REBALANCE', ts, side: 'sell', quantity, ...retry });
const position = (ts: number, quantity: number): IndexBaselineEvent => ({ type: 'POSITION', ts, quantity });
const harvest = (ts: number, quantity: number): IndexBaselineEvent => ({ type: 'HARVEST', ts, quantity, ...retry, washMs: 31 * DAY });

describe('indexBaseline transitions', () => {
  it('flat: a buy emits an entry signal and waits; the fill takes it to holding', () => {
    const e = etf();
    expect(e.value()).toBe('flat');
    e.actor.send(buy(DAY, 40));
    expect(e.value()).toBe('buying');
    expect(e.take()).toEqual([
      { type: 'signal', symbol: 'SPY', ts: DAY, kind: 'entry', side: 'buy', order: { kind: 'buy', quantity: 40, fromQuantity: 0, ...retry } },
    ]);
    e.actor.send(position(2 * DAY, 40));
    expect(e.value()).toBe('holding');
    expect(e.ctx()).toMatchObject({ quantity: 40, order: null, pendingSince: null, backoffMs: 0, capped: false });
  });

  it('flat: a sell, a harvest or a fractional quantity makes no order', () => {
    for (const ev of [sell(DAY, 5), harvest(DAY, 5), buy(DAY, 0), buy(DAY, 2.5)]) {
      const e = etf();
      e.actor.send(ev);
      expect(e.value()).toBe('flat');
      expect(e.take()).toEqual([]);
    }
  });

  it('a refused buy goes back to flat and waits retryAfter before the next one', () => {
    const e = etf(buy(DAY, 40));
    e.actor.send(position(2 * DAY, 0));
    expect(e.value()).toBe('flat');
    expect(e.ctx()).toMatchObject({ retryAt: 9 * DAY, capped: false });
    e.actor.send(buy(9 * DAY - 1, 40));
    expect(e.take()).toEqual([]);
    e.actor.send(buy(9 * DAY, 40));
    expect(e.value()).toBe('buying');
    // A second refusal without evidence of a cap waits the base delay again.
    e.actor.send(position(10 * DAY, 0));
    expect(e.ctx().retryAt).toBe(17 * DAY);
  });

  it('a cut buy backs off, doubling while the cap keeps binding, up to the maximum; a full fill resets it', () => {
    const e = etf(buy(0, 40));
    e.actor.send(position(DAY, 30));
    expect(e.value()).toBe('holding');
    expect(e.ctx()).toMatchObject({ quantity: 30, capped: true, backoffMs: 7 * DAY, retryAt: 8 * DAY });
    e.actor.send(buy(8 * DAY, 10));
    e.actor.send(position(9 * DAY, 30));
    expect(e.ctx()).toMatchObject({ backoffMs: 14 * DAY, retryAt: 23 * DAY });
    e.actor.send(buy(23 * DAY, 10));
    e.actor.send(position(24 * DAY, 30));
    expect(e.ctx()).toMatchObject({ backoffMs: 20 * DAY, retryAt: 44 * DAY });
    e.actor.send(buy(44 * DAY, 10));
    e.actor.send(position(45 * DAY, 40));
    expect(e.ctx()).toMatchObject({ quantity: 40, backoffMs: 0, capped: false, retryAt: 44 * DAY });
  });

  it('holding: a trim is an exit signal; selling everything goes flat', () => {
    const e = etf(buy(0, 40), position(DAY, 40));
    e.actor.send(sell(2 * DAY, 10));
    expect(e.value()).toBe('adjusting');
    expect(e.take()).toEqual([{ type: 'signal', symbol: 'SPY', ts: 2 * DAY, kind: 'exit', side: 'sell', order: { kind: 'trim', quantity: 10, fromQuantity: 40, ...retry } }]);
    e.actor.send(position(3 * DAY, 30));
    expect(e.value()).toBe('holding');
    e.actor.send(sell(4 * DAY, 31));
    expect(e.take()).toEqual([]); // more than is held
    e.actor.send(sell(4 * DAY, 30));
    e.actor.send(position(5 * DAY, 0));
    expect(e.value()).toBe('flat');
  });

  it('harvest: sold out → washSale until the window has passed, then flat', () => {
    const e = etf(buy(0, 40), position(DAY, 40));
    e.actor.send(harvest(10 * DAY, 40));
    expect(e.value()).toBe('harvesting');
    expect(e.take()).toMatchObject([{ kind: 'exit', side: 'sell', order: { kind: 'harvest', quantity: 40 } }]);
    e.actor.send(position(11 * DAY, 0));
    expect(e.value()).toBe('washSale');
    expect(e.ctx()).toMatchObject({ harvests: 1, washUntil: 41 * DAY });
    e.actor.send(buy(20 * DAY, 40));
    expect(e.take()).toEqual([]);
    e.actor.send({ type: 'TICK', ts: 41 * DAY - 1 });
    expect(e.value()).toBe('washSale');
    e.actor.send({ type: 'TICK', ts: 41 * DAY });
    expect(e.value()).toBe('flat');
  });

  it('harvest refused → holding, with no wash-sale lock; a harvest is not held up by a rebalance back-off', () => {
    const e = etf(buy(0, 40), position(DAY, 30));
    expect(e.ctx().retryAt).toBe(8 * DAY);
    e.actor.send(harvest(2 * DAY, 30));
    expect(e.value()).toBe('harvesting');
    e.actor.send(position(3 * DAY, 30));
    expect(e.value()).toBe('holding');
    expect(e.ctx().washUntil).toBe(Number.NEGATIVE_INFINITY);
  });

  it('adopts positions it did not make and follows outside changes', () => {
    const e = etf();
    e.actor.send(position(DAY, 12));
    expect(e.value()).toBe('holding');
    e.actor.send(position(2 * DAY, 15));
    expect(e.ctx().quantity).toBe(15);
    e.actor.send(position(3 * DAY, 0));
    expect(e.value()).toBe('flat');
  });

  it('never has two orders pending and never sells more than it holds (property)', () => {
    const ev: fc.Arbitrary<IndexBaselineEvent> = fc.oneof(
      fc.nat(60).map((q) => buy(0, q)),
      fc.nat(60).map((q) => sell(0, q)),
      fc.nat(60).map((q) => harvest(0, q)),
      fc.nat(60).map((q) => position(1, q)),
      fc.constant({ type: 'TICK', ts: 100 * DAY } as const),
    );
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 50 }), (seq) => {
        const e = etf();
        for (const x of seq) {
          const before = e.ctx();
          const wasPending = before.order !== null;
          e.actor.send(x);
          for (const out of e.take()) {
            expect(wasPending).toBe(false);
            if (out.side === 'sell') expect(out.order.quantity).toBeLessThanOrEqual(before.quantity);
          }
        }
      }),
    );
  });

  it('rejects an input without a symbol', () => {
    expect(() => parseIndexBaselineInput({ symbol: '' })).toThrow(InputError);
  });
});
