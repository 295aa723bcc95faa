import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/domain/errors.js';
import { createRng } from '../../engine/domain/random.js';
import { sessionCloseUtc } from '../../engine/domain/session.js';
import { atr, bollinger, ema, macd, rsi, sma, vwap } from '../../engine/market/indicators/index.js';
import type { SnapshotBar } from '../../engine/market/indicatorSnapshot.js';
import { indicatorSnapshots } from '../../engine/market/indicatorSnapshot.js';
import { PIVOT_TYPES, pivotPoints } from '../../engine/market/pivots.js';
import { rollingRealizedVolatility } from '../../engine/market/realizedVolatility.js';
import { engulfing, harami, isDoji, isHammer, isShootingStar, isSpinningTop, isThreeBlackCrows, isThreeWhiteSoldiers, star } from '../../engine/market/candlesticks.js';

/** A seeded random walk of valid daily bars, one per calendar day (the weekday rule is irrelevant here). */
function walk(n: number, seed = 'snapshot'): SnapshotBar[] {
  const rng = createRng(seed);
  const bars: SnapshotBar[] = [];
  let close = 100;
  const start = Date.UTC(2025, 0, 2);
  for (let i = 0; i < n; i++) {
    const open = close * (1 + rng.normal(0, 0.01));
    close = open * (1 + rng.normal(0, 0.015));
    const high = Math.max(open, close) * (1 + rng.between(0, 0.01));
    const low = Math.min(open, close) * (1 - rng.between(0, 0.01));
    const date = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
    bars.push({ ts: sessionCloseUtc(date), open, high, low, close, volume: Math.round(rng.between(1e5, 1e6)) });
  }
  return bars;
}

/** The batch functions' NaN for "not warm" is the snapshot's null. */
const orNull = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);

