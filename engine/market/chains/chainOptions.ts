import { InputError } from '../../domain/errors.js';
import { DEFAULT_DIVIDEND_YIELD, DEFAULT_FALLBACK_VOL, DEFAULT_RATE, DIVIDEND_YIELDS } from '../optionMarks.js';
import { DEFAULT_VOL_WINDOW } from '../realizedVolatility.js';
import { smileArbitrageMargin } from './smile.js';

/**
 * Every parameter of the synthetic option chain model, in one place. The
 * defaults are chosen to look like US listed equity and index options in an
 * ordinary market; docs/option-chains.md explains each one.
 */
export interface ChainOptions {
  // ── rates ────────────────────────────────────────────────────────────────
  /** Risk-free rate, continuously compounded. */
  readonly rate: number;
  /** Continuous dividend yield per underlying; others get `defaultDividendYield`. */
  readonly dividendYields: Readonly<Record<string, number>>;
  readonly defaultDividendYield: number;

  // ── volatility level ─────────────────────────────────────────────────────
  /** Daily returns in the realised-volatility window. */
  readonly volWindow: number;
  /** Fewest returns for a partial-window estimate; below it `fallbackVol` is used. */
  readonly minVolReturns: number;
  readonly fallbackVol: number;
  /** Realised volatility is clamped into [volFloor, volCap] before it becomes the base level. */
  readonly volFloor: number;
  readonly volCap: number;
  /** Term structure: ATM vol(T) = base · (1 + termSlope · (1 − e^(−T/termTau))). */
  readonly termSlope: number;
  /** Years over which the term structure reaches about two thirds of its slope. */
  readonly termTau: number;

  // ── skew and smile ───────────────────────────────────────────────────────
  /** σ(K) = ATM · (1 + skew·(−m) + smile·m²), m = ln(K/F)/(ATM·√T) saturated into ±moneynessClip (clip·tanh(m/clip)). */
  readonly skew: number;
  readonly smile: number;
  /** Index products (`indexSymbols`) use these instead: steeper put skew, as listed index options show. */
  readonly indexSkew: number;
  readonly indexSmile: number;
  readonly moneynessClip: number;
  readonly indexSymbols: readonly string[];

  // ── listings ─────────────────────────────────────────────────────────────
  /** Every weekly expiry out to this many calendar days. */
  readonly weeklyHorizonDays: number;
  /** Monthly expiries (third-Friday weeks) out to this many calendar days, so LEAPS exist. */
  readonly monthlyHorizonDays: number;
  /** Index products also list an expiry on every trading day out to this many days (0 turns it off). */
  readonly indexDailyHorizonDays: number;
  /** Strikes cover the forward ± this many standard deviations (ATM vol · √T). */
  readonly strikeRangeSd: number;
  /** …but never further than spot · e^(±maxLogMoneyness). */
  readonly maxLogMoneyness: number;
  /** …and never fewer than this many strikes on each side of spot (0DTE chains). */
  readonly minStrikesEachSide: number;
  /** Strikes per expiry at most: the step widens (then the range is trimmed) to stay under it. */
  readonly maxStrikes: number;

  // ── quotes ───────────────────────────────────────────────────────────────
  /**
   * Bid–ask width = minSpread
   *   + spreadFraction · time value · (1 + otmSpreadWidening·|m|) · (1 + shortDatedSpreadWidening·e^(−DTE/7))
   *   + intrinsicSpreadFraction · intrinsic value.
   */
  readonly minSpread: number;
  readonly spreadFraction: number;
  readonly intrinsicSpreadFraction: number;
  readonly otmSpreadWidening: number;
  readonly shortDatedSpreadWidening: number;

  // ── open interest and volume ─────────────────────────────────────────────
  /** Typical open interest of an at-the-money near-dated single-name contract. */
  readonly openInterestScale: number;
  /** Open interest and volume multiple for index products. */
  readonly indexLiquidityMultiple: number;
  /** Daily volume as a fraction of open interest (before the near-expiry boost and noise). */
  readonly volumeTurnover: number;
}

