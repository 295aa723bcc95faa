import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runBacktest } from '../../engine/backtest/runBacktest.js';
import { InputError } from '../../engine/domain/errors.js';
import { equity as equityInstrument, parseOccSymbol, type OptionContract } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Order } from '../../engine/domain/orders.js';
import type { Signal } from '../../engine/domain/signal.js';
import { addDays, isWeekday, sessionCloseUtc } from '../../engine/domain/session.js';
import { dte, nyDate } from '../../engine/market/expiries.js';
import { generateOptionChain, resolveChainOptions } from '../../engine/market/optionChains.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import {
  createDebitSpreads,
  DEBIT_SPREADS_UNIVERSE,
  debitConfidence,
  debitExitReason,
  directionChanges,
  findBullCallSpreads,
  ivRank,
  parseDebitSpreadsParams,
  probabilityOfProfit,
  trendStrength,
  volumeScore,
} from '../../engine/strategies/debitSpreads.js';
import type { StrategyView } from '../../engine/strategies/types.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import { FakeLegView } from './fakeViews.js';


function tradingDates(n: number, start = '2025-01-06'): string[] {
  const out: string[] = [];
  for (let d = start; out.length < n; d = addDays(d, 1)) if (isWeekday(d)) out.push(d);
  return out;
}

function dailyBar(symbol: string, date: string, close: number, volume = 1e6): Bar {
  return { symbol, timeframe: '1d', ts: sessionCloseUtc(date), open: close, high: close, low: close, close, volume };
}

const WARMUP = 60;
/**
 * 60 days zigzagging around 100 (+a, 0, −a, 0: realised volatility, no
 * trend; a = 2 % for 30 days, then 1 %, so the year's volatility has a range
 * and today's IV is not its top), then a clean rise of `rise` a day.
 */
function closes(n: number, rise = 1.012): number[] {
  const zig = [1, 0, -1, 0];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i < WARMUP ? 100 * (1 + (i < 30 ? 0.02 : 0.01) * zig[i % 4]!) : out[i - 1]! * rise);
  return out;
}

/** The trend strength of the closes up to `t`, from the arrays (the rules keep it incrementally). */
function trendAt(c: readonly number[], t: number): number | null {
  if (t + 1 < 50) return null;
  const mean = (from: number, to: number) => c.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
  return trendStrength({ close: c[t]!, sma20: mean(t - 19, t + 1), sma50: mean(t - 49, t + 1), return10: c[t]! / c[t - 10]! - 1, changes: directionChanges(c.slice(t - 10, t + 1)), volumeRatio: 1 });
}

function run(bars: readonly Bar[], opts: { view?: FakeLegView; params?: Record<string, unknown>; marks?: OptionMarkModel } = {}) {
  const view = opts.view ?? new FakeLegView();
  const marks = opts.marks ?? new OptionMarkModel();
  const bot = createDebitSpreads({ marks, params: opts.params ?? {} });
  // The node feeds the mark model every bar before the strategies see it.
  const signals = bars.map((b) => {
    marks.onBar(b);
    return bot.onBar(b, view);
  });
  return { bot, view, marks, signals };
}

function legsOf(s: Signal): { long: OptionContract; short: OptionContract } {
  const legs = s.intent.legs!;
  return { long: legs[0]!.instrument, short: legs[1]!.instrument };
}

function hold(view: FakeLegView, s: Signal, spreads = s.intent.quantity): void {
  const { long, short } = legsOf(s);
  view.held.set(s.symbol, [{ instrument: long, quantity: spreads }, { instrument: short, quantity: -spreads }]);
}

