import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { InputError } from '../../engine/domain/errors.js';
import type { OptionContract } from '../../engine/domain/instrument.js';
import { equity as equityInstrument } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Order } from '../../engine/domain/orders.js';
import type { Signal } from '../../engine/domain/signal.js';
import { sessionOpenUtc } from '../../engine/domain/session.js';
import { runBacktest } from '../../engine/backtest/runBacktest.js';
import { bundledDataRoot, loadBars } from '../../engine/market/barLoader.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import {
  createMomentumWeeklies,
  detectBreakout,
  detectReversal,
  momentumExitReason,
  momentumStrength,
  MOMENTUM_WEEKLIES_UNIVERSE,
  otmForMomentum,
  parseMomentumWeekliesParams,
  weeklyExpiryFor,
} from '../../engine/strategies/momentumWeeklies.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import { FakeView } from './fakeViews.js';


const WARMUP_DATES = ['2025-02-03', '2025-02-04', '2025-02-05', '2025-02-06', '2025-02-07'];
const DAY = '2025-02-10'; // a Monday

/** The 5-minute bar `k` (0 = 09:30–09:35) of a New York session. */
function bar5(symbol: string, date: string, k: number, close: number, volume: number): Bar {
  return { symbol, timeframe: '5m', ts: sessionOpenUtc(date) + (k + 1) * 300_000, open: close, high: close, low: close, close, volume };
}

/** Five flat sessions (390 bars at 100, volume 1000): the volume window is full, nothing fires. */
function warmup(symbol = 'AAPL'): Bar[] {
  return WARMUP_DATES.flatMap((d) => Array.from({ length: 78 }, (_, k) => bar5(symbol, d, k, 100, 1000)));
}

/**
 * Session 6 opens with a V: a slide to 98 on bar 4, a climb to 99.4 on bar 22
 * (a 1.43 % bounce) and 99.5 on bar 23 (1.53 %), bars 19–23 on `spike` volume.
 */
function reversalDay(symbol = 'AAPL', spike = 6000): Bar[] {
  const closes = [99.6, 99.2, 98.8, 98.4, 98.0];
  for (let k = 5; k <= 22; k++) closes.push(98.1 + ((99.4 - 98.1) * (k - 5)) / 17);
  closes.push(99.5);
  return closes.map((c, k) => bar5(symbol, DAY, k, c, k >= 19 ? spike : 1000));
}

function run(bars: readonly Bar[], opts: { view?: FakeView; params?: Record<string, unknown>; marks?: OptionMarkModel } = {}) {
  const view = opts.view ?? new FakeView();
  const marks = opts.marks ?? new OptionMarkModel();
  const bot = createMomentumWeeklies({ marks, params: opts.params ?? {} });
  const signals = bars.map((b) => bot.onBar(b, view));
  return { bot, view, marks, signals };
}

function hold(view: FakeView, s: Signal, entryTs: number, price = 1): void {
  view.held.set(s.symbol, { instrument: s.intent.instrument, quantity: s.intent.quantity, entryPrice: new Decimal(price), entryTs });
}