export const DEFAULT_CHAIN_OPTIONS: ChainOptions = Object.freeze({
  rate: DEFAULT_RATE,
  dividendYields: DIVIDEND_YIELDS,
  defaultDividendYield: DEFAULT_DIVIDEND_YIELD,
  volWindow: DEFAULT_VOL_WINDOW,
  minVolReturns: 5,
  fallbackVol: DEFAULT_FALLBACK_VOL,
  volFloor: 0.08,
  volCap: 2,
  termSlope: 0.1,
  termTau: 0.25,
  skew: 0.06,
  smile: 0.02,
  indexSkew: 0.12,
  indexSmile: 0.015,
  moneynessClip: 4,
  indexSymbols: Object.freeze(['SPX', 'SPY', 'QQQ']),
  weeklyHorizonDays: 60,
  monthlyHorizonDays: 730,
  indexDailyHorizonDays: 7,
  strikeRangeSd: 4,
  maxLogMoneyness: 0.7,
  minStrikesEachSide: 5,
  maxStrikes: 120,
  minSpread: 0.02,
  spreadFraction: 0.04,
  intrinsicSpreadFraction: 0.004,
  otmSpreadWidening: 0.25,
  shortDatedSpreadWidening: 0.5,
  openInterestScale: 2000,
  indexLiquidityMultiple: 10,
  volumeTurnover: 0.1,
});

function num(value: unknown, field: string, lo: number, hi: number, loOpen = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (loOpen ? value <= lo : value < lo) || value > hi) {
    throw new InputError(field, `must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${String(value)}`);
  }
  return value;
}

function int(value: unknown, field: string, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new InputError(field, `must be an integer in [${lo}, ${hi}], got ${String(value)}`);
  }
  return value;
}

const MIN_SMILE_FACTOR = 0.25;

/** Rejects a skew/smile that could make call prices rise with strike or give a negative butterfly. */
function checkSmile(skew: number, smile: number, clip: number, maxTotalVol: number, field: 'skew' | 'indexSkew'): void {
  const { minDensity, minFactor } = smileArbitrageMargin(skew, smile, clip, maxTotalVol);
  const smileField = field === 'skew' ? 'smile' : 'indexSmile';
  if (minFactor < MIN_SMILE_FACTOR) {
    throw new InputError(`options.${field}`, `${field} ${skew} with ${smileField} ${smile} over ±${clip} sd takes the vol multiplier below ${MIN_SMILE_FACTOR}`);
  }
  if (!(minDensity >= 0)) {
    throw new InputError(
      `options.${field}`,
      `${field} ${skew} with ${smileField} ${smile} (clip ${clip}) gives a negative risk-neutral density at total vol up to ${maxTotalVol.toFixed(2)}: the chain would allow butterfly arbitrage`,
    );
  }
}

/** Option objects this module has already checked, so hot callers do not pay for validation twice. */
const resolved = new WeakSet<ChainOptions>();
let resolvedDefaults: ChainOptions | undefined;

/**
 * Defaults overlaid with `overrides`, every field checked. Throws
 * InputError naming the first bad field (`options.<name>`).
 */