describe('debit spreads entry', () => {
  const dates = tradingDates(90);
  const c = closes(90);
  const bars = dates.map((d, i) => dailyBar('AAPL', d, c[i]!));
  const firstTrend = c.findIndex((_, t) => (trendAt(c, t) ?? 0) >= 0.6);

  it('identifies itself: id, its universe, daily bars', () => {
    const bot = createDebitSpreads({ marks: new OptionMarkModel() });
    expect(bot.id).toBe('debit-spreads');
    expect(bot.timeframe).toBe('1d');
    expect(bot.universe).toBe(DEBIT_SPREADS_UNIVERSE);
  });

  it('enters on the first bar whose trend strength reaches 0.6, not a bar early, as one bull call spread order', () => {
    expect(firstTrend).toBeGreaterThan(WARMUP);
    expect(trendAt(c, firstTrend - 1)!).toBeLessThan(0.6);
    const { signals, marks } = run(bars.slice(0, firstTrend + 1));
    expect(signals.slice(0, firstTrend).every((s) => s === null)).toBe(true);
    const s = signals[firstTrend]!;
    const ts = bars[firstTrend]!.ts;
    expect(s).toMatchObject({ id: `debit-spreads:AAPL:${ts}:entry`, kind: 'entry', symbol: 'AAPL', ts });
    expect(s.features.trend).toBeCloseTo(trendAt(c, firstTrend)!, 9);
    expect(s.strength).toBeCloseTo(100 * s.features.trend!, 9);
    // One multi-leg market order: buy the lower call, sell the higher, one expiry, debit side.
    expect(s.intent).toMatchObject({ side: 'buy', type: 'market', limitPrice: null, signalId: s.id });
    const { long, short } = legsOf(s);
    expect(s.intent.legs!.map((l) => l.side)).toEqual(['buy', 'sell']);
    expect(long).toMatchObject({ right: 'C', underlying: 'AAPL' });
    expect(short.expiry).toBe(long.expiry);
    const spot = c[firstTrend]!;
    // SPEC §1.6: 20–60 DTE, both strikes within 0.95–1.10 × spot, width from the set.
    const days = dte(nyDate(ts), long.expiry);
    expect(days).toBeGreaterThanOrEqual(20);
    expect(days).toBeLessThanOrEqual(60);
    for (const k of [long.strike.toNumber(), short.strike.toNumber()]) {
      expect(k).toBeGreaterThanOrEqual(0.95 * spot);
      expect(k).toBeLessThanOrEqual(1.1 * spot);
    }
    expect([5, 10, 15, 20]).toContain(short.strike.minus(long.strike).toNumber());
    // The debit is what the venue fills at (the model's marks), and the economics follow from it.
    const debit = marks.price(long, ts, spot) - marks.price(short, ts, spot);
    expect(s.features.debit).toBeCloseTo(debit, 12);
    expect(s.features.riskReward).toBeCloseTo((s.features.width! - debit) / debit, 12);
    expect(s.features.riskReward).toBeGreaterThanOrEqual(1.2);
    expect(s.features.probProfit).toBeCloseTo(probabilityOfProfit(long.strike.toNumber() + debit, spot), 12);
    expect(s.features.direction).toBe(1);
    expect(s.features.confidence).toBeCloseTo(debitConfidence(s.features.riskReward!, s.features.trend!, s.features.probProfit!, s.features.volumeScore!, s.features.ivRank!), 12);
    expect(s.features.volumeScore).toBeGreaterThanOrEqual(0.3);
    expect(s.features.ivRank).toBeLessThanOrEqual(80);
    expect(s.intent.quantity).toBe(Math.min(5, Math.floor((100_000 * 0.1) / (debit * 100))));
  });

  it('takes the best-ranked spread of the chain the original would keep', () => {
    const { signals, marks } = run(bars.slice(0, firstTrend + 1));
    const s = signals[firstTrend]!;
    const ts = bars[firstTrend]!.ts;
    const spot = c[firstTrend]!;
    const chain = generateOptionChain(
      { underlying: 'AAPL', asOf: ts, spot, closes: c.slice(firstTrend - 20, firstTrend + 1), seed: 'debit-spreads' },
      resolveChainOptions({ weeklyHorizonDays: 60, monthlyHorizonDays: 60, indexDailyHorizonDays: 0 }),
    );
    const all = findBullCallSpreads(chain, spot, s.features.trend!, parseDebitSpreadsParams(), (q) => marks.price(parseOccSymbol(q.symbol), ts, spot));
    const best = all.find((x) => x.volumeScore >= 0.3);
    expect(best).toBeDefined();
    expect(legsOf(s).long.symbol).toBe(best!.long.symbol);
    expect(legsOf(s).short.symbol).toBe(best!.short.symbol);
    expect(s.features.rank).toBeCloseTo(best!.rank, 12);
  });

  it('does not enter while a spread is held or an order works, below the history it needs, or without cash for one spread', () => {
    const holding = new FakeLegView();
    holding.held.set('AAPL', [
      { instrument: parseOccSymbol('AAPL  250620C00120000'), quantity: 1 },
      { instrument: parseOccSymbol('AAPL  250620C00125000'), quantity: -1 },
    ]);
    expect(run(bars.slice(0, firstTrend + 1), { view: holding }).signals.some((s) => s?.kind === 'entry')).toBe(false);
    const working = new FakeLegView();
    working.working.add('AAPL');
    expect(run(bars.slice(0, firstTrend + 1), { view: working }).signals.every((s) => s === null)).toBe(true);
    const poor = new FakeLegView();
    poor.eq = new Decimal(50);
    expect(run(bars.slice(0, firstTrend + 1), { view: poor }).signals.every((s) => s === null)).toBe(true);
    // 49 bars of the same rise: the SMA50 is not there yet.
    const short = tradingDates(49).map((d, i) => dailyBar('AAPL', d, 100 * 1.012 ** i));
    expect(run(short).signals.every((s) => s === null)).toBe(true);
    // A symbol outside the universe, intraday bars and a repeated bar give nothing.
    expect(run(bars.slice(0, firstTrend + 1).map((b) => ({ ...b, symbol: 'XOM' }))).signals.every((s) => s === null)).toBe(true);
    const bot = createDebitSpreads({ marks: new OptionMarkModel() });
    const view = new FakeLegView();
    for (const b of bars.slice(0, firstTrend)) bot.onBar(b, view);
    expect(bot.onBar({ ...bars[firstTrend]!, timeframe: '5m' }, view)).toBeNull();
    expect(bot.onBar(bars[firstTrend]!, view)).not.toBeNull();
    expect(bot.onBar(bars[firstTrend]!, view)).toBeNull();
  });

  it('opens at most maxPositions spreads across the universe', () => {
    const marks = new OptionMarkModel();
    const bot = createDebitSpreads({ marks, params: { maxPositions: 1 } });
    const view = new FakeLegView();
    const out: Signal[] = [];
    for (let i = 0; i <= firstTrend; i++) {
      for (const sym of ['AAPL', 'MSFT']) {
        const b = dailyBar(sym, dates[i]!, c[i]!);
        marks.onBar(b);
        const s = bot.onBar(b, view);
        if (s) out.push(s);
      }
    }
    // AAPL's entry is still working toward a fill, so MSFT's identical setup is not raised.
    expect(out.map((s) => s.symbol)).toEqual(['AAPL']);
  });
});

