import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { runBacktest } from '../../engine/backtest/runBacktest.js';
import { InputError } from '../../engine/domain/errors.js';
import type { OptionContract } from '../../engine/domain/instrument.js';
import { equity as equityInstrument, optionContract } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Signal } from '../../engine/domain/signal.js';
import { addDays, isWeekday, sessionCloseUtc } from '../../engine/domain/session.js';
import { findContract, generateOptionChain } from '../../engine/market/optionChains.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import { LEAPS_THEMES, STRATEGY_UNIVERSES } from '../../engine/market/universes.js';
import {
  compositeScore,
  createLeapsTracker,
  CROSS_WINDOW,
  crossStrength,
  LEAPS_TRACKER_DEFAULTS,
  LEAPS_TRACKER_UNIVERSE,
  leapsConfidence,
  leapsRiskReward,
  MIN_HISTORY,
  momentumScore,
  parseLeapsTrackerParams,
  remainingAfterLevel,
  riskFlagCount,
  timingScores,
  trendScore,
  valuationScore,
  type LeapsTrackerParams,
} from '../../engine/strategies/leapsTracker.js';
import { createStrategy } from '../../engine/strategies/registry.js';
import type { StrategyRules } from '../../engine/strategies/types.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import { FakeView } from './fakeViews.js';

const DAY = 86_400_000;

/** Consecutive weekdays (the rules do not consult the holiday calendar). */
function tradingDates(n: number, start = '2024-01-02'): string[] {
  const out: string[] = [];
  for (let d = start; out.length < n; d = addDays(d, 1)) if (isWeekday(d)) out.push(d);
  return out;
}

function dailyBar(symbol: string, date: string, close: number): Bar {
  return { symbol, timeframe: '1d', ts: sessionCloseUtc(date), open: close, high: close, low: close, close, volume: 1e6 };
}


/**
 * A trend with a ±1 % zigzag (so realised volatility is about 32 %): it falls
 * by `down` a day until bar `turn`, then rises by `up` a day. With turn 280
 * the 50-day average crosses above the 200-day at bar 324.
 */
function series(n: number, turn = 280, down = 0.9985, up = 1.006): number[] {
  const out: number[] = [];
  let base = 150;
  for (let i = 0; i < n; i++) {
    base *= i < turn ? down : up;
    out.push(base * (1 + 0.01 * (i % 2 === 0 ? 1 : -1)));
  }
  return out;
}

/** Rising all the way (about 15 to 54): every gate holds as soon as the history allows. */
const rising = (n: number) => series(n, 0, 1, 1.004).map((c) => c / 10);

interface Harness {
  rules: StrategyRules;
  marks: OptionMarkModel;
  view: FakeView;
  dates: string[];
  /** Feed bar `i` of each symbol's closes (marks first, as the engine does); the signals raised, by symbol. */
  step(i: number): Map<string, Signal | null>;
}

function harness(closesBySymbol: Record<string, number[]>, params: Partial<LeapsTrackerParams> = {}, view = new FakeView()): Harness {
  const marks = new OptionMarkModel();
  const rules = createLeapsTracker({ marks, params });
  const n = Math.max(...Object.values(closesBySymbol).map((c) => c.length));
  const dates = tradingDates(n);
  return {
    rules, marks, view, dates,
    step(i) {
      const out = new Map<string, Signal | null>();
      for (const [symbol, closes] of Object.entries(closesBySymbol)) {
        const bar = dailyBar(symbol, dates[i]!, closes[i]!);
        marks.onBar(bar);
        out.set(symbol, rules.onBar(bar, view));
      }
      return out;
    },
  };
}

/** Feed one symbol's series; the signal of each bar. */
function run(closes: number[], symbol = 'NVDA', params: Partial<LeapsTrackerParams> = {}, view = new FakeView()) {
  const h = harness({ [symbol]: closes }, params, view);
  const signals = closes.map((_, i) => h.step(i).get(symbol)!);
  return { ...h, signals };
}

const firstSignal = (signals: readonly (Signal | null)[]) => signals.findIndex((s) => s !== null);

