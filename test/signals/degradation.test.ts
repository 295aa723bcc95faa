import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import { DegradationMonitor, spearman, windowStats, type ScoredOutcome } from '../../engine/signals/degradation.js';
import { resolveSignalConfig } from '../../engine/signals/signalConfig.js';

const CFG = resolveSignalConfig({ degradation: { window: 10, minOutcomes: 10, accuracyFloor: 0.4, accuracyHysteresis: 0.1, correlationFloor: -0.2, correlationHysteresis: 0.1 } }).degradation;
let clock = 0;
const out = (pnl: number, score = 70, strategyId = 'wsb-dip-bot'): ScoredOutcome => ({ strategyId, ts: ++clock, score, pnl });

describe('spearman', () => {
  it('is ±1 for monotone pairs and null when a side is constant or too short', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 1000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1], [2])).toBeNull();
    expect(() => spearman([1, 2], [1])).toThrow(InputError);
  });

  it('gives ties their average rank', () => {
    // ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3, 4 → Pearson of the ranks
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
  });

  it('does not change under a monotone transform of P&L (dollars or percent, one outsized trade)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), { minLength: 2, maxLength: 30 }), (pairs) => {
        const xs = pairs.map((p) => p[0]);
        const ys = pairs.map((p) => p[1]);
        const a = spearman(xs, ys);
        const b = spearman(xs, ys.map((y) => 7 * y + Math.sign(y) * y * y));
        if (a === null) expect(b).toBeNull();
        else expect(b).toBeCloseTo(a, 9);
      }),
    );
  });
});

describe('windowStats', () => {
  it('counts only P&L > 0 as a win', () => {
    expect(windowStats([out(1), out(0), out(-1), out(2)]).accuracy).toBe(0.5);
    expect(windowStats([])).toEqual({ accuracy: null, correlation: null, window: 0 });
  });
});

describe('DegradationMonitor', () => {
  it('says nothing before the window holds minOutcomes', () => {
    const m = new DegradationMonitor(CFG);
    for (let i = 0; i < 9; i++) expect(m.record(out(-1))).toBeNull();
    expect(m.record(out(-1))).toMatchObject({ type: 'degraded', accuracy: 0, window: 10, breaches: ['accuracy'] });
  });

  it('raises degraded once per episode and recovered only above floor + hysteresis', () => {
    const m = new DegradationMonitor(CFG);
    const events = [];
    for (let i = 0; i < 10; i++) events.push(m.record(out(i < 3 ? 1 : -1, 50 + i)));
    expect(events.filter((e) => e !== null)).toHaveLength(1);
    expect(events[9]).toMatchObject({ type: 'degraded', accuracy: 0.3, strategyId: 'wsb-dip-bot' });
    // More losses: still the same episode.
    for (let i = 0; i < 2; i++) expect(m.record(out(-1))).toBeNull();
    expect(m.status('wsb-dip-bot')).toMatchObject({ degraded: true, accuracy: 0.1 });
    // Back to the floor (0.4) is not enough: floor + hysteresis (0.5) is.
    const wins = [];
    for (let i = 0; i < 5; i++) wins.push(m.record(out(1, 90)));
    expect(wins.slice(0, 4)).toEqual([null, null, null, null]);
    expect(wins[4]).toMatchObject({ type: 'recovered', breaches: [] });
    expect(wins[4]?.accuracy).toBeCloseTo(0.5, 12);
    // A new fall is a new episode.
    let again = null;
    for (let i = 0; i < 10 && again === null; i++) again = m.record(out(-1));
    expect(again).toMatchObject({ type: 'degraded' });
  });

  it('flags scores that rank outcomes backwards even when accuracy is fine', () => {
    const m = new DegradationMonitor(CFG);
    let ev = null;
    for (let i = 0; i < 10; i++) ev = m.record(out(10 - i, 50 + 5 * i));
    expect(ev).toMatchObject({ type: 'degraded', accuracy: 1, breaches: ['correlation'] });
    expect(ev?.correlation).toBeCloseTo(-1, 12);
  });

  it('treats an undefined correlation (all scores equal) as no breach', () => {
    const m = new DegradationMonitor(CFG);
    for (let i = 0; i < 10; i++) expect(m.record(out(i % 2 === 0 ? 1 : -1, 70))).toBeNull();
    expect(m.status('wsb-dip-bot').correlation).toBeNull();
  });

  it('keeps strategies apart and the window bounded', () => {
    const m = new DegradationMonitor(CFG);
    for (let i = 0; i < 1000; i++) m.record(out(1, i % 100, 'wheel'));
    for (let i = 0; i < 10; i++) m.record(out(-1, 60, 'lotto-scanner'));
    expect(m.status('wheel')).toMatchObject({ degraded: false, window: 10, accuracy: 1 });
    expect(m.status('lotto-scanner').degraded).toBe(true);
    expect(m.snapshot().strategies.wheel!.outcomes).toHaveLength(10);
  });

  it('restores from a snapshot without raising an open episode again', () => {
    const m = new DegradationMonitor(CFG);
    for (let i = 0; i < 10; i++) m.record(out(-1));
    const restored = DegradationMonitor.fromSnapshot(JSON.parse(JSON.stringify(m.snapshot())) as ReturnType<typeof m.snapshot>, CFG);
    expect(restored.status('wsb-dip-bot').degraded).toBe(true);
    expect(restored.record(out(-1))).toBeNull();
  });

  it('refuses a malformed outcome, naming the field', () => {
    const m = new DegradationMonitor(CFG);
    expect(() => m.record({ ...out(1), pnl: Number.NaN })).toThrow(/^outcome\.pnl:/);
    expect(() => m.record({ ...out(1), score: 120 })).toThrow(/^outcome\.score:/);
    expect(() => m.record({ ...out(1), strategyId: '' })).toThrow(/^outcome\.strategyId:/);
    expect(() => DegradationMonitor.fromSnapshot({ strategies: { x: { degraded: false, outcomes: [{ ...out(1), ts: Number.NaN }] } } }, CFG)).toThrow(/^strategies\.x\.outcomes\[0\]\.ts:/);
  });

  it('alternates degraded and recovered events for any outcome sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: 0, max: 100 })), { maxLength: 120 }), (seq) => {
        const m = new DegradationMonitor(CFG);
        let open = false;
        for (const [pnl, score] of seq) {
          const ev = m.record(out(pnl, score));
          if (ev !== null) {
            expect(ev.type).toBe(open ? 'recovered' : 'degraded');
            open = !open;
          }
          expect(m.status('wsb-dip-bot').degraded).toBe(open);
        }
      }),
    );
  });
});
