import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../engine/domain/errors.js';
import type { OptionContract } from '../../engine/domain/instrument.js';
import { equity as equityInstrument, optionContract } from '../../engine/domain/instrument.js';
import type { Bar, Timeframe } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import { addDays, isWeekday, nyWallTimeToUtc, sessionCloseUtc } from '../../engine/domain/session.js';
import { nearestExpiry } from '../../engine/market/expiries.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import {
  createWsbDipBot,
  entryStrength,
  parseWsbDipBotParams,
  WSB_DIP_BOT_PRESETS,
  WSB_DIP_BOT_UNIVERSE,
} from '../../engine/strategies/wsbDipBot.js';
import { FakeView } from './fakeViews.js';

/** Consecutive weekdays from 2025-01-02. */
function tradingDates(n: number, start = '2025-01-02'): string[] {
  const out: string[] = [];
  for (let d = start; out.length < n; d = addDays(d, 1)) if (isWeekday(d)) out.push(d);
  return out;
}

function dailyBar(symbol: string, date: string, close: number): Bar {
  return { symbol, timeframe: '1d', ts: sessionCloseUtc(date), open: close, high: close, low: close, close, volume: 1e6 };
}

function bar(symbol: string, ts: number, close: number, timeframe: Timeframe): Bar {
  return { symbol, timeframe, ts, open: close, high: close, low: close, close, volume: 1e6 };
}


/**
 * Production preset (lookback 7): 9 closes. close[0] = 100, a climb to
 * close[7] = `top`, then close[8] = top × (1 + dip). Run = top/100 − 1.
 */
function series(top: number, dip: number): number[] {
  const closes = [100];
  for (let i = 1; i <= 7; i++) closes.push(100 + ((top - 100) * i) / 7);
  closes.push(top * (1 + dip));
  return closes;
}

function feed(closes: readonly number[], symbol = 'AAPL', view = new FakeView(), marks = new OptionMarkModel(), params = {}) {
  const bot = createWsbDipBot({ params, marks });
  const dates = tradingDates(closes.length);
  const signals = closes.map((c, i) => bot.onBar(dailyBar(symbol, dates[i]!, c), view));
  return { bot, view, marks, dates, signals };
}