/** The gate, recomputed naively from the whole series (slices, the original's cross scan), for bar t. */
function referenceGate(closes: readonly number[], t: number): boolean {
  if (t + 1 < MIN_HISTORY) return false;
  const sma = (n: number, end: number) => closes.slice(end - n + 1, end + 1).reduce((a, b) => a + b, 0) / n;
  const c = closes[t]!;
  const ret = (k: number) => c / closes[t - k]! - 1;
  const mom = momentumScore(ret(21), ret(63), ret(126), ret(252));
  const trend = trendScore(c, sma(20, t), sma(50, t), sma(200, t));
  let cross: 'golden' | 'death' | 'none' = 'none';
  let days = 0;
  let strength = 0;
  for (let j = t - CROSS_WINDOW + 2; j <= t; j++) {
    const [p50, p200, c50, c200] = [sma(50, j - 1), sma(200, j - 1), sma(50, j), sma(200, j)];
    if ((p50 <= p200 && c50 > c200) || (p50 >= p200 && c50 < c200)) {
      cross = c50 > c200 ? 'golden' : 'death';
      days = t - j;
      strength = crossStrength(c50, c200);
    }
  }
  const timing = timingScores({ entry: 0, exit: 0 }, cross, days, strength, c, sma(50, t), sma(200, t));
  const composite = compositeScore(trend, mom, 50, 50, timing.entry);
  return composite >= 70 && mom >= 50 && timing.entry >= 50 && timing.exit < 70 && cross !== 'death';
}

describe('leaps tracker: identity', () => {
  it('trades the six themes of universes.ts on daily bars and is registered', () => {
    const rules = createLeapsTracker({ marks: new OptionMarkModel() });
    expect(rules.id).toBe('leaps-tracker');
    expect(rules.timeframe).toBe('1d');
    expect(rules.universe).toEqual(STRATEGY_UNIVERSES['leaps-tracker']);
    expect(LEAPS_TRACKER_UNIVERSE).toHaveLength(48);
    expect(new Set(Object.values(LEAPS_THEMES).flat()).size).toBe(48);
    expect(createStrategy('leaps-tracker', { marks: new OptionMarkModel() }).id).toBe('leaps-tracker');
  });
});