describe('debit spreads exits', () => {
  const dates = tradingDates(140);
  const base = closes(140);

  /** Entry at the first trend bar, then the given path; the spread is held from the bar after the entry. */
  function afterEntry(path: (i: number, prev: number) => number, params: Record<string, unknown> = {}) {
    const c = [...base];
    const first = c.findIndex((_, t) => (trendAt(c, t) ?? 0) >= 0.6);
    for (let i = first + 1; i < c.length; i++) c[i] = path(i - first, c[i - 1]!);
    const marks = new OptionMarkModel();
    const bot = createDebitSpreads({ marks, params });
    const view = new FakeLegView();
    let entry: Signal | null = null;
    const results: Array<{ bar: Bar; signal: Signal | null }> = [];
    for (let i = 0; i < c.length; i++) {
      const bar = dailyBar('AAPL', dates[i]!, c[i]!);
      marks.onBar(bar);
      if (entry !== null && i === first + 1) hold(view, entry);
      const s = bot.onBar(bar, view);
      if (i === first) entry = s;
      else if (i > first) results.push({ bar, signal: s });
    }
    return { entry: entry!, results, marks };
  }

  function valueOf(entry: Signal, marks: OptionMarkModel, bar: Bar): number {
    const { long, short } = legsOf(entry);
    return marks.price(long, bar.ts, bar.close) - marks.price(short, bar.ts, bar.close);
  }

  it("takes profit on the first bar the spread has made 30 % of its max profit ('target'), closing both legs as one order", () => {
    const { entry, results } = afterEntry((_, prev) => prev * 1.01);
    const target = 0.3 * (entry.features.width! - entry.features.debit!);
    const hit = results.findIndex((r) => r.signal !== null);
    expect(hit).toBeGreaterThan(0);
    const exit = results[hit]!.signal!;
    expect(exit).toMatchObject({ kind: 'exit', strength: 100, id: `debit-spreads:AAPL:${results[hit]!.bar.ts}:exit` });
    expect(exit.reason).toMatch(/^target:/);
    expect(exit.features.pnl).toBeGreaterThanOrEqual(target - 1e-9);
    expect(exit.features.profitTarget).toBeCloseTo(target, 12);
    // Both legs closed in one order: sell the long call, buy back the short; a credit, so side 'sell'.
    const { long, short } = legsOf(entry);
    expect(exit.intent).toMatchObject({ side: 'sell', type: 'market', quantity: entry.intent.quantity });
    expect(exit.intent.legs!.map((l) => [l.instrument.symbol, l.side])).toEqual([
      [long.symbol, 'sell'],
      [short.symbol, 'buy'],
    ]);
  });

  it('the target bar is exactly the first whose value − debit reaches the target', () => {
    const { entry, results } = afterEntry((_, prev) => prev * 1.01);
    // Replay the same path on a fresh model to read each bar's value as the rules saw it.
    const target = 0.3 * entry.features.maxProfit!;
    const m = new OptionMarkModel();
    const c = [...base];
    const first = c.findIndex((_, t) => (trendAt(c, t) ?? 0) >= 0.6);
    for (let i = first + 1; i < c.length; i++) c[i] = c[i - 1]! * 1.01;
    const seen: number[] = [];
    for (let i = 0; i < c.length; i++) {
      const bar = dailyBar('AAPL', dates[i]!, c[i]!);
      m.onBar(bar);
      if (i > first) seen.push(valueOf(entry, m, bar) - entry.features.debit!);
    }
    const expected = seen.findIndex((pnl) => pnl >= target);
    expect(results.findIndex((r) => r.signal !== null)).toBe(expected);
  });

  it("stops out on the first bar the loss reaches 50 % of the debit ('stop')", () => {
    const { entry, results } = afterEntry((_, prev) => prev * 0.985);
    const m = new OptionMarkModel();
    const c = [...base];
    const first = c.findIndex((_, t) => (trendAt(c, t) ?? 0) >= 0.6);
    for (let i = first + 1; i < c.length; i++) c[i] = c[i - 1]! * 0.985;
    const pnl: number[] = [];
    for (let i = 0; i < c.length; i++) {
      const bar = dailyBar('AAPL', dates[i]!, c[i]!);
      m.onBar(bar);
      if (i > first) pnl.push(valueOf(entry, m, bar) - entry.features.debit!);
    }
    const expected = pnl.findIndex((x) => x <= -0.5 * entry.features.debit!);
    expect(expected).toBeGreaterThan(0);
    const hit = results.findIndex((r) => r.signal !== null);
    expect(hit).toBe(expected);
    expect(results[hit]!.signal!.reason).toMatch(/^stop:/);
  });

  it("closes 7 days before expiry ('time'), not at 8", () => {
    // Levels out of reach: the whole max profit, the whole debit.
    const { entry, results } = afterEntry((i, prev) => prev * (i % 2 === 0 ? 1.004 : 0.996), { profitTargetPct: 1, stopLossPct: 1 });
    const expiry = legsOf(entry).long.expiry;
    const hit = results.findIndex((r) => r.signal !== null);
    expect(hit).toBeGreaterThan(0);
    expect(results[hit]!.signal!.reason).toMatch(/^time:/);
    expect(dte(nyDate(results[hit]!.bar.ts), expiry)).toBeLessThanOrEqual(7);
    expect(dte(nyDate(results[hit - 1]!.bar.ts), expiry)).toBeGreaterThan(7);
  });

  it('retries an exit that never became an order, and watches again once flat', () => {
    const c = closes(140);
    const dates2 = tradingDates(140);
    const first = c.findIndex((_, t) => (trendAt(c, t) ?? 0) >= 0.6);
    const marks = new OptionMarkModel();
    const bot = createDebitSpreads({ marks, params: { profitTargetPct: 0.01 } });
    const view = new FakeLegView();
    const feed = (i: number, close = c[i]!) => {
      const b = dailyBar('AAPL', dates2[i]!, close);
      marks.onBar(b);
      return bot.onBar(b, view);
    };
    for (let i = 0; i < first; i++) feed(i);
    const entry = feed(first)!;
    hold(view, entry);
    const exit1 = feed(first + 1, c[first]! * 1.05)!;
    expect(exit1.kind).toBe('exit');
    // Still held, nothing working on the next bar: raised again (a new id).
    const exit2 = feed(first + 2, c[first]! * 1.06)!;
    expect(exit2.kind).toBe('exit');
    expect(exit2.id).not.toBe(exit1.id);
    view.held.delete('AAPL');
    // Flat: back to watching, and the trend still holds, so a new entry.
    expect(feed(first + 3, c[first]! * 1.07)?.kind).toBe('entry');
  });

  it('closes what an exercise left (shares) or a lone leg as unmanaged, one order at a time', () => {
    const marks = new OptionMarkModel();
    const bot = createDebitSpreads({ marks });
    const view = new FakeLegView();
    const leg = parseOccSymbol('AAPL  250321C00100000');
    view.held.set('AAPL', [{ instrument: leg, quantity: 2 }, { instrument: equityInstrument('AAPL'), quantity: 100 }]);
    const b = dailyBar('AAPL', '2025-03-03', 100);
    marks.onBar(b);
    const s = bot.onBar(b, view)!;
    expect(s.kind).toBe('exit');
    expect(s.reason).toMatch(/^unmanaged:/);
    expect(s.intent).toMatchObject({ instrument: leg, side: 'sell', quantity: 2 });
    expect(s.intent.legs).toBeUndefined();
    view.held.set('AAPL', [{ instrument: equityInstrument('AAPL'), quantity: 100 }]);
    const b2 = dailyBar('AAPL', '2025-03-04', 100);
    marks.onBar(b2);
    expect(bot.onBar(b2, view)!.intent).toMatchObject({ instrument: equityInstrument('AAPL'), side: 'sell', quantity: 100 });
  });

  it('refuses a view that cannot list every leg (holding alone would show a spread as a lone leg)', () => {
    const bot = createDebitSpreads({ marks: new OptionMarkModel() });
    const full = new FakeLegView();
    const partial: StrategyView = { now: () => 0, equity: () => full.eq, holding: (u) => full.holding(u), hasWorkingOrder: () => false };
    expect(() => bot.onBar(dailyBar('AAPL', '2025-03-03', 100), partial)).toThrow(InputError);
  });

  it('adopts a bull call spread it did not open and manages it from its value now', () => {
    const marks = new OptionMarkModel();
    const bot = createDebitSpreads({ marks, params: { profitTargetPct: 0.01 } });
    const view = new FakeLegView();
    const long = parseOccSymbol('AAPL  250321C00100000');
    const short = parseOccSymbol('AAPL  250321C00105000');
    view.held.set('AAPL', [{ instrument: long, quantity: 1 }, { instrument: short, quantity: -1 }]);
    const b = dailyBar('AAPL', '2025-02-03', 100);
    marks.onBar(b);
    expect(bot.onBar(b, view)).toBeNull();
    const b2 = dailyBar('AAPL', '2025-02-04', 103);
    marks.onBar(b2);
    expect(bot.onBar(b2, view)!.reason).toMatch(/^target:/);
  });
});

