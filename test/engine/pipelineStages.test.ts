import { describe, expect, it } from 'vitest';
import { validateSignal } from '../../engine/signals/validator.js';
import { optionContract } from '../../engine/domain/instrument.js';
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
