import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { DataError } from '../../engine/domain/errors.js';
import { equity, optionContract, type Instrument } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import { createRng } from '../../engine/domain/random.js';
import { addDays, isWeekday, sessionCloseUtc } from '../../engine/domain/session.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import { Portfolio, type MarkSource } from '../../engine/portfolio.js';
import { DailyCloseHistory } from '../../engine/risk/dailyCloseHistory.js';
import type { WorkingOrderView } from '../../engine/risk/deltaNormalVar.js';
import { largestWithinVar } from '../../engine/risk/preTradeCaps.js';
import type { ProposedTrade } from '../../engine/risk/preTrade.js';
import { runInProcess, type ChunkRunner } from '../../engine/risk/var/monteCarloVar.js';
import { studentTVar } from '../../engine/risk/var/parametricVar.js';
import { varCvarOfPnl } from '../../engine/risk/var/lossQuantile.js';
import { moments } from '../../engine/risk/var/statistics.js';
import { PortfolioVarService, type PortfolioVarReport, type PortfolioVarServiceOptions } from '../../engine/risk/varService.js';

const Z99 = 2.3263478740408408;

/** `n` weekdays from 2024-01-02, each a daily bar closing at 16:00 New York. */
function weekdays(n: number, from = '2024-01-02'): string[] {
  const out: string[] = [];
  for (let d = from; out.length < n; d = addDays(d, 1)) if (isWeekday(d)) out.push(d);
  return out;
}

function dailyBar(symbol: string, date: string, close: number): Bar {
  return { symbol, timeframe: '1d', ts: sessionCloseUtc(date), open: close, high: close, low: close, close, volume: 1000 };
}

/** A seeded random walk of closes rounded to cents (marks then equal the closes exactly). */
function walk(seed: string, n: number, start: number, vol = 0.015): number[] {
  const rng = createRng(seed, 'closes');
  const out = [start];
  while (out.length < n) out.push(Math.round(out[out.length - 1]! * Math.exp(vol * rng.normal()) * 100) / 100);
  return out;
}

interface World {
  readonly clock: SimulatedClock;
  readonly marks: OptionMarkModel;
  readonly portfolio: Portfolio;
  readonly dates: string[];
  readonly closes: Record<string, number[]>;
  readonly service: PortfolioVarService;
  readonly reports: PortfolioVarReport[];
  readonly errors: unknown[];
  equityNow(): Decimal;
  hold(symbol: string, quantity: number, price: number): void;
}

interface WorldOptions extends PortfolioVarServiceOptions {
  readonly days?: number;
  readonly symbols?: Record<string, number>;
  readonly runner?: ChunkRunner;
  readonly onReport?: (r: PortfolioVarReport) => void;
  readonly workingOrders?: () => WorkingOrderView[];
}

function world(opts: WorldOptions = {}): World {
  const days = opts.days ?? 260;
  const dates = weekdays(days);
  const symbols = opts.symbols ?? { AAPL: 180 };
  const closes = Object.fromEntries(Object.entries(symbols).map(([s, start]) => [s, walk(s, days, start)]));
  const clock = new SimulatedClock(0);
  const marks = new OptionMarkModel();
  const portfolio = new Portfolio(new Decimal(1_000_000));
  const markSource: MarkSource = {
    lastPrice: (s) => marks.lastPrice(s),
    optionMark: (c, ts) => marks.price(c, ts),
  };
  const equityNow = () => portfolio.equity(markSource, clock.now());
  const reports: PortfolioVarReport[] = [];
  const errors: unknown[] = [];
  const service = new PortfolioVarService(
    {
      clock, portfolio, marks, equity: equityNow, runner: opts.runner ?? runInProcess,
      onReport: opts.onReport ?? ((r) => reports.push(r)), onError: (e) => errors.push(e),
      ...(opts.workingOrders ? { workingOrders: opts.workingOrders } : {}),
    },
    opts,
  );
  dates.forEach((date, t) => {
    for (const s of Object.keys(closes)) {
      const bar = dailyBar(s, date, closes[s]![t]!);
      clock.set(Math.max(clock.now(), bar.ts));
      marks.onBar(bar);
      service.onBar(bar);
    }
  });
  let fills = 0;
  const hold = (symbol: string, quantity: number, price: number) => {
    fills++;
    portfolio.apply(
      { fillId: `f${fills}`, clientOrderId: `o${fills}`, symbol, side: quantity > 0 ? 'buy' : 'sell', quantity: Math.abs(quantity), price: new Decimal(price), commission: new Decimal(0), ts: clock.now() },
      'test',
    );
  };
  return { clock, marks, portfolio, dates, closes, service, reports, errors, equityNow, hold };
}

