import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runBacktest } from '../../engine/backtest/runBacktest.js';
import { InputError } from '../../engine/domain/errors.js';
import { equity as equityInstrument, optionContract, parseOccSymbol, type OptionContract } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Order } from '../../engine/domain/orders.js';
import type { Signal } from '../../engine/domain/signal.js';
import { addDays, isWeekday, nyWallTimeToUtc, sessionCloseUtc, sessionOpenUtc } from '../../engine/domain/session.js';
import type { ChainExpiry, ChainQuote } from '../../engine/market/optionChains.js';
import { generateOptionChain, resolveChainOptions } from '../../engine/market/optionChains.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import {
  buildCreditSpread,
  createSpxCreditSpreads,
  creditExitReason,
  isZeroDteWeekday,
  parseSpxCreditSpreadsParams,
  SPX_CREDIT_SPREADS_UNIVERSE,
  spreadWidth,
} from '../../engine/strategies/spxCreditSpreads.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import { FakeLegView } from './fakeViews.js';


const TUESDAY = '2026-11-17';
const WEDNESDAY = '2026-11-18';
const THURSDAY = '2026-11-19';

/** The 5-minute bar `k` (0 = 09:30–09:35) of a New York session. */
function bar5(symbol: string, date: string, k: number, close: number): Bar {
  return { symbol, timeframe: '5m', ts: sessionOpenUtc(date) + (k + 1) * 300_000, open: close, high: close, low: close, close, volume: 1e6 };
}

/** 30 daily bars before `date`, ±1 % zigzag around `level`: the mark model's volatility (the strategy ignores daily bars). */
function history(symbol: string, level: number, before = TUESDAY): Bar[] {
  const out: Bar[] = [];
  for (let d = addDays(before, -1); out.length < 30; d = addDays(d, -1)) {
    if (!isWeekday(d)) continue;
    const c = level * (1 + 0.01 * ((out.length % 3) - 1));
    out.unshift({ symbol, timeframe: '1d', ts: sessionCloseUtc(d), open: c, high: c, low: c, close: c, volume: 1e6 });
  }
  return out;
}

function setup(params: Record<string, unknown> = {}, symbols: readonly string[] = ['SPX'], level = (s: string) => (s === 'SPX' ? 7000 : 700)) {
  const marks = new OptionMarkModel();
  const bot = createSpxCreditSpreads({ marks, params });
  const view = new FakeLegView();
  for (const s of symbols) for (const b of history(s, level(s))) {
    marks.onBar(b);
    expect(bot.onBar(b, view)).toBeNull();
  }
  const feed = (b: Bar): Signal | null => {
    marks.onBar(b);
    return bot.onBar(b, view);
  };
  return { marks, bot, view, feed };
}

function legs(s: Signal): { short: OptionContract; long: OptionContract } {
  const l = s.intent.legs!;
  return { short: l[0]!.instrument, long: l[1]!.instrument };
}

function hold(view: FakeLegView, s: Signal): void {
  const { short, long } = legs(s);
  view.held.set(s.symbol, [{ instrument: short, quantity: -s.intent.quantity }, { instrument: long, quantity: s.intent.quantity }]);
}

