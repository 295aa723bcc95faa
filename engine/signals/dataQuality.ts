import type { Bar, Timeframe } from '../domain/market.js';
import { TIMEFRAME_MS } from '../domain/market.js';
import type { Signal } from '../domain/signal.js';
import { sessionOpenUtc, addDays } from '../domain/session.js';
import { isTradingDay, nyDate } from '../market/expiries.js';
import { RollingMoments } from '../market/rollingMoments.js';
import type { DataQualityConfig } from './signalConfig.js';

/**
 * The data-quality gate in front of scoring (SPEC gap 3): a signal raised on
 * stale, gapped, impossible or outlying bars, or an option signal without a
 * usable quote, is rejected with a reason code and never scored. Every check
 * runs and is reported, so the history shows all that was wrong, and the
 * reason is the first failure in CHECK order. Nothing here throws on bad data.
 */

export const DATA_CHECKS = ['series', 'history', 'price', 'high_low', 'aligned', 'stale', 'gap', 'outlier', 'option_quote'] as const;
export type DataCheckCode = (typeof DATA_CHECKS)[number];

export interface DataCheck {
  readonly code: DataCheckCode;
  readonly passed: boolean;
  readonly detail: string;
}

export interface DataQualityResult {
  readonly ok: boolean;
  readonly checks: readonly DataCheck[];
  /** `data_<code>` of the first failed check; absent when ok. */
  readonly reason?: `data_${DataCheckCode}`;
}

/** An option's quote or model mark; either a two-sided quote or a mark must be present. */
export interface OptionQuoteInput {
  /** OCC symbol; when given it must be the signal's contract. */
  readonly symbol?: string;
  readonly ts: number;
  readonly bid?: number | null;
  readonly ask?: number | null;
  readonly mark?: number | null;
}

export interface DataQualityInput {
  readonly signal: Pick<Signal, 'symbol' | 'ts' | 'intent'>;
  /** Recent bars of the signal's symbol and timeframe, oldest first, ending with the signal's bar. */
  readonly bars: readonly Bar[];
  /** Engine clock time of the check. */
  readonly now: number;
  readonly optionQuote?: OptionQuoteInput | undefined;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const iso = (ts: number): string => (finite(ts) ? new Date(ts).toISOString() : String(ts));

function seriesCheck(input: DataQualityInput): DataCheck {
  const { bars, signal } = input;
  const tf = bars[0]?.timeframe;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    if (b.symbol !== signal.symbol) return { code: 'series', passed: false, detail: `bars[${i}] is ${b.symbol}, not ${signal.symbol}` };
    if (b.timeframe !== tf || !(b.timeframe in TIMEFRAME_MS)) return { code: 'series', passed: false, detail: `bars[${i}] has timeframe ${String(b.timeframe)}, expected ${String(tf)}` };
    if (!finite(b.ts)) return { code: 'series', passed: false, detail: `bars[${i}].ts is not a finite time` };
    if (i > 0 && b.ts <= bars[i - 1]!.ts) return { code: 'series', passed: false, detail: `bars[${i}] at ${iso(b.ts)} is not after bars[${i - 1}]` };
  }
  return { code: 'series', passed: true, detail: `${bars.length} bars of ${signal.symbol}${tf ? ` ${tf}` : ''}` };
}

function priceCheck(window: readonly Bar[]): DataCheck {
  for (const b of window) {
    for (const f of ['open', 'high', 'low', 'close'] as const) {
      if (!finite(b[f]) || b[f] <= 0) return { code: 'price', passed: false, detail: `${f} ${String(b[f])} at ${iso(b.ts)} is not a positive price` };
    }
    if (!finite(b.volume) || b.volume < 0) return { code: 'price', passed: false, detail: `volume ${String(b.volume)} at ${iso(b.ts)} is not ≥ 0` };
  }
  return { code: 'price', passed: true, detail: 'all prices positive' };
}

function highLowCheck(window: readonly Bar[]): DataCheck {
  for (const b of window) {
    if (b.high < b.low) return { code: 'high_low', passed: false, detail: `high ${b.high} < low ${b.low} at ${iso(b.ts)}` };
    for (const f of ['open', 'close'] as const) {
      if (b[f] > b.high || b[f] < b.low) return { code: 'high_low', passed: false, detail: `${f} ${b[f]} outside [${b.low}, ${b.high}] at ${iso(b.ts)}` };
    }
  }
  return { code: 'high_low', passed: true, detail: 'every bar within its range' };
}