describe('momentum weeklies entry', () => {
  it('identifies itself: id, 16 names, 5-minute bars', () => {
    const bot = createMomentumWeeklies({ marks: new OptionMarkModel() });
    expect(bot.id).toBe('momentum-weeklies');
    expect(bot.timeframe).toBe('5m');
    expect(bot.universe).toBe(MOMENTUM_WEEKLIES_UNIVERSE);
    expect(bot.universe).toHaveLength(16);
  });

  it('enters on the reversal bar where bounce, low position, mean and volume spike all hold, not one bar early', () => {
    const bars = [...warmup(), ...reversalDay()];
    const { signals, marks } = run(bars);
    const at = bars.length - 1;
    expect(signals.slice(0, at).every((s) => s === null)).toBe(true);
    const s = signals[at]!;
    expect(s).not.toBeNull();
    const ts = bars[at]!.ts;
    expect(s).toMatchObject({ id: `momentum-weeklies:AAPL:${ts}:entry`, strategyId: 'momentum-weeklies', symbol: 'AAPL', kind: 'entry', ts });
    const contract = s.intent.instrument as OptionContract;
    // Monday → the following week's Friday; momentum 1.53 % ≤ 2 % → 5 % OTM, round(99.5 × 1.05) = 104.
    expect(contract).toMatchObject({ kind: 'option', underlying: 'AAPL', right: 'C', expiry: '2025-02-21' });
    expect(contract.strike.toNumber()).toBe(104);
    const premium = marks.price(contract, ts, 99.5);
    expect(s.features.premium).toBe(premium);
    expect(s.intent).toMatchObject({ side: 'buy', type: 'market', limitPrice: null, signalId: s.id });
    expect(s.intent.quantity).toBe(Math.min(10, Math.floor((100_000 * 0.05) / (premium * 100))));
    expect(s.features.momentum).toBeCloseTo(99.5 / 98 - 1, 12);
    expect(s.features.breakout).toBe(0);
    expect(s.features.exitTarget).toBeCloseTo(99.5 * 1.07, 9);
    expect(s.features.stopPrice).toBeCloseTo(99.5 * 0.985, 9);
    expect(s.features.riskReward).toBeCloseTo(0.07 / 0.015, 12);
    expect(s.features.volumeMultiple).toBeCloseTo(6000 / ((385 * 1000 + 5 * 6000) / 390), 9);
    expect(s.strength).toBeCloseTo(momentumStrength(s.features.volumeMultiple!, s.features.momentum!, parseMomentumWeekliesParams()), 9);
    expect(s.reason).toMatch(/^reversal 1\.53% on 5\.6x volume: buy \d+ AAPL/);
  });

  it('needs the volume spike: exactly 3x enters, a share less does not', () => {
    // 390 V / (385 000 + 5 V) = 3 at V = 3080.
    expect(run([...warmup(), ...reversalDay('AAPL', 3080)]).signals.at(-1)).not.toBeNull();
    expect(run([...warmup(), ...reversalDay('AAPL', 3079)]).signals.at(-1)).toBeNull();
  });

  it('needs a full volume window of 390 bars: with 390 it fires, with 389 nothing does', () => {
    expect(run([...warmup().slice(24), ...reversalDay()]).signals.at(-1)).not.toBeNull();
    expect(run([...warmup().slice(25), ...reversalDay()]).signals.every((s) => s === null)).toBe(true);
  });

  it('judges a breakout only on the bar that completes a 15-minute bar', () => {
    const day = [100, 100, 100, 100.3, 100.3, 100.3].map((c, k) => bar5('MSFT', DAY, k, c, 6000));
    const bars = [...warmup('MSFT'), ...day];
    const { signals } = run(bars);
    const n = bars.length;
    // 09:50 and 09:55 already trade above 1.002 × 100 on a spike, but no 15-minute bar has closed there.
    expect(signals.slice(0, n - 1).every((s) => s === null)).toBe(true);
    const s = signals[n - 1]!;
    expect(new Date(s.ts).toISOString()).toBe('2025-02-10T15:00:00.000Z'); // 10:00 New York
    expect(s.features.breakout).toBe(1);
    expect(s.features.momentum).toBeCloseTo(0.003, 12);
    expect(s.reason).toMatch(/^breakout/);
  });

  it('does not enter while holding, while an order works, or for a symbol outside the universe', () => {
    const holding = new FakeView();
    holding.held.set('AAPL', { instrument: equityInstrument('AAPL'), quantity: 5, entryPrice: new Decimal(1), entryTs: 0 });
    expect(run([...warmup(), ...reversalDay()], { view: holding }).signals.every((s) => s === null)).toBe(true);
    const working = new FakeView();
    working.working.add('AAPL');
    expect(run([...warmup(), ...reversalDay()], { view: working }).signals.every((s) => s === null)).toBe(true);
    expect(run([...warmup('SPY'), ...reversalDay('SPY')]).signals.every((s) => s === null)).toBe(true);
  });

  it('ignores daily bars, repeated bars, and an account too small for one contract', () => {
    const bars = [...warmup(), ...reversalDay()];
    const bot = createMomentumWeeklies({ marks: new OptionMarkModel() });
    const view = new FakeView();
    for (const b of bars.slice(0, -1)) bot.onBar(b, view);
    expect(bot.onBar({ ...bars.at(-1)!, timeframe: '1d' }, view)).toBeNull();
    expect(bot.onBar(bars.at(-1)!, view)).not.toBeNull();
    expect(bot.onBar(bars.at(-1)!, view)).toBeNull();
    const poor = new FakeView();
    poor.eq = new Decimal(10);
    expect(run(bars, { view: poor }).signals.at(-1)).toBeNull();
  });
});