describe('wsb dip bot entry', () => {
  it('identifies itself, its universe and timeframe', () => {
    const bot = createWsbDipBot({ marks: new OptionMarkModel() });
    expect(bot.id).toBe('wsb-dip-bot');
    expect(bot.timeframe).toBe('1d');
    expect(bot.universe).toEqual(['AAPL', 'MSFT', 'GOOGL', 'META', 'NVDA', 'AMD', 'AVGO', 'TSLA', 'AMZN', 'NFLX', 'CRM', 'COST', 'ADBE', 'V', 'MA', 'LIN']);
    expect(WSB_DIP_BOT_UNIVERSE).toHaveLength(16);
  });

  it('enters on exactly the bar where dip and run both hold', () => {
    const closes = [...series(110, -0.03), 104, 103];
    const { signals, dates, marks } = feed(closes);
    expect(signals.slice(0, 8).every((s) => s === null)).toBe(true);
    const s = signals[8]!;
    expect(s).not.toBeNull();
    // The next bars fall again, but the run measured from them is not a run any more.
    expect(signals[9]).toBeNull();
    expect(signals[10]).toBeNull();

    const ts = sessionCloseUtc(dates[8]!);
    expect(s.id).toBe(`wsb-dip-bot:AAPL:${ts}:entry`);
    expect(s).toMatchObject({ strategyId: 'wsb-dip-bot', symbol: 'AAPL', kind: 'entry', ts });
    const spot = 110 * 0.97;
    const expiry = nearestExpiry(dates[8]!, 21);
    const contract = s.intent.instrument as OptionContract;
    expect(contract).toMatchObject({ kind: 'option', underlying: 'AAPL', right: 'C', expiry });
    expect(contract.strike.toNumber()).toBe(Math.round(spot * 1.03)); // 109.90 → 110
    expect(contract.strike.toNumber()).toBe(110);
    const premium = marks.price(optionContract({ underlying: 'AAPL', expiry, right: 'C', strike: 110 }), ts, spot);
    const contracts = Math.floor((100_000 * 0.1) / (premium * 100));
    expect(contracts).toBeGreaterThan(0);
    expect(s.intent).toMatchObject({ strategyId: 'wsb-dip-bot', side: 'buy', quantity: contracts, type: 'market', limitPrice: null, signalId: s.id });
    expect(s.features.ret).toBeCloseTo(-0.03, 12);
    expect(s.features.run).toBeCloseTo(0.1, 12);
    expect(s.features.premium).toBe(premium);
    expect(s.features.contracts).toBe(contracts);
    expect(s.features.vol).toBe(0.3);
    expect(s.reason).toMatch(/dip -3.00% after a 10.00% run over 7 days/);
  });

  it('does not enter one bar early: the run needs lookback + 2 closes', () => {
    // The same shape one bar shorter: only 8 closes, the dip on the 8th.
    const closes = series(110, -0.03).slice(1);
    closes[0] = 100;
    const { signals } = feed(closes);
    expect(signals.every((s) => s === null)).toBe(true);
  });

  it('does not enter when the run is one basis point short, and does at the threshold', () => {
    expect(feed(series(107.99, -0.03)).signals[8]).toBeNull();
    expect(feed(series(108, -0.03)).signals[8]).not.toBeNull();
  });

  it('does not enter when the dip is one basis point short, and does at the threshold', () => {
    expect(feed(series(110, -0.0199)).signals[8]).toBeNull();
    expect(feed(series(110, -0.02)).signals[8]).not.toBeNull();
  });

  it('counts a threshold met exactly in decimal prices, although the double division lands an ulp short', () => {
    // 102.9 / 105 − 1 = −0.019999999999999907 and 112.32 / 104 − 1 = 0.07999999999999985 in doubles.
    expect(feed([97, 98, 99, 100, 101, 102, 103, 105, 102.9]).signals[8]).not.toBeNull();
    expect(feed([104, 105, 106, 107, 108, 109, 110, 112.32, 108]).signals[8]).not.toBeNull();
  });

  it('uses the implementation preset when given it', () => {
    // 10 % run over 10 days then −3 %: the production-shaped series is too short for lookback 10.
    const closes = [100, ...Array.from({ length: 10 }, (_, i) => 100 + i + 1), 110 * 0.97];
    expect(feed(closes, 'NVDA', new FakeView(), new OptionMarkModel(), WSB_DIP_BOT_PRESETS.implementation).signals[11]).not.toBeNull();
    expect(feed(closes.slice(1), 'NVDA', new FakeView(), new OptionMarkModel(), WSB_DIP_BOT_PRESETS.implementation).signals.every((s) => s === null)).toBe(true);
    const s = feed(closes, 'NVDA', new FakeView(), new OptionMarkModel(), WSB_DIP_BOT_PRESETS.implementation).signals[11]!;
    expect((s.intent.instrument as OptionContract).strike.toNumber()).toBe(Math.round(110 * 0.97 * 1.05));
  });

  it('sizes by floor(equity × riskPct / (premium × 100)) and gives no signal below one contract', () => {
    const probe = feed(series(110, -0.03));
    const premium = probe.signals[8]!.features.premium!;
    const oneContract = new Decimal(premium).times(100).div(0.1); // equity for exactly 1 contract

    const v1 = new FakeView();
    v1.eq = oneContract.times(1.999);
    expect(feed(series(110, -0.03), 'AAPL', v1).signals[8]!.intent.quantity).toBe(1);
    const v3 = new FakeView();
    v3.eq = oneContract.times(3.0001);
    expect(feed(series(110, -0.03), 'AAPL', v3).signals[8]!.intent.quantity).toBe(3);
    const v0 = new FakeView();
    v0.eq = oneContract.times(0.999);
    expect(feed(series(110, -0.03), 'AAPL', v0).signals[8]).toBeNull();
    const vNeg = new FakeView();
    vNeg.eq = new Decimal(-5);
    expect(feed(series(110, -0.03), 'AAPL', vNeg).signals[8]).toBeNull();
  });

  it('does not enter while holding the underlying or while an order is working on it', () => {
    const holding = new FakeView();
    holding.held.set('AAPL', { instrument: equityInstrument('AAPL'), quantity: 10, entryPrice: new Decimal(100), entryTs: 0 });
    expect(feed(series(110, -0.03), 'AAPL', holding).signals.every((s) => s === null)).toBe(true);
    const working = new FakeView();
    working.working.add('AAPL');
    expect(feed(series(110, -0.03), 'AAPL', working).signals.every((s) => s === null)).toBe(true);
    // Another symbol's order does not block this one.
    const other = new FakeView();
    other.working.add('MSFT');
    expect(feed(series(110, -0.03), 'AAPL', other).signals[8]).not.toBeNull();
  });

  it('ignores symbols outside the universe, intraday bars for entry, and a repeated daily bar', () => {
    expect(feed(series(110, -0.03), 'SPY').signals.every((s) => s === null)).toBe(true);
    const closes = series(110, -0.03);
    const bot = createWsbDipBot({ marks: new OptionMarkModel() });
    const view = new FakeView();
    const dates = tradingDates(9);
    for (let i = 0; i < 8; i++) expect(bot.onBar(dailyBar('MA', dates[i]!, closes[i]!), view)).toBeNull();
    // A 5-minute bar with the dip does not count as a daily close.
    expect(bot.onBar(bar('MA', nyWallTimeToUtc(dates[8]!, 10, 0), closes[8]!, '5m'), view)).toBeNull();
    const daily = dailyBar('MA', dates[8]!, closes[8]!);
    expect(bot.onBar(daily, view)).not.toBeNull();
    expect(bot.onBar(daily, view)).toBeNull();
  });
});

