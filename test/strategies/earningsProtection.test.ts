import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { InputError } from '../../engine/domain/errors.js';
import { equity as equityInstrument, optionContract, type OptionContract } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Order } from '../../engine/domain/orders.js';
import type { Signal } from '../../engine/domain/signal.js';
import { addDays, daysBetween, sessionCloseUtc } from '../../engine/domain/session.js';
import { runBacktest } from '../../engine/backtest/runBacktest.js';
import { bundledDataRoot, loadEarningsCalendar, type EarningsEvent } from '../../engine/market/barLoader.js';
import { isTradingDay, nyDate } from '../../engine/market/expiries.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import { STRATEGY_UNIVERSES } from '../../engine/market/universes.js';
import {
  BRENNER_SUBRAHMANYAM,
  EARNINGS_PROTECTION_PRESETS,
  closingIntent,
  createEarningsProtection,
  crushRiskOf,
  deepItmSensitivity,
  historicalVolatility,
  ivProxy,
  lastSessionBefore,
  nextTradingDay,
  parseEarningsProtectionParams,
  previousTradingDay,
} from '../../engine/strategies/earningsProtection.js';
import type { HeldPosition, HeldQuantity, StrategyView } from '../../engine/strategies/types.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';

/** A view with the per-leg positions list, filled by hand as the paper venue would. */
class FakeView implements StrategyView {
  eq = new Decimal(100_000);
  book = new Map<string, HeldQuantity[]>();
  working = new Set<string>();
  now(): number {
    return 0;
  }
  equity(): Decimal {
    return this.eq;
  }
  holding(underlying: string): HeldPosition | undefined {
    const first = this.book.get(underlying)?.[0];
    return first === undefined ? undefined : { instrument: first.instrument, quantity: first.quantity, entryPrice: new Decimal(1), entryTs: 0 };
  }
  hasWorkingOrder(underlying: string): boolean {
    return this.working.has(underlying);
  }
  positions(underlying: string): readonly HeldQuantity[] {
    return this.book.get(underlying) ?? [];
  }
  /** Book what the signal's order would do, leg by leg. */
  fill(s: Signal): void {
    const legs = s.intent.legs ?? [{ instrument: s.intent.instrument as OptionContract, side: s.intent.side, ratio: 1 }];
    const list = [...(this.book.get(s.symbol) ?? [])];
    for (const l of legs) {
      const signed = (l.side === 'buy' ? 1 : -1) * s.intent.quantity;
      const i = list.findIndex((h) => h.instrument.symbol === l.instrument.symbol);
      const q = (i < 0 ? 0 : list[i]!.quantity) + signed;
      if (i >= 0) list.splice(i, 1);
      if (q !== 0) list.push({ instrument: l.instrument, quantity: q });
    }
    if (list.length === 0) this.book.delete(s.symbol);
    else this.book.set(s.symbol, list);
  }
}

const REPORT = '2025-03-13'; // a Thursday
const amc: EarningsEvent = { symbol: 'AAPL', date: REPORT, timing: 'AMC' };
const bmo: EarningsEvent = { symbol: 'AAPL', date: REPORT, timing: 'BMO' };

/**
 * Daily AAPL bars from 2024-11-01: ±0.1 % a day, then ±2.5 % a day from 2025-02-12, so
 * in the two weeks before the report the 20-day volatility (the chain's) stands well above
 * the 60-day one: a medium-or-higher crush risk on every day of the window.
 */
function bars(to = '2025-03-20', symbol = 'AAPL'): Bar[] {
  const out: Bar[] = [];
  let px = 200;
  let i = 0;
  for (let d = '2024-11-01'; d <= to; d = addDays(d, 1)) {
    if (!isTradingDay(d)) continue;
    const vol = d >= '2025-02-12' ? 0.025 : 0.001;
    px *= 1 + (i++ % 2 === 0 ? -vol : vol);
    out.push({ symbol, timeframe: '1d', ts: sessionCloseUtc(d), open: px, high: px, low: px, close: px, volume: 1_000_000 });
  }
  return out;
}

