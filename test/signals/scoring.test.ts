import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/domain/errors.js';
import {
  CHECK_ORDER,
  computeScore,
  decideAction,
  driftConfidence,
  intentDirection,
  isFeatureProblem,
  readSignalInputs,
  scoreComponents,
  scoringSpan,
  type ScoreComponents,
  type SignalInputs,
} from '../../engine/signals/scoring.js';
import { DEFAULT_SIGNAL_CONFIG, policyFor } from '../../engine/signals/signalConfig.js';
import { CALL, PUT, makeSignal, trend } from './fixtures.js';

const P = DEFAULT_SIGNAL_CONFIG.scoring;
const W = DEFAULT_SIGNAL_CONFIG.weights;
const series = (closes: readonly number[], volumes?: readonly number[]) => closes.map((close, i) => ({ close, volume: volumes?.[i] ?? 1000 }));
const long: SignalInputs = { strength: 70, direction: 1, riskReward: 2 };
const comps = (over: Partial<ScoreComponents> = {}): ScoreComponents => ({ strength: 0, confidence: 0, consistency: 0, volume: 0, confluence: 0, riskReward: 0, regime: 0, ...over });

describe('computeScore', () => {
  it('is 0.30·strength + 100·(0.20 conf + 0.15 consistency + 0.10 volume + 0.10 confluence + 0.10 min(1, RR/3) + 0.05 regime)', () => {
    const c = comps({ strength: 80, confidence: 0.5, consistency: 0.75, volume: 1, confluence: 2 / 3, riskReward: 1.5, regime: 0.4 });
    expect(computeScore(c, W, 3)).toBeCloseTo(24 + 10 + 11.25 + 10 + 20 / 3 + 5 + 2, 6);
  });

  it('spans 0 to 100 and caps reward/risk at 3', () => {
    expect(computeScore(comps(), W, 3)).toBe(0);
    const top = comps({ strength: 100, confidence: 1, consistency: 1, volume: 1, confluence: 1, riskReward: 3, regime: 1 });
    expect(computeScore(top, W, 3)).toBe(100);
    expect(computeScore({ ...top, riskReward: 50 }, W, 3)).toBe(100);
  });

  it('refuses a component out of range, naming it', () => {
    expect(() => computeScore(comps({ confidence: 1.2 }), W, 3)).toThrow(/^components\.confidence:/);
    expect(() => computeScore(comps({ strength: 101 }), W, 3)).toThrow(InputError);
    expect(() => computeScore(comps({ riskReward: -1 }), W, 3)).toThrow(/^components\.riskReward:/);
    expect(() => computeScore(comps({ regime: Number.NaN }), W, 3)).toThrow(/^components\.regime:/);
  });
});

describe('scoreComponents: consistency is its own measure, not confidence', () => {
  it('is the fraction of the 3/5/10/20-bar horizons over which price moved the signal’s way', () => {
    const up = trend(21);
    expect(scoreComponents(series(up), long, P).consistency).toBe(1);
    expect(scoreComponents(series(up), { ...long, direction: -1 }, P).consistency).toBe(0);
    // Up over 20 and 10 bars, down over the last 5 and 3.
    const mixed = [...trend(16, 0.01), ...trend(5, -0.004, trend(16, 0.01)[15]! * 0.999)];
    expect(scoreComponents(series(mixed), long, P).consistency).toBe(0.5);
  });

  it('does not move when the stated confidence does (the original set consistency = confidence)', () => {
    const s = series(trend(21));
    const a = scoreComponents(s, { ...long, confidence: 0.1 }, P);
    const b = scoreComponents(s, { ...long, confidence: 0.9 }, P);
    expect(a.consistency).toBe(b.consistency);
    expect(b.confidence).toBe(0.9);
    expect(computeScore(b, W, 3) - computeScore(a, W, 3)).toBeCloseTo(100 * 0.2 * 0.8, 6);
  });
});

describe('scoreComponents: derived confidence', () => {
  it('is Φ of the drift t-statistic in the signal’s direction', () => {
    const noisy = [100, 101, 100.5, 101.5, 101, 102, 101.8, 102.6];
    const up = driftConfidence(noisy, 1, 20);
    expect(up).toBeGreaterThan(0.5);
    expect(driftConfidence(noisy, -1, 20)).toBeCloseTo(1 - up, 12);
  });

  it('is 0.5 for a flat series, 0 without two returns, and 1/0 for a noiseless move', () => {
    expect(driftConfidence([50, 50, 50, 50], 1, 20)).toBe(0.5);
    expect(driftConfidence([50, 51], 1, 20)).toBe(0);
    expect(driftConfidence([50], 1, 20)).toBe(0);
    expect(driftConfidence([], 1, 20)).toBe(0);
    expect(driftConfidence([1, 2, 4, 8], 1, 20)).toBe(1);
    expect(driftConfidence([1, 2, 4, 8], -1, 20)).toBe(0);
  });
});

