import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import {
  ATR,
  atr,
  Bollinger,
  bollinger,
  EMA,
  ema,
  MACD,
  macd,
  RSI,
  rsi,
  SMA,
  sma,
  VWAP,
  vwap,
} from '../../engine/market/indicators/index.js';

/** The field of the InputError `fn` throws (fails the test if it throws anything else). */
function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).field;
  }
  throw new Error('expected an InputError');
}

function near(a: number, b: number, tol = 1e-9): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= tol * (1 + Math.abs(b));
}

function expectSeries(actual: Float64Array, expected: readonly number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(near(a, expected[i]!, tol), `index ${i}: ${a} vs ${expected[i]}`).toBe(true));
}

const prices = fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 0, maxLength: 80 });
const period = fc.integer({ min: 1, max: 20 });
const N = Number.NaN;

const bars = fc.array(
  fc
    .tuple(fc.double({ min: 1, max: 1000, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.oneof(fc.constant(0), fc.double({ min: 1, max: 1e6, noNaN: true })))
    .map(([low, span, pos, volume]) => ({ high: low + span, low, close: low + span * pos, volume })),
  { minLength: 0, maxLength: 60 },
);

describe('SMA', () => {
  it('known values', () => {
    expectSeries(sma([1, 2, 3, 4, 5], 3), [N, N, 2, 3, 4]);
    expectSeries(sma([5], 1), [5]);
  });

  it('streaming == batch and == the naive mean (property)', () => {
    fc.assert(
      fc.property(prices, period, (xs, n) => {
        const s = new SMA(n);
        const batch = sma(xs, n);
        xs.forEach((x, i) => {
          s.update(x);
          expect(s.ready).toBe(i >= n - 1);
          expect(s.value ?? N).toBe(batch[i]);
          if (i >= n - 1) {
            const naive = xs.slice(i - n + 1, i + 1).reduce((a, b) => a + b, 0) / n;
            expect(near(batch[i]!, naive, 1e-9)).toBe(true);
          }
        });
      }),
    );
  });

  it('of a constant series is the constant', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), period, fc.integer({ min: 0, max: 40 }), (c, n, extra) => {
        const out = sma(new Array<number>(n + extra).fill(c), n);
        for (let i = n - 1; i < out.length; i++) expect(near(out[i]!, c, 1e-12)).toBe(true);
      }),
    );
  });
});

describe('EMA', () => {
  it('known values: k = 2/(n+1), seeded with the SMA', () => {
    // n = 3 → k = 0.5; seed (2+4+6)/3 = 4; 4 + 0.5(8−4) = 6; 6 + 0.5(12−6) = 9.
    expectSeries(ema([2, 4, 6, 8, 12], 3), [N, N, 4, 6, 9]);
    // n = 4 → k = 0.4; seed 2.5; 2.5 + 0.4(10 − 2.5) = 5.5; 5.5 + 0.4(0 − 5.5) = 3.3.
    expectSeries(ema([1, 2, 3, 4, 10, 0], 4), [N, N, N, 2.5, 5.5, 3.3]);
    expect(new EMA(4).k).toBe(0.4);
  });

  it('Wilder k = 1/n when given', () => {
    // seed 2, then 2 + (5 − 2)/3 = 3.
    expectSeries(ema([1, 2, 3, 5], 3, 1 / 3), [N, N, 2, 3]);
  });

  it('streaming == batch == the naive recursion (property)', () => {
    fc.assert(
      fc.property(prices, period, (xs, n) => {
        const e = new EMA(n);
        const batch = ema(xs, n);
        let ref = N;
        xs.forEach((x, i) => {
          e.update(x);
          expect(e.value ?? N).toBe(batch[i]);
          if (i === n - 1) ref = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
          else if (i >= n) ref = ref + (2 / (n + 1)) * (x - ref);
          expect(near(batch[i]!, ref, 1e-9)).toBe(true);
        });
      }),
    );
  });

  it('of a constant series is the constant', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), period, fc.integer({ min: 0, max: 40 }), (c, n, extra) => {
        const out = ema(new Array<number>(n + extra).fill(c), n);
        for (let i = n - 1; i < out.length; i++) expect(near(out[i]!, c, 1e-12)).toBe(true);
      }),
    );
  });
});