describe('momentum weeklies exits and phases', () => {
  function entered(params: Record<string, unknown> = {}) {
    const bars = [...warmup(), ...reversalDay()];
    const view = new FakeView();
    const bot = createMomentumWeeklies({ marks: new OptionMarkModel(), params });
    let entry: Signal | null = null;
    for (const b of bars) entry = bot.onBar(b, view);
    return { bot, view, entry: entry!, last: bars.at(-1)! };
  }

  it("exits at the target on the underlying ('target'), not a cent below", () => {
    const { bot, view, entry, last } = entered();
    hold(view, entry, last.ts + 300_000);
    const target = entry.features.exitTarget!;
    expect(bot.onBar(bar5('AAPL', DAY, 24, target - 0.01, 1000), view)).toBeNull();
    const s = bot.onBar(bar5('AAPL', DAY, 25, target, 1000), view)!;
    expect(s).toMatchObject({ kind: 'exit', strength: 100, id: `momentum-weeklies:AAPL:${bar5('AAPL', DAY, 25, 0, 0).ts}:exit` });
    expect(s.reason).toMatch(/^target:/);
    expect(s.intent).toMatchObject({ side: 'sell', quantity: entry.intent.quantity, instrument: entry.intent.instrument });
  });

  it("stops out at 0.985 × the entry spot ('stop'), not a cent above", () => {
    const { bot, view, entry, last } = entered();
    hold(view, entry, last.ts + 300_000);
    const stop = entry.features.stopPrice!;
    expect(bot.onBar(bar5('AAPL', DAY, 24, stop + 0.01, 1000), view)).toBeNull();
    expect(bot.onBar(bar5('AAPL', DAY, 25, stop, 1000), view)!.reason).toMatch(/^stop:/);
  });

  it("exits on the first bar of the expiry day ('expiry'), not on the day before", () => {
    const { bot, view, entry, last } = entered();
    hold(view, entry, last.ts + 300_000);
    expect(bot.onBar(bar5('AAPL', '2025-02-20', 77, 100, 1000), view)).toBeNull();
    expect(bot.onBar(bar5('AAPL', '2025-02-21', 0, 100, 1000), view)!.reason).toMatch(/^expiry:/);
  });

  it('waits while the entry order works, retries when it came to nothing, and holds once filled', () => {
    const { bot, view, entry } = entered();
    view.working.add('AAPL');
    expect(bot.onBar(bar5('AAPL', DAY, 24, 99.6, 6000), view)).toBeNull();
    view.working.delete('AAPL');
    // No position and no order: the entry was refused; the setup still holds, so a new entry (new id).
    const again = bot.onBar(bar5('AAPL', DAY, 25, 99.7, 6000), view)!;
    expect(again.kind).toBe('entry');
    expect(again.id).not.toBe(entry.id);
    hold(view, again, again.ts + 300_000);
    // Filled: now holding, no further entry.
    expect(bot.onBar(bar5('AAPL', DAY, 26, 99.8, 6000), view)).toBeNull();
  });

  it('retries an exit that came to nothing, and cools off after the position is gone', () => {
    const { bot, view, entry, last } = entered({ cooldownMinutes: 10 });
    hold(view, entry, last.ts + 300_000);
    expect(bot.onBar(bar5('AAPL', DAY, 24, 99.6, 6000), view)).toBeNull(); // filled, holding
    // Position closed elsewhere (flatten): cooling off for 10 minutes from bar 25.
    view.held.delete('AAPL');
    expect(bot.onBar(bar5('AAPL', DAY, 25, 99.7, 6000), view)).toBeNull();
    expect(bot.onBar(bar5('AAPL', DAY, 26, 99.8, 6000), view)).toBeNull();
    // The setup still holds at 10 minutes past: enter again.
    expect(bot.onBar(bar5('AAPL', DAY, 27, 99.9, 6000), view)?.kind).toBe('entry');

    const x = entered();
    hold(x.view, x.entry, x.last.ts + 300_000);
    const exit1 = x.bot.onBar(bar5('AAPL', DAY, 24, x.entry.features.stopPrice!, 1000), x.view)!;
    expect(exit1.kind).toBe('exit');
    // Still held, no order working: the exit never became an order; raised again on the next bar.
    const exit2 = x.bot.onBar(bar5('AAPL', DAY, 25, x.entry.features.stopPrice!, 1000), x.view)!;
    expect(exit2.kind).toBe('exit');
    expect(exit2.id).not.toBe(exit1.id);
  });

  it('adopts a long call it did not open and manages it from the price it first sees', () => {
    const view = new FakeView();
    const bot = createMomentumWeeklies({ marks: new OptionMarkModel() });
    const contract = { kind: 'option' as const, symbol: 'NVDA  250221C00105000', underlying: 'NVDA', expiry: '2025-02-21', right: 'C' as const, strike: new Decimal(105) };
    view.held.set('NVDA', { instrument: contract, quantity: 2, entryPrice: new Decimal(1), entryTs: 0 });
    expect(bot.onBar(bar5('NVDA', DAY, 0, 100, 1000), view)).toBeNull();
    // Target 100 × (1 + 0.05 + 0.02); stop 98.5.
    expect(bot.onBar(bar5('NVDA', DAY, 1, 98.5, 1000), view)!.reason).toMatch(/^stop:/);
  });
});