describe('scoreComponents: the original volume, confluence and regime formulas', () => {
  it('volume = clamp(2 × (mean of last 3 / mean of last 20 − 0.5))', () => {
    const volumes = [...Array<number>(17).fill(100), 50, 50, 50];
    const c = scoreComponents(series(trend(20), volumes), long, P);
    expect(c.volume).toBeCloseTo(2 * (50 / 92.5 - 0.5), 12);
  });

  it('confluence = mean of [close beyond SMA20, 10-bar move, 10-bar CV < 5 %], in the signal’s direction', () => {
    const up = trend(21);
    expect(scoreComponents(series(up), long, P).confluence).toBe(1);
    expect(scoreComponents(series(up), { ...long, direction: -1 }, P).confluence).toBeCloseTo(1 / 3, 12);
  });

  it('regime = mean of [min(1, 10 × |20-bar return|), max(0, 1 − 20 × CV10)]', () => {
    const up = trend(21, 0.001);
    const c = scoreComponents(series(up), long, P);
    const r20 = up[20]! / up[0]! - 1;
    const last10 = up.slice(-10);
    const mean = last10.reduce((a, b) => a + b, 0) / 10;
    const cv = Math.sqrt(last10.reduce((a, b) => a + (b - mean) ** 2, 0) / 10) / mean;
    expect(c.regime).toBeCloseTo((Math.min(1, 10 * r20) + Math.max(0, 1 - 20 * cv)) / 2, 10);
  });
});

describe('scoreComponents: boundaries', () => {
  it('no volume at all gives no volume confirmation (the original gave a full 1)', () => {
    const c = scoreComponents(series(trend(21), Array<number>(21).fill(0)), long, P);
    expect(c.volume).toBe(0);
  });

  it('fewer bars than the original 10 give no volume confirmation', () => {
    expect(scoreComponents(series(trend(9)), long, P).volume).toBe(0);
    expect(scoreComponents(series(trend(10)), long, P).volume).toBe(1);
  });

  it('a single data point earns no credit from the bars: only strength and reward/risk count', () => {
    const c = scoreComponents(series([123]), long, P);
    expect(c).toEqual({ strength: 70, confidence: 0, consistency: 0, volume: 0, confluence: 0, riskReward: 2, regime: 0 });
    expect(computeScore(c, W, 3)).toBeCloseTo(0.3 * 70 + 10 * (2 / 3), 6);
    expect(scoreComponents([], long, P).consistency).toBe(0);
  });

  it('constant prices: no consistency, neutral confidence, calm but trendless', () => {
    const c = scoreComponents(series(Array<number>(25).fill(42)), long, P);
    expect(c).toMatchObject({ consistency: 0, confidence: 0.5, volume: 1, regime: 0.5 });
    expect(c.confluence).toBeCloseTo(1 / 3, 12);
  });

  it('an extreme move keeps every component in range', () => {
    const closes = [...Array<number>(20).fill(10), 10_000];
    const c = scoreComponents(series(closes, [...Array<number>(20).fill(1), 1e9]), long, P);
    for (const k of ['confidence', 'consistency', 'volume', 'confluence', 'regime'] as const) {
      expect(c[k]).toBeGreaterThanOrEqual(0);
      expect(c[k]).toBeLessThanOrEqual(1);
    }
    expect(c.regime).toBe(0.5); // full trend, no calm
    const s = computeScore(c, W, 3);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(s).toBeLessThanOrEqual(100);
  });

  it('refuses a non-positive close or a negative volume, naming the bar', () => {
    expect(() => scoreComponents(series([10, 0, 11]), long, P)).toThrow(/^bars\[1\]\.close:/);
    expect(() => scoreComponents(series([10, 11], [5, -1]), long, P)).toThrow(/^bars\[1\]\.volume:/);
  });

  it('needs 21 bars for every window with the defaults', () => {
    expect(scoringSpan(P)).toBe(21);
  });
});