export function resolveChainOptions(overrides: Partial<ChainOptions> = {}): ChainOptions {
  if (typeof overrides !== 'object' || overrides === null) throw new InputError('options', 'must be an object');
  if (resolved.has(overrides as ChainOptions)) return overrides as ChainOptions;
  if (Object.keys(overrides).length === 0 && resolvedDefaults !== undefined) return resolvedDefaults;
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_CHAIN_OPTIONS)) throw new InputError(`options.${key}`, 'is not a chain option');
  }
  const o: ChainOptions = { ...DEFAULT_CHAIN_OPTIONS, ...overrides };
  const f = (name: keyof ChainOptions): string => `options.${name}`;
  num(o.rate, f('rate'), -0.5, 0.5);
  num(o.defaultDividendYield, f('defaultDividendYield'), -0.5, 0.5);
  if (typeof o.dividendYields !== 'object' || o.dividendYields === null) throw new InputError(f('dividendYields'), 'must be an object of symbol → yield');
  for (const [symbol, q] of Object.entries(o.dividendYields)) num(q, `options.dividendYields.${symbol}`, -0.5, 0.5);
  int(o.volWindow, f('volWindow'), 2, 1000);
  int(o.minVolReturns, f('minVolReturns'), 2, o.volWindow);
  num(o.volFloor, f('volFloor'), 0, 5, true);
  num(o.volCap, f('volCap'), o.volFloor, 5);
  num(o.fallbackVol, f('fallbackVol'), o.volFloor, o.volCap);
  num(o.termSlope, f('termSlope'), -0.5, 1);
  num(o.termTau, f('termTau'), 0, 10, true);
  num(o.skew, f('skew'), 0, 0.3);
  num(o.smile, f('smile'), 0, 0.1);
  num(o.indexSkew, f('indexSkew'), 0, 0.3);
  num(o.indexSmile, f('indexSmile'), 0, 0.1);
  num(o.moneynessClip, f('moneynessClip'), 0.5, 6);
  if (!Array.isArray(o.indexSymbols) || o.indexSymbols.some((s) => typeof s !== 'string')) throw new InputError(f('indexSymbols'), 'must be an array of tickers');
  int(o.weeklyHorizonDays, f('weeklyHorizonDays'), 0, 400);
  int(o.monthlyHorizonDays, f('monthlyHorizonDays'), 0, 1200);
  int(o.indexDailyHorizonDays, f('indexDailyHorizonDays'), 0, 60);
  num(o.strikeRangeSd, f('strikeRangeSd'), 0, 10, true);
  num(o.maxLogMoneyness, f('maxLogMoneyness'), 0, 3, true);
  int(o.minStrikesEachSide, f('minStrikesEachSide'), 1, 100);
  int(o.maxStrikes, f('maxStrikes'), 2 * o.minStrikesEachSide + 1, 1000);
  num(o.minSpread, f('minSpread'), 0.01, 10);
  num(o.spreadFraction, f('spreadFraction'), 0, 1);
  num(o.intrinsicSpreadFraction, f('intrinsicSpreadFraction'), 0, 1);
  num(o.otmSpreadWidening, f('otmSpreadWidening'), 0, 10);
  num(o.shortDatedSpreadWidening, f('shortDatedSpreadWidening'), 0, 10);
  num(o.openInterestScale, f('openInterestScale'), 0, 1e7);
  num(o.indexLiquidityMultiple, f('indexLiquidityMultiple'), 0, 1000);
  num(o.volumeTurnover, f('volumeTurnover'), 0, 10);
  // The longest expiry at the highest vol bounds the total variance any contract can carry.
  const maxYears = (Math.max(o.weeklyHorizonDays, o.monthlyHorizonDays, o.indexDailyHorizonDays) + 7) / 365;
  const maxTotalVol = o.volCap * Math.max(1, 1 + o.termSlope) * Math.sqrt(maxYears);
  checkSmile(o.skew, o.smile, o.moneynessClip, maxTotalVol, 'skew');
  checkSmile(o.indexSkew, o.indexSmile, o.moneynessClip, maxTotalVol, 'indexSkew');
  const frozen = Object.freeze(o);
  resolved.add(frozen);
  if (Object.keys(overrides).length === 0) resolvedDefaults = frozen;
  return frozen;
}

export function isIndexProduct(options: ChainOptions, underlying: string): boolean {
  return options.indexSymbols.includes(underlying);
}

export function dividendYieldOf(options: ChainOptions, underlying: string): number {
  return options.dividendYields[underlying] ?? options.defaultDividendYield;
}