describe('leaps tracker: scoring functions', () => {
  it('momentum: 50 + 0.1/0.2/0.3/0.4 × the 1 m/3 m/6 m/1 y returns in %, clamped', () => {
    expect(momentumScore(0, 0, 0, 0)).toBe(50);
    expect(momentumScore(0.1, 0.05, 0.1, 0.2)).toBeCloseTo(50 + 1 + 1 + 3 + 8, 12);
    expect(momentumScore(1, 1, 1, 1)).toBe(100);
    expect(momentumScore(-1, -1, -1, -1)).toBe(0);
  });

  it('trend: the moving-average alignment ladder', () => {
    expect(trendScore(110, 105, 100, 95)).toBe(100);
    expect(trendScore(110, 105, 100, 101)).toBe(75);
    expect(trendScore(110, 105, 106, 95)).toBe(50);
    expect(trendScore(104, 105, 100, 95)).toBe(25);
  });

  it('timing: the cross table, then the trend adjustment', () => {
    const t = (cross: 'golden' | 'death' | 'none', days: number, strength: number, close: number, s50: number, s200: number) =>
      ({ ...timingScores({ entry: 0, exit: 0 }, cross, days, strength, close, s50, s200) });
    // Sideways (close between the averages): the table as written.
    expect(t('golden', 30, 40, 100, 101, 99)).toEqual({ entry: 91, exit: 20 });
    expect(t('golden', 31, 40, 100, 101, 99)).toEqual({ entry: 79, exit: 25 });
    expect(t('golden', 61, 40, 100, 101, 99)).toEqual({ entry: 60, exit: 40 });
    expect(t('death', 15, 40, 100, 99, 101)).toEqual({ entry: 15, exit: 90 });
    expect(t('death', 45, 40, 100, 99, 101)).toEqual({ entry: 25, exit: 75 });
    expect(t('death', 46, 40, 100, 99, 101)).toEqual({ entry: 40, exit: 60 });
    expect(t('none', 0, 0, 100, 101, 99)).toEqual({ entry: 35, exit: 65 });
    expect(t('none', 0, 0, 100, 95, 99)).toEqual({ entry: 55, exit: 45 });
    // Bullish: +5 / −5, capped at 95 / 5; bearish: −10 / +10.
    expect(t('none', 0, 0, 100, 98, 95)).toEqual({ entry: 70, exit: 30 });
    expect(t('golden', 0, 100, 100, 98, 95)).toEqual({ entry: 95, exit: 15 });
    expect(t('none', 0, 0, 90, 95, 98)).toEqual({ entry: 25, exit: 75 });
    expect(t('death', 0, 0, 90, 95, 98)).toEqual({ entry: 5, exit: 95 });
  });

  it('valuation: the P/E table, neutral 50 without a P/E; composite weights', () => {
    expect([10, 15, 24.9, 39.9, 59.9, 60, 300].map((pe) => valuationScore(pe))).toEqual([90, 70, 70, 50, 30, 10, 10]);
    expect(valuationScore(null)).toBe(50);
    expect(valuationScore(-5)).toBe(50);
    expect(compositeScore(100, 100, 50, 50, 95)).toBeCloseTo(25 + 20 + 10 + 7.5 + 19, 12);
    expect(crossStrength(101, 100)).toBeCloseTo(10, 9);
    expect(crossStrength(150, 100)).toBe(100);
  });

  it('risk flags: one for each of the seven conditions', () => {
    const calm = { valuation: 50, momentum: 60, financial: 50, premiumPct: 0.1, cross: 'none' as const, daysSince: 0, entry: 70, exit: 30 };
    expect(riskFlagCount(calm)).toBe(0);
    expect(riskFlagCount({ ...calm, cross: 'death', daysSince: 0 })).toBe(1);
    expect(riskFlagCount({ ...calm, cross: 'death', daysSince: 30 })).toBe(0);
    expect(riskFlagCount({ valuation: 29, momentum: 39, financial: 39, premiumPct: 0.26, cross: 'death', daysSince: 29, entry: 39, exit: 71 })).toBe(7);
  });

  it('confidence: SMA5/10/15/20 alignment and the 20-day dispersion, averaged', () => {
    expect(leapsConfidence(Array.from({ length: 19 }, () => 100))).toBe(0);
    // Flat: above none of the averages, no dispersion.
    expect(leapsConfidence(Array.from({ length: 20 }, () => 100))).toBe(0.5);
    // Steady rise of 1 a day from 81 to 100: above all four; CV = sd(81..100)/90.5.
    const up = Array.from({ length: 20 }, (_, i) => 81 + i);
    const cv = Math.sqrt((20 * 20 - 1) / 12) / 90.5;
    expect(leapsConfidence(up)).toBeCloseTo((1 + (1 - 5 * cv)) / 2, 12);
  });

  it('reward/risk and the contracts left after each scale-out level', () => {
    const p = { targetStrikeMult: 1.3, stopLossPct: 0.35 };
    expect(leapsRiskReward(110, 10, p)).toBeCloseTo((33 - 10) / 3.5, 12);
    expect(leapsRiskReward(110, 40, p)).toBe(0);
    expect(leapsRiskReward(110, 0, p)).toBe(0);
    const f = [0.15, 0.25, 0.5];
    expect([0, 1, 2, 3].map((l) => remainingAfterLevel(20, l, f))).toEqual([20, 17, 12, 2]);
    expect([0, 1, 2, 3].map((l) => remainingAfterLevel(1, l, f))).toEqual([1, 1, 1, 0]);
    expect([1, 2, 3].map((l) => remainingAfterLevel(10, l, f))).toEqual([8, 6, 1]);
  });
});

