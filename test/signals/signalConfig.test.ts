import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/domain/errors.js';
import { STRATEGY_IDS } from '../../engine/market/universes.js';
import { DEFAULT_SIGNAL_CONFIG, policyFor, resolveSignalConfig } from '../../engine/signals/signalConfig.js';

function configError(input: unknown): ConfigError {
  try {
    resolveSignalConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('signal config defaults', () => {
  it('weights are the original ones and sum to 1', () => {
    expect(DEFAULT_SIGNAL_CONFIG.weights).toEqual({ strength: 0.3, confidence: 0.2, consistency: 0.15, volume: 0.1, confluence: 0.1, riskReward: 0.1, regime: 0.05 });
  });

  it('carries SPEC §5 integration minimums as thresholds and the monitor levels (at least 50) as floors', () => {
    const c = DEFAULT_SIGNAL_CONFIG;
    const pick = (id: string) => {
      const p = policyFor(c, id);
      return [p.threshold, p.minConfidence, p.minRiskReward, p.floor];
    };
    expect(pick('swing-trading')).toEqual([70, 0.7, 2, 55]);
    expect(pick('momentum-weeklies')).toEqual([75, 0.6, 1.8, 65]);
    expect(pick('leaps-tracker')).toEqual([60, 0.65, 1.5, 50]);
    expect(pick('wsb-dip-bot')).toEqual([65, 0.6, 1.5, 55]);
    expect(pick('earnings-protection')).toEqual([65, 0.6, 1.5, 60]);
    expect(pick('wheel')).toEqual([65, 0.6, 1.5, 50]);
    expect(pick('lotto-scanner')).toEqual([65, 0.6, 1.5, 50]);
    expect(pick('index-baseline')).toEqual([65, 0.6, 1.5, 50]);
    expect(c.defaultPolicy).toMatchObject({ threshold: 65, floor: 50, ceiling: 85, fullSizeScore: 80, minConsistency: 0.7, minRegime: 0.3, assumedRiskReward: 2 });
  });

  it('has a policy for every strategy id, each within its own bounds', () => {
    for (const id of STRATEGY_IDS) {
      const p = policyFor(DEFAULT_SIGNAL_CONFIG, id);
      expect(p.floor).toBeLessThanOrEqual(p.threshold);
      expect(p.threshold).toBeLessThanOrEqual(p.ceiling);
      expect(p.floor, id).toBeGreaterThanOrEqual(50);
    }
  });

  it('gives an unknown strategy (or a prototype key) the default policy', () => {
    expect(policyFor(DEFAULT_SIGNAL_CONFIG, 'my-strategy')).toBe(DEFAULT_SIGNAL_CONFIG.defaultPolicy);
    expect(policyFor(DEFAULT_SIGNAL_CONFIG, 'constructor')).toBe(DEFAULT_SIGNAL_CONFIG.defaultPolicy);
  });
});

describe('a supplied config merges over the defaults', () => {
  it('keeps every field a partial strategy entry does not name', () => {
    const c = resolveSignalConfig({ strategies: { 'swing-trading': { threshold: 72 } } });
    expect(policyFor(c, 'swing-trading')).toMatchObject({ threshold: 72, minConfidence: 0.7, minRiskReward: 2, floor: 55 });
    expect(policyFor(c, 'momentum-weeklies')).toEqual(policyFor(DEFAULT_SIGNAL_CONFIG, 'momentum-weeklies'));
    expect(c.weights).toEqual(DEFAULT_SIGNAL_CONFIG.weights);
    expect(c.feedback).toEqual(DEFAULT_SIGNAL_CONFIG.feedback);
  });

  it('applies input defaults under the table: the table entry of a strategy still wins', () => {
    const c = resolveSignalConfig({ defaults: { minConfidence: 0.5 } });
    expect(policyFor(c, 'wsb-dip-bot').minConfidence).toBe(0.5);
    expect(policyFor(c, 'swing-trading').minConfidence).toBe(0.7);
    expect(c.defaultPolicy.minConfidence).toBe(0.5);
  });

  it('keeps sibling defaults in nested objects', () => {
    const c = resolveSignalConfig({ dataQuality: { maxAgeMs: { '5m': 1_000 } }, scoring: { smaWindow: 30 } });
    expect(c.dataQuality.maxAgeMs).toEqual({ '1d': 86_400_000, '5m': 1_000 });
    expect(c.dataQuality.outlierSigmas).toBe(8);
    expect(c.scoring.smaWindow).toBe(30);
    expect(c.scoring.consistencyHorizons).toEqual([3, 5, 10, 20]);
  });

  it('accepts undefined and null as "no config"', () => {
    expect(resolveSignalConfig(undefined)).toEqual(DEFAULT_SIGNAL_CONFIG);
    expect(resolveSignalConfig(null)).toEqual(DEFAULT_SIGNAL_CONFIG);
  });
});

describe('a bad config is refused, naming the field', () => {
  it('unknown keys and strategy ids', () => {
    expect(configError({ strategies: { swing: { threshold: 70 } } }).field).toBe('strategies.swing');
    expect(configError({ weigths: {} }).field).toBe('weigths');
    expect(configError({ strategies: { wheel: { treshold: 70 } } }).field).toBe('strategies.wheel.treshold');
  });

  it('weights that do not sum to 1', () => {
    const e = configError({ weights: { strength: 0.4 } });
    expect(e.field).toBe('weights');
    expect(e.message).toMatch(/sum to 1/);
  });

  it('a threshold outside its floor and ceiling', () => {
    expect(configError({ strategies: { wheel: { threshold: 40 } } }).field).toBe('strategies.wheel.threshold');
    expect(configError({ defaults: { floor: 90 } }).field).toBe('defaults.floor');
  });

  it('out-of-range values', () => {
    expect(configError({ defaults: { minConfidence: 1.5 } }).field).toBe('defaults.minConfidence');
    expect(configError({ feedback: { step: 0 } }).field).toBe('feedback.step');
    expect(configError({ degradation: { window: 10, minOutcomes: 20 } }).field).toBe('degradation.minOutcomes');
    expect(configError({ scoring: { volumeShortWindow: 30 } }).field).toBe('scoring.volumeShortWindow');
  });
});