function staleCheck(last: Bar | undefined, now: number, cfg: DataQualityConfig): DataCheck {
  if (last === undefined) return { code: 'stale', passed: false, detail: 'no bars' };
  const maxAge = Object.hasOwn(cfg.maxAgeMs, last.timeframe) ? cfg.maxAgeMs[last.timeframe] : undefined;
  if (maxAge === undefined) return { code: 'stale', passed: false, detail: `no age limit for timeframe ${String(last.timeframe)}` };
  const age = now - last.ts;
  if (!finite(age)) return { code: 'stale', passed: false, detail: 'bar or clock time is not finite' };
  if (age < -cfg.futureToleranceMs) return { code: 'stale', passed: false, detail: `last bar ${iso(last.ts)} is ${-age} ms ahead of the clock` };
  if (age > maxAge) return { code: 'stale', passed: false, detail: `last bar is ${age} ms old, over ${maxAge} ms for ${last.timeframe}` };
  return { code: 'stale', passed: true, detail: `last bar ${Math.max(0, age)} ms old` };
}

/** Trading days strictly between two New York dates, stopping once more than `limit` are found. */
function tradingDaysBetween(from: string, to: string, limit: number): number {
  let count = 0;
  for (let d = addDays(from, 1); d < to && count <= limit; d = addDays(d, 1)) if (isTradingDay(d)) count++;
  return count;
}

/**
 * Daily bars: no NYSE trading day may be missing between two bars (weekends
 * and holidays are not gaps). Intraday bars: within a day, a step of at most
 * (1 + maxMissingBars) bar lengths; across days, no trading day missing and the
 * first bar of a day within that many bars of the 09:30 open. The overnight
 * break is not a gap, and the close side is not checked (early closes).
 */
function gapCheck(window: readonly Bar[], timeframe: Timeframe, maxMissing: number): DataCheck {
  const step = TIMEFRAME_MS[timeframe];
  for (let i = 1; i < window.length; i++) {
    const a = window[i - 1]!;
    const b = window[i]!;
    const da = nyDate(a.ts);
    const db = nyDate(b.ts);
    if (da !== db) {
      const missing = tradingDaysBetween(da, db, maxMissing);
      if (missing > maxMissing) return { code: 'gap', passed: false, detail: `trading day(s) missing between ${da} and ${db}` };
      if (timeframe !== '1d' && b.ts - sessionOpenUtc(db) > step * (1 + maxMissing)) {
        return { code: 'gap', passed: false, detail: `first bar of ${db} at ${iso(b.ts)} is late after the open` };
      }
    } else if (timeframe === '1d') {
      return { code: 'gap', passed: false, detail: `two daily bars on ${da}` };
    } else if (b.ts - a.ts > step * (1 + maxMissing)) {
      return { code: 'gap', passed: false, detail: `${(b.ts - a.ts) / 60_000} min between ${iso(a.ts)} and ${iso(b.ts)}` };
    }
  }
  return { code: 'gap', passed: true, detail: 'no missing bars' };
}

/** |last log return| > k · max(σ, floor), σ the sample deviation of the returns before it in the window. */
function outlierCheck(window: readonly Bar[], cfg: DataQualityConfig): DataCheck {
  const returns = window.length - 1;
  const trailing = returns - 1;
  if (trailing < cfg.outlierMinReturns) return { code: 'outlier', passed: true, detail: `${Math.max(0, trailing)} prior returns; fewer than ${cfg.outlierMinReturns} are not judged` };
  const m = new RollingMoments(trailing);
  for (let i = 1; i < window.length - 1; i++) m.push(Math.log(window[i]!.close / window[i - 1]!.close));
  const sigma = Math.max(Math.sqrt(m.m2 / (trailing - 1)), cfg.sigmaFloor);
  const r = Math.log(window[window.length - 1]!.close / window[window.length - 2]!.close);
  const z = Math.abs(r) / sigma;
  const detail = `last return ${r.toFixed(5)} is ${z.toFixed(2)}σ (σ ${sigma.toFixed(5)}, limit ${cfg.outlierSigmas}σ)`;
  return { code: 'outlier', passed: z <= cfg.outlierSigmas, detail };
}