function trade(instrument: Instrument, quantity: number, side: 'buy' | 'sell' = 'buy'): ProposedTrade {
  return { instrument, side, quantity, notional: new Decimal(0), exposure: new Decimal(0) };
}

function figure(report: PortfolioVarReport, method: string, confidence: number): number {
  const r = report.results.find((x) => x.method === method && x.confidence === confidence);
  if (!r) throw new Error(`no ${method} ${confidence} in the report`);
  return r.var.toNumber();
}

function sampleSd(x: readonly number[]): number {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
}

describe('daily close history', () => {
  it('keeps the last N daily closes per symbol, oldest first, and ignores intraday, repeated and older bars', () => {
    const h = new DailyCloseHistory(40);
    const dates = weekdays(50);
    dates.forEach((d, t) => {
      h.onBar(dailyBar('AAPL', d, 100 + t));
      // After the close on the same date: a daily bar there would replace the close.
      h.onBar({ ...dailyBar('AAPL', d, 1), timeframe: '5m', ts: sessionCloseUtc(d) + 300_000 });
    });
    h.onBar(dailyBar('AAPL', dates[45]!, 999)); // older than the newest: ignored
    h.onBar(dailyBar('AAPL', dates[49]!, 999)); // the same bar again: ignored
    expect(h.count('AAPL')).toBe(40);
    expect(h.history('AAPL')).toEqual({ dates: dates.slice(10), closes: Array.from({ length: 40 }, (_, i) => 110 + i) });
    // A later bar of the same New York date replaces that date's close.
    h.onBar({ ...dailyBar('AAPL', dates[49]!, 200), ts: sessionCloseUtc(dates[49]!) + 60_000 });
    expect(h.latestClose('AAPL')).toBe(200);
    expect(h.count('AAPL')).toBe(40);
  });

  it('aligns returns on the dates every symbol has and names the symbols left out', () => {
    const h = new DailyCloseHistory(100);
    const dates = weekdays(40);
    dates.forEach((d, t) => {
      h.onBar(dailyBar('A', d, 100 * 1.01 ** t));
      if (t !== 20) h.onBar(dailyBar('B', d, 50 + t)); // B misses one date
      if (t >= 30) h.onBar(dailyBar('C', d, 10));
    });
    const a = h.alignedReturns(['A', 'B', 'C'], 30, 'simple');
    expect(a.assets).toEqual(['A', 'B']);
    expect(a.dates).toHaveLength(38); // 39 common dates
    expect(a.dates).not.toContain(dates[20]);
    expect(a.columns[0]![0]).toBeCloseTo(0.01, 12);
    expect(a.columns[1]![19]).toBeCloseTo((50 + 21) / (50 + 19) - 1, 12); // across the missing date
    expect(a.excluded).toEqual([{ symbol: 'C', reason: expect.stringContaining('10 daily close(s) kept; VaR needs at least 31') as string }]);
  });
});