interface Run {
  readonly signals: Signal[];
  readonly view: FakeView;
  readonly dates: (kind: 'entry' | 'exit') => string[];
}

/** Feed the bars; with `fills`, every signal is booked at the next bar, as the paper venue fills at the next open. */
function drive(opts: { events?: readonly EarningsEvent[] | null; params?: Record<string, unknown>; view?: FakeView; fills?: boolean; series?: Bar[] } = {}): Run {
  const marks = new OptionMarkModel();
  const bot = createEarningsProtection({ marks, earnings: opts.events === undefined ? [amc] : opts.events, params: opts.params ?? {} });
  const view = opts.view ?? new FakeView();
  const signals: Signal[] = [];
  let pending: Signal | null = null;
  for (const b of opts.series ?? bars()) {
    marks.onBar(b);
    if (pending !== null) view.fill(pending);
    pending = null;
    const s = bot.onBar(b, view);
    if (s === null) continue;
    signals.push(s);
    if (opts.fills === true) pending = s;
  }
  return { signals, view, dates: (kind) => signals.filter((s) => s.kind === kind).map((s) => nyDate(s.ts)) };
}

function tradingDays(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTradingDay(d)) out.push(d);
  return out;
}

describe('earnings protection: entries on crafted bars', () => {
  it('identifies itself: id, daily bars, the names of SPEC §1.5', () => {
    const bot = createEarningsProtection({ marks: new OptionMarkModel(), earnings: [] });
    expect(bot.id).toBe('earnings-protection');
    expect(bot.timeframe).toBe('1d');
    expect(bot.universe).toEqual(STRATEGY_UNIVERSES['earnings-protection']);
    expect([...bot.universe].sort()).toEqual(['AAPL', 'AMD', 'CRM', 'GOOGL', 'META', 'MSFT', 'NVDA', 'TSLA']);
  });

  it('enters on the first session of the 14-day window, not the one before, with a deep-ITM call on the first expiry after the report', () => {
    const run = drive();
    const first = run.signals[0]!;
    expect(nyDate(first.ts)).toBe('2025-02-27'); // 14 days before 03-13; 02-26 is 15
    expect(first).toMatchObject({ id: `earnings-protection:AAPL:${first.ts}:entry`, kind: 'entry', symbol: 'AAPL' });
    const c = first.intent.instrument as OptionContract;
    expect(first.intent).toMatchObject({ side: 'buy', type: 'market', limitPrice: null, signalId: first.id });
    expect(first.intent.legs).toBeUndefined();
    expect(c.right).toBe('C');
    expect(c.expiry).toBe('2025-03-14');
    const spot = bars().find((b) => nyDate(b.ts) === '2025-02-27')!.close;
    expect(Math.abs(c.strike.toNumber() - 0.85 * spot)).toBeLessThanOrEqual(1.25); // nearest listed strike, $2.50 grid
    expect(first.features.crushTier).toBeGreaterThanOrEqual(1);
    expect(first.features.ivSensitivity).toBeCloseTo(deepItmSensitivity(first.features.chainPremium!, spot, c.strike.toNumber()), 12);
    expect(first.strength).toBeCloseTo(100 * (1 - first.features.ivSensitivity!), 12);
    expect(first.intent.quantity).toBe(Math.floor(6_000 / (first.features.premium! * 100)));
    // The original states neither: the validator judges confidence from the bars and assumes its reward/risk.
    expect(first.features.confidence).toBeUndefined();
    expect(first.features.riskReward).toBeUndefined();
  });

  it('keeps entering until the last close before an AMC report (the report day), and before a BMO one (the day before)', () => {
    // Nothing fills here, so each entry is abandoned the next session and set up again while the rule holds.
    expect(drive().dates('entry')).toEqual(tradingDays('2025-02-27', '2025-03-12'));
    expect(drive({ events: [bmo] }).dates('entry')).toEqual(tradingDays('2025-02-27', '2025-03-11'));
  });

  it('enters exactly when IV / HV first passes the medium tier', () => {
    const ratios = new Map(drive().signals.map((s) => [nyDate(s.ts), s.features.ivHvRatio!]));
    const [r1, r2] = [ratios.get('2025-02-27')!, ratios.get('2025-02-28')!];
    expect(r1).toBeLessThan(r2);
    const medium = (r1 + r2) / 2;
    expect(drive({ params: { crushMedium: medium, crushHigh: medium + 1, crushExtreme: medium + 2 } }).dates('entry')[0]).toBe('2025-02-28');
  });

  it('skips a low crush risk: the original IV proxy (no √(2π)) never reaches the medium tier here', () => {
    expect(drive({ params: EARNINGS_PROTECTION_PRESETS.original }).signals).toEqual([]);
  });

  it('trades nothing without an earnings calendar, or for a report of another name', () => {
    expect(drive({ events: null }).signals).toEqual([]);
    expect(drive({ events: [{ ...amc, symbol: 'MSFT' }] }).signals).toEqual([]);
  });

  it('falls back to the next structure when the least sensitive one is not affordable', () => {
    const view = new FakeView();
    view.eq = new Decimal(45_000); // 6 % = $2,700: under one deep-ITM call (~$3,000)
    const run = drive({ view });
    // 02-27: the front week (02-28) could not be bought back before it expires, and the strangle is over 0.5 sensitivity.
    expect(run.dates('entry')[0]).toBe('2025-02-28');
    expect(run.signals[0]!.features.ivSensitivity).toBe(0.2);
    expect(run.signals[0]!.intent.legs).toHaveLength(2);
  });

  it('refuses the strangle at the default maximum sensitivity (0.5) and buys it as one two-leg order at 0.6', () => {
    expect(drive({ params: { structures: ['long-strangle'] } }).signals).toEqual([]);
    const s = drive({ params: { structures: ['long-strangle'], maxIvSensitivity: 0.6 } }).signals[0]!;
    expect(nyDate(s.ts)).toBe('2025-02-27');
    const legs = s.intent.legs!;
    expect(legs.map((l) => [l.side, l.instrument.right, l.instrument.expiry])).toEqual([['buy', 'C', '2025-03-14'], ['buy', 'P', '2025-03-14']]);
    const spot = bars().find((b) => nyDate(b.ts) === '2025-02-27')!.close;
    expect(Math.abs(legs[0]!.instrument.strike.toNumber() - 1.05 * spot)).toBeLessThanOrEqual(1.25);
    expect(Math.abs(legs[1]!.instrument.strike.toNumber() - 0.95 * spot)).toBeLessThanOrEqual(1.25);
    expect(s.intent).toMatchObject({ side: 'buy', type: 'market', limitPrice: null, instrument: legs[0]!.instrument });
    expect(s.intent.quantity).toBe(Math.floor(2_000 / (s.features.premium! * 100))); // a third of 6 %
    expect(s.strength).toBeCloseTo(40, 12);
  });

  it('buys the calendar (sell the front ≤ report, buy the first after it, same ATM strike) from the first session it can be closed in time', () => {
    const s = drive({ params: { structures: ['calendar'] } }).signals[0]!;
    // On 02-27 the front would be 02-28, expiring before the position could be closed: 02-28 is the first entry.
    expect(nyDate(s.ts)).toBe('2025-02-28');
    const [buy, sell] = s.intent.legs!;
    expect([buy!.side, buy!.instrument.expiry, sell!.side, sell!.instrument.expiry]).toEqual(['buy', '2025-03-14', 'sell', '2025-03-07']);
    expect(buy!.instrument.strike.eq(sell!.instrument.strike)).toBe(true);
    expect(buy!.instrument.right).toBe('C');
    expect(s.intent).toMatchObject({ side: 'buy', type: 'market' });
    expect(s.intent.quantity).toBe(Math.floor(3_000 / (s.features.premium! * 100))); // half of 6 %
    expect(s.features.premium).toBeGreaterThan(0);
    expect(s.strength).toBeCloseTo(80, 12);
  });

  it('opens nothing while an order of its own is working on the name', () => {
    const view = new FakeView();
    view.working.add('AAPL');
    expect(drive({ view }).signals).toEqual([]);
  });

  it('ignores bars of another timeframe, a repeated bar, and names outside its universe', () => {
    const bot = createEarningsProtection({ marks: new OptionMarkModel(), earnings: [amc] });
    const view = new FakeView();
    const series = bars();
    const k = series.findIndex((b) => nyDate(b.ts) === '2025-02-27');
    for (const b of series.slice(0, k)) expect(bot.onBar(b, view)).toBeNull();
    const day = series[k]!;
    expect(bot.onBar({ ...day, timeframe: '5m' }, view)).toBeNull();
    expect(bot.onBar({ ...day, symbol: 'SPY' }, view)).toBeNull();
    expect(bot.onBar(day, view)).not.toBeNull();
    expect(bot.onBar(day, view)).toBeNull();
  });
});