describe('entry strength', () => {
  const p = WSB_DIP_BOT_PRESETS.production;
  it('is 50 at the thresholds and 100 at twice them or beyond', () => {
    expect(entryStrength(0.08, -0.02, p)).toBe(50);
    expect(entryStrength(0.16, -0.04, p)).toBe(100);
    expect(entryStrength(0.5, -0.5, p)).toBe(100);
    expect(entryStrength(0.12, -0.02, p)).toBeCloseTo(62.5, 12);
    expect(entryStrength(0.08, -0.03, p)).toBeCloseTo(62.5, 12);
  });

  it('stays in [50, 100] and grows with the run and the dip (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.08, max: 5, noNaN: true }), fc.double({ min: -0.99, max: -0.02, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }), (run, ret, more) => {
        const s = entryStrength(run, ret, p);
        expect(s).toBeGreaterThanOrEqual(50);
        expect(s).toBeLessThanOrEqual(100);
        expect(entryStrength(run + more, ret, p)).toBeGreaterThanOrEqual(s);
        expect(entryStrength(run, ret - more, p)).toBeGreaterThanOrEqual(s);
      }),
      { seed: 8 },
    );
  });

  it('is carried on the entry signal', () => {
    expect(feed(series(110, -0.03)).signals[8]!.strength).toBeCloseTo(entryStrength(0.1, -0.03, p), 9);
  });
});