describe('spx credit spreads entry', () => {
  it('identifies itself: id, SPEC §1.7 tickers, 5-minute bars', () => {
    const bot = createSpxCreditSpreads({ marks: new OptionMarkModel() });
    expect(bot.id).toBe('spx-credit-spreads');
    expect(bot.timeframe).toBe('5m');
    expect(bot.universe).toBe(SPX_CREDIT_SPREADS_UNIVERSE);
    expect([...bot.universe]).toEqual(['SPX', 'SPY', 'QQQ', 'IWM']);
  });

  it('sells nothing on a Tuesday, then on Wednesday sells at the first scan (09:35) the best-ranked 0DTE vertical as one order', () => {
    const { feed, marks } = setup();
    const tuesday = Array.from({ length: 78 }, (_, k) => feed(bar5('SPX', TUESDAY, k, 7000)));
    expect(tuesday.every((s) => s === null)).toBe(true);
    const s = feed(bar5('SPX', WEDNESDAY, 0, 7000))!;
    const ts = bar5('SPX', WEDNESDAY, 0, 0).ts;
    expect(s).toMatchObject({ id: `spx-credit-spreads:SPX:${ts}:entry`, kind: 'entry', symbol: 'SPX', ts });
    const { short, long } = legs(s);
    expect(short.expiry).toBe(WEDNESDAY);
    expect(long.expiry).toBe(WEDNESDAY);
    expect(s.intent).toMatchObject({ side: 'sell', type: 'market', limitPrice: null, signalId: s.id });
    expect(s.intent.legs!.map((l) => l.side)).toEqual(['sell', 'buy']);
    // The same chain the rules build: volatility level from the mark model, today's expiry only.
    const vol = marks.volatility('SPX');
    const chain = generateOptionChain(
      { underlying: 'SPX', asOf: ts, spot: 7000, closes: [], seed: 'spx-credit-spreads' },
      resolveChainOptions({ weeklyHorizonDays: 0, monthlyHorizonDays: 0, indexDailyHorizonDays: 1, fallbackVol: vol }),
    );
    const exp = chain.expiries.find((e) => e.expiry === WEDNESDAY)!;
    const p = parseSpxCreditSpreadsParams();
    const price = (right: 'P' | 'C') => (strike: string) => marks.price(optionContract({ underlying: 'SPX', expiry: WEDNESDAY, right, strike }), ts, 7000);
    const put = buildCreditSpread(exp, 'put', 7000, p, price('P'))!;
    const call = buildCreditSpread(exp, 'call', 7000, p, price('C'))!;
    const best = put.rank >= call.rank ? put : call;
    expect(short.symbol).toBe(best.short.symbol);
    expect(long.strike.toNumber()).toBe(best.longStrikePrice);
    expect(s.features.direction).toBe(best.side === 'put' ? 1 : -1);
    // SPX: width min(10, max(5, 140)) = 10; the credit is what the venue fills at.
    expect(Math.abs(short.strike.minus(long.strike).toNumber())).toBe(10);
    expect(s.features.credit).toBeCloseTo(price(short.right)(short.strike.toFixed()) - price(long.right)(long.strike.toFixed()), 12);
    expect(s.features.probProfit).toBeCloseTo(1 - Math.abs(best.short.delta), 12);
    expect(s.features.confidence).toBe(s.features.probProfit);
    expect(s.strength).toBeCloseTo(100 * s.features.probProfit!, 9);
    expect(s.features.riskReward).toBeUndefined();
    expect(s.features.creditToMaxLoss).toBeCloseTo(s.features.credit! / (10 - s.features.credit!), 12);
    // Sized on max loss: 4 % of equity, at most 5.
    expect(s.intent.quantity).toBe(Math.min(5, Math.floor(4000 / ((10 - s.features.credit!) * 100))));
  });

  it('scans every 15 minutes: an entry that came to nothing is tried again at the next slot, not the next bar', () => {
    const { feed } = setup();
    const out = Array.from({ length: 6 }, (_, k) => feed(bar5('SPX', WEDNESDAY, k, 7000)));
    // 09:35 entry; 09:40 and 09:45 nothing (no order, no position: abandoned, waiting for the slot); 09:50 again.
    expect(out.map((s) => s?.kind ?? null)).toEqual(['entry', null, null, 'entry', null, null]);
  });

  it('scanStart moves the first scan, and nothing opens from the entry cut-off on', () => {
    const later = setup({ scanStart: '10:00' });
    const a = Array.from({ length: 8 }, (_, k) => later.feed(bar5('SPX', WEDNESDAY, k, 7000)));
    expect(a.findIndex((s) => s !== null)).toBe(5); // the bar ending 10:00
    const late = setup({ scanStart: '14:20', scanIntervalMinutes: 5 });
    const b = Array.from({ length: 78 }, (_, k) => late.feed(bar5('SPX', WEDNESDAY, k, 7000)));
    const times = b.map((s, k) => (s === null ? null : k)).filter((k) => k !== null);
    // 14:20 (k 57) and 14:25 (k 58); 14:30 is the cut-off.
    expect(times).toEqual([57, 58]);
  });

  it('trades only where a 0DTE expiry is listed: IWM only on Fridays, never a Tuesday or Thursday', () => {
    const { feed } = setup({}, ['IWM', 'SPY']);
    expect(Array.from({ length: 78 }, (_, k) => feed(bar5('IWM', WEDNESDAY, k, 200))).every((s) => s === null)).toBe(true);
    expect(Array.from({ length: 78 }, (_, k) => feed(bar5('SPY', THURSDAY, k, 700))).every((s) => s === null)).toBe(true);
    expect(feed(bar5('IWM', '2026-11-20', 0, 200))?.kind).toBe('entry');
    expect(isZeroDteWeekday('2026-11-16')).toBe(true);
    expect(isZeroDteWeekday(TUESDAY)).toBe(false);
  });

  it('does not open while an order works, while something is held, past maxPositions, or without room for one spread', () => {
    const working = setup();
    working.view.working.add('SPX');
    expect(working.feed(bar5('SPX', WEDNESDAY, 0, 7000))).toBeNull();
    const poor = setup();
    poor.view.eq = new Decimal(100);
    expect(poor.feed(bar5('SPX', WEDNESDAY, 0, 7000))).toBeNull();
    const one = setup({ maxPositions: 1 }, ['SPX', 'SPY']);
    expect(one.feed(bar5('SPX', WEDNESDAY, 0, 7000))?.kind).toBe('entry');
    // SPX's entry is still working toward a fill: SPY's is not raised.
    one.view.working.add('SPX');
    expect(one.feed(bar5('SPY', WEDNESDAY, 0, 700))).toBeNull();
  });

  it('ignores daily bars, other symbols and repeated bars', () => {
    const { feed, bot, view } = setup();
    expect(feed({ ...bar5('SPX', WEDNESDAY, 0, 7000), timeframe: '1d' })).toBeNull();
    expect(feed(bar5('AAPL', WEDNESDAY, 0, 200))).toBeNull();
    const b = bar5('SPX', WEDNESDAY, 0, 7000);
    expect(feed(b)).not.toBeNull();
    expect(bot.onBar(b, view)).toBeNull();
  });
});

