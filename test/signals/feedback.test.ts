import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import { ThresholdFeedback, type ThresholdChange } from '../../engine/signals/feedback.js';
import { DEFAULT_SIGNAL_CONFIG, resolveSignalConfig } from '../../engine/signals/signalConfig.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const ID = 'wsb-dip-bot'; // threshold 65, floor 55, ceiling 85

/** `n` outcomes scored `score`, the first `wins` of them winners. */
function feed(f: ThresholdFeedback, n: number, wins: number, score: number, strategyId = ID, ts = 0): void {
  for (let i = 0; i < n; i++) f.recordOutcome({ strategyId, ts, score, pnl: i < wins ? 1 : -1 });
}
function nearMisses(f: ThresholdFeedback, n: number, score: number, strategyId = ID): void {
  for (let i = 0; i < n; i++) f.recordNearMiss({ strategyId, ts: 0, score });
}

describe('ThresholdFeedback: raising', () => {
  it('raises by one step when trades scored just above the threshold lose too often', () => {
    const f = new ThresholdFeedback();
    feed(f, 10, 4, 70);
    const [c] = f.evaluate(WEEK);
    expect(c).toMatchObject({ strategyId: ID, before: 65, after: 67, ts: WEEK, source: 'feedback' });
    expect(c!.reason).toBe('raise: accuracy 4/10 = 0.4 below target 0.5 for scores in [65, 75)');
    expect(f.current(ID)).toBe(67);
  });

  it('judges the marginal band when it holds minSamples; outcomes below the threshold never count', () => {
    const f = new ThresholdFeedback();
    feed(f, 20, 0, 64); // below the threshold: never part of the judgement
    expect(f.evaluate(WEEK)).toEqual([]);
    feed(f, 9, 0, 70);
    expect(f.evaluate(WEEK)).toEqual([]);
    feed(f, 1, 0, 65);
    expect(f.evaluate(WEEK)[0]!.reason).toMatch(/scores in \[65, 75\)/);
  });

  it('with a thin marginal band, every trade above the threshold decides a raise (never a lowering)', () => {
    const losing = new ThresholdFeedback();
    feed(losing, 9, 0, 70);
    feed(losing, 20, 0, 80); // above the band, all losing
    const [raise] = losing.evaluate(WEEK);
    expect(raise).toMatchObject({ before: 65, after: 67 });
    expect(raise!.reason).toMatch(/all scores ≥ 65 \(the band \[65, 75\) holds only 9\)/);
    const winning = new ThresholdFeedback();
    feed(winning, 9, 9, 70);
    feed(winning, 20, 20, 80);
    for (let i = 0; i < 10; i++) winning.recordNearMiss({ strategyId: 'wsb-dip-bot', ts: 0, score: 60 });
    expect(winning.evaluate(WEEK)).toEqual([]);
  });

  it('changes a strategy at most once per interval of engine time', () => {
    const f = new ThresholdFeedback();
    feed(f, 20, 0, 72);
    expect(f.evaluate(0)).toHaveLength(1);
    expect(f.evaluate(WEEK - 1)).toEqual([]);
    expect(f.evaluate(WEEK)[0]).toMatchObject({ before: 67, after: 69 });
    expect(f.evaluate(WEEK)).toEqual([]);
  });

  it('never goes above the ceiling', () => {
    const f = new ThresholdFeedback();
    feed(f, 200, 0, 85);
    for (let i = 0; i < 20; i++) {
      feed(f, 10, 0, f.current(ID) + 1);
      f.evaluate(i * WEEK);
    }
    expect(f.current(ID)).toBe(85);
  });
});

describe('ThresholdFeedback: lowering', () => {
  it('lowers when the band wins well above target and signals are being rejected just below', () => {
    const f = new ThresholdFeedback();
    feed(f, 10, 7, 68);
    nearMisses(f, 4, 60);
    expect(f.evaluate(WEEK)).toEqual([]); // 4 near misses < 5
    nearMisses(f, 1, 55);
    const [c] = f.evaluate(WEEK);
    expect(c).toMatchObject({ before: 65, after: 63 });
    expect(c!.reason).toMatch(/^lower: accuracy 7\/10 = 0\.7 at least 0\.65 .* 5 rejected in \[55, 65\)$/);
  });

  it('does not lower on merely adequate accuracy, or count rejections far below', () => {
    const f = new ThresholdFeedback();
    feed(f, 10, 6, 68); // 0.6 < 0.65
    nearMisses(f, 10, 60);
    expect(f.evaluate(WEEK)).toEqual([]);
    const g = new ThresholdFeedback();
    feed(g, 10, 10, 68);
    nearMisses(g, 10, 54.9);
    expect(g.evaluate(WEEK)).toEqual([]);
  });

  it('never goes below the floor (the dip bot’s 55)', () => {
    const f = new ThresholdFeedback();
    for (let i = 0; i < 20; i++) {
      const t = f.current(ID);
      feed(f, 10, 10, t);
      nearMisses(f, 5, t - 1);
      f.evaluate(i * WEEK);
    }
    expect(f.current(ID)).toBe(55);
  });
});

