import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateSignal } from '../../engine/signals/validator.js';
import { assessIntent, DEFAULT_RISK_LIMITS } from '../../engine/risk/riskManager.js';
import { Decimal } from '../../engine/domain/money.js';
import { equity, optionContract } from '../../engine/domain/instrument.js';
import type { OrderIntent } from '../../engine/domain/orders.js';
import type { Signal } from '../../engine/domain/signal.js';

const call = optionContract({ underlying: 'AAPL', expiry: '2026-12-18', right: 'C', strike: 200 });

function intent(over: Partial<OrderIntent> = {}): OrderIntent {
  return { strategyId: 'wsb-dip-bot', instrument: call, side: 'buy', quantity: 10, type: 'market', limitPrice: null, reason: 'dip', signalId: 's1', ...over };
}

function signal(strength: number, kind: 'entry' | 'exit' = 'entry'): Signal {
  return { id: 's1', strategyId: 'wsb-dip-bot', symbol: 'AAPL', kind, ts: 0, strength, reason: 'r', intent: intent(), features: {} };
}

describe('validator stage', () => {
  it('gates entries on the strategy threshold (dip bot 55)', () => {
    expect(validateSignal(signal(55)).accepted).toBe(true);
    expect(validateSignal(signal(54.99))).toMatchObject({ accepted: false, reason: 'below_threshold', threshold: 55 });
  });

  it('lets exits through whatever their strength', () => {
    expect(validateSignal(signal(0, 'exit'))).toMatchObject({ accepted: true, reason: 'exit_always_allowed' });
  });

  it('rejects a malformed strength', () => {
    for (const s of [Number.NaN, -1, 101, Number.POSITIVE_INFINITY]) {
      expect(validateSignal(signal(s))).toMatchObject({ accepted: false, reason: 'invalid_strength' });
    }
  });
});

describe('risk stage', () => {
  const ctx = { equity: new Decimal(100_000), cash: new Decimal(100_000), unitPrice: new Decimal('5'), multiplier: 100, heldQuantity: 0, openPositions: 0 };

  it('cuts an entry to the strategy cap of equity', () => {
    // 25 % of 100k = 25k; a contract costs 500 → at most 50.
    const d = assessIntent(intent({ quantity: 80 }), ctx);
    expect(d).toMatchObject({ approved: true, resized: true });
    if (d.approved) expect(d.intent.quantity).toBe(50);
  });

  it('cuts to cash and rejects when nothing fits', () => {
    const d = assessIntent(intent({ quantity: 80 }), { ...ctx, cash: new Decimal(1200) });
    if (d.approved) expect(d.intent.quantity).toBe(2);
    expect(assessIntent(intent(), { ...ctx, cash: new Decimal(100) })).toMatchObject({ approved: false, reason: 'insufficient_cash' });
    expect(assessIntent(intent(), { ...ctx, equity: new Decimal(1000) })).toMatchObject({ approved: false, reason: 'risk_max_position' });
  });

  it('lets exits reduce only what is held and refuses opening shorts', () => {
    const d = assessIntent(intent({ side: 'sell', quantity: 9 }), { ...ctx, heldQuantity: 4 });
    if (d.approved) expect(d.intent.quantity).toBe(4);
    expect(assessIntent(intent({ side: 'sell' }), ctx)).toMatchObject({ approved: false, reason: 'short_not_allowed' });
  });

  it('refuses without a price, with too many positions, or a bad quantity', () => {
    expect(assessIntent(intent(), { ...ctx, unitPrice: new Decimal(0) })).toMatchObject({ approved: false, reason: 'no_price' });
    expect(assessIntent(intent(), { ...ctx, openPositions: DEFAULT_RISK_LIMITS.maxOpenPositions })).toMatchObject({ approved: false, reason: 'risk_max_open_positions' });
    expect(assessIntent(intent({ quantity: 0 }), ctx)).toMatchObject({ approved: false, reason: 'invalid_quantity' });
  });

  it('never approves more than asked, than the cap or than cash buys (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom(1, 100),
        (qty, equityUnits, cashUnits, priceCents, mult) => {
          const c = { ...ctx, equity: new Decimal(equityUnits), cash: new Decimal(cashUnits), unitPrice: new Decimal(priceCents).div(100), multiplier: mult };
          const d = assessIntent(intent({ quantity: qty, instrument: mult === 1 ? equity('AAPL') : call }), c);
          if (!d.approved) return;
          const notional = c.unitPrice.times(mult).times(d.intent.quantity);
          expect(d.intent.quantity).toBeLessThanOrEqual(qty);
          expect(notional.lte(c.cash)).toBe(true);
          expect(notional.lte(c.equity.times(0.25))).toBe(true);
        },
      ),
    );
  });
});