describe('wsb dip bot exits', () => {
  const date = '2025-01-06';
  const ts = sessionCloseUtc(date);
  const spot = 100;
  const farExpiry = '2025-02-21';

  function setup(contract: OptionContract, entry: number | ((mark: number) => number), entryTs = ts, quantity = 4) {
    const marks = new OptionMarkModel();
    const bot = createWsbDipBot({ marks });
    const view = new FakeView();
    const mark = marks.price(contract, ts, spot);
    const entryPrice = typeof entry === 'number' ? entry : entry(mark);
    view.held.set('AAPL', { instrument: contract, quantity, entryPrice: new Decimal(entryPrice), entryTs });
    return { bot, view, mark, delta: marks.greeks(contract, ts, spot).delta };
  }

  const otm = optionContract({ underlying: 'AAPL', expiry: farExpiry, right: 'C', strike: 105 });
  const itm = optionContract({ underlying: 'AAPL', expiry: farExpiry, right: 'C', strike: 95 });

  it('holds when no exit rule fires', () => {
    const { bot, view, delta } = setup(otm, (m) => m);
    expect(delta).toBeLessThan(0.5);
    expect(bot.onBar(dailyBar('AAPL', date, spot), view)).toBeNull();
  });

  it("exits at the target: mark ≥ targetMult × entry ('target')", () => {
    const { bot, view, mark } = setup(otm, (m) => m / 2.5);
    const s = bot.onBar(dailyBar('AAPL', date, spot), view)!;
    expect(s).toMatchObject({ id: `wsb-dip-bot:AAPL:${ts}:exit`, kind: 'exit', symbol: 'AAPL', ts, strength: 100 });
    expect(s.reason).toMatch(/^target:/);
    expect(s.intent).toMatchObject({ side: 'sell', quantity: 4, type: 'market', limitPrice: null, signalId: s.id });
    expect(s.intent.instrument).toBe(otm);
    expect(s.features.mark).toBe(mark);
    // Just below the target: no exit.
    expect(setup(otm, (m) => m / 2.4999).bot.onBar(dailyBar('AAPL', date, spot), setup(otm, (m) => m / 2.4999).view)).toBeNull();
  });

  it("exits when delta reaches deltaTarget ('delta')", () => {
    const { bot, view, delta } = setup(itm, (m) => m);
    expect(delta).toBeGreaterThanOrEqual(0.5);
    const s = bot.onBar(dailyBar('AAPL', date, spot), view)!;
    expect(s.reason).toMatch(/^delta:/);
    expect(s.features.delta).toBe(delta);
  });

  it("exits at the loss stop: mark ≤ lossStopMult × entry ('stop')", () => {
    const { bot, view } = setup(otm, (m) => m / 0.5);
    expect(bot.onBar(dailyBar('AAPL', date, spot), view)!.reason).toMatch(/^stop:/);
    const above = setup(otm, (m) => m / 0.5001);
    expect(above.bot.onBar(dailyBar('AAPL', date, spot), above.view)).toBeNull();
  });

  it("exits after maxMinutes since entry ('time'), not a minute before", () => {
    const late = setup(otm, (m) => m, ts - 360 * 60_000);
    expect(late.bot.onBar(dailyBar('AAPL', date, spot), late.view)!.reason).toMatch(/^time:/);
    const early = setup(otm, (m) => m, ts - 359 * 60_000);
    expect(early.bot.onBar(dailyBar('AAPL', date, spot), early.view)).toBeNull();
  });

  it("exits on the contract's expiry day ('expiry')", () => {
    const expiring = optionContract({ underlying: 'AAPL', expiry: date, right: 'C', strike: 101 });
    const morning = nyWallTimeToUtc(date, 10, 0);
    const marks = new OptionMarkModel();
    const bot = createWsbDipBot({ marks });
    const view = new FakeView();
    const mark = marks.price(expiring, morning, spot);
    expect(mark).toBeGreaterThan(0);
    expect(marks.greeks(expiring, morning, spot).delta).toBeLessThan(0.5);
    view.held.set('AAPL', { instrument: expiring, quantity: 2, entryPrice: new Decimal(mark), entryTs: morning });
    expect(bot.onBar(bar('AAPL', morning, spot, '5m'), view)!.reason).toMatch(/^expiry:/);
    // The day before, the same position is held.
    const dayBefore = nyWallTimeToUtc('2025-01-03', 10, 0);
    const prevMark = marks.price(expiring, dayBefore, spot);
    view.held.set('AAPL', { instrument: expiring, quantity: 2, entryPrice: new Decimal(prevMark), entryTs: dayBefore });
    expect(createWsbDipBot({ marks }).onBar(bar('AAPL', dayBefore, spot, '5m'), view)).toBeNull();
  });

  it('does not exit while an order is working on the underlying', () => {
    const { bot, view } = setup(otm, (m) => m / 2.5);
    view.working.add('AAPL');
    expect(bot.onBar(dailyBar('AAPL', date, spot), view)).toBeNull();
  });

  it('leaves positions that are not long options alone', () => {
    const { bot, view } = setup(otm, (m) => m / 2.5, ts, -3);
    expect(bot.onBar(dailyBar('AAPL', date, spot), view)).toBeNull();
  });

  it('follows a changed entry price and contract between bars', () => {
    const { bot, view, mark } = setup(otm, (m) => m);
    expect(bot.onBar(dailyBar('AAPL', date, spot), view)).toBeNull();
    view.held.set('AAPL', { instrument: otm, quantity: 4, entryPrice: new Decimal(mark / 3), entryTs: ts });
    const next = sessionCloseUtc('2025-01-07');
    expect(bot.onBar(bar('AAPL', next - 300_000, spot, '5m'), view)!.reason).toMatch(/^target:/);
  });
});