describe('RSI (Wilder)', () => {
  it('known values', () => {
    // n = 3; changes +1 +1 −1 +2. Seed: gain 2/3, loss 1/3 → RS 2 → 66.67.
    // Then gain (2·2/3 + 2)/3 = 10/9, loss (2·1/3)/3 = 2/9 → RS 5 → 83.33.
    expectSeries(rsi([1, 2, 3, 2, 4], 3), [N, N, N, 100 - 100 / 3, 100 - 100 / 6]);
  });

  it('is 100 when the average loss is 0 and 50 on a flat series', () => {
    expect(rsi([1, 2, 3, 4, 5, 6], 3).at(-1)).toBe(100);
    expect(rsi([7, 7, 7, 7, 7], 3).at(-1)).toBe(50);
    expect(rsi([5, 4, 3, 2, 1], 3).at(-1)).toBe(0);
  });

  it('the default period is 14: ready after 15 values', () => {
    const r = new RSI();
    for (let i = 0; i < 14; i++) r.update(100 + i);
    expect(r.ready).toBe(false);
    expect(r.value).toBeNull();
    r.update(90);
    expect(r.ready).toBe(true);
  });

  it('streaming == batch and stays within [0, 100] (property)', () => {
    fc.assert(
      fc.property(prices, period, (xs, n) => {
        const r = new RSI(n);
        const batch = rsi(xs, n);
        xs.forEach((x, i) => {
          r.update(x);
          expect(r.value ?? N).toBe(batch[i]);
          if (i >= n) {
            expect(batch[i]).toBeGreaterThanOrEqual(0);
            expect(batch[i]).toBeLessThanOrEqual(100);
          } else expect(batch[i]).toBeNaN();
        });
      }),
    );
  });
});

describe('MACD', () => {
  it('known values on a linear series (fast 2, slow 3, signal 2)', () => {
    // EMA2 lags a unit-slope line by 0.5, EMA3 by 1 → MACD 0.5, signal 0.5, histogram 0.
    const out = macd([1, 2, 3, 4, 5, 6], 2, 3, 2);
    expectSeries(out.macd, [N, N, 0.5, 0.5, 0.5, 0.5]);
    expectSeries(out.signal, [N, N, N, 0.5, 0.5, 0.5]);
    expectSeries(out.histogram, [N, N, N, 0, 0, 0]);
  });

  it('defaults 12/26/9: the line from the 26th value, all three from the 34th', () => {
    const m = new MACD();
    for (let i = 0; i < 25; i++) m.update(100 + Math.sin(i));
    expect(m.macd).toBeNull();
    m.update(100);
    expect(m.macd).not.toBeNull();
    for (let i = 0; i < 7; i++) m.update(101);
    expect(m.ready).toBe(false);
    m.update(102);
    expect(m.ready).toBe(true);
  });

  it('line = EMA(fast) − EMA(slow), histogram = line − signal, streaming == batch (property)', () => {
    fc.assert(
      fc.property(prices, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), (xs, f, extra, sig) => {
        const slow = f + extra;
        const out = macd(xs, f, slow, sig);
        const ef = ema(xs, f);
        const es = ema(xs, slow);
        const m = new MACD(f, slow, sig);
        xs.forEach((x, i) => {
          m.update(x);
          expect(m.macd ?? N).toBe(out.macd[i]);
          expect(m.value?.signal ?? N).toBe(out.signal[i]);
          expect(m.value?.histogram ?? N).toBe(out.histogram[i]);
          expect(near(out.macd[i]!, ef[i]! - es[i]!, 1e-9)).toBe(true);
          if (!Number.isNaN(out.signal[i]!)) expect(out.histogram[i]).toBe(out.macd[i]! - out.signal[i]!);
        });
      }),
    );
  });
});

