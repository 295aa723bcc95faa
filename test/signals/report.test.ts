import { describe, expect, it } from 'vitest';
import { ThresholdFeedback } from '../../engine/signals/feedback.js';
import { validationReport, type ValidationRecordInput } from '../../engine/signals/report.js';
import { resolveSignalConfig } from '../../engine/signals/signalConfig.js';

const DAY = 86_400_000;
const rec = (over: Partial<ValidationRecordInput> & { score: number }): ValidationRecordInput => ({ strategyId: 'wsb-dip-bot', ts: 0, reason: 'accepted', ...over });

describe('validationReport', () => {
  it('buckets entry scores by 10 (100 in the last bucket) and leaves out exits and unscored signals', () => {
    const r = validationReport([
      rec({ score: 0 }), rec({ score: 9.99 }), rec({ score: 10 }), rec({ score: 65, reason: 'below_threshold' }),
      rec({ score: 99.9 }), rec({ score: 100 }),
      rec({ score: 0, reason: 'data_stale' }), rec({ score: 0, reason: 'invalid_strength' }),
      rec({ score: 88, reason: 'exit_always_allowed' }), rec({ score: 50, kind: 'exit' }),
    ]);
    expect(r.records).toBe(10);
    expect(r.unscored).toBe(2);
    expect(r.exits).toBe(2);
    expect(r.buckets.map((b) => b.count)).toEqual([2, 1, 0, 0, 0, 0, 1, 0, 0, 2]);
    expect(r.buckets[9]).toMatchObject({ from: 90, to: 100 });
  });

  it('gives the accuracy of closed trades by score bucket', () => {
    const r = validationReport([
      rec({ score: 72, pnl: 5 }), rec({ score: 75, pnl: -1 }), rec({ score: 79, pnl: 0 }), rec({ score: 71 }),
      rec({ score: 85, pnl: 2 }),
    ]);
    expect(r.buckets[7]).toMatchObject({ count: 4, outcomes: 3, wins: 1 });
    expect(r.buckets[7]!.accuracy).toBeCloseTo(1 / 3, 12);
    expect(r.buckets[8]).toMatchObject({ outcomes: 1, wins: 1, accuracy: 1 });
    expect(r.buckets[0]!.accuracy).toBeNull();
    expect(r.strategies[0]).toMatchObject({ strategyId: 'wsb-dip-bot', scored: 5, outcomes: 4, accuracy: 0.5 });
  });

  it('replays the history through the feedback loop, outcomes at their close time', () => {
    const records: ValidationRecordInput[] = [];
    for (let i = 0; i < 10; i++) records.push(rec({ ts: i * DAY, score: 70, pnl: i < 3 ? 1 : -1, closedTs: (i + 30) * DAY }));
    const r = validationReport(records);
    const s = r.strategies[0]!;
    expect(s.configuredThreshold).toBe(65);
    expect(s.suggestedThreshold).toBe(67);
    expect(s.thresholdChanges).toHaveLength(1);
    // The loop could only act once the tenth trade had closed.
    expect(s.thresholdChanges[0]!.ts).toBe(39 * DAY);

    const direct = new ThresholdFeedback();
    for (const x of records) direct.recordOutcome({ strategyId: x.strategyId, ts: x.closedTs!, score: x.score, pnl: x.pnl! });
    direct.evaluate(39 * DAY);
    expect(direct.current('wsb-dip-bot')).toBe(s.suggestedThreshold);
  });

  it('lists degradation episodes with their start and end', () => {
    const config = resolveSignalConfig({ degradation: { window: 4, minOutcomes: 4, accuracyFloor: 0.5, accuracyHysteresis: 0.25 } });
    const pnls = [-1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1];
    const r = validationReport(pnls.map((pnl, i) => rec({ strategyId: 'wheel', ts: i, score: 60, pnl })), config);
    expect(r.degradationEpisodes).toEqual([
      { strategyId: 'wheel', start: 3, end: 6, accuracyAtStart: 0, correlationAtStart: null, breaches: ['accuracy'] },
      { strategyId: 'wheel', start: 10, end: null, accuracyAtStart: 0.25, correlationAtStart: null, breaches: ['accuracy'] },
    ]);
  });

  it('refuses a malformed record, naming it', () => {
    expect(() => validationReport([rec({ score: 50 }), rec({ score: 101 })])).toThrow(/^records\[1\]\.score:/);
    expect(() => validationReport([rec({ score: 50, pnl: Number.NaN })])).toThrow(/^records\[0\]\.pnl:/);
  });
});