describe('momentum weeklies rules (pure)', () => {
  const p = parseMomentumWeekliesParams();

  it('reversal: bounce ≥ 1.5 %, low in the first 60 %, close above the 12-bar mean', () => {
    const base = Array.from({ length: 24 }, (_, i) => (i <= 5 ? 100 - i : 95 + (i - 5) * 0.1));
    base[23] = 95 * 1.015;
    expect(detectReversal(base, 24, p)).toMatchObject({ lowIndex: 5 });
    const short = [...base];
    short[23] = 95 * 1.0149;
    expect(detectReversal(short, 24, p)).toBeNull();
    // Low at index 15 (≥ 14.4): no.
    const late = Array.from({ length: 24 }, (_, i): number => (i === 15 ? 90 : 100));
    late[23] = 100;
    expect(detectReversal(late, 24, p)).toBeNull();
    // Low at index 14 (< 14.4) with the close above the mean: yes.
    const edge = Array.from({ length: 24 }, (_, i): number => (i === 14 ? 90 : 95));
    edge[23] = 100;
    expect(detectReversal(edge, 24, p)).not.toBeNull();
    expect(detectReversal(base, 23, p)).toBeNull();
  });

  it('breakout: above 1.002 × resistance with recent volume > 1.5 × the earlier mean', () => {
    const closes = Array.from({ length: 60 }, () => 100);
    const volumes = Array.from({ length: 60 }, (_, i) => (i >= 55 ? 200 : 100));
    closes[59] = 100.21;
    expect(detectBreakout(closes, volumes, 60, p)).toMatchObject({ resistance: 100 });
    closes[59] = 100.2;
    expect(detectBreakout(closes, volumes, 60, p)).toBeNull();
    closes[59] = 100.21;
    // Volume exactly 1.5 × is not more than 1.5 ×.
    const flat = volumes.map((v, i) => (i >= 55 ? 150 : v));
    expect(detectBreakout(closes, flat, 60, p)).toBeNull();
    // The last 10 bars do not count as resistance.
    const recentHigh = [...closes];
    recentHigh[52] = 105;
    expect(detectBreakout(recentHigh, volumes, 60, p)).not.toBeNull();
    expect(detectBreakout(closes, volumes, 49, p)).toBeNull();
  });

  it('strike OTM by momentum, strictly above each threshold', () => {
    expect(otmForMomentum(0.031, p)).toBe(0.02);
    expect(otmForMomentum(0.03, p)).toBe(0.03);
    expect(otmForMomentum(0.021, p)).toBe(0.03);
    expect(otmForMomentum(0.02, p)).toBe(0.05);
  });

  it('weekly expiry: Mon/Tue the following Friday, Wed/Thu this Friday, Friday the next; holidays move it', () => {
    expect(weeklyExpiryFor('2025-02-10')).toBe('2025-02-21');
    expect(weeklyExpiryFor('2025-02-11')).toBe('2025-02-21');
    expect(weeklyExpiryFor('2025-02-12')).toBe('2025-02-14');
    expect(weeklyExpiryFor('2025-02-13')).toBe('2025-02-14');
    expect(weeklyExpiryFor('2025-02-14')).toBe('2025-02-21');
    // Good Friday 2025-04-18: the week's expiry is Thursday; on that Thursday itself, the next week's.
    expect(weeklyExpiryFor('2025-04-16')).toBe('2025-04-17');
    expect(weeklyExpiryFor('2025-04-17')).toBe('2025-04-25');
  });

  it('strength is 50 at the thresholds, 100 at twice the volume and the strong momentum', () => {
    expect(momentumStrength(3, 0, p)).toBe(50);
    expect(momentumStrength(6, 0.03, p)).toBe(100);
    expect(momentumStrength(4.5, 0.015, p)).toBeCloseTo(75, 12);
  });

  it('exit reasons in order: target, stop, expiry', () => {
    const plan = { contractSymbol: 'X', expiry: '2025-02-21', pattern: 'reversal' as const, entrySpot: 100, otmPct: 0.05, exitTarget: 107, stopPrice: 98.5 };
    expect(momentumExitReason(107, 0, plan, 10)).toBe('target');
    expect(momentumExitReason(98.5, 0, plan, 10)).toBe('stop');
    expect(momentumExitReason(100, 10, plan, 10)).toBe('expiry');
    expect(momentumExitReason(100, 9, plan, 10)).toBeNull();
  });
});