describe('Bollinger', () => {
  it('known values (period 3, 2σ, population σ)', () => {
    const sigma = Math.sqrt(2 / 3);
    const out = bollinger([1, 2, 3], 3, 2);
    expectSeries(out.middle, [N, N, 2]);
    expectSeries(out.upper, [N, N, 2 + 2 * sigma]);
    expectSeries(out.lower, [N, N, 2 - 2 * sigma]);
    expectSeries(out.bandwidth, [N, N, (4 * sigma) / 2]);
    expectSeries(out.percentB, [N, N, (3 - (2 - 2 * sigma)) / (4 * sigma)]);
  });

  it('collapsed bands: %B 0.5, bandwidth 0', () => {
    const b = new Bollinger(3);
    [5, 5, 5].forEach((x) => b.update(x));
    expect(b.value).toEqual({ middle: 5, upper: 5, lower: 5, bandwidth: 0, percentB: 0.5 });
  });

  it('lower ≤ middle ≤ upper, matches the naive population σ, streaming == batch (property)', () => {
    fc.assert(
      fc.property(prices, period, fc.double({ min: 0.5, max: 3, noNaN: true }), (xs, n, k) => {
        const b = new Bollinger(n, k);
        const out = bollinger(xs, n, k);
        xs.forEach((x, i) => {
          b.update(x);
          expect(b.value?.middle ?? N).toBe(out.middle[i]);
          expect(b.value?.upper ?? N).toBe(out.upper[i]);
          expect(b.value?.percentB ?? N).toBe(out.percentB[i]);
          if (i < n - 1) return;
          expect(out.lower[i]).toBeLessThanOrEqual(out.middle[i]!);
          expect(out.middle[i]).toBeLessThanOrEqual(out.upper[i]!);
          const w = xs.slice(i - n + 1, i + 1);
          const mean = w.reduce((a, c) => a + c, 0) / n;
          const sd = Math.sqrt(w.reduce((a, c) => a + (c - mean) ** 2, 0) / n);
          // The sliding M2 keeps an ulp-level residual (~1e-16·x², x the largest value seen
          // so far, not only in the window) that √ turns into ~1e-8·x: as RealizedVolatility.
          const scale = Math.max(...xs.slice(0, i + 1).map(Math.abs));
          expect(Math.abs(out.upper[i]! - (mean + k * sd))).toBeLessThan(1e-6 * (1 + scale));
        });
      }),
    );
  });
});

describe('ATR (Wilder)', () => {
  it('known values (period 2)', () => {
    // TRs from bar 2: max(2, |11−9|, |9−9|) = 2; max(3, |12−10|, |9−10|) = 3 → ATR 2.5;
    // then max(1, |11−11|, |10−11|) = 1 → (2.5·1 + 1)/2 = 1.75.
    expectSeries(atr([10, 11, 12, 11], [8, 9, 9, 10], [9, 10, 11, 10.5], 2), [N, N, 2.5, 1.75]);
  });

  it('streaming == batch, non-negative (property)', () => {
    fc.assert(
      fc.property(bars, period, (bs, n) => {
        const a = new ATR(n);
        const out = atr(
          bs.map((b) => b.high),
          bs.map((b) => b.low),
          bs.map((b) => b.close),
          n,
        );
        bs.forEach((b, i) => {
          a.update(b);
          expect(a.value ?? N).toBe(out[i]);
          expect(a.ready).toBe(i >= n);
          if (i >= n) expect(out[i]).toBeGreaterThanOrEqual(0);
        });
      }),
    );
  });
});

