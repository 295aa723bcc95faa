import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import type { Candle } from '../../engine/market/candlesticks.js';
import {
  engulfing,
  harami,
  isDoji,
  isEveningStar,
  isHammer,
  isMorningStar,
  isShootingStar,
  isSpinningTop,
  isThreeBlackCrows,
  isThreeWhiteSoldiers,
  star,
} from '../../engine/market/candlesticks.js';

const c = (open: number, high: number, low: number, close: number): Candle => ({ open, high, low, close });

/** Price mirror x → K − x: bullish ↔ bearish, high ↔ low. Integer prices keep it exact. */
const K = 2000;
const mirror = (b: Candle): Candle => c(K - b.open, K - b.low, K - b.high, K - b.close);

const candle = fc
  .tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }))
  .map(([low, span, a, b]) => c(low + Math.min(a, span), low + span, low, low + Math.min(b, span)));

describe('single-bar patterns', () => {
  it('doji: body/range < 0.05 or range 0', () => {
    expect(isDoji(c(10, 11, 9, 10.05))).toBe(true);
    expect(isDoji(c(5, 5, 5, 5))).toBe(true);
    expect(isDoji(c(100, 110, 90, 101))).toBe(false); // exactly 0.05 is not < 0.05
    expect(isDoji(c(10, 11, 9, 10.5))).toBe(false);
  });

  it('hammer and shooting star', () => {
    const hammer = c(10, 10.6, 8, 10.5); // body 0.5, lower 2, upper 0.1
    expect(isHammer(hammer)).toBe(true);
    expect(isShootingStar(hammer)).toBe(false);
    const shooting = c(10.5, 13, 10, 10); // body 0.5, upper 2.5, lower 0
    expect(isShootingStar(shooting)).toBe(true);
    expect(isHammer(shooting)).toBe(false);
    expect(isHammer(c(10, 10, 8, 10))).toBe(false); // zero body: upper 0 is not < 0
  });

  it('spinning top: small body, both shadows longer than it, not a doji', () => {
    expect(isSpinningTop(c(10, 11, 9, 10.3))).toBe(true);
    expect(isSpinningTop(c(10, 11, 9, 10))).toBe(false);
    expect(isSpinningTop(c(10, 11, 9, 11))).toBe(false);
    expect(isSpinningTop(c(5, 5, 5, 5))).toBe(false);
  });

  it('hammer ↔ shooting star under the price mirror (property)', () => {
    fc.assert(
      fc.property(candle, (b) => {
        expect(isHammer(b)).toBe(isShootingStar(mirror(b)));
        expect(isDoji(b)).toBe(isDoji(mirror(b)));
        expect(isSpinningTop(b)).toBe(isSpinningTop(mirror(b)));
      }),
    );
  });
});

describe('engulfing and harami: bearish reads −1 (SPEC §13 defect)', () => {
  it('engulfing', () => {
    expect(engulfing(c(11, 11.5, 9.5, 10), c(9.8, 12, 9.5, 11.5))).toBe(1);
    expect(engulfing(c(10, 11.5, 9.5, 11), c(11.2, 11.5, 9.5, 9.8))).toBe(-1);
    expect(engulfing(c(10, 11.5, 9.5, 11), c(10.5, 11.5, 9.5, 11.4))).toBe(0); // same colour
    expect(engulfing(c(10, 11.5, 9.5, 11), c(10.8, 11.5, 9.5, 10.2))).toBe(0); // does not cover
  });

  it('harami: body strictly inside the previous one', () => {
    expect(harami(c(12.5, 13, 9.5, 10), c(11, 12.2, 10.8, 12))).toBe(1);
    expect(harami(c(10, 13, 9.5, 12.5), c(12, 12.2, 10.8, 11))).toBe(-1);
    expect(harami(c(10, 13, 9.5, 12.5), c(12.5, 12.6, 10.8, 11))).toBe(0); // touches the top: not strict
    expect(harami(c(10, 13, 9.5, 12.5), c(11.5, 11.6, 11.4, 11.5))).toBe(-1); // harami cross
  });

  it('the mirror flips the sign, and the value is always in {−1, 0, +1} (property)', () => {
    fc.assert(
      fc.property(candle, candle, (a, b) => {
        const e = engulfing(a, b);
        const h = harami(a, b);
        expect([-1, 0, 1]).toContain(e);
        expect([-1, 0, 1]).toContain(h);
        expect(engulfing(mirror(a), mirror(b))).toBe(0 - e);
        expect(harami(mirror(a), mirror(b))).toBe(0 - h);
      }),
    );
  });
});

describe('three-bar patterns', () => {
  it('morning and evening star', () => {
    const morning = [c(12, 12.2, 9.8, 10), c(9.6, 9.9, 9.3, 9.7), c(9.8, 11.8, 9.7, 11.5)] as const;
    expect(isMorningStar(...morning)).toBe(true);
    expect(star(...morning)).toBe(1);
    const evening = [c(10, 12.2, 9.8, 12), c(12.3, 12.6, 12.1, 12.4), c(12.2, 12.3, 10.2, 10.5)] as const;
    expect(isEveningStar(...evening)).toBe(true);
    expect(star(...evening)).toBe(-1);
    // no confirmation: bar 3 closes below bar 1's body midpoint
    expect(isMorningStar(morning[0], morning[1], c(9.8, 10.8, 9.7, 10.5))).toBe(false);
  });

  it('three white soldiers and three black crows', () => {
    const soldiers = [c(10, 11.1, 9.9, 11), c(10.5, 12.1, 10.4, 12), c(11.5, 13.1, 11.4, 13)] as const;
    expect(isThreeWhiteSoldiers(...soldiers)).toBe(true);
    expect(isThreeBlackCrows(...soldiers)).toBe(false);
    const crows = [c(13, 13.1, 11.9, 12), c(12.5, 12.6, 10.9, 11), c(11.5, 11.6, 9.9, 10)] as const;
    expect(isThreeBlackCrows(...crows)).toBe(true);
    expect(isThreeWhiteSoldiers(...crows)).toBe(false);
  });

  it('mirror symmetry (property)', () => {
    fc.assert(
      fc.property(candle, candle, candle, (a, b, d) => {
        expect(star(a, b, d)).toBe(0 - star(mirror(a), mirror(b), mirror(d)));
        expect(isThreeWhiteSoldiers(a, b, d)).toBe(isThreeBlackCrows(mirror(a), mirror(b), mirror(d)));
      }),
    );
  });
});

describe('bad bars are named', () => {
  const field = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).field;
    }
    return 'no error';
  };
  it('non-finite and inconsistent fields', () => {
    expect(field(() => isDoji(c(Number.NaN, 2, 1, 1)))).toBe('bar.open');
    expect(field(() => engulfing(c(1, 2, 1, 1), c(1, 2, 1, 3)))).toBe('cur.close');
    expect(field(() => harami(c(1, 1, 2, 1), c(1, 2, 1, 1)))).toBe('prev.high');
    expect(field(() => isMorningStar(c(1, 2, 1, 1), c(1, 2, 1, 1), c(1, Infinity, 1, 1)))).toBe('b3.high');
  });
});