describe('spx credit spreads exits', () => {
  /** Entry at 09:35 Wednesday, held from 09:40; then each later bar's close from `path`. */
  function afterEntry(path: (k: number) => number, params: Record<string, unknown> = {}) {
    const { feed, view, marks } = setup(params);
    const entry = feed(bar5('SPX', WEDNESDAY, 0, 7000))!;
    hold(view, entry);
    const results: Array<{ bar: Bar; signal: Signal | null; value: number }> = [];
    const { short, long } = legs(entry);
    for (let k = 1; k < 78; k++) {
      const bar = bar5('SPX', WEDNESDAY, k, path(k));
      const signal = feed(bar);
      results.push({ bar, signal, value: marks.price(short, bar.ts, bar.close) - marks.price(long, bar.ts, bar.close) });
      if (signal !== null) break;
    }
    return { entry, results };
  }

  const away = (sign: number) => (k: number) => 7000 * (1 + sign * 0.0004 * k);

  it("buys back on the first bar the spread has lost 25 % of its credit ('target'), both legs in one order", () => {
    const probe = afterEntry(() => 7000);
    const put = legs(probe.entry).short.right === 'P';
    const { entry, results } = afterEntry(away(put ? 1 : -1));
    const credit = entry.features.credit!;
    const hit = results.findIndex((r) => r.signal !== null);
    expect(hit).toBeGreaterThanOrEqual(0);
    expect(results.slice(0, hit).every((r) => r.value > 0.75 * credit)).toBe(true);
    expect(results[hit]!.value).toBeLessThanOrEqual(0.75 * credit + 1e-9);
    const exit = results[hit]!.signal!;
    expect(exit).toMatchObject({ kind: 'exit', strength: 100, id: `spx-credit-spreads:SPX:${results[hit]!.bar.ts}:exit` });
    expect(exit.reason).toMatch(/^target:/);
    const { short, long } = legs(entry);
    // Buy back the short, sell the long: a debit, side 'buy'.
    expect(exit.intent).toMatchObject({ side: 'buy', type: 'market', quantity: entry.intent.quantity });
    expect(exit.intent.legs!.map((l) => [l.instrument.symbol, l.side])).toEqual([
      [short.symbol, 'buy'],
      [long.symbol, 'sell'],
    ]);
  });

  it("stops on the first bar the loss reaches 75 % of the credit ('stop')", () => {
    const probe = afterEntry(() => 7000);
    const put = legs(probe.entry).short.right === 'P';
    const { entry, results } = afterEntry(away(put ? -1 : 1));
    const credit = entry.features.credit!;
    const hit = results.findIndex((r) => r.signal !== null);
    expect(hit).toBeGreaterThan(0);
    expect(results.slice(0, hit).every((r) => r.value < 1.75 * credit && r.value > 0.75 * credit)).toBe(true);
    expect(results[hit]!.value).toBeGreaterThanOrEqual(1.75 * credit - 1e-9);
    expect(results[hit]!.signal!.reason).toMatch(/^stop:/);
  });

  it("closes at 15:00 New York ('time'), not at 14:55", () => {
    const probe = afterEntry(() => 7000);
    const strike = legs(probe.entry).short.strike.toNumber();
    // At the short strike with the target and stop out of reach, only the clock closes it.
    const { results } = afterEntry(() => strike, { profitTargetPct: 0.99, stopLossPct: 100 });
    const hit = results.findIndex((r) => r.signal !== null);
    expect(results[hit]!.bar.ts).toBe(nyWallTimeToUtc(WEDNESDAY, 15, 0));
    expect(results[hit]!.signal!.reason).toMatch(/^time:/);
  });

  it('retries an exit that never became an order; once flat it scans again in the window', () => {
    const { feed, view } = setup({ profitTargetPct: 0.01 });
    const entry = feed(bar5('SPX', WEDNESDAY, 0, 7000))!;
    hold(view, entry);
    const put = legs(entry).short.right === 'P';
    const far = 7000 * (put ? 1.01 : 0.99);
    const x1 = feed(bar5('SPX', WEDNESDAY, 1, far))!;
    expect(x1.kind).toBe('exit');
    const x2 = feed(bar5('SPX', WEDNESDAY, 2, far))!;
    expect(x2.kind).toBe('exit');
    expect(x2.id).not.toBe(x1.id);
    view.held.delete('SPX');
    // Flat at 09:50, a scan slot: a new spread.
    expect(feed(bar5('SPX', WEDNESDAY, 3, far))?.kind).toBe('entry');
  });

  it('closes what an assignment left (shares) the next session as unmanaged, and adopts a credit spread it did not open', () => {
    const { feed, view } = setup();
    view.held.set('SPX', [{ instrument: equityInstrument('SPX'), quantity: 100 }]);
    const s = feed(bar5('SPX', THURSDAY, 0, 7000))!;
    expect(s.reason).toMatch(/^unmanaged:/);
    expect(s.intent).toMatchObject({ instrument: equityInstrument('SPX'), side: 'sell', quantity: 100 });

    const adopt = setup({ profitTargetPct: 0.01 });
    const short = parseOccSymbol('SPX   261118P06990000');
    const long = parseOccSymbol('SPX   261118P06980000');
    adopt.view.held.set('SPX', [{ instrument: short, quantity: -2 }, { instrument: long, quantity: 2 }]);
    expect(adopt.feed(bar5('SPX', WEDNESDAY, 0, 7000))).toBeNull();
    const x = adopt.feed(bar5('SPX', WEDNESDAY, 1, 7050))!;
    expect(x.reason).toMatch(/^target:/);
    expect(x.intent.quantity).toBe(2);
  });
});