describe('scheduled portfolio VaR report', () => {
  it('values a book of one stock at the parametric Student t figure (Monte Carlo) and at its own historical quantile', async () => {
    const w = world({ paths: 200_000 });
    w.hold('AAPL', 1000, w.closes.AAPL!.at(-1)!);
    const report = await w.service.runNow();
    const closes = w.closes.AAPL!;
    const value = 1000 * closes.at(-1)!;
    const pnl = closes.slice(1).map((c, t) => value * (c / closes[t]! - 1));
    const t99 = studentTVar(moments(pnl), 5, 0.99).var;
    expect(Math.abs(figure(report, 'montecarlo', 0.99) / t99 - 1)).toBeLessThan(0.03);
    expect(Math.abs(figure(report, 'montecarlo', 0.95) / studentTVar(moments(pnl), 5, 0.95).var - 1)).toBeLessThan(0.03);
    expect(figure(report, 'historical', 0.99)).toBeCloseTo(varCvarOfPnl(pnl, 0.99).var, 6);
    expect(report.observations).toBe(259);
    expect(report.portfolioValue.eq(w.equityNow())).toBe(true);
    expect(report.var99OfEquity).toBeCloseTo(figure(report, 'montecarlo', 0.99) / w.equityNow().toNumber(), 10);
    expect(w.service.latest()).toBe(report);
    expect(w.reports).toEqual([report]);
  });

  it('revalues an option position in full: a long call loses at most its premium', async () => {
    const w = world();
    const spot = w.closes.AAPL!.at(-1)!;
    const call = optionContract({ underlying: 'AAPL', expiry: addDays(w.dates.at(-1)!, 30), right: 'C', strike: Math.round(spot * 1.03) });
    const premium = w.marks.price(call, w.clock.now());
    w.hold(call.symbol, 5, premium);
    const report = await w.service.runNow();
    const held = 5 * 100 * premium;
    for (const r of report.results) {
      expect(r.var.toNumber(), `${r.method} ${r.confidence}`).toBeGreaterThan(0);
      expect(r.var.toNumber()).toBeLessThanOrEqual(held);
    }
    expect(report.assets).toEqual(['AAPL']);
  });

  it('reports VaR 0 for an empty book', async () => {
    const w = world({ days: 5 }); // no history needed: nothing is held
    const report = await w.service.runNow();
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.every((r) => r.var.isZero() && r.cvar.isZero())).toBe(true);
    expect(report.var99OfEquity).toBe(0);
    expect(w.reports).toEqual([report]);
  });

  it('refuses with a reason naming the symbol when history is too short, and leaves out only the short symbol otherwise', async () => {
    const short = world({ days: 20 });
    short.hold('AAPL', 10, 180);
    await expect(short.service.runNow()).rejects.toThrow(DataError);
    await expect(short.service.runNow()).rejects.toThrow(/AAPL: 20 daily close\(s\) kept; VaR needs at least 31/);
    expect(short.service.latest()).toBeNull();

    const mixed = world({ symbols: { AAPL: 180, MSFT: 400 } });
    mixed.hold('AAPL', 10, 180);
    mixed.hold('NEWCO', 10, 20);
    const report = await mixed.service.runNow();
    expect(report.assets).toEqual(['AAPL']);
    expect(report.excluded).toEqual([{ symbol: 'NEWCO', reason: expect.stringContaining('NEWCO: 0 daily close(s) kept') as string }]);
  });

  it('skips a historical confidence that the kept rows cannot support, and says so', async () => {
    const w = world({ days: 60 });
    w.hold('AAPL', 10, 180);
    const report = await w.service.runNow();
    expect(report.results.map((r) => `${r.method}@${r.confidence}`)).toEqual(['montecarlo@0.95', 'montecarlo@0.99', 'historical@0.95']);
    expect(report.notes).toEqual([expect.stringContaining('historical VaR at 0.99 skipped: it needs 100 return rows, 59 kept') as string]);
  });

  it('gives the same figures for the same engine time (seeded from it)', async () => {
    const a = world({ paths: 5000 });
    const b = world({ paths: 5000 });
    a.hold('AAPL', 10, 180);
    b.hold('AAPL', 10, 180);
    const [ra, rb] = [await a.service.runNow(), await b.service.runNow()];
    expect(ra.seed).toBe(rb.seed);
    expect(ra.results.map((r) => r.var.toFixed())).toEqual(rb.results.map((r) => r.var.toFixed()));
  });
});