describe('momentum weeklies parameters', () => {
  it('defaults are SPEC §1.4', () => {
    expect(parseMomentumWeekliesParams()).toMatchObject({
      volumeSpikeMult: 3, volumeRecentBars: 5, volumeWindowBars: 390, reversalBars: 24, reversalMinBounce: 0.015, reversalLowFraction: 0.6,
      reversalMeanBars: 12, breakoutLookbackBars: 100, breakoutExcludeBars: 10, breakoutMargin: 0.002, breakoutVolumeMult: 1.5,
      strongMomentum: 0.03, mediumMomentum: 0.02, otmStrong: 0.02, otmMedium: 0.03, otmWeak: 0.05, exitBuffer: 0.02, stopPct: 0.015,
    });
  });

  it('refuses bad values naming the field, unknown keys, and inconsistent windows', () => {
    const field = (input: unknown) => {
      try {
        parseMomentumWeekliesParams(input);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).field;
      }
      return null;
    };
    expect(field({ stopPct: 1 })).toBe('stopPct');
    expect(field({ volumeWindowBars: 5000 })).toBe('volumeWindowBars');
    expect(field({ volumeSpikeMul: 3 })).toBe('volumeSpikeMul');
    expect(field({ reversalMeanBars: 30 })).toBe('reversalMeanBars');
    expect(field({ mediumMomentum: 0.05 })).toBe('mediumMomentum');
    expect(field({ breakoutExcludeBars: 100 })).toBe('breakoutExcludeBars');
    expect(field({})).toBeNull();
  });

  it('updateParams validates the whole set and changes nothing on error', () => {
    const bot = createMomentumWeeklies({ marks: new OptionMarkModel() });
    expect(() => bot.updateParams!({ reversalBars: 10 })).toThrow(InputError); // mean bars 12 > 10
    expect(bot.params!().reversalBars).toBe(24);
    expect(bot.updateParams!({ reversalBars: 12, volumeWindowBars: 200 })).toMatchObject({ reversalBars: 12, volumeWindowBars: 200 });
  });

  it('a shorter volume window after warm-up takes effect at once (sums rebuilt)', () => {
    const bars = [...warmup(), ...reversalDay()];
    const view = new FakeView();
    const bot = createMomentumWeeklies({ marks: new OptionMarkModel() });
    for (const b of bars.slice(0, -1)) bot.onBar(b, view);
    bot.updateParams!({ volumeWindowBars: 100 });
    const s = bot.onBar(bars.at(-1)!, view)!;
    expect(s.features.volumeMultiple).toBeCloseTo(6000 / ((95 * 1000 + 5 * 6000) / 100), 9);
  });
});