describe('leaps tracker: entry', () => {
  it('enters on exactly the bar of the golden cross that lifts the composite over 70, not a bar before', () => {
    const closes = series(340);
    const { signals } = run(closes);
    const expected = closes.findIndex((_, t) => referenceGate(closes, t));
    expect(expected).toBe(324);
    expect(referenceGate(closes, 323)).toBe(false);
    expect(firstSignal(signals)).toBe(expected);
    const s = signals[expected]!;
    expect(s.kind).toBe('entry');
    expect(s.features).toMatchObject({ crossDays: 0, trend: 100, financial: 50, valuation: 50 });
    expect(s.features.composite).toBeGreaterThanOrEqual(70);
    expect(s.features.composite).toBeCloseTo(s.strength, 12);
  });

  it('agrees with the naive recomputation on every bar of several shapes until its first entry', () => {
    for (const [turn, down, up] of [[280, 0.9985, 1.006], [300, 0.998, 1.008], [250, 0.999, 1.005], [200, 0.998, 1.003]] as const) {
      const closes = series(420, turn, down, up);
      const { signals } = run(closes);
      const first = firstSignal(signals);
      const expected = closes.findIndex((_, t) => referenceGate(closes, t));
      expect({ turn, first }).toEqual({ turn, first: expected });
    }
  });

  it('ages the golden cross through the timing table and forgets it after 118 bars', () => {
    // Unfilled entries retry every few bars, so the signals sample the cross's age.
    const closes = series(480, 230, 0.997, 1.004);
    const { signals } = run(closes);
    const crossBar = MIN_HISTORY - 1 - signals[MIN_HISTORY - 1]!.features.crossDays!;
    const seen = signals.flatMap((s, i) => (s === null ? [] : [{ i, s }]));
    expect(seen.length).toBeGreaterThan(20);
    for (const { i, s } of seen) {
      const age = i - crossBar;
      const f = s.features;
      expect(f.crossDays).toBe(age <= CROSS_WINDOW - 2 ? age : -1);
      // Bullish all along: +5 on the table's entry score.
      const entry = age <= 30 ? 90 + 0.15 * f.crossStrength! : age <= 60 ? 80 + 0.1 * f.crossStrength! : age <= 118 ? 65 : 70;
      expect(f.entryTiming).toBeCloseTo(Math.min(95, entry), 9);
    }
    expect(seen.some(({ i }) => i - crossBar > 118)).toBe(true);
  });

  it(`judges nothing before ${MIN_HISTORY} closes (the original's SMA200 window defect), then enters at once`, () => {
    // A golden cross 28 bars before the history is complete: the original's 1-year window could not see it.
    const closes = series(330, 250, 0.999, 1.005);
    const { signals } = run(closes);
    expect(firstSignal(signals)).toBe(MIN_HISTORY - 1);
    expect(signals[MIN_HISTORY - 1]!.features.crossDays).toBe(28);
    expect(run(rising(MIN_HISTORY - 1)).signals.every((s) => s === null)).toBe(true);
    expect(firstSignal(run(rising(MIN_HISTORY)).signals)).toBe(MIN_HISTORY - 1);
  });

  it('buys the chain call nearest round(1.10 × spot) on the first expiry ≥ 365 DTE, sized at 10 % of equity on the mark', () => {
    const closes = rising(MIN_HISTORY);
    const { signals, dates, marks } = run(closes);
    const t = MIN_HISTORY - 1;
    const s = signals[t]!;
    const ts = sessionCloseUtc(dates[t]!);
    const spot = closes[t]!;
    const chain = generateOptionChain({ underlying: 'NVDA', asOf: ts, spot, closes: closes.slice(t - 20, t + 1), seed: 'leaps-tracker' });
    const leap = chain.expiries.find((e) => e.dte >= 365)!;
    expect(chain.expiries.filter((e) => e.expiry < leap.expiry).every((e) => e.dte < 365)).toBe(true);
    const quote = findContract(chain, { right: 'C', expiry: leap.expiry, targetStrike: Math.round(1.1 * spot) })!;
    const contract = s.intent.instrument as OptionContract;
    expect(contract.symbol).toBe(quote.symbol);
    expect(contract).toMatchObject({ kind: 'option', underlying: 'NVDA', right: 'C', expiry: leap.expiry });
    const mark = marks.price(contract, ts, spot);
    expect(s.intent).toMatchObject({ side: 'buy', type: 'market', limitPrice: null, quantity: Math.floor(10_000 / (mark * 100)), signalId: s.id });
    expect(s.id).toBe(`leaps-tracker:NVDA:${ts}:entry`);
    expect(s.features.premium).toBe(quote.mid);
    expect(s.features.premiumPct).toBeLessThanOrEqual(0.2);
    expect(s.features.confidence).toBeGreaterThan(0);
    expect(s.features.confidence).toBeLessThanOrEqual(1);
    expect(s.features.riskReward).toBeCloseTo((0.3 * quote.strikePrice - mark) / (0.35 * mark), 9);
  });

  it('refuses a premium above 20 % of spot', () => {
    const closes = rising(MIN_HISTORY);
    const probe = run(closes).signals[MIN_HISTORY - 1]!;
    const pct = probe.features.premiumPct!;
    expect(run(closes, 'NVDA', { maxPremiumPct: pct * 0.999 }).signals.every((s) => s === null)).toBe(true);
    expect(run(closes, 'NVDA', { maxPremiumPct: pct }).signals[MIN_HISTORY - 1]).not.toBeNull();
  });

  it('trims the size to the theme cap and to the portfolio delta cap, and gives no signal below one contract', () => {
    const closes = rising(MIN_HISTORY);
    const probe = run(closes).signals[MIN_HISTORY - 1]!;
    const unit = probe.features.mark! * 100;
    const delta = probe.features.delta!;
    expect(probe.intent.quantity).toBeGreaterThan(3);
    expect(run(closes, 'NVDA', { themePct: (2.5 * unit) / 100_000 }).signals[MIN_HISTORY - 1]!.intent.quantity).toBe(2);
    expect(run(closes, 'NVDA', { maxPortfolioDelta: 3.5 * delta }).signals[MIN_HISTORY - 1]!.intent.quantity).toBe(3);
    expect(run(closes, 'NVDA', { themePct: (0.9 * unit) / 100_000 }).signals.every((s) => s === null)).toBe(true);
    expect(run(closes, 'NVDA', { maxPortfolioDelta: 0.9 * delta }).signals.every((s) => s === null)).toBe(true);
  });

  it('holds at most maxPerTheme names of one theme and maxPositions in all', () => {
    const closes = rising(MIN_HISTORY);
    const t = MIN_HISTORY - 1;
    const sameTheme = harness({ NVDA: closes, MSFT: closes, AMZN: closes }, { maxPerTheme: 1 });
    for (let i = 0; i < t; i++) sameTheme.step(i);
    const a = sameTheme.step(t);
    expect(a.get('NVDA')).not.toBeNull();
    expect(a.get('MSFT')).toBeNull(); // ai, like NVDA
    expect(a.get('AMZN')).not.toBeNull(); // cloud
    const total = harness({ NVDA: closes, AMZN: closes }, { maxPositions: 1 });
    for (let i = 0; i < t; i++) total.step(i);
    const b = total.step(t);
    expect(b.get('NVDA')).not.toBeNull();
    expect(b.get('AMZN')).toBeNull();
  });

  it('waits while the entry order works, then cools off retryCooldownDays after it fails, then tries again', () => {
    const closes = rising(MIN_HISTORY + 20);
    const view = new FakeView();
    const h = harness({ NVDA: closes }, {}, view);
    const t = MIN_HISTORY - 1;
    for (let i = 0; i < t; i++) h.step(i);
    expect(h.step(t).get('NVDA')).not.toBeNull();
    view.working.add('NVDA');
    expect(h.step(t + 1).get('NVDA')).toBeNull();
    view.working.delete('NVDA');
    // No position and no order: the entry failed; no new one for 5 days from this bar.
    const failTs = sessionCloseUtc(h.dates[t + 2]!);
    const retry = h.dates.findIndex((d) => sessionCloseUtc(d) >= failTs + 5 * DAY);
    for (let i = t + 2; i < retry; i++) expect(h.step(i).get('NVDA')).toBeNull();
    expect(h.step(retry).get('NVDA')).not.toBeNull();
  });

  it('does not enter again once filled, nor while holding anything that is not a long option', () => {
    const closes = rising(MIN_HISTORY + 5);
    const view = new FakeView();
    const h = harness({ NVDA: closes }, {}, view);
    const t = MIN_HISTORY - 1;
    for (let i = 0; i < t; i++) h.step(i);
    const s = h.step(t).get('NVDA')!;
    view.held.set('NVDA', { instrument: s.intent.instrument, quantity: s.intent.quantity, entryPrice: new Decimal(s.features.mark!), entryTs: 0 });
    for (let i = t + 1; i < closes.length; i++) expect(h.step(i).get('NVDA')).toBeNull();

    const stock = new FakeView();
    stock.held.set('NVDA', { instrument: equityInstrument('NVDA'), quantity: 100, entryPrice: new Decimal(100), entryTs: 0 });
    expect(run(closes, 'NVDA', {}, stock).signals.every((x) => x === null)).toBe(true);
  });

  it('ignores symbols outside its universe, intraday bars and a repeated daily bar', () => {
    expect(run(rising(MIN_HISTORY), 'SPY').signals.every((s) => s === null)).toBe(true);
    const closes = rising(MIN_HISTORY);
    const marks = new OptionMarkModel();
    const rules = createLeapsTracker({ marks });
    const view = new FakeView();
    const dates = tradingDates(MIN_HISTORY);
    for (let i = 0; i < MIN_HISTORY - 1; i++) rules.onBar(dailyBar('NVDA', dates[i]!, closes[i]!), view);
    const last = dailyBar('NVDA', dates[MIN_HISTORY - 1]!, closes[MIN_HISTORY - 1]!);
    expect(rules.onBar({ ...last, timeframe: '5m' }, view)).toBeNull();
    expect(rules.onBar(last, view)).not.toBeNull();
    expect(rules.onBar(last, view)).toBeNull();
  });
});