describe('parameters', () => {
  it('defaults to the production preset', () => {
    expect(parseWsbDipBotParams()).toEqual(WSB_DIP_BOT_PRESETS.production);
    expect(parseWsbDipBotParams({ lookback: 9 })).toEqual({ ...WSB_DIP_BOT_PRESETS.production, lookback: 9 });
  });

  it('has the SPEC presets', () => {
    expect(WSB_DIP_BOT_PRESETS.production).toEqual({
      lookback: 7, runPct: 0.08, dipPct: -0.02, targetDte: 21, otmPct: 0.03, riskPct: 0.1, targetMult: 2.5, deltaTarget: 0.5, lossStopMult: 0.5, maxMinutes: 360,
    });
    expect(WSB_DIP_BOT_PRESETS.implementation).toEqual({
      lookback: 10, runPct: 0.1, dipPct: -0.03, targetDte: 30, otmPct: 0.05, riskPct: 0.1, targetMult: 3, deltaTarget: 0.6, lossStopMult: 0.5, maxMinutes: 360,
    });
    expect(parseWsbDipBotParams(WSB_DIP_BOT_PRESETS.implementation)).toEqual(WSB_DIP_BOT_PRESETS.implementation);
  });

  const bad: [string, Record<string, unknown>][] = [
    ['lookback', { lookback: 0 }],
    ['lookback', { lookback: 2.5 }],
    ['lookback', { lookback: '7' }],
    ['runPct', { runPct: 0 }],
    ['runPct', { runPct: Number.NaN }],
    ['dipPct', { dipPct: 0.02 }],
    ['targetDte', { targetDte: 0 }],
    ['otmPct', { otmPct: -0.1 }],
    ['riskPct', { riskPct: 1.5 }],
    ['targetMult', { targetMult: 1 }],
    ['deltaTarget', { deltaTarget: 0 }],
    ['lossStopMult', { lossStopMult: 1 }],
    ['maxMinutes', { maxMinutes: -1 }],
    ['lookbak', { lookbak: 7 }],
  ];
  it.each(bad)('rejects a bad %s with an InputError naming it', (field, params) => {
    let err: unknown;
    try {
      createWsbDipBot({ params: params, marks: new OptionMarkModel() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe(field);
    expect((err as InputError).message.startsWith(`${field}: `)).toBe(true);
  });
});
