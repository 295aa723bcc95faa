import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Bar } from '../../engine/domain/market.js';
import { validateAndScore } from '../../engine/signals/pipeline.js';
import { resolveSignalConfig } from '../../engine/signals/signalConfig.js';
import { CALL, dailyBars, makeSignal, randomWalk, trend } from './fixtures.js';

const up = dailyBars(trend(25));
const lastTs = (bars: readonly Bar[]) => bars[bars.length - 1]!.ts;
const ctx = (bars: readonly Bar[], over: Record<string, unknown> = {}) => ({ bars, now: lastTs(bars), ...over });

describe('validateAndScore', () => {
  it('trades a strong, clean signal at full size', () => {
    const r = validateAndScore(makeSignal({ ts: lastTs(up), strength: 70 }), ctx(up));
    expect(r).toMatchObject({ decision: 'trade', reason: 'accepted', sizeFactor: 1, grade: 'good', threshold: 65, failedChecks: [] });
    expect(r.score).toBeGreaterThanOrEqual(80);
    expect(r.components).toMatchObject({ strength: 70, consistency: 1, confidence: 1, riskReward: 2 });
    expect(r.dataQuality.ok).toBe(true);
  });

  it('reduces between the threshold and the full-size score', () => {
    const r = validateAndScore(makeSignal({ ts: lastTs(up), strength: 40 }), ctx(up));
    expect(r.score).toBeGreaterThanOrEqual(65);
    expect(r.score).toBeLessThan(80);
    expect(r).toMatchObject({ decision: 'reduce', reason: 'accepted_reduced', sizeFactor: 0.5 });
  });

  it('uses the threshold in force when the node passes one', () => {
    const s = makeSignal({ ts: lastTs(up), strength: 40 });
    const base = validateAndScore(s, ctx(up));
    const r = validateAndScore(s, ctx(up, { threshold: base.score + 0.01 }));
    expect(r).toMatchObject({ decision: 'reject', reason: 'below_threshold', failedChecks: ['below_threshold'] });
    expect(() => validateAndScore(s, ctx(up, { threshold: Number.NaN }))).toThrow(/^threshold:/);
  });

  it('applies the strategy’s own policy (swing: 70 and confidence 0.7)', () => {
    const s = makeSignal({ strategyId: 'swing-trading', ts: lastTs(up), strength: 70, features: { confidence: 0.65 } });
    const r = validateAndScore(s, ctx(up));
    expect(r).toMatchObject({ decision: 'reject', reason: 'low_confidence', threshold: 70 });
  });

  it('rejects a signal on bad data with the gate’s reason, unscored and never graded good', () => {
    const bad = [...up.slice(0, -1), { ...up[24]!, high: up[24]!.low / 2 }];
    const r = validateAndScore(makeSignal({ ts: lastTs(up), strength: 100 }), ctx(bad));
    expect(r).toMatchObject({ decision: 'reject', reason: 'data_high_low', score: 0, grade: 'very_poor', sizeFactor: 0, components: null });
    expect(r.detail).toMatch(/high .* < low/);
    const stale = validateAndScore(makeSignal({ ts: lastTs(up), strength: 100 }), ctx(up, { now: lastTs(up) + 2 * 86_400_000 }));
    expect(stale.reason).toBe('data_stale');
  });

  it('needs a usable quote for an option signal', () => {
    const s = makeSignal({ ts: lastTs(up), strength: 70, instrument: CALL });
    expect(validateAndScore(s, ctx(up)).reason).toBe('data_option_quote');
    expect(validateAndScore(s, ctx(up, { optionQuote: { ts: lastTs(up), bid: 2.5, ask: 2.6 } })).decision).toBe('trade');
  });

  it('rejects a malformed strength or feature with a reason instead of throwing', () => {
    expect(validateAndScore(makeSignal({ ts: lastTs(up), strength: 120 }), ctx(up))).toMatchObject({ decision: 'reject', reason: 'invalid_strength', score: 0 });
    const r = validateAndScore(makeSignal({ ts: lastTs(up), features: { riskReward: -2 } }), ctx(up));
    expect(r).toMatchObject({ decision: 'reject', reason: 'invalid_features' });
    expect(r.detail).toMatch(/^features\.riskReward:/);
  });

  it('always lets an exit through at full size, even on bad data, and records why', () => {
    const exit = makeSignal({ ts: lastTs(up), strength: 100, kind: 'exit', side: 'sell' });
    expect(validateAndScore(exit, ctx(up))).toMatchObject({ decision: 'trade', reason: 'exit_always_allowed', sizeFactor: 1 });
    const r = validateAndScore(exit, ctx(up.slice(0, 5)));
    expect(r).toMatchObject({ decision: 'trade', reason: 'exit_always_allowed', sizeFactor: 1, components: null });
    expect(r.detail).toMatch(/^data_history:/);
  });

  it('takes reduce size from config', () => {
    const config = resolveSignalConfig({ reduceSizeFactor: 0.25 });
    const r = validateAndScore(makeSignal({ ts: lastTs(up), strength: 40 }), ctx(up, { config }));
    expect(r).toMatchObject({ decision: 'reduce', sizeFactor: 0.25 });
  });

  it('never trades an entry on data the gate refused; score stays in [0, 100]; size follows the decision', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.string({ minLength: 1, maxLength: 4 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.integer({ min: -3, max: 3 }),
        fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
        (n, seed, strength, lagDays, breakAt) => {
          const bars = dailyBars(randomWalk(seed, n, 0.001, 0.02));
          if (breakAt !== undefined && breakAt < n) bars[breakAt] = { ...bars[breakAt]!, low: 0 };
          const r = validateAndScore(makeSignal({ ts: lastTs(bars), strength }), { bars, now: lastTs(bars) + lagDays * 43_200_000 });
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(100);
          if (!r.dataQuality.ok) expect(r).toMatchObject({ decision: 'reject', score: 0, components: null });
          expect(r.sizeFactor).toBe(r.decision === 'trade' ? 1 : r.decision === 'reduce' ? 0.5 : 0);
        },
      ),
    );
  });
});