describe('earnings protection: exits', () => {
  it('closes a deep-ITM call on the AMC report day\'s close (filled at the open after it), not a session earlier', () => {
    const run = drive({ fills: true });
    expect(run.dates('entry')).toEqual(['2025-02-27']);
    expect(run.dates('exit')).toEqual([REPORT]);
    const [entry, exit] = run.signals;
    expect(exit).toMatchObject({ kind: 'exit', strength: 100, id: `earnings-protection:AAPL:${exit!.ts}:exit` });
    expect(exit!.intent).toMatchObject({ instrument: entry!.intent.instrument, side: 'sell', quantity: entry!.intent.quantity, type: 'market' });
    expect(exit!.reason).toMatch(/^event-passed/);
    expect(run.view.book.size).toBe(0);
  });

  it('closes before a BMO report on the close of the session before it', () => {
    expect(drive({ events: [bmo], fills: true }).dates('exit')).toEqual(['2025-03-12']);
  });

  it('closes a calendar as one order the session before its short leg expires, and plays the report only once', () => {
    const run = drive({ params: { structures: ['calendar'] }, fills: true });
    // Closed 03-06, filled 03-07: the window is still open, yet no second entry for this report.
    expect(run.dates('entry')).toEqual(['2025-02-28']);
    expect(run.dates('exit')).toEqual(['2025-03-06']);
    const [entry, exit] = run.signals;
    expect(exit!.reason).toMatch(/^front-expiry/);
    const legs = exit!.intent.legs!;
    expect(legs.map((l) => [l.side, l.instrument.expiry])).toEqual([['sell', '2025-03-14'], ['buy', '2025-03-07']]);
    expect(exit!.intent).toMatchObject({ side: 'sell', type: 'market', quantity: entry!.intent.quantity, limitPrice: null });
    expect(run.view.book.size).toBe(0);
  });

  it('closes a strangle as one two-leg order after the report', () => {
    const run = drive({ params: { structures: ['long-strangle'], maxIvSensitivity: 0.6 }, fills: true });
    expect(run.dates('exit')).toEqual([REPORT]);
    const exit = run.signals[1]!;
    expect(exit.intent.legs!.map((l) => l.side)).toEqual(['sell', 'sell']);
    expect(exit.intent.side).toBe('sell');
  });

  it('raises the exit again on the next session when the first one came to nothing', () => {
    const marks = new OptionMarkModel();
    const bot = createEarningsProtection({ marks, earnings: [amc] });
    const view = new FakeView();
    const out: Signal[] = [];
    let pending: Signal | null = null;
    for (const b of bars()) {
      marks.onBar(b);
      if (pending?.kind === 'entry') view.fill(pending); // entries fill, exits are refused
      pending = null;
      const s = bot.onBar(b, view);
      if (s === null) continue;
      out.push(s);
      pending = s;
    }
    expect(out.filter((s) => s.kind === 'exit').map((s) => nyDate(s.ts))).toEqual(tradingDays(REPORT, '2025-03-20'));
  });

  it('adopts a position it did not open: closed at once with no report ahead, before the report when one is in the window', () => {
    const held = optionContract({ underlying: 'AAPL', expiry: '2025-04-17', right: 'C', strike: 170 });
    const early = new FakeView();
    early.book.set('AAPL', [{ instrument: held, quantity: 2 }]);
    const first = drive({ view: early, series: bars('2025-01-10') }).signals[0]!;
    expect(first).toMatchObject({ kind: 'exit', intent: { instrument: held, side: 'sell', quantity: 2 } });
    expect(nyDate(first.ts)).toBe('2024-11-01');
    expect(first.reason).toMatch(/^unplanned/);

    const marks = new OptionMarkModel();
    const bot = createEarningsProtection({ marks, earnings: [amc] });
    const view = new FakeView();
    const out: Signal[] = [];
    for (const b of bars()) {
      marks.onBar(b);
      if (nyDate(b.ts) === '2025-03-03') view.book.set('AAPL', [{ instrument: held, quantity: 2 }]);
      const s = bot.onBar(b, view);
      if (s !== null) out.push(s);
      if (s?.kind === 'exit') view.book.delete('AAPL');
    }
    // Entries until the position appears, then its exit on the report day; no entry for the report after it.
    expect(out.filter((s) => s.kind === 'exit').map((s) => nyDate(s.ts))).toEqual([REPORT]);
    expect(out.filter((s) => s.kind === 'entry').map((s) => nyDate(s.ts))).toEqual(tradingDays('2025-02-27', '2025-02-28'));
  });
});