describe('leaps tracker: exits and scale-outs', () => {
  const date = '2025-06-02';
  const ts = sessionCloseUtc(date);

  /** A rules object holding `quantity` of `contract` bought at entry(mark), judged on one bar at `spot`. */
  function holding(contract: OptionContract, spot: number, entry: (mark: number) => number, quantity = 20, params: Partial<LeapsTrackerParams> = {}) {
    const marks = new OptionMarkModel();
    const rules = createLeapsTracker({ marks, params });
    const view = new FakeView();
    const mark = marks.price(contract, ts, spot);
    view.held.set(contract.underlying, { instrument: contract, quantity, entryPrice: new Decimal(entry(mark)), entryTs: 0 });
    const bar = (d: string, close = spot) => rules.onBar(dailyBar(contract.underlying, d, close), view);
    /** Make the position show `gain` on the mark of date `d` (the mark decays from day to day). */
    const setGain = (d: string, gain: number, qty?: number) => {
      const pos = view.held.get(contract.underlying)!;
      const m = marks.price(contract, sessionCloseUtc(d), spot);
      view.held.set(contract.underlying, { ...pos, quantity: qty ?? pos.quantity, entryPrice: new Decimal(m / (1 + gain)) });
    };
    return { rules, view, mark, bar, setGain };
  }

  const leap = (strike: number, expiry = '2026-06-18', underlying = 'NVDA') => optionContract({ underlying, expiry, right: 'C', strike });
  const noBook = { portfolioDrawdownPct: 0.99 };

  it('holds when no rule fires', () => {
    expect(holding(leap(110), 100, (m) => m).bar(date)).toBeNull();
  });

  it("stops out at −35 % on the premium ('stop'), not at −34.99 %", () => {
    const h = holding(leap(110), 100, (m) => m / 0.65, 20, noBook);
    const s = h.bar(date)!;
    expect(s).toMatchObject({ id: `leaps-tracker:NVDA:${ts}:exit`, kind: 'exit', strength: 100 });
    expect(s.reason).toMatch(/^stop:/);
    expect(s.intent).toMatchObject({ side: 'sell', quantity: 20, type: 'market', signalId: s.id });
    expect(holding(leap(110), 100, (m) => m / 0.6501, 20, noBook).bar(date)).toBeNull();
  });

  it("closes under 75 DTE while spot < 1.05 × strike ('roll'), keeps an in-the-money one", () => {
    const in74 = addDays(date, 74);
    const in75 = addDays(date, 75);
    expect(holding(leap(100, in74), 104.99, (m) => m).bar(date)!.reason).toMatch(/^roll:/);
    expect(holding(leap(100, in75), 104.99, (m) => m).bar(date)).toBeNull();
    expect(holding(leap(100, in74), 105, (m) => m).bar(date)).toBeNull();
  });

  it("closes what is left exitBeforeExpiryDays before expiry ('expiry'), as the engine has no expiry processing", () => {
    expect(holding(leap(100, addDays(date, 5)), 120, (m) => m).bar(date)!.reason).toMatch(/^expiry:/);
    expect(holding(leap(100, addDays(date, 6)), 120, (m) => m).bar(date)).toBeNull();
  });

  it("closes positions down more than 20 % once the book is down 25 % on cost ('portfolio_drawdown')", () => {
    const marks = new OptionMarkModel();
    const rules = createLeapsTracker({ marks });
    const view = new FakeView();
    const a = leap(110, '2026-06-18', 'NVDA');
    const b = leap(110, '2026-06-18', 'AMZN');
    const ma = marks.price(a, ts, 100);
    const mb = marks.price(b, ts, 100);
    // Equal cost: A down 30 %, B down 21 %: the book is down 25.5 %.
    view.held.set('NVDA', { instrument: a, quantity: 10, entryPrice: new Decimal(ma / 0.7), entryTs: 0 });
    view.held.set('AMZN', { instrument: b, quantity: Math.round((10 * ma) / 0.7 / (mb / 0.79)), entryPrice: new Decimal(mb / 0.79), entryTs: 0 });
    // B alone is a book down 21 %: no exit.
    expect(rules.onBar(dailyBar('AMZN', date, 100), view)).toBeNull();
    expect(rules.onBar(dailyBar('NVDA', date, 100), view)!.reason).toMatch(/^portfolio_drawdown:/);
    view.working.add('NVDA');
    expect(rules.onBar(dailyBar('AMZN', addDays(date, 1), 100), view)!.reason).toMatch(/^portfolio_drawdown:/);
    // Down 15 %, in a book down more than 25 %: kept.
    const c = leap(110, '2026-06-18', 'MSFT');
    const mc = marks.price(c, ts, 100);
    view.held.set('MSFT', { instrument: c, quantity: 1, entryPrice: new Decimal(mc / 0.85), entryTs: 0 });
    expect(rules.onBar(dailyBar('MSFT', date, 100), view)).toBeNull();
  });

  it('scales out 15 / 25 / 50 % of the opening contracts at +50 / +100 / +200 %, each level once', () => {
    const c = leap(110);
    const h = holding(c, 100, (m) => m / 1.5, 20);
    const s1 = h.bar(date)!;
    expect(s1.reason).toMatch(/^scale-out 1: sell 3 of 20/);
    expect(s1).toMatchObject({ kind: 'exit', strength: 100, intent: { side: 'sell', quantity: 3 } });
    expect(s1.features.level).toBe(1);
    // Filled: 17 left. Still +60 %: the level is not sold twice.
    h.setGain('2025-06-03', 0.6, 17);
    expect(h.bar('2025-06-03')).toBeNull();
    // +100 %: down to 20 − round(0.40 × 20) = 12.
    h.setGain('2025-06-04', 1);
    expect(h.bar('2025-06-04')!.intent.quantity).toBe(5);
    // +200 %: down to 20 − round(0.90 × 20) = 2.
    h.setGain('2025-06-05', 2, 12);
    expect(h.bar('2025-06-05')!.intent.quantity).toBe(10);
  });

  it('takes the highest level reached at once, and nothing just below the first', () => {
    expect(holding(leap(110), 100, (m) => m / 3, 20).bar(date)!.intent.quantity).toBe(18);
    expect(holding(leap(110), 100, (m) => m / 1.4999, 20).bar(date)).toBeNull();
    // One contract: 15 % and 40 % of it round to nothing; at +200 % it is sold.
    expect(holding(leap(110), 100, (m) => m / 1.5, 1).bar(date)).toBeNull();
    expect(holding(leap(110), 100, (m) => m / 3, 1).bar(date)!.intent.quantity).toBe(1);
  });

  it('tries a scale-out again when its order did not fill, and does nothing while an order works', () => {
    const h = holding(leap(110), 100, (m) => m / 1.5, 20);
    expect(h.bar(date)).not.toBeNull();
    h.view.working.add('NVDA');
    expect(h.bar('2025-06-03')).toBeNull();
    h.view.working.delete('NVDA');
    h.setGain('2025-06-04', 0.5);
    expect(h.bar('2025-06-04')!.intent.quantity).toBe(3);
  });

  it('notices a flat position and can enter the name again', () => {
    const h = holding(leap(110), 100, (m) => m / 0.65, 20, noBook);
    expect(h.bar(date)!.reason).toMatch(/^stop:/);
    h.view.held.delete('NVDA');
    expect(h.bar('2025-06-03')).toBeNull();
    // Back to watching: a fresh position is adopted and managed.
    h.view.held.set('NVDA', { instrument: leap(110), quantity: 4, entryPrice: new Decimal(h.mark / 0.65), entryTs: 0 });
    expect(h.bar('2025-06-04')!.intent.quantity).toBe(4);
  });
});