describe('debit spreads rules (pure)', () => {
  const p = parseDebitSpreadsParams();

  it('trend strength: SMA stack, momentum, consistency and volume, averaged', () => {
    expect(trendStrength({ close: 110, sma20: 105, sma50: 100, return10: 0.1, changes: 0, volumeRatio: 1 })).toBeCloseTo((0.8 + 0.5 + 1 + 0.5) / 4, 12);
    expect(trendStrength({ close: 110, sma20: 105, sma50: 106, return10: 0.3, changes: 2, volumeRatio: 0.5 })).toBeCloseTo((0.6 + 1 + 0.8 + 0.25) / 4, 12);
    expect(trendStrength({ close: 100, sma20: 105, sma50: 106, return10: -0.1, changes: 12, volumeRatio: null })).toBeCloseTo((0.2 + 0 + 0 + 0.5) / 4, 12);
    expect(trendStrength({ close: 100, sma20: 100, sma50: 99, return10: 0, changes: 0, volumeRatio: 3 })).toBeCloseTo((0.2 + 0 + 1 + 0.5) / 4, 12);
  });

  it('direction changes over the last 11 closes, as the original counts them', () => {
    expect(directionChanges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBe(0);
    expect(directionChanges([1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1])).toBe(9);
    // Only the last 11 count; a flat step is "not up".
    expect(directionChanges([9, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10])).toBe(2);
  });

  it('P(profit), volume score, IV rank and confidence', () => {
    expect(probabilityOfProfit(100, 100)).toBe(0.7);
    expect(probabilityOfProfit(105, 100)).toBeCloseTo(0.45, 12);
    expect(probabilityOfProfit(130, 100)).toBe(0.1);
    expect(volumeScore({ volume: 100, openInterest: 400 }, { volume: 50, openInterest: 250 })).toBeCloseTo(0.3, 12);
    expect(volumeScore({ volume: 5000, openInterest: 0 }, { volume: 2000, openInterest: 0 })).toBe(1);
    expect(ivRank(0.3, [0.2, 0.4, 0.3])).toBeCloseTo(50, 12);
    expect(ivRank(0.5, [0.2, 0.4])).toBe(100);
    expect(ivRank(0.3, [0.25, 0.25])).toBe(50);
    expect(ivRank(0.3, [])).toBe(50);
    expect(debitConfidence(3, 1, 1, 1, 0)).toBe(1);
    expect(debitConfidence(1.5, 0.6, 0.5, 0.5, 50)).toBeCloseTo(0.15 + 0.18 + 0.1 + 0.05 + 0.05, 12);
  });

  it('exit reasons in order: target, stop, time', () => {
    const plan = { debit: 2, profitTarget: 0.9, stopLoss: 1, timeExitDte: 7 };
    expect(debitExitReason(2.9, plan, 30)).toBe('target');
    expect(debitExitReason(2.89, plan, 30)).toBeNull();
    expect(debitExitReason(1, plan, 30)).toBe('stop');
    expect(debitExitReason(1.01, plan, 30)).toBeNull();
    expect(debitExitReason(2, plan, 7)).toBe('time');
    expect(debitExitReason(2, plan, 8)).toBeNull();
    expect(debitExitReason(3, plan, 1)).toBe('target');
  });

  it('keeps only spreads passing every filter of SPEC §1.6, best rank first', () => {
    const ts = sessionCloseUtc('2025-03-03');
    const spot = 100;
    const zig = Array.from({ length: 21 }, (_, i) => 100 * (1 + 0.01 * ((i % 3) - 1)));
    const chain = generateOptionChain({ underlying: 'AAPL', asOf: ts, spot, closes: zig, seed: 'test' });
    const found = findBullCallSpreads(chain, spot, 0.7, p, (q) => q.mid);
    expect(found.length).toBeGreaterThan(0);
    const expiries = chain.expiries.filter((e) => e.dte >= 20 && e.dte <= 60).slice(0, 3).map((e) => e.expiry);
    for (let i = 0; i < found.length; i++) {
      const x = found[i]!;
      expect(expiries).toContain(x.expiry);
      expect(p.widths).toContain(x.width);
      expect(x.debit).toBeGreaterThan(0.1);
      expect(x.riskReward).toBeGreaterThanOrEqual(1.2);
      for (const q of [x.long, x.short]) {
        expect(q.volume >= 10 || q.openInterest >= 50).toBe(true);
        expect(q.bid).toBeGreaterThan(0.05);
        expect((q.ask - q.bid) / ((q.ask + q.bid) / 2)).toBeLessThan(0.3);
        expect(q.strikePrice).toBeGreaterThanOrEqual(95);
        expect(q.strikePrice).toBeLessThanOrEqual(110);
      }
      expect(x.rank).toBeCloseTo(x.riskReward * x.probProfit * x.volumeScore * 0.7, 12);
      if (i > 0) expect(found[i - 1]!.rank).toBeGreaterThanOrEqual(x.rank);
    }
    // A stricter R:R floor keeps a subset.
    const strict = findBullCallSpreads(chain, spot, 0.7, { ...p, minRiskReward: 3 }, (q) => q.mid);
    expect(strict.length).toBeLessThan(found.length);
    expect(strict.every((x) => x.riskReward >= 3)).toBe(true);
  });
});

describe('debit spreads parameters', () => {
  it('defaults are SPEC §1.6 with the production wrapper’s gates and exits', () => {
    expect(parseDebitSpreadsParams()).toEqual({
      minDte: 20, maxDte: 60, maxExpiries: 3, minVolume: 10, minOpenInterest: 50, minBidAsk: 0.05, minMoneyness: 0.95, maxMoneyness: 1.1,
      maxRelativeSpread: 0.3, widths: [5, 10, 15, 20], minDebit: 0.1, minRiskReward: 1.2, minMaxProfitPct: 20, minTrendStrength: 0.6,
      maxIvRank: 80, minVolumeScore: 0.3, profitTargetPct: 0.3, stopLossPct: 0.5, timeExitDte: 7, riskPct: 0.1, maxContracts: 5, maxPositions: 8,
    });
  });

  it('refuses bad values naming the field, unknown keys and inconsistent windows', () => {
    const field = (input: unknown) => {
      try {
        parseDebitSpreadsParams(input);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).field;
      }
      return null;
    };
    expect(field({ minDte: 70 })).toBe('minDte');
    expect(field({ widths: [] })).toBe('widths');
    expect(field({ widths: [5, -1] })).toBe('widths.1');
    expect(field({ stopLossPct: 2 })).toBe('stopLossPct');
    expect(field({ minMoneyness: 1.2 })).toBe('minMoneyness');
    expect(field({ timeExitDte: 20 })).toBe('timeExitDte');
    expect(field({ width: 5 })).toBe('width');
    expect(field({})).toBeNull();
  });

  it('updateParams validates the whole set and changes nothing on error', () => {
    const bot = createDebitSpreads({ marks: new OptionMarkModel() });
    expect(() => bot.updateParams!({ minDte: 90 })).toThrow(InputError);
    expect(bot.params!().minDte).toBe(20);
    expect(bot.updateParams!({ minDte: 30, maxDte: 90 })).toMatchObject({ minDte: 30, maxDte: 90 });
    expect(bot.params!().widths).toEqual([5, 10, 15, 20]);
  });
});