function optionQuoteCheck(input: DataQualityInput, cfg: DataQualityConfig): DataCheck {
  const instrument = input.signal.intent.instrument;
  if (instrument.kind !== 'option') return { code: 'option_quote', passed: true, detail: 'not an option' };
  const q = input.optionQuote;
  const fail = (detail: string): DataCheck => ({ code: 'option_quote', passed: false, detail });
  if (q === undefined) return fail(`no quote or mark for ${instrument.symbol}`);
  if (q.symbol !== undefined && q.symbol !== instrument.symbol) return fail(`quote is for ${q.symbol}, not ${instrument.symbol}`);
  const age = input.now - q.ts;
  if (!finite(age)) return fail('quote time is not finite');
  if (age < -cfg.futureToleranceMs) return fail(`quote is ${-age} ms ahead of the clock`);
  if (age > cfg.maxQuoteAgeMs) return fail(`quote is ${age} ms old, over ${cfg.maxQuoteAgeMs} ms`);
  const hasBid = q.bid !== undefined && q.bid !== null;
  const hasAsk = q.ask !== undefined && q.ask !== null;
  if (hasBid || hasAsk) {
    const { bid, ask } = q;
    if (!finite(bid) || !finite(ask)) return fail(`one-sided or non-finite quote: bid ${String(bid)}, ask ${String(ask)}`);
    if (ask <= 0) return fail(`ask ${ask} is not positive`);
    if (bid < 0) return fail(`bid ${bid} is negative`);
    if (bid > ask) return fail(`bid ${bid} > ask ${ask}`);
    const spread = (ask - bid) / ((ask + bid) / 2);
    if (spread > cfg.maxOptionSpreadPct) return fail(`spread ${(spread * 100).toFixed(1)}% of mid is over ${(cfg.maxOptionSpreadPct * 100).toFixed(1)}%`);
    return { code: 'option_quote', passed: true, detail: `bid ${bid} ask ${ask}` };
  }
  if (q.mark === undefined || q.mark === null) return fail(`no quote or mark for ${instrument.symbol}`);
  if (!finite(q.mark) || q.mark <= 0) return fail(`mark ${String(q.mark)} is not a positive price`);
  return { code: 'option_quote', passed: true, detail: `mark ${q.mark}` };
}

/**
 * Run every check. `span` is how many of the latest bars scoring reads
 * (`scoringSpan`); only they are checked for prices, gaps and outliers, and at
 * least `cfg.minBars ?? span` bars are required.
 */
export function checkDataQuality(input: DataQualityInput, cfg: DataQualityConfig, span: number): DataQualityResult {
  const series = seriesCheck(input);
  const window = input.bars.slice(-span);
  const last = window[window.length - 1];
  const minBars = cfg.minBars ?? span;
  const price = priceCheck(window);
  const highLow = price.passed ? highLowCheck(window) : { code: 'high_low' as const, passed: false, detail: 'not checked: invalid prices' };
  const sound = series.passed && price.passed && highLow.passed;
  const checks: DataCheck[] = [
    series,
    { code: 'history', passed: input.bars.length >= minBars, detail: `${input.bars.length} bars, ${minBars} needed` },
    price,
    highLow,
    last === undefined
      ? { code: 'aligned', passed: false, detail: 'no bars' }
      : { code: 'aligned', passed: last.ts === input.signal.ts, detail: `last bar ${iso(last.ts)}, signal ${iso(input.signal.ts)}` },
    staleCheck(last, input.now, cfg),
    sound && last !== undefined ? gapCheck(window, last.timeframe, cfg.maxMissingBars) : { code: 'gap', passed: false, detail: 'not checked: series or prices invalid' },
    sound ? outlierCheck(window, cfg) : { code: 'outlier', passed: false, detail: 'not checked: series or prices invalid' },
    optionQuoteCheck(input, cfg),
  ];
  const failed = checks.find((c) => !c.passed);
  return failed === undefined ? { ok: true, checks } : { ok: false, checks, reason: `data_${failed.code}` };
}