describe('leaps tracker: parameters', () => {
  it('defaults to SPEC §1.8', () => {
    expect(parseLeapsTrackerParams()).toEqual({ ...LEAPS_TRACKER_DEFAULTS, scaleOutGains: [0.5, 1, 2], scaleOutFractions: [0.15, 0.25, 0.5] });
    expect(LEAPS_TRACKER_DEFAULTS).toMatchObject({
      minComposite: 70, minMomentum: 50, minFinancial: 45, minEntryTiming: 50, maxExitTiming: 70, maxPremiumPct: 0.2, maxRiskFlags: 2,
      maxPerTheme: 3, maxPositions: 15, strikeMult: 1.1, minDte: 365, positionPct: 0.1, themePct: 0.25, stopLossPct: 0.35,
      portfolioDrawdownPct: 0.25, maxPortfolioDelta: 100, rollDte: 75, rollMoneyness: 1.05,
    });
  });

  const bad: [string, Record<string, unknown>][] = [
    ['minComposite', { minComposite: 101 }],
    ['maxRiskFlags', { maxRiskFlags: 1.5 }],
    ['maxPremiumPct', { maxPremiumPct: 0 }],
    ['minDte', { minDte: 0 }],
    ['maxPerTheme', { maxPerTheme: 9 }],
    ['positionPct', { positionPct: 2 }],
    ['stopLossPct', { stopLossPct: 1 }],
    ['rollDte', { rollDte: -1 }],
    ['scaleOutGains', { scaleOutGains: [1, 0.5, 2] }],
    ['scaleOutFractions', { scaleOutFractions: [0.5, 0.5] }],
    ['scaleOutFractions', { scaleOutFractions: [0.5, 0.4, 0.2] }],
    ['exitBeforeExpiryDays', { exitBeforeExpiryDays: 30, minDte: 30 }],
    ['minDTE', { minDTE: 365 }],
  ];
  it.each(bad)('rejects a bad %s with an InputError naming it', (field, params) => {
    let err: unknown;
    try {
      createLeapsTracker({ params, marks: new OptionMarkModel() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe(field);
  });

  it('changes parameters live, validated as a whole', () => {
    const rules = createLeapsTracker({ marks: new OptionMarkModel() });
    expect(rules.updateParams!({ stopLossPct: 0.4 })).toMatchObject({ stopLossPct: 0.4 });
    expect(() => rules.updateParams!({ scaleOutGains: [0.5] })).toThrow(InputError);
    expect(rules.params!()).toMatchObject({ stopLossPct: 0.4, scaleOutGains: [0.5, 1, 2] });
  });
});

describe('leaps tracker: replay on the bundled data', () => {
  it('makes complete trades through validation, risk and the paper venue', { timeout: 120_000 }, async () => {
    const store = new InMemoryStore();
    const report = await runBacktest({ strategy: 'leaps-tracker', seed: 42, initialCash: '100000', logger: pino({ enabled: false }), store, varPaths: 1000 });
    expect(report.trades).toBeGreaterThanOrEqual(1);
    const orders = await store.listOrders({});
    const filled = orders.filter((o) => o.strategyId === 'leaps-tracker' && o.filledQuantity > 0);
    const bought = filled.filter((o) => o.side === 'buy');
    const sold = filled.filter((o) => o.side === 'sell');
    expect(bought.length).toBeGreaterThanOrEqual(1);
    // A sale of a contract that was bought: a complete trade.
    expect(sold.some((s) => bought.some((b) => b.symbol === s.symbol && b.createdAt < s.createdAt))).toBe(true);
    for (const o of filled) expect(o.instrument).toMatchObject({ kind: 'option', right: 'C' });
    // Every LEAPS bought had at least 365 days to run.
    for (const b of bought) {
      const c = b.instrument as OptionContract;
      expect(Date.parse(`${c.expiry}T00:00:00Z`) - b.createdAt).toBeGreaterThan(364 * DAY);
    }
    const signals = await store.listSignals('leaps-tracker');
    expect(signals.some((s) => s.kind === 'exit' && s.decision === 'accepted')).toBe(true);
  });
});