describe('VWAP', () => {
  it('known values, null until volume arrives, resets per session', () => {
    const v = new VWAP();
    v.update({ high: 11, low: 9, close: 10, volume: 0 });
    expect(v.ready).toBe(false);
    expect(v.value).toBeNull();
    v.update({ high: 12, low: 9, close: 9, volume: 100 }); // typical 10
    v.update({ high: 14, low: 12, close: 13, volume: 300 }); // typical 13
    expect(v.value).toBe((1000 + 3900) / 400);
    v.reset();
    expect(v.value).toBeNull();
    expectSeries(vwap([12, 14, 14], [9, 12, 12], [9, 13, 13], [100, 300, 50], [false, false, true]), [10, 12.25, 13]);
  });

  it('streaming == batch and lies within the session low/high (property)', () => {
    fc.assert(
      fc.property(bars, (bs) => {
        const v = new VWAP();
        const out = vwap(
          bs.map((b) => b.high),
          bs.map((b) => b.low),
          bs.map((b) => b.close),
          bs.map((b) => b.volume),
        );
        let lo = Infinity;
        let hi = -Infinity;
        bs.forEach((b, i) => {
          v.update(b);
          expect(v.value ?? N).toBe(out[i]);
          if (b.volume > 0) {
            lo = Math.min(lo, b.low);
            hi = Math.max(hi, b.high);
          }
          if (v.ready) {
            expect(out[i]! >= lo - 1e-9 * hi && out[i]! <= hi * (1 + 1e-9)).toBe(true);
          }
        });
      }),
    );
  });
});

describe('bad parameters and inputs are named', () => {
  it('periods and multipliers', () => {
    expect(fieldOf(() => new SMA(0))).toBe('period');
    expect(fieldOf(() => new SMA(2.5))).toBe('period');
    expect(fieldOf(() => new EMA(-1))).toBe('period');
    expect(fieldOf(() => new EMA(3, 0))).toBe('k');
    expect(fieldOf(() => new RSI(0))).toBe('period');
    expect(fieldOf(() => new MACD(0, 26, 9))).toBe('fast');
    expect(fieldOf(() => new MACD(12, 1.5, 9))).toBe('slow');
    expect(fieldOf(() => new MACD(12, 26, 0))).toBe('signal');
    expect(fieldOf(() => new MACD(26, 12, 9))).toBe('fast');
    expect(fieldOf(() => new Bollinger(0))).toBe('period');
    expect(fieldOf(() => new Bollinger(20, 0))).toBe('k');
    expect(fieldOf(() => new Bollinger(20, -2))).toBe('k');
    expect(fieldOf(() => new ATR(0))).toBe('period');
    expect(fieldOf(() => sma([1, 2], 0))).toBe('period');
  });

  it('non-finite values', () => {
    expect(fieldOf(() => new SMA(2).update(Number.NaN))).toBe('value');
    expect(fieldOf(() => new EMA(2).update(Infinity))).toBe('value');
    expect(fieldOf(() => new RSI().update(Number.NaN))).toBe('value');
    expect(fieldOf(() => new MACD().update(-Infinity))).toBe('value');
    expect(fieldOf(() => new Bollinger().update(Number.NaN))).toBe('value');
    expect(fieldOf(() => sma([1, Number.NaN], 1))).toBe('values[1]');
    expect(fieldOf(() => rsi([1, 2, Infinity]))).toBe('values[2]');
    expect(fieldOf(() => new ATR().update({ high: Number.NaN, low: 1, close: 1 }))).toBe('high');
    expect(fieldOf(() => new ATR().update({ high: 1, low: 2, close: 1 }))).toBe('high');
    expect(fieldOf(() => atr([1], [1], [Number.NaN]))).toBe('close[0]');
    expect(fieldOf(() => atr([1, 2], [1], [1, 2]))).toBe('low');
    expect(fieldOf(() => new VWAP().update({ high: 2, low: 1, close: 1, volume: Number.NaN }))).toBe('volume');
    expect(fieldOf(() => new VWAP().update({ high: 2, low: 1, close: 1, volume: -1 }))).toBe('volume');
    expect(fieldOf(() => vwap([2], [1], [1], [-5]))).toBe('volume[0]');
  });
});