function quote(right: 'P' | 'C', strike: number, delta: number, o: Partial<ChainQuote> = {}): ChainQuote {
  const c = optionContract({ underlying: 'SPY', expiry: WEDNESDAY, right, strike });
  return {
    symbol: c.symbol, expiry: WEDNESDAY, right, strike: String(strike), strikePrice: strike, dte: 0, mid: 1, bid: 0.9, ask: 1.1, iv: 0.2,
    delta, gamma: 0, theta: 0, vega: 0, rho: 0, openInterest: 1000, volume: 100, ...o,
  };
}

function expiryOf(puts: ChainQuote[]): ChainExpiry {
  return {
    expiry: WEDNESDAY, dte: 0, years: 0.001, monthly: false, forward: 700, atmVol: 0.2, strikeStep: '1',
    strikes: puts.map((q) => q.strike), calls: puts.map((q) => ({ ...q, right: 'C' as const, delta: 1 + q.delta })), puts,
  };
}

describe('spx credit spreads rules (pure)', () => {
  const p = parseSpxCreditSpreadsParams();

  it('width: min(10, max(5, 2 % of spot))', () => {
    expect(spreadWidth(7000, p)).toBe(10);
    expect(spreadWidth(400, p)).toBe(8);
    expect(spreadWidth(200, p)).toBe(5);
  });

  it('short leg: the liquid put with |Δ| nearest 0.30; long leg: the listed strike nearest short − width, priced on its own strike', () => {
    const puts = [680, 685, 688, 689, 690, 695, 700].map((k) => quote('P', k, -(0.05 + (k - 680) * 0.015)));
    // 695: |Δ| 0.275, 700: 0.35 → 695 is nearest 0.30. Width 14 capped at 10 → 685 (listed), not 688.
    const prices: Record<string, number> = { '695': 3, '685': 1.2, '688': 1.5 };
    const c = buildCreditSpread(expiryOf(puts), 'put', 700, p, (k) => prices[k] ?? 0)!;
    expect(c.short.strikePrice).toBe(695);
    expect(c.longStrikePrice).toBe(685);
    expect(c.credit).toBeCloseTo(1.8, 12);
    expect(c.width).toBe(10);
    expect(c.maxLoss).toBeCloseTo(8.2, 12);
    expect(c.probProfit).toBeCloseTo(0.725, 12);
    expect(c.rank).toBeCloseTo((0.725 * 1.8) / 8.2, 12);
  });

  it('skips an illiquid short leg, takes a tie further out, and keeps only a credit above 0.10', () => {
    const puts = [
      quote('P', 684, -0.05), quote('P', 686, -0.06),
      quote('P', 695, -0.3, { bid: 0.05 }), // the exact 0.30 is not bid above 0.05
      quote('P', 696, -0.32, { volume: 0, openInterest: 10 }), // nor liquid
      quote('P', 694, -0.26),
    ].sort((a, b) => a.strikePrice - b.strikePrice);
    const c = buildCreditSpread(expiryOf(puts), 'put', 700, p, (k) => (k === '694' ? 1 : 0.5))!;
    expect(c.short.strikePrice).toBe(694);
    // 694 − 10 = 684: listed.
    expect(c.longStrikePrice).toBe(684);
    // 685 is 1 from both 684 and 686: the one further out.
    const tie = buildCreditSpread(expiryOf(puts), 'put', 700, { ...p, maxWidth: 9, minWidth: 9 }, (k) => (k === '694' ? 1 : 0.5))!;
    expect(tie.longStrikePrice).toBe(684);
    expect(buildCreditSpread(expiryOf(puts), 'put', 700, p, (k) => (k === '694' ? 0.6 : 0.5))).toBeNull();
    expect(buildCreditSpread(expiryOf(puts), 'put', 700, p, (k) => (k === '694' ? 0.61 : 0.5))).not.toBeNull();
  });

  it('call spreads mirror it: the long leg above the short, and none without a listed strike beyond the short', () => {
    // Calls with |Δ| 0.50, 0.45, 0.40, 0.35, 0.30 at 700…720 (built as puts of Δ −(1 − call Δ)).
    const calls = [700, 705, 710, 715, 720].map((k) => quote('P', k, -(0.5 + (k - 700) * 0.01)));
    expect(buildCreditSpread(expiryOf(calls), 'call', 700, p, () => 1)).toBeNull();
    const wider = expiryOf([...calls, quote('P', 730, -0.8)]);
    const d = buildCreditSpread(wider, 'call', 700, p, (k) => (k === '720' ? 1 : 0.2))!;
    expect(d).toMatchObject({ side: 'call', longStrikePrice: 730, width: 10 });
    expect(d.short.strikePrice).toBe(720);
    expect(d.credit).toBeCloseTo(0.8, 12);
    // 720 + 9 = 729 lies between 728 and 730: the tie goes further out of the money.
    const tie = expiryOf([...calls, quote('P', 728, -0.78), quote('P', 730, -0.8)]);
    expect(buildCreditSpread(tie, 'call', 700, { ...p, minWidth: 9, maxWidth: 9 }, (k) => (k === '720' ? 1 : 0.2))!.longStrikePrice).toBe(730);
  });

  it('exit reasons in order: target, stop, time', () => {
    const plan = { targetValue: 1.5, stopValue: 3.5, exitAt: 100 };
    expect(creditExitReason(1.5, 0, plan)).toBe('target');
    expect(creditExitReason(1.51, 0, plan)).toBeNull();
    expect(creditExitReason(3.5, 0, plan)).toBe('stop');
    expect(creditExitReason(3.49, 0, plan)).toBeNull();
    expect(creditExitReason(2, 100, plan)).toBe('time');
    expect(creditExitReason(2, 99, plan)).toBeNull();
    expect(creditExitReason(1, 200, plan)).toBe('target');
  });
});

