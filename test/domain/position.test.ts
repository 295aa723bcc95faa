import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyFill, tradeFromFill, unrealizedPnl } from '../../engine/domain/position.js';
import { Decimal, ZERO } from '../../engine/domain/money.js';
import type { Fill, Position } from '../../engine/domain/orders.js';
import { InputError } from '../../engine/domain/errors.js';

function fill(side: 'buy' | 'sell', quantity: number, price: string, commission = '0', n = 1): Fill {
  return { fillId: `f${n}`, clientOrderId: 'o', symbol: 'AAPL', side, quantity, price: new Decimal(price), commission: new Decimal(commission), ts: n };
}

describe('applyFill', () => {
  it('averages cost when adding and realises P&L when reducing', () => {
    let pos: Position | undefined;
    ({ position: pos } = applyFill(pos, fill('buy', 10, '100'), 1));
    ({ position: pos } = applyFill(pos, fill('buy', 10, '110'), 1));
    expect(pos.quantity).toBe(20);
    expect(pos.avgCost.toFixed()).toBe('105');
    const r = applyFill(pos, fill('sell', 5, '120', '1'), 1);
    expect(r.realized.toFixed()).toBe('74'); // 5 × 15 − 1
    expect(r.position.quantity).toBe(15);
    expect(r.position.avgCost.toFixed()).toBe('105');
  });

  it('applies the option multiplier to realised P&L', () => {
    const open = applyFill(undefined, fill('buy', 2, '3.50', '1.30'), 100);
    expect(open.realized.toFixed()).toBe('-1.3');
    const close = applyFill(open.position, fill('sell', 2, '5.25', '1.30'), 100);
    expect(close.realized.toFixed()).toBe('348.7'); // 2 × 1.75 × 100 − 1.30
    expect(close.position.quantity).toBe(0);
    expect(close.position.avgCost.eq(ZERO)).toBe(true);
    expect(close.position.realizedPnl.toFixed()).toBe('347.4');
  });

  it('flips through zero at the fill price', () => {
    const long = applyFill(undefined, fill('buy', 5, '10'), 1).position;
    const r = applyFill(long, fill('sell', 8, '12'), 1);
    expect(r.position.quantity).toBe(-3);
    expect(r.position.avgCost.toFixed()).toBe('12');
    expect(r.realized.toFixed()).toBe('10');
  });

  it('refuses bad fills naming the field', () => {
    expect(() => applyFill(undefined, fill('buy', 0, '1'), 1)).toThrow(InputError);
    expect(() => applyFill(undefined, fill('buy', 1.5, '1'), 1)).toThrow(/fill.quantity/);
    expect(() => applyFill(undefined, fill('buy', 1, '-1'), 1)).toThrow(/fill.price/);
  });

  it('conserves money: realised + unrealised = market value − cost − commissions (property)', () => {
    const fillArb = fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      quantity: fc.integer({ min: 1, max: 500 }),
      cents: fc.integer({ min: 1, max: 100_000 }),
      commissionCents: fc.integer({ min: 0, max: 500 }),
    });
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(1, 100), (fills, markCents, mult) => {
        let pos: Position | undefined;
        let cash = ZERO;
        fills.forEach((f, i) => {
          const fl = fill(f.side, f.quantity, new Decimal(f.cents).div(100).toFixed(), new Decimal(f.commissionCents).div(100).toFixed(), i + 1);
          pos = applyFill(pos, fl, mult).position;
          const gross = fl.price.times(fl.quantity).times(mult);
          cash = (f.side === 'buy' ? cash.minus(gross) : cash.plus(gross)).minus(fl.commission);
        });
        const mark = new Decimal(markCents).div(100);
        const total = pos!.realizedPnl.plus(unrealizedPnl(pos!, mark, mult));
        const marketValue = mark.times(pos!.quantity).times(mult);
        // Average cost is a division, exact to 40 significant digits: allow that rounding, nothing more.
        expect(total.minus(cash.plus(marketValue)).abs().lt('1e-20')).toBe(true);
      }),
    );
  });

  it('books a trade row per fill', () => {
    const t = tradeFromFill(fill('sell', 3, '2.10', '1.95'), 'wsb-dip-bot', 100);
    expect(t.side).toBe('SELL');
    expect(t.grossAmount.toFixed()).toBe('630');
    expect(t.fees.toFixed()).toBe('1.95');
  });
});