describe('ThresholdFeedback: operator and persistence', () => {
  it('sets and restores a threshold with a reason, and the loop waits a full interval after', () => {
    const f = new ThresholdFeedback();
    const set = f.setThreshold(ID, 75, ' too many losers ', 1_000);
    expect(set).toEqual({ strategyId: ID, before: 65, after: 75, reason: 'operator: too many losers', ts: 1_000, source: 'operator' });
    feed(f, 10, 0, 76);
    expect(f.evaluate(1_000 + WEEK - 1)).toEqual([]);
    expect(f.thresholds()).toEqual({ [ID]: 75 });
    const back = f.restoreThreshold(ID, 'reviewed', 2_000);
    expect(back).toMatchObject({ before: 75, after: 65, source: 'operator' });
    expect(f.current(ID)).toBe(65);
    expect(f.thresholds()).toEqual({});
  });

  it('refuses an operator value outside [floor, ceiling] or without a reason', () => {
    const f = new ThresholdFeedback();
    expect(() => f.setThreshold(ID, 54, 'x', 0)).toThrow(/^threshold:/);
    expect(() => f.setThreshold(ID, 86, 'x', 0)).toThrow(InputError);
    expect(() => f.setThreshold(ID, 70, '  ', 0)).toThrow(/^reason:/);
    expect(() => f.setThreshold(ID, 70, 'x', Number.NaN)).toThrow(/^ts:/);
  });

  it('replays persisted changes, clamping values that today’s bounds no longer allow', () => {
    const history: ThresholdChange[] = [
      { strategyId: ID, before: 65, after: 67, reason: 'r', ts: 10, source: 'feedback' },
      { strategyId: 'wheel', before: 65, after: 99, reason: 'r', ts: 20, source: 'operator' },
    ];
    const f = new ThresholdFeedback(DEFAULT_SIGNAL_CONFIG, history);
    expect(f.current(ID)).toBe(67);
    expect(f.current('wheel')).toBe(85);
    feed(f, 10, 0, 70);
    expect(f.evaluate(10 + WEEK - 1)).toEqual([]);
  });

  it('refuses a malformed outcome or near miss', () => {
    const f = new ThresholdFeedback();
    expect(() => f.recordOutcome({ strategyId: ID, ts: 0, score: -1, pnl: 1 })).toThrow(/^outcome\.score:/);
    expect(() => f.recordNearMiss({ strategyId: ID, ts: Number.NaN, score: 60 })).toThrow(/^nearMiss\.ts:/);
  });
});

describe('ThresholdFeedback: determinism and bounds', () => {
  it('evaluates strategies in id order', () => {
    const f = new ThresholdFeedback();
    for (const id of ['wheel', 'lotto-scanner', 'debit-spreads']) feed(f, 10, 0, 70, id);
    expect(f.evaluate(WEEK).map((c) => c.strategyId)).toEqual(['debit-spreads', 'lotto-scanner', 'wheel']);
  });

  it('keeps only the last historySize outcomes', () => {
    const cfg = resolveSignalConfig({ feedback: { historySize: 10 } });
    const f = new ThresholdFeedback(cfg);
    feed(f, 10, 0, 70);
    feed(f, 10, 10, 50); // pushes every band outcome out
    expect(f.evaluate(WEEK)).toEqual([]);
  });

  it('gives the same changes for the same history, and stays within [floor, ceiling]', () => {
    const event = fc.record({
      kind: fc.constantFrom('outcome' as const, 'miss' as const, 'eval' as const),
      score: fc.integer({ min: 0, max: 100 }),
      win: fc.boolean(),
      dt: fc.integer({ min: 0, max: 3 * DAY }),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), (events) => {
        const run = () => {
          const f = new ThresholdFeedback();
          const changes: ThresholdChange[] = [];
          let ts = 0;
          for (const e of events) {
            ts += e.dt;
            if (e.kind === 'outcome') f.recordOutcome({ strategyId: ID, ts, score: e.score, pnl: e.win ? 1 : -1 });
            else if (e.kind === 'miss') f.recordNearMiss({ strategyId: ID, ts, score: e.score });
            else changes.push(...f.evaluate(ts));
            expect(f.current(ID)).toBeGreaterThanOrEqual(55);
            expect(f.current(ID)).toBeLessThanOrEqual(85);
          }
          return changes;
        };
        const a = run();
        expect(run()).toEqual(a);
        for (let i = 1; i < a.length; i++) expect(a[i]!.ts - a[i - 1]!.ts).toBeGreaterThanOrEqual(WEEK);
      }),
    );
  });
});