describe('spx credit spreads parameters', () => {
  it('defaults are SPEC §1.7 with the production wrapper’s stop, time exit and limits', () => {
    expect(parseSpxCreditSpreadsParams()).toEqual({
      targetDelta: 0.3, widthPct: 0.02, minWidth: 5, maxWidth: 10, minCredit: 0.1, minBidAsk: 0.05, minVolume: 10, minOpenInterest: 50,
      sides: ['put', 'call'], profitTargetPct: 0.25, stopLossPct: 0.75, exitAt: '15:00', scanStart: '09:35', scanIntervalMinutes: 15,
      entryCutoff: '14:30', riskPct: 0.04, maxContracts: 5, maxPositions: 3,
    });
  });

  it('refuses bad values naming the field, unknown keys and inconsistent times', () => {
    const field = (input: unknown) => {
      try {
        parseSpxCreditSpreadsParams(input);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).field;
      }
      return null;
    };
    expect(field({ targetDelta: 1 })).toBe('targetDelta');
    expect(field({ minWidth: 20 })).toBe('minWidth');
    expect(field({ sides: ['put', 'put'] })).toBe('sides');
    expect(field({ sides: ['strangle'] })).toBe('sides.0');
    expect(field({ exitAt: '14:00' })).toBe('exitAt');
    expect(field({ exitAt: '16:30' })).toBe('exitAt');
    expect(field({ scanStart: '9:35' })).toBe('scanStart');
    expect(field({ entryCutoff: '09:00' })).toBe('entryCutoff');
    expect(field({ profitTarget: 0.25 })).toBe('profitTarget');
    expect(field({})).toBeNull();
  });

  it('updateParams validates the whole set and changes nothing on error', () => {
    const bot = createSpxCreditSpreads({ marks: new OptionMarkModel() });
    expect(() => bot.updateParams!({ entryCutoff: '15:30' })).toThrow(InputError);
    expect(bot.params!().entryCutoff).toBe('14:30');
    expect(bot.updateParams!({ sides: ['put'], targetDelta: 0.2 })).toMatchObject({ sides: ['put'], targetDelta: 0.2 });
  });

  it('with only puts it sells only put spreads', () => {
    const { feed } = setup({ sides: ['put'] });
    const s = feed(bar5('SPX', WEDNESDAY, 0, 7000))!;
    expect(legs(s).short.right).toBe('P');
    expect(legs(s).long.strike.lt(legs(s).short.strike)).toBe(true);
  });
});

