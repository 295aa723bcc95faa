import { describe, expect, it } from 'vitest';
import { optionContract } from '../../engine/domain/instrument.js';
import { spreadAdjustments } from '../../engine/risk/spreadCover.js';

const put = (k: number, expiry = '2025-02-21') => optionContract({ underlying: 'SPY', expiry, right: 'P', strike: k });
const call = (k: number) => optionContract({ underlying: 'SPY', expiry: '2025-02-21', right: 'C', strike: k });

describe('spreadAdjustments', () => {
  it('a put credit spread reserves its width: relief = long strike × 100 per pair', () => {
    const adj = spreadAdjustments([{ instrument: put(480), quantity: -2 }, { instrument: put(470), quantity: 2 }]).get('SPY');
    expect(adj?.relief.toNumber()).toBe(2 * 470 * 100);
    expect(adj?.added.toNumber()).toBe(0);
  });

  it('a call credit spread weighs its width, which a lone short call does not', () => {
    const adj = spreadAdjustments([{ instrument: call(520), quantity: -3 }, { instrument: call(530), quantity: 3 }]).get('SPY');
    expect(adj?.added.toNumber()).toBe(3 * 10 * 100);
    expect(spreadAdjustments([{ instrument: call(520), quantity: -3 }]).size).toBe(0);
  });

  it('pairs only on the protective side and within one expiry; the rest stays single', () => {
    // A long put above the short one protects nothing; another expiry neither.
    expect(spreadAdjustments([{ instrument: put(480), quantity: -1 }, { instrument: put(490), quantity: 1 }]).size).toBe(0);
    expect(spreadAdjustments([{ instrument: put(480), quantity: -1 }, { instrument: put(470, '2025-03-21'), quantity: 1 }]).size).toBe(0);
    // Two shorts, one long: one pair.
    const adj = spreadAdjustments([{ instrument: put(480), quantity: -2 }, { instrument: put(470), quantity: 1 }]).get('SPY');
    expect(adj?.relief.toNumber()).toBe(470 * 100);
  });
});