describe('momentum weeklies on the bundled data', () => {
  it('replays through runBacktest and completes a trade (entry and exit orders filled)', async () => {
    // The 5-minute bars cover the last 10 sessions; the daily bars before and during them give
    // the option marks their volatility and the pre-trade VaR its history (runBacktest loads only
    // the strategy's own timeframe, so they are passed in).
    const universe = MOMENTUM_WEEKLIES_UNIVERSE;
    const [daily, intraday] = await Promise.all([
      loadBars({ roots: [bundledDataRoot()], symbols: universe, timeframe: '1d', from: '2026-08-03' }),
      loadBars({ roots: [bundledDataRoot()], symbols: universe, timeframe: '5m' }),
    ]);
    const bars = [...intraday, ...daily].sort((a, b) => a.ts - b.ts || (a.timeframe === b.timeframe ? 0 : a.timeframe === '5m' ? -1 : 1));
    const orders = new Map<string, Order>();
    const store = new InMemoryStore();
    const report = await runBacktest({
      strategy: 'momentum-weeklies', seed: 42, initialCash: '100000', logger: pino({ enabled: false }), store, bars,
      observe: (node) => node.bus.subscribe('order.updated', (o) => orders.set(o.clientOrderId, o)),
    });
    const filled = [...orders.values()].filter((o) => o.status === 'filled');
    expect(filled.some((o) => o.side === 'buy')).toBe(true);
    expect(filled.some((o) => o.side === 'sell')).toBe(true);
    expect(report.trades).toBeGreaterThanOrEqual(1);
    const signals = await store.listSignals('momentum-weeklies');
    expect(signals.some((s) => s.kind === 'entry' && s.decision === 'accepted')).toBe(true);
    expect(signals.some((s) => s.kind === 'exit' && s.decision === 'accepted')).toBe(true);
    // Same data and seed, same orders.
    const again = await runBacktest({ strategy: 'momentum-weeklies', seed: 42, initialCash: '100000', logger: pino({ enabled: false }), bars });
    expect(again.orderLogSha256).toBe(report.orderLogSha256);
  });
});