describe('spx credit spreads on the bundled data', () => {
  it('replays the 5-minute sessions through runBacktest and completes a spread (entry and exit orders filled)', async () => {
    const orders = new Map<string, Order>();
    const store = new InMemoryStore();
    const opts = { strategy: 'spx-credit-spreads', seed: 42, initialCash: '100000', logger: pino({ enabled: false }) };
    const report = await runBacktest({ ...opts, store, observe: (node) => node.bus.subscribe('order.updated', (o) => orders.set(o.clientOrderId, o)) });
    const filled = [...orders.values()].filter((o) => o.status === 'filled');
    // Entries sell the spread (a credit), exits buy it back; each one order with two legs of a 0DTE expiry.
    const entries = filled.filter((o) => o.side === 'sell' && o.legs?.length === 2);
    const exits = filled.filter((o) => o.side === 'buy' && o.legs?.length === 2);
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(exits.length).toBeGreaterThanOrEqual(1);
    for (const o of entries) expect(new Date(o.createdAt).toISOString().slice(0, 10) <= o.legs![0]!.instrument.expiry).toBe(true);
    expect(report.trades).toBeGreaterThanOrEqual(1);
    const signals = await store.listSignals('spx-credit-spreads');
    expect(signals.some((s) => s.kind === 'entry' && s.decision === 'accepted')).toBe(true);
    expect(signals.some((s) => s.kind === 'exit' && s.decision === 'accepted')).toBe(true);
    const again = await runBacktest(opts);
    expect(again.orderLogSha256).toBe(report.orderLogSha256);
  });
});
