/**
 * Technical indicators (SPEC §9), written by hand: streaming classes with an
 * O(1) `update`, a `ready` warm-up flag and `value` (null until ready), plus
 * batch functions over arrays returning Float64Array with NaN during warm-up.
 * Each batch function runs the streaming class, so the two agree exactly.
 */
export type { HLC } from './common.js';
export { SMA, EMA, sma, ema } from './movingAverages.js';
export { RSI, rsi, DEFAULT_RSI_PERIOD } from './rsi.js';
export { MACD, macd } from './macd.js';
export type { MacdValue, MacdSeries } from './macd.js';
export { Bollinger, bollinger } from './bollinger.js';
export type { BollingerValue, BollingerSeries } from './bollinger.js';
export { ATR, atr } from './atr.js';
export { VWAP, vwap } from './vwap.js';
export type { HLCV } from './vwap.js';