describe('indicatorSnapshots', () => {
  const bars = walk(240);
  const snaps = indicatorSnapshots(bars);
  const close = bars.map((b) => b.close);
  const high = bars.map((b) => b.high);
  const low = bars.map((b) => b.low);

  it('agrees exactly with each batch indicator of the library, bar by bar', () => {
    const expected = {
      sma20: sma(close, 20),
      sma50: sma(close, 50),
      sma200: sma(close, 200),
      ema12: ema(close, 12),
      ema26: ema(close, 26),
      rsi14: rsi(close, 14),
      atr14: atr(high, low, close, 14),
    };
    const m = macd(close, 12, 26, 9);
    const b = bollinger(close, 20, 2);
    const vol = rollingRealizedVolatility(close, 20);
    // Daily bars: every bar is its own New York session.
    const vw = vwap(high, low, close, bars.map((x) => x.volume), bars.map(() => true));
    expect(snaps).toHaveLength(bars.length);
    snaps.forEach((s, i) => {
      for (const [k, series] of Object.entries(expected)) expect(s[k as keyof typeof expected], `${k}[${i}]`).toBe(orNull(series[i]));
      expect(s.macd).toEqual({ line: orNull(m.macd[i]), signal: orNull(m.signal[i]), histogram: orNull(m.histogram[i]) });
      expect(s.bollinger).toEqual({
        middle: orNull(b.middle[i]),
        upper: orNull(b.upper[i]),
        lower: orNull(b.lower[i]),
        bandwidth: orNull(b.bandwidth[i]),
        percentB: orNull(b.percentB[i]),
      });
      expect(s.volatility20).toBe(vol[i]);
      expect(s.vwap).toBe(orNull(vw[i]));
      expect({ ts: s.ts, open: s.open, high: s.high, low: s.low, close: s.close, volume: s.volume }).toEqual(bars[i]);
    });
  });

  it('is null exactly until each value is warm (SPEC periods)', () => {
    const firstReady = (get: (i: number) => unknown): number => snaps.findIndex((_, i) => get(i) !== null);
    expect(firstReady((i) => snaps[i]!.sma20)).toBe(19);
    expect(firstReady((i) => snaps[i]!.sma200)).toBe(199);
    expect(firstReady((i) => snaps[i]!.ema26)).toBe(25);
    expect(firstReady((i) => snaps[i]!.rsi14)).toBe(14);
    expect(firstReady((i) => snaps[i]!.macd.line)).toBe(25);
    expect(firstReady((i) => snaps[i]!.macd.signal)).toBe(33);
    expect(firstReady((i) => snaps[i]!.bollinger.upper)).toBe(19);
    expect(firstReady((i) => snaps[i]!.atr14)).toBe(14);
    expect(firstReady((i) => snaps[i]!.volatility20)).toBe(20);
    expect(firstReady((i) => snaps[i]!.pivots)).toBe(1);
    expect(firstReady((i) => snaps[i]!.patterns.engulfing)).toBe(1);
    expect(firstReady((i) => snaps[i]!.patterns.star)).toBe(2);
    expect(snaps[0]!.patterns.doji).not.toBeNull();
  });

  it('pivots come from the prior bar, all four types', () => {
    for (const i of [1, 57, 239]) {
      for (const t of PIVOT_TYPES) expect(snaps[i]!.pivots![t]).toEqual(pivotPoints(bars[i - 1]!, t));
    }
  });

  it('pattern flags are the candlestick functions, signed: +1 bullish, −1 bearish, 1 for a neutral pattern', () => {
    snaps.forEach((s, i) => {
      const cur = bars[i]!;
      const p = s.patterns;
      expect(p.doji).toBe(isDoji(cur) ? 1 : 0);
      expect(p.spinningTop).toBe(isSpinningTop(cur) ? 1 : 0);
      expect(p.hammer).toBe(isHammer(cur) ? 1 : 0);
      expect(p.shootingStar).toBe(isShootingStar(cur) ? -1 : 0);
      if (i >= 1) {
        expect(p.engulfing).toBe(engulfing(bars[i - 1]!, cur));
        expect(p.harami).toBe(harami(bars[i - 1]!, cur));
      }
      if (i >= 2) {
        const [a, b] = [bars[i - 2]!, bars[i - 1]!];
        expect(p.star).toBe(star(a, b, cur));
        expect(p.threeWhiteSoldiers).toBe(isThreeWhiteSoldiers(a, b, cur) ? 1 : 0);
        expect(p.threeBlackCrows).toBe(isThreeBlackCrows(a, b, cur) ? -1 : 0);
      }
    });
    // The walk is long enough to exercise both signs somewhere.
    expect(snaps.some((s) => s.patterns.engulfing === 1)).toBe(true);
    expect(snaps.some((s) => s.patterns.engulfing === -1)).toBe(true);
  });

  it('flags a hand-made hammer and a bearish engulfing', () => {
    const t0 = sessionCloseUtc('2025-03-03');
    const s = indicatorSnapshots([
      { ts: t0, open: 10, high: 10.6, low: 9.9, close: 10.5, volume: 1 }, // bullish
      { ts: t0 + 86_400_000, open: 10.7, high: 10.8, low: 9.6, close: 9.7, volume: 1 }, // bearish, engulfs it
      { ts: t0 + 2 * 86_400_000, open: 9.8, high: 9.83, low: 9.0, close: 9.82, volume: 1 }, // hammer
    ]);
    expect(s[1]!.patterns.engulfing).toBe(-1);
    expect(s[2]!.patterns.hammer).toBe(1);
    expect(s[2]!.patterns.shootingStar).toBe(0);
  });

  it('resets VWAP at each New York date for intraday bars', () => {
    const day1 = Date.parse('2025-03-03T14:35:00Z');
    const day2 = Date.parse('2025-03-04T14:35:00Z');
    const mk = (ts: number, c: number, v: number): SnapshotBar => ({ ts, open: c, high: c + 1, low: c - 1, close: c, volume: v });
    const s = indicatorSnapshots([mk(day1, 10, 100), mk(day1 + 300_000, 20, 300), mk(day2, 50, 10), mk(day2 + 300_000, 60, 10)]);
    expect(s[1]!.vwap).toBeCloseTo((10 * 100 + 20 * 300) / 400, 12);
    expect(s[2]!.vwap).toBe(50);
    expect(s[3]!.vwap).toBeCloseTo(55, 12);
  });

  it('is empty for no bars and rejects a bad bar naming its index and field', () => {
    expect(indicatorSnapshots([])).toEqual([]);
    const t = sessionCloseUtc('2025-03-03');
    const fieldOf = (b: SnapshotBar[]): string => {
      try {
        indicatorSnapshots(b);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).field;
      }
      throw new Error('expected an InputError');
    };
    const ok = { ts: t, open: 10, high: 11, low: 9, close: 10, volume: 5 };
    expect(fieldOf([ok, { ...ok, ts: t + 1, high: 8 }])).toBe('bars[1].high');
    expect(fieldOf([ok, { ...ok, ts: t + 1, volume: -1 }])).toBe('bars[1].volume');
    expect(fieldOf([ok, ok])).toBe('bars[1].ts');
  });
});