describe('earnings protection: measures and helpers', () => {
  it('IV proxy: (call mid / spot) / √(days/365) × scale, clamped to 0.15–1.5; a 0.1 time factor at 0 days', () => {
    const p = parseEarningsProtectionParams();
    expect(p.ivProxyScale).toBe(BRENNER_SUBRAHMANYAM);
    expect(ivProxy(12, 200, 30, p)).toBeCloseTo((0.06 / Math.sqrt(30 / 365)) * Math.sqrt(2 * Math.PI), 12);
    expect(ivProxy(12, 200, 30, { ...p, ivProxyScale: 1 })).toBeCloseTo(0.06 / Math.sqrt(30 / 365), 12);
    expect(ivProxy(0.01, 200, 30, p)).toBe(0.15);
    expect(ivProxy(200, 200, 30, p)).toBe(1.5);
    expect(ivProxy(4, 200, 0, { ...p, ivProxyScale: 1 })).toBeCloseTo(0.2, 12);
  });

  it('HV: sample deviation of simple returns × √252, clamped to 0.10–1.0, 0.25 with fewer than 30 closes', () => {
    const p = parseEarningsProtectionParams();
    const closes = Array.from({ length: 41 }, (_, i) => 100 * (1 + 0.01 * Math.sin(i)));
    const r = closes.slice(1).map((c, i) => c / closes[i]! - 1);
    const m = r.reduce((a, x) => a + x, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - m) ** 2, 0) / (r.length - 1));
    expect(historicalVolatility(closes, 41, p)).toBeCloseTo(sd * Math.sqrt(252), 12);
    expect(historicalVolatility(closes, 29, p)).toBe(0.25);
    expect(historicalVolatility(Array(40).fill(100), 40, p)).toBe(0.1);
    expect(historicalVolatility(Array.from({ length: 40 }, (_, i) => (i % 2 ? 100 : 150)), 40, p)).toBe(1);
  });

  it('crush risk tiers on IV / HV: strictly above 2 extreme, 1.5 high, 1.2 medium, else low', () => {
    const p = parseEarningsProtectionParams();
    expect([crushRiskOf(0.24, 0.2, p), crushRiskOf(0.2401, 0.2, p), crushRiskOf(0.3, 0.2, p), crushRiskOf(0.3001, 0.2, p), crushRiskOf(0.4, 0.2, p), crushRiskOf(0.4001, 0.2, p)])
      .toEqual(['low', 'medium', 'medium', 'high', 'high', 'extreme']);
  });

  it('deep-ITM sensitivity is time value over premium, kept in [0, 1]', () => {
    expect(deepItmSensitivity(32, 200, 170)).toBeCloseTo(2 / 32, 12);
    expect(deepItmSensitivity(29, 200, 170)).toBe(0);
    expect(deepItmSensitivity(0, 200, 170)).toBe(1);
  });

  it('sessions: the last close before a report, and trading days around weekends and holidays', () => {
    expect(lastSessionBefore({ date: '2025-03-13', timing: 'AMC' })).toBe('2025-03-13');
    expect(lastSessionBefore({ date: '2025-03-17', timing: 'BMO' })).toBe('2025-03-14');
    expect(lastSessionBefore({ date: '2025-03-15', timing: 'AMC' })).toBe('2025-03-14'); // a Saturday
    expect(nextTradingDay('2025-04-17')).toBe('2025-04-21'); // Good Friday
    expect(previousTradingDay('2025-01-02')).toBe('2024-12-31');
  });

  it('closing intent: one multi-leg order for option legs of one size, else the first position alone', () => {
    const marks = new OptionMarkModel();
    const ts = sessionCloseUtc('2025-03-06');
    const back = optionContract({ underlying: 'AAPL', expiry: '2025-03-14', right: 'C', strike: 200 });
    const front = optionContract({ underlying: 'AAPL', expiry: '2025-03-07', right: 'C', strike: 200 });
    const cal = closingIntent([{ instrument: back, quantity: 3 }, { instrument: front, quantity: -3 }], marks, ts, 200, 'x', 'id');
    expect(cal.legs!.map((l) => [l.side, l.instrument.symbol])).toEqual([['sell', back.symbol], ['buy', front.symbol]]);
    expect(cal).toMatchObject({ side: 'sell', quantity: 3, type: 'market', signalId: 'id' });
    const mixed = closingIntent([{ instrument: equityInstrument('AAPL'), quantity: -100 }, { instrument: back, quantity: 1 }], marks, ts, 200, 'x', 'id');
    expect(mixed).toMatchObject({ instrument: { kind: 'equity', symbol: 'AAPL' }, side: 'buy', quantity: 100 });
    expect(mixed.legs).toBeUndefined();
    const uneven = closingIntent([{ instrument: back, quantity: 2 }, { instrument: front, quantity: -1 }], marks, ts, 200, 'x', 'id');
    expect(uneven).toMatchObject({ instrument: back, side: 'sell', quantity: 2 });
  });
});

