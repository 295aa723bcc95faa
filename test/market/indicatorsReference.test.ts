import { describe, expect, it } from 'vitest';
import { ATR as RefATR, BollingerBands, EMA as RefEMA, MACD as RefMACD, RSI as RefRSI, SMA as RefSMA, WSMA } from 'trading-signals';
import { loadBars, bundledDataRoot } from '../../engine/market/barLoader.js';
import { ATR, Bollinger, EMA, MACD, RSI, SMA } from '../../engine/market/indicators/index.js';

/**
 * Our indicators against an independent, well-kept library (trading-signals
 * 8.3, a dev dependency used only here) on the bundled AAPL daily bars.
 *
 * Where the two seed differently the values converge, so the comparison
 * starts after a burn-in: trading-signals starts an EMA at the first price,
 * ours at the SMA of the first `period` prices (the usual charting
 * convention), and its ATR counts the first bar's range. SMA, Bollinger
 * (population σ) and Wilder RSI must agree from the first ready value.
 */

const bars = await loadBars({ roots: [bundledDataRoot()], symbols: ['AAPL'], timeframe: '1d' });
/** Bars after which seeding differences have decayed below 1e-12 (EMA 26: (25/27)^500 ≈ 2e-17; ATR 14: (13/14)^500 ≈ 8e-17). */
const BURN_IN = 500;

/** Both present and within `tol` relative; a missing value on either side is a failure. */
function relClose(a: number | null, b: number | null, tol: number): boolean {
  return a !== null && b !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

describe('indicators agree with trading-signals on the bundled AAPL daily bars', () => {
  it('has enough data for the comparison', () => {
    expect(bars.length).toBeGreaterThan(BURN_IN + 100);
  });

  it('SMA 20 and Bollinger 20/2σ: identical from the first ready bar', () => {
    const ours = new SMA(20);
    const bb = new Bollinger(20, 2);
    const ref = new RefSMA(20);
    const refBb = new BollingerBands(20, 2);
    let compared = 0;
    for (const b of bars) {
      ours.update(b.close);
      bb.update(b.close);
      const r = ref.update(b.close, false);
      const rb = refBb.update(b.close, false);
      if (r === null || rb === null) {
        expect(ours.ready).toBe(false);
        continue;
      }
      expect(relClose(ours.value, r, 1e-12)).toBe(true);
      const v = bb.value;
      expect(v).not.toBeNull();
      expect(relClose(v!.middle, rb.middle, 1e-12) && relClose(v!.upper, rb.upper, 1e-9) && relClose(v!.lower, rb.lower, 1e-9)).toBe(true);
      compared++;
    }
    expect(compared).toBe(bars.length - 19);
  });

  it('Wilder RSI 14 identical from the first ready bar; ATR 14 (Wilder) the same once the seed has faded', () => {
    const rsi = new RSI(14);
    const refRsi = new RefRSI(14, WSMA);
    const atr = new ATR(14);
    const refAtr = new RefATR(14, WSMA);
    let compared = 0;
    bars.forEach((b, i) => {
      rsi.update(b.close);
      atr.update(b);
      const r = refRsi.update(b.close, false);
      const a = refAtr.update({ high: b.high, low: b.low, close: b.close }, false);
      if (r !== null && rsi.ready) {
        expect(relClose(rsi.value, r, 1e-9)).toBe(true);
        compared++;
      }
      // ATR: trading-signals counts the first bar's high − low as a true range, ours starts at the
      // second bar (a true range needs the previous close); Wilder smoothing makes that fade.
      if (i >= BURN_IN) expect(relClose(atr.value, a, 1e-9)).toBe(true);
    });
    expect(compared).toBe(bars.length - 14);
  });

  it('EMA 12/26 and MACD 12/26/9: the same after the seeds have decayed', () => {
    const e12 = new EMA(12);
    const m = new MACD(12, 26, 9);
    const r12 = new RefEMA(12);
    const rm = new RefMACD(new RefEMA(12), new RefEMA(26), new RefEMA(9));
    bars.forEach((b, i) => {
      e12.update(b.close);
      m.update(b.close);
      const re = r12.update(b.close, false);
      const rmv = rm.update(b.close, false);
      if (i < BURN_IN) return;
      expect(relClose(e12.value, re, 1e-10)).toBe(true);
      const v = m.value;
      expect(v).not.toBeNull();
      expect(rmv).not.toBeNull();
      expect(Math.abs(v!.macd - rmv!.macd)).toBeLessThan(1e-8);
      expect(Math.abs(v!.signal - rmv!.signal)).toBeLessThan(1e-8);
    });
  });
});