describe('schedule', () => {
  it('runs once per New York trading day at its first bar and joins a run in flight instead of starting another', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held: ChunkRunner = async (task) => {
      await gate;
      return runInProcess(task);
    };
    const w = world({ paths: 2048, runner: held });
    w.hold('AAPL', 10, 180);
    const [d1, d2, d3] = [addDays(w.dates.at(-1)!, 3), addDays(w.dates.at(-1)!, 4), addDays(w.dates.at(-1)!, 5)].map(sessionCloseUtc) as [number, number, number];

    w.clock.set(d1 - 6 * 3_600_000);
    const first = w.service.maybeRun(w.clock.now());
    expect(first).toBeDefined();
    expect(w.service.maybeRun(w.clock.now() + 60_000)).toBeUndefined(); // same day: nothing more
    const manual = w.service.runNow();
    expect(w.service.runNow()).toBe(manual); // joined, not duplicated
    w.clock.set(d2);
    const joined = w.service.maybeRun(d2); // the next day, while day 1's run is still in flight
    expect(joined).toBeDefined();
    expect(w.reports).toHaveLength(0);
    open();
    await Promise.all([first, joined, manual]);
    expect(w.reports).toHaveLength(1);

    // Day 2 was joined, not run: its next bar starts its own run, once.
    const second = w.service.maybeRun(d2 + 60_000);
    expect(second).toBeDefined();
    await second;
    expect(w.service.maybeRun(d2 + 120_000)).toBeUndefined();
    w.clock.set(d3);
    await w.service.maybeRun(d3);
    expect(w.reports.map((r) => r.ts)).toEqual([d1 - 6 * 3_600_000, d2, d3]);
  });

  it('runs once per fixed span of engine time when configured so', async () => {
    const w = world({ paths: 2048, schedule: { everyMs: 3_600_000 } });
    const t0 = Math.ceil(w.clock.now() / 3_600_000) * 3_600_000;
    for (const offset of [0, 1_800_000, 3_599_999, 3_600_000, 7_300_000]) {
      w.clock.set(t0 + offset);
      await w.service.maybeRun(t0 + offset);
    }
    expect(w.reports).toHaveLength(3);
  });

  it('sends failures to onError and never throws into the bar loop', async () => {
    const failing = world({ paths: 2048, runner: () => Promise.reject(new Error('pool down')) });
    failing.hold('AAPL', 10, 180);
    await expect(failing.service.maybeRun(failing.clock.now())).resolves.toBeUndefined();
    expect(failing.errors).toEqual([new Error('pool down')]);
    expect(failing.service.latest()).toBeNull();

    const short = world({ days: 10, paths: 2048 });
    short.hold('AAPL', 10, 180);
    await short.service.maybeRun(short.clock.now());
    expect(short.errors).toHaveLength(1);
    expect(short.errors[0]).toBeInstanceOf(DataError);

    const throwing = world({ paths: 2048, onReport: () => {
      throw new Error('listener broke');
    } });
    await throwing.service.maybeRun(throwing.clock.now());
    expect(throwing.errors).toEqual([new Error('listener broke')]);
    expect(throwing.service.latest()).not.toBeNull();
  });
});