describe('readSignalInputs: missing and malformed fields', () => {
  it('takes direction from the intent and the assumed reward/risk when features are missing', () => {
    const s = makeSignal({ ts: 0, strength: 60 });
    expect(readSignalInputs(s, 2)).toEqual({ strength: 60, direction: 1, confidence: undefined, riskReward: 2 });
  });

  it('reads stated confidence, reward/risk and direction', () => {
    const s = makeSignal({ ts: 0, features: { confidence: 0.8, riskReward: 3, direction: -1 } });
    expect(readSignalInputs(s, 2)).toMatchObject({ confidence: 0.8, riskReward: 3, direction: -1 });
  });

  it('reports a malformed field instead of throwing', () => {
    const bad: Array<[Record<string, number>, string]> = [
      [{ confidence: 1.5 }, 'features.confidence'],
      [{ confidence: Number.NaN }, 'features.confidence'],
      [{ riskReward: -0.1 }, 'features.riskReward'],
      [{ riskReward: Number.POSITIVE_INFINITY }, 'features.riskReward'],
      [{ direction: 0 }, 'features.direction'],
    ];
    for (const [features, field] of bad) {
      const r = readSignalInputs(makeSignal({ ts: 0, features }), 2);
      expect(isFeatureProblem(r) && r.field, JSON.stringify(features)).toBe(field);
    }
    for (const strength of [-1, 101, Number.NaN]) {
      const r = readSignalInputs(makeSignal({ ts: 0, strength }), 2);
      expect(isFeatureProblem(r) && r.field).toBe('strength');
    }
  });

  it('derives the direction of options: long calls and short puts are long the underlying', () => {
    const intent = (instrument: typeof CALL, side: 'buy' | 'sell') => makeSignal({ ts: 0, instrument, side }).intent;
    expect(intentDirection(intent(CALL, 'buy'))).toBe(1);
    expect(intentDirection(intent(CALL, 'sell'))).toBe(-1);
    expect(intentDirection(intent(PUT, 'buy'))).toBe(-1);
    expect(intentDirection(intent(PUT, 'sell'))).toBe(1);
    expect(intentDirection(makeSignal({ ts: 0, side: 'sell' }).intent)).toBe(-1);
  });
});

describe('decideAction', () => {
  const policy = policyFor(DEFAULT_SIGNAL_CONFIG, 'wsb-dip-bot');
  const good = comps({ strength: 100, confidence: 0.9, consistency: 1, volume: 1, confluence: 1, riskReward: 3, regime: 0.8 });

  it('trades at full size from the full-size score, reduces between threshold and it, rejects below', () => {
    expect(decideAction(80, good, policy, 65, 0.5)).toEqual({ decision: 'trade', reason: 'accepted', failedChecks: [], sizeFactor: 1 });
    expect(decideAction(79.99, good, policy, 65, 0.5)).toEqual({ decision: 'reduce', reason: 'accepted_reduced', failedChecks: [], sizeFactor: 0.5 });
    expect(decideAction(65, good, policy, 65, 0.5).decision).toBe('reduce');
    expect(decideAction(64.99, good, policy, 65, 0.5)).toEqual({ decision: 'reject', reason: 'below_threshold', failedChecks: ['below_threshold'], sizeFactor: 0 });
  });

  it('has no reduce band once the threshold is above the full-size score', () => {
    expect(decideAction(84, good, { ...policy, ceiling: 90 }, 85, 0.5).decision).toBe('reject');
    expect(decideAction(85, good, { ...policy, ceiling: 90 }, 85, 0.5).decision).toBe('trade');
  });

  it('uses the confidence threshold (the original never did)', () => {
    const r = decideAction(95, { ...good, confidence: 0.59 }, policy, 65, 0.5);
    expect(r).toMatchObject({ decision: 'reject', reason: 'low_confidence', failedChecks: ['low_confidence'] });
    expect(decideAction(95, { ...good, confidence: 0.6 }, policy, 65, 0.5).decision).toBe('trade');
  });

  it('reports every failed check, threshold last, so `below_threshold` means nothing else failed', () => {
    const bad = comps({ confidence: 0.1, consistency: 0.1, riskReward: 1, regime: 0.1 });
    const r = decideAction(10, bad, policy, 65, 0.5);
    expect(r.failedChecks).toEqual([...CHECK_ORDER]);
    expect(r.reason).toBe('low_confidence');
    expect(decideAction(70, { ...good, consistency: 0.5 }, policy, 65, 0.5).failedChecks).toEqual(['low_consistency']);
    expect(decideAction(70, { ...good, regime: 0.29 }, policy, 65, 0.5).reason).toBe('regime_mismatch');
    expect(decideAction(70, { ...good, riskReward: 1.49 }, policy, 65, 0.5).reason).toBe('low_risk_reward');
  });
});