describe('debit spreads on the bundled data', () => {
  it('replays through runBacktest and completes a trade (entry and exit spread orders filled)', async () => {
    const orders = new Map<string, Order>();
    const store = new InMemoryStore();
    const opts = { strategy: 'debit-spreads', seed: 42, initialCash: '100000', symbols: ['AAPL', 'NVDA', 'SPY'], from: '2024-01-02', to: '2024-09-30', logger: pino({ enabled: false }) };
    const report = await runBacktest({ ...opts, store, observe: (node) => node.bus.subscribe('order.updated', (o) => orders.set(o.clientOrderId, o)) });
    const filled = [...orders.values()].filter((o) => o.status === 'filled');
    // Entries buy the spread (a debit), exits sell it back (a credit); each is one order with two legs.
    expect(filled.some((o) => o.side === 'buy' && o.legs?.length === 2)).toBe(true);
    expect(filled.some((o) => o.side === 'sell' && o.legs?.length === 2)).toBe(true);
    expect(report.trades).toBeGreaterThanOrEqual(1);
    const signals = await store.listSignals('debit-spreads');
    expect(signals.some((s) => s.kind === 'entry' && s.decision === 'accepted')).toBe(true);
    expect(signals.some((s) => s.kind === 'exit' && s.decision === 'accepted')).toBe(true);
    const again = await runBacktest(opts);
    expect(again.orderLogSha256).toBe(report.orderLogSha256);
  });
});
