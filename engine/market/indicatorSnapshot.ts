import { InputError } from '../domain/errors.js';
import type { Bar } from '../domain/market.js';
import { barProblem } from '../domain/market.js';
import { nyParts } from '../domain/session.js';
import { ATR, Bollinger, EMA, MACD, RSI, SMA, VWAP } from './indicators/index.js';
import type { PivotLevels, PivotType } from './pivots.js';
import { PIVOT_TYPES, pivotPoints } from './pivots.js';
import { RealizedVolatility } from './realizedVolatility.js';
import type { Candle } from './candlesticks.js';
import { engulfing, harami, isDoji, isHammer, isShootingStar, isSpinningTop, isThreeBlackCrows, isThreeWhiteSoldiers, star } from './candlesticks.js';

/**
 * Every indicator and candlestick pattern of the library, per bar, over one
 * series of bars (oldest first), as `wsb indicators` prints them. Periods are
 * the indicators' defaults and SPEC §9's; a value that is not warm yet is null.
 */
export const SNAPSHOT_PERIODS = {
  sma: [20, 50, 200],
  ema: [12, 26],
  rsi: 14,
  macd: { fast: 12, slow: 26, signal: 9 },
  bollinger: { period: 20, k: 2 },
  atr: 14,
  volatility: 20,
} as const;

export interface MacdSnapshot {
  /** Ready from bar slow (26); signal and histogram from slow + signal − 1 (34). */
  readonly line: number | null;
  readonly signal: number | null;
  readonly histogram: number | null;
}

export interface BollingerSnapshot {
  readonly middle: number | null;
  readonly upper: number | null;
  readonly lower: number | null;
  readonly bandwidth: number | null;
  readonly percentB: number | null;
}

/**
 * +1 bullish, −1 bearish, 0 none; null while the pattern needs more bars
 * than have been seen. Doji and spinning top have no direction: 1 means
 * present.
 */
export interface PatternFlags {
  readonly doji: number;
  readonly spinningTop: number;
  readonly hammer: number;
  readonly shootingStar: number;
  readonly engulfing: number | null;
  readonly harami: number | null;
  /** +1 morning star, −1 evening star. */
  readonly star: number | null;
  readonly threeWhiteSoldiers: number | null;
  readonly threeBlackCrows: number | null;
}

export interface IndicatorSnapshot {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly sma20: number | null;
  readonly sma50: number | null;
  readonly sma200: number | null;
  readonly ema12: number | null;
  readonly ema26: number | null;
  /** Wilder RSI 14. */
  readonly rsi14: number | null;
  readonly macd: MacdSnapshot;
  /** 20 bars, 2 population σ. */
  readonly bollinger: BollingerSnapshot;
  /** Wilder ATR 14. */
  readonly atr14: number | null;
  /** Session VWAP, reset at each New York date (for daily bars: the bar's typical price). */
  readonly vwap: number | null;
  /** Annualised (√252) sample σ of the last 20 log returns of the close. */
  readonly volatility20: number | null;
  /** Levels from the prior bar's high, low and close; null on the first bar. */
  readonly pivots: Readonly<Record<PivotType, PivotLevels>> | null;
  readonly patterns: PatternFlags;
}

export type SnapshotBar = Pick<Bar, 'ts' | 'open' | 'high' | 'low' | 'close' | 'volume'>;

/** Non-finite (a NaN bandwidth of a zero middle band) is reported like a cold value. */
const finite = (x: number | null | undefined): number | null => (x !== null && x !== undefined && Number.isFinite(x) ? x : null);

/**
 * A bar ending exactly at New York midnight belongs to the day before, so a
 * session is keyed by the instant just before the bar's end time.
 */
const sessionOf = (ts: number): string => nyParts(ts - 1).date;

function check(bar: SnapshotBar, i: number, prevTs: number): void {
  const p = barProblem({ ...bar, symbol: 'X', timeframe: '1d' });
  if (p !== null) throw new InputError(`bars[${i}].${p.field}`, p.message);
  if (!(bar.ts > prevTs)) throw new InputError(`bars[${i}].ts`, `must be after the previous bar's (bars are oldest first, one per time)`);
}

function patternsAt(bars: readonly Candle[], i: number): PatternFlags {
  const cur = bars[i]!;
  const prev = i >= 1 ? bars[i - 1]! : undefined;
  const first = i >= 2 ? bars[i - 2]! : undefined;
  const three = first !== undefined && prev !== undefined;
  return {
    doji: isDoji(cur) ? 1 : 0,
    spinningTop: isSpinningTop(cur) ? 1 : 0,
    hammer: isHammer(cur) ? 1 : 0,
    shootingStar: isShootingStar(cur) ? -1 : 0,
    engulfing: prev === undefined ? null : engulfing(prev, cur),
    harami: prev === undefined ? null : harami(prev, cur),
    star: three ? star(first, prev, cur) : null,
    threeWhiteSoldiers: three ? (isThreeWhiteSoldiers(first, prev, cur) ? 1 : 0) : null,
    threeBlackCrows: three ? (isThreeBlackCrows(first, prev, cur) ? -1 : 0) : null,
  };
}

/**
 * One snapshot per bar, computed by the streaming indicators in one pass.
 * Throws InputError naming `bars[i].<field>` for an invalid bar (the edge
 * check every bar passes) or one not after its predecessor.
 */
export function indicatorSnapshots(bars: readonly SnapshotBar[]): IndicatorSnapshot[] {
  const P = SNAPSHOT_PERIODS;
  const [sma20, sma50, sma200] = P.sma.map((n) => new SMA(n)) as [SMA, SMA, SMA];
  const [ema12, ema26] = P.ema.map((n) => new EMA(n)) as [EMA, EMA];
  const rsi = new RSI(P.rsi);
  const macd = new MACD(P.macd.fast, P.macd.slow, P.macd.signal);
  const bands = new Bollinger(P.bollinger.period, P.bollinger.k);
  const atr = new ATR(P.atr);
  const vwap = new VWAP();
  const vol = new RealizedVolatility(P.volatility);
  const onClose: ReadonlyArray<{ update(x: number): void }> = [sma20, sma50, sma200, ema12, ema26, rsi, macd, bands];

  const out: IndicatorSnapshot[] = [];
  let session = '';
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i]!;
    check(bar, i, i === 0 ? -Infinity : bars[i - 1]!.ts);
    const c = bar.close;
    for (const ind of onClose) ind.update(c);
    atr.update(bar);
    const day = sessionOf(bar.ts);
    if (day !== session) {
      vwap.reset();
      session = day;
    }
    vwap.update(bar);
    vol.update(c);

    const m = macd.value;
    const b = bands.value;
    const prior = i >= 1 ? bars[i - 1]! : undefined;
    out.push({
      ts: bar.ts,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: c,
      volume: bar.volume,
      sma20: sma20.value,
      sma50: sma50.value,
      sma200: sma200.value,
      ema12: ema12.value,
      ema26: ema26.value,
      rsi14: rsi.value,
      macd: { line: macd.macd, signal: m?.signal ?? null, histogram: m?.histogram ?? null },
      bollinger: { middle: finite(b?.middle), upper: finite(b?.upper), lower: finite(b?.lower), bandwidth: finite(b?.bandwidth), percentB: finite(b?.percentB) },
      atr14: atr.value,
      vwap: vwap.value,
      volatility20: vol.value,
      pivots: prior === undefined ? null : (Object.fromEntries(PIVOT_TYPES.map((t) => [t, pivotPoints(prior, t)])) as Record<PivotType, PivotLevels>),
      patterns: patternsAt(bars, i),
    });
  }
  return out;
}