describe('earnings protection parameters', () => {
  it('defaults: SPEC §1.5 with the IV proxy scaled, §1.11 position size', () => {
    expect(parseEarningsProtectionParams()).toMatchObject({
      windowDays: 14, ivMin: 0.15, ivMax: 1.5, hvDays: 60, hvMin: 0.1, hvMax: 1, crushMedium: 1.2, crushHigh: 1.5, crushExtreme: 2,
      deepItmMoneyness: 0.85, strangleCallMoneyness: 1.05, stranglePutMoneyness: 0.95, calendarSensitivity: 0.2, strangleSensitivity: 0.6,
      maxIvSensitivity: 0.5, structures: ['deep-itm-call', 'calendar', 'long-strangle'], positionPct: 0.06,
    });
  });

  it('refuses bad values naming the field', () => {
    const field = (input: Record<string, unknown>): string | null => {
      try {
        parseEarningsProtectionParams(input);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).field;
      }
      return null;
    };
    expect(field({ windowDays: 0 })).toBe('windowDays');
    expect(field({ ivMin: 2 })).toBe('ivMin');
    expect(field({ crushHigh: 1.1 })).toBe('crushHigh');
    expect(field({ structures: ['butterfly'] })).toBe('structures.0');
    expect(field({ structures: ['calendar', 'calendar'] })).toBe('structures');
    expect(field({ structures: [] })).toBe('structures');
    expect(field({ deepItmMoneyness: 1.1 })).toBe('deepItmMoneyness');
    expect(field({ windowSize: 3 })).toBe('windowSize');
    expect(field({})).toBeNull();
  });

  it('updateParams validates the whole set and changes nothing on error', () => {
    const bot = createEarningsProtection({ marks: new OptionMarkModel(), earnings: [amc] });
    expect(() => bot.updateParams!({ crushMedium: 3 })).toThrow(InputError);
    expect(bot.params!().crushMedium).toBe(1.2);
    expect(bot.updateParams!({ windowDays: 7, structures: ['calendar'] })).toMatchObject({ windowDays: 7, structures: ['calendar'] });
  });

  it('a shorter window applies to the next bars', () => {
    expect(drive({ params: { windowDays: 7 } }).dates('entry')[0]).toBe('2025-03-06');
  });
});

