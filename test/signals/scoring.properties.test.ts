import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gradeOf } from '../../engine/signals/grade.js';
import { computeScore, decideAction, scoreComponents, type ScoreComponents } from '../../engine/signals/scoring.js';
import { DEFAULT_SIGNAL_CONFIG, policyFor } from '../../engine/signals/signalConfig.js';

const P = DEFAULT_SIGNAL_CONFIG.scoring;
const W = DEFAULT_SIGNAL_CONFIG.weights;
const CAP = P.riskRewardCap;

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const components = fc.record({
  strength: fc.double({ min: 0, max: 100, noNaN: true }),
  confidence: unit,
  consistency: unit,
  volume: unit,
  confluence: unit,
  riskReward: fc.double({ min: 0, max: 20, noNaN: true }),
  regime: unit,
});
const point = fc.record({
  close: fc.double({ min: 1e-4, max: 1e6, noNaN: true }),
  volume: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e9, noNaN: true })),
});
const seriesArb = fc.array(point, { minLength: 0, maxLength: 40 });
const inputs = fc.record({
  strength: fc.double({ min: 0, max: 100, noNaN: true }),
  direction: fc.constantFrom(1 as const, -1 as const),
  confidence: fc.option(unit, { nil: undefined }),
  riskReward: fc.double({ min: 0, max: 20, noNaN: true }),
});
const KEYS = ['strength', 'confidence', 'consistency', 'volume', 'confluence', 'riskReward', 'regime'] as const;

describe('score properties', () => {
  it('is always in [0, 100], with every component in range, for any valid series and signal', () => {
    fc.assert(
      fc.property(seriesArb, inputs, (s, inp) => {
        const c = scoreComponents(s, inp, P);
        for (const k of ['confidence', 'consistency', 'volume', 'confluence', 'regime'] as const) {
          expect(c[k]).toBeGreaterThanOrEqual(0);
          expect(c[k]).toBeLessThanOrEqual(1);
        }
        const score = computeScore(c, W, CAP);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
        expect(gradeOf(score)).toBeDefined();
      }),
    );
  });

  it('is monotone non-decreasing in each component', () => {
    fc.assert(
      fc.property(components, fc.constantFrom(...KEYS), unit, (c, key, t) => {
        const max = key === 'strength' ? 100 : key === 'riskReward' ? 20 : 1;
        const raised: ScoreComponents = { ...c, [key]: c[key] + t * (max - c[key]) };
        expect(computeScore(raised, W, CAP)).toBeGreaterThanOrEqual(computeScore(c, W, CAP));
      }),
    );
  });

  it('is monotone in the signal’s strength, stated confidence and reward/risk over the same bars', () => {
    fc.assert(
      fc.property(seriesArb, inputs, unit, (s, inp, t) => {
        const base = computeScore(scoreComponents(s, inp, P), W, CAP);
        const stronger = { ...inp, strength: inp.strength + t * (100 - inp.strength) };
        expect(computeScore(scoreComponents(s, stronger, P), W, CAP)).toBeGreaterThanOrEqual(base);
        const better = { ...inp, riskReward: inp.riskReward + t * 5 };
        expect(computeScore(scoreComponents(s, better, P), W, CAP)).toBeGreaterThanOrEqual(base);
        if (inp.confidence !== undefined) {
          const surer = { ...inp, confidence: inp.confidence + t * (1 - inp.confidence) };
          expect(computeScore(scoreComponents(s, surer, P), W, CAP)).toBeGreaterThanOrEqual(base);
        }
      }),
    );
  });

  it('volume confirmation never falls when the signal bar trades more', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 10, maxLength: 30 }), fc.double({ min: 0, max: 1e9, noNaN: true }), (s, extra) => {
        const inp = { strength: 50, direction: 1 as const, riskReward: 2 };
        const more = s.map((p, i) => (i === s.length - 1 ? { ...p, volume: p.volume + extra } : p));
        expect(scoreComponents(more, inp, P).volume).toBeGreaterThanOrEqual(scoreComponents(s, inp, P).volume - 1e-12);
      }),
    );
  });

  it('a higher threshold never turns a rejection into a trade, and trade/reduce/reject carry 1 / factor / 0', () => {
    const policy = policyFor(DEFAULT_SIGNAL_CONFIG, 'wsb-dip-bot');
    fc.assert(
      fc.property(components, fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (c, t1, t2) => {
        const score = computeScore(c, W, CAP);
        const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
        const a = decideAction(score, c, policy, lo, 0.5);
        const b = decideAction(score, c, policy, hi, 0.5);
        if (a.decision === 'reject') expect(b.decision).toBe('reject');
        for (const r of [a, b]) expect(r.sizeFactor).toBe(r.decision === 'trade' ? 1 : r.decision === 'reduce' ? 0.5 : 0);
      }),
    );
  });
});