describe('pre-trade delta-normal estimate', () => {
  it('matches z₀.₉₉ · σ(log returns) · |position value| / equity for one stock, over the kept window only', () => {
    const w = world({ days: 300, historyDays: 260 });
    const closes = w.closes.AAPL!;
    const spot = closes.at(-1)!;
    w.hold('AAPL', 100, spot);
    const kept = closes.slice(-260);
    const sd = sampleSd(kept.slice(1).map((c, t) => Math.log(c / kept[t]!)));
    const eq = w.equityNow().toNumber();
    expect(w.service.varAfterTrade(trade(equity('AAPL'), 0))).toBeCloseTo((Z99 * sd * 100 * spot) / eq, 12);
    expect(w.service.varAfterTrade(trade(equity('AAPL'), 50))).toBeCloseTo((Z99 * sd * 150 * spot) / eq, 12);
    expect(w.service.varAfterTrade(trade(equity('AAPL'), 300, 'sell'))).toBeCloseTo((Z99 * sd * 200 * spot) / eq, 12);
  });

  it('counts the unfilled rest of working orders as held, so orders of one bar time see each other', () => {
    const working: WorkingOrderView[] = [];
    const w = world({ workingOrders: () => working });
    const closes = w.closes.AAPL!;
    const sd = sampleSd(closes.slice(1).map((c, t) => Math.log(c / closes[t]!)));
    const perShare = (Z99 * sd * closes.at(-1)!) / 1_000_000;
    expect(w.service.varAfterTrade(trade(equity('AAPL'), 100))).toBeCloseTo(100 * perShare, 12);
    working.push({ symbol: 'AAPL', side: 'buy', quantity: 100, filledQuantity: 40 });
    expect(w.service.varAfterTrade(trade(equity('AAPL'), 100))).toBeCloseTo(160 * perShare, 12);
    working.push({ symbol: 'AAPL', side: 'sell', quantity: 500, filledQuantity: 0 });
    expect(w.service.varAfterTrade(trade(equity('AAPL'), 100))).toBeCloseTo(340 * perShare, 12);
    working.push({ symbol: 'ZZZ', side: 'buy', quantity: 1, filledQuantity: 0 });
    expect(w.service.estimateAfterTrade(trade(equity('AAPL'), 100))).toEqual({ ok: false, reason: expect.stringContaining('working order in ZZZ') as string });
  });

  it('grows with the size of a risk-adding trade, in stock or in calls', () => {
    const w = world({ symbols: { AAPL: 180, MSFT: 400 } });
    w.hold('AAPL', 200, w.closes.AAPL!.at(-1)!);
    w.hold('MSFT', -50, w.closes.MSFT!.at(-1)!);
    const call = optionContract({ underlying: 'AAPL', expiry: addDays(w.dates.at(-1)!, 20), right: 'C', strike: Math.round(w.closes.AAPL!.at(-1)!) });
    for (const instrument of [equity('AAPL'), call]) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 }), (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return w.service.varAfterTrade(trade(instrument, lo)) <= w.service.varAfterTrade(trade(instrument, hi));
        }),
      );
    }
  });

  it('prices an option trade by its delta from the mark model', () => {
    const w = world();
    const spot = w.closes.AAPL!.at(-1)!;
    const call = optionContract({ underlying: 'AAPL', expiry: addDays(w.dates.at(-1)!, 20), right: 'C', strike: Math.round(spot) });
    const delta = w.marks.greeks(call, w.clock.now()).delta;
    const perShare = w.service.varAfterTrade(trade(equity('AAPL'), 1000));
    expect(w.service.varAfterTrade(trade(call, 10))).toBeCloseTo((perShare * (10 * 100 * delta)) / 1000, 12);
  });

  it('answers NaN with a reason when the traded symbol has too little history, which the cap turns into VAR_UNAVAILABLE', () => {
    const w = world({ days: 20 });
    expect(w.service.varAfterTrade(trade(equity('AAPL'), 10))).toBeNaN();
    expect(w.service.estimateAfterTrade(trade(equity('AAPL'), 10))).toEqual({
      ok: false,
      reason: expect.stringContaining('AAPL: 20 daily close(s) kept; VaR needs at least 31') as string,
    });
    expect(largestWithinVar(10, (k) => w.service.varAfterTrade(trade(equity('AAPL'), k)), 0.05)).toMatchObject({ ok: false });
    expect(world().service.varAfterTrade(trade(equity('ZZZ'), 10))).toBeNaN();
  });

  it('rebuilds its covariance when a new trading day closes', () => {
    const w = world({ days: 100 });
    const spot0 = w.closes.AAPL!.at(-1)!;
    const before = w.service.varAfterTrade(trade(equity('AAPL'), 100)) / spot0;
    const bar = dailyBar('AAPL', weekdays(101).at(-1)!, Math.round(spot0 * 1.2 * 100) / 100); // a large move
    w.clock.set(bar.ts);
    w.marks.onBar(bar);
    w.service.onBar(bar);
    // Per currency unit of exposure (the spot moved too): only a rebuilt σ can change it.
    const after = w.service.varAfterTrade(trade(equity('AAPL'), 100)) / bar.close;
    const kept = [...w.closes.AAPL!, bar.close];
    const sd = sampleSd(kept.slice(1).map((c, t) => Math.log(c / kept[t]!)));
    expect(after).toBeGreaterThan(before);
    expect(after).toBeCloseTo((Z99 * sd * 100) / 1_000_000, 12);
  });
});