describe('earnings protection on the bundled data', () => {
  it('replays through runBacktest and completes a trade (an entry and an exit order filled)', async () => {
    const store = new InMemoryStore();
    const orders = new Map<string, Order>();
    const report = await runBacktest({
      strategy: 'earnings-protection', seed: 42, initialCash: '100000', logger: pino({ enabled: false }), store,
      observe: (node) => node.bus.subscribe('order.updated', (o) => orders.set(o.clientOrderId, o)),
    });
    const filled = [...orders.values()].filter((o) => o.status === 'filled');
    expect(filled.some((o) => o.side === 'buy')).toBe(true);
    expect(filled.some((o) => o.side === 'sell')).toBe(true);
    expect(report.trades).toBeGreaterThanOrEqual(1);
    const signals = await store.listSignals('earnings-protection');
    expect(signals.some((s) => s.kind === 'exit' && s.decision === 'accepted')).toBe(true);
    // Every exit belongs to a report of its name: raised around it (a week after at most for the structures held
    // through the report; a calendar closes before its front expiry, which can come before the report).
    const calendar = await loadEarningsCalendar(bundledDataRoot());
    for (const s of signals.filter((x) => x.kind === 'exit' && x.decision === 'accepted')) {
      const date = nyDate(s.ts);
      const window = 35;
      expect(calendar.some((e) => e.symbol === s.symbol && Math.abs(daysBetween(lastSessionBefore(e), date)) <= window)).toBe(true);
    }
  });

  it('trades a long strangle as one two-leg order in and one out through the engine', async () => {
    const orders = new Map<string, Order>();
    const report = await runBacktest({
      strategy: 'earnings-protection', seed: 42, initialCash: '100000', logger: pino({ enabled: false }),
      observe: (node) => {
        node.strategyInfo('earnings-protection')!.rules.updateParams!({ structures: ['long-strangle'], maxIvSensitivity: 0.6 });
        node.bus.subscribe('order.updated', (o) => orders.set(o.clientOrderId, o));
      },
    });
    const filled = [...orders.values()].filter((o) => o.status === 'filled');
    expect(filled.length).toBeGreaterThanOrEqual(2);
    for (const o of filled) expect(o.legs).toHaveLength(2);
    const opened = filled.find((o) => o.side === 'buy')!;
    expect(opened.legs!.map((l) => [l.side, l.instrument.right])).toEqual([['buy', 'C'], ['buy', 'P']]);
    expect(filled.some((o) => o.side === 'sell' && o.legs!.every((l) => l.side === 'sell'))).toBe(true);
    expect(report.trades).toBeGreaterThanOrEqual(1);
  });
});
