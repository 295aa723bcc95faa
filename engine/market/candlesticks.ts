import { InputError } from '../domain/errors.js';
import type { Bar } from '../domain/market.js';

/**
 * Candlestick patterns (SPEC §9), each a small pure function of one to three
 * consecutive bars, oldest first. Signed patterns return +1 (bullish),
 * −1 (bearish) or 0 (none); the original overwrote the bearish −1 of
 * Engulfing and Harami with +1 (SPEC §13) — here bearish reads −1.
 *
 * Only the shape is tested: no prior-trend filter (a hammer after a rally is
 * still reported as a hammer); a strategy adds its own context.
 *
 * Thresholds from SPEC §9 are named constants; the ones SPEC leaves open are
 * marked "chosen".
 */
export type Candle = Pick<Bar, 'open' | 'high' | 'low' | 'close'>;

/** Doji: body/range below this (SPEC), or range 0. */
export const DOJI_BODY_RATIO = 0.05;
/** Hammer/shooting star: the long shadow is at least this × the body (SPEC). */
export const HAMMER_SHADOW_RATIO = 2;
/** Stars: bar 1 body > this × range₁, bar 2 body < this × range₁ (SPEC). */
export const STAR_BODY_RATIO = 0.3;
/** Chosen: soldiers/crows need long bodies, body ≥ this × the bar's range. */
export const SOLDIER_BODY_RATIO = 0.5;
/** Chosen: a spinning top has body/range below this (and is not a doji). */
export const SPINNING_TOP_BODY_RATIO = 0.3;

function check(c: Candle, name: string): void {
  for (const f of ['open', 'high', 'low', 'close'] as const) {
    if (!Number.isFinite(c[f])) throw new InputError(`${name}.${f}`, `must be a finite number, got ${String(c[f])}`);
  }
  if (c.high < c.low) throw new InputError(`${name}.high`, `high ${c.high} is below low ${c.low}`);
  if (c.open > c.high || c.open < c.low) throw new InputError(`${name}.open`, `open ${c.open} is outside [low ${c.low}, high ${c.high}]`);
  if (c.close > c.high || c.close < c.low) throw new InputError(`${name}.close`, `close ${c.close} is outside [low ${c.low}, high ${c.high}]`);
}

const body = (c: Candle): number => Math.abs(c.close - c.open);
const range = (c: Candle): number => c.high - c.low;
const bodyTop = (c: Candle): number => Math.max(c.open, c.close);
const bodyBottom = (c: Candle): number => Math.min(c.open, c.close);
const upperShadow = (c: Candle): number => c.high - bodyTop(c);
const lowerShadow = (c: Candle): number => bodyBottom(c) - c.low;
const bullish = (c: Candle): boolean => c.close > c.open;
const bearish = (c: Candle): boolean => c.close < c.open;
const bodyMid = (c: Candle): number => (c.open + c.close) / 2;

/** Doji: body/range < 0.05, or a zero range (open = high = low = close). */
export function isDoji(bar: Candle): boolean {
  check(bar, 'bar');
  const r = range(bar);
  return r === 0 || body(bar) / r < DOJI_BODY_RATIO;
}

/** Hammer: lower shadow ≥ 2 × body and upper shadow < body (so a zero body never qualifies). */
export function isHammer(bar: Candle): boolean {
  check(bar, 'bar');
  const b = body(bar);
  return lowerShadow(bar) >= HAMMER_SHADOW_RATIO * b && upperShadow(bar) < b;
}

/** Shooting star, the mirror of the hammer: upper shadow ≥ 2 × body and lower shadow < body. */
export function isShootingStar(bar: Candle): boolean {
  check(bar, 'bar');
  const b = body(bar);
  return upperShadow(bar) >= HAMMER_SHADOW_RATIO * b && lowerShadow(bar) < b;
}

/**
 * Engulfing: opposite colours and the current body covers the previous body
 * (ends may touch) while being strictly longer. +1 bullish (bearish then
 * bullish), −1 bearish (bullish then bearish), 0 otherwise.
 */
export function engulfing(prev: Candle, cur: Candle): number {
  check(prev, 'prev');
  check(cur, 'cur');
  const covers = bodyTop(cur) >= bodyTop(prev) && bodyBottom(cur) <= bodyBottom(prev) && body(cur) > body(prev);
  if (!covers) return 0;
  if (bearish(prev) && bullish(cur)) return 1;
  if (bullish(prev) && bearish(cur)) return -1;
  return 0;
}

/**
 * Harami: the current body lies strictly inside the previous one (both ends
 * strictly), and the current bar is not the previous bar's colour (opposite,
 * or flat: a harami cross). +1 after a bearish bar, −1 after a bullish one.
 */
export function harami(prev: Candle, cur: Candle): number {
  check(prev, 'prev');
  check(cur, 'cur');
  const inside = bodyTop(cur) < bodyTop(prev) && bodyBottom(cur) > bodyBottom(prev);
  if (!inside) return 0;
  if (bearish(prev) && !bearish(cur)) return 1;
  if (bullish(prev) && !bullish(cur)) return -1;
  return 0;
}

/**
 * Morning star: bar 1 bearish with body₁ > 0.3 × range₁, bar 2 a small body
 * (body₂ < 0.3 × range₁), bar 3 bullish and (chosen confirmation) closing
 * above the midpoint of bar 1's body. No gap is required (SPEC names none).
 */
export function isMorningStar(b1: Candle, b2: Candle, b3: Candle): boolean {
  check(b1, 'b1');
  check(b2, 'b2');
  check(b3, 'b3');
  const r1 = range(b1);
  return bearish(b1) && body(b1) > STAR_BODY_RATIO * r1 && body(b2) < STAR_BODY_RATIO * r1 && bullish(b3) && b3.close > bodyMid(b1);
}

/** Evening star: the mirror of the morning star (bar 3 bearish, closing below bar 1's body midpoint). */
export function isEveningStar(b1: Candle, b2: Candle, b3: Candle): boolean {
  check(b1, 'b1');
  check(b2, 'b2');
  check(b3, 'b3');
  const r1 = range(b1);
  return bullish(b1) && body(b1) > STAR_BODY_RATIO * r1 && body(b2) < STAR_BODY_RATIO * r1 && bearish(b3) && b3.close < bodyMid(b1);
}

/** +1 morning star, −1 evening star, 0 neither. */
export function star(b1: Candle, b2: Candle, b3: Candle): number {
  if (isMorningStar(b1, b2, b3)) return 1;
  if (isEveningStar(b1, b2, b3)) return -1;
  return 0;
}

/**
 * Three white soldiers (chosen rules): three bullish bars, each with
 * body ≥ 0.5 × range, each closing above the previous close, each (after the
 * first) opening within the previous body (inclusive).
 */
export function isThreeWhiteSoldiers(b1: Candle, b2: Candle, b3: Candle): boolean {
  check(b1, 'b1');
  check(b2, 'b2');
  check(b3, 'b3');
  const bars = [b1, b2, b3];
  for (const b of bars) if (!bullish(b) || body(b) < SOLDIER_BODY_RATIO * range(b)) return false;
  for (let i = 1; i < 3; i++) {
    const p = bars[i - 1]!;
    const c = bars[i]!;
    if (!(c.close > p.close && c.open >= p.open && c.open <= p.close)) return false;
  }
  return true;
}

/** Three black crows: the mirror of three white soldiers. */
export function isThreeBlackCrows(b1: Candle, b2: Candle, b3: Candle): boolean {
  check(b1, 'b1');
  check(b2, 'b2');
  check(b3, 'b3');
  const bars = [b1, b2, b3];
  for (const b of bars) if (!bearish(b) || body(b) < SOLDIER_BODY_RATIO * range(b)) return false;
  for (let i = 1; i < 3; i++) {
    const p = bars[i - 1]!;
    const c = bars[i]!;
    if (!(c.close < p.close && c.open <= p.open && c.open >= p.close)) return false;
  }
  return true;
}

/**
 * Spinning top (chosen rules): a small body, 0.05 ≤ body/range < 0.3 (so not
 * a doji), with both shadows longer than the body.
 */
export function isSpinningTop(bar: Candle): boolean {
  check(bar, 'bar');
  const r = range(bar);
  if (r === 0) return false;
  const b = body(bar);
  const ratio = b / r;
  return ratio >= DOJI_BODY_RATIO && ratio < SPINNING_TOP_BODY_RATIO && upperShadow(bar) > b && lowerShadow(bar) > b;
}
