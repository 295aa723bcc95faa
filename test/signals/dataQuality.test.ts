import { describe, expect, it } from 'vitest';
import type { Bar } from '../../engine/domain/market.js';
import { nyWallTimeToUtc, sessionCloseUtc } from '../../engine/domain/session.js';
import { nyDate } from '../../engine/market/expiries.js';
import { DATA_CHECKS, checkDataQuality, type DataQualityInput, type OptionQuoteInput } from '../../engine/signals/dataQuality.js';
import { DEFAULT_SIGNAL_CONFIG, resolveSignalConfig } from '../../engine/signals/signalConfig.js';
import { CALL, dailyBars, makeSignal, randomWalk } from './fixtures.js';

const CFG = DEFAULT_SIGNAL_CONFIG.dataQuality;
const SPAN = 21;
const DAY = 86_400_000;

function run(bars: readonly Bar[], over: Partial<DataQualityInput> = {}, cfg = CFG) {
  const last = bars[bars.length - 1];
  const signal = over.signal ?? makeSignal({ ts: last?.ts ?? 0 });
  return checkDataQuality({ signal, bars, now: last?.ts ?? 0, ...over }, cfg, SPAN);
}
const check = (r: ReturnType<typeof run>, code: string) => r.checks.find((c) => c.code === code)!;
const clean = () => dailyBars(randomWalk('dq', 25));
const withLast = (bars: Bar[], patch: Partial<Bar>): Bar[] => [...bars.slice(0, -1), { ...bars[bars.length - 1]!, ...patch }];

describe('data-quality gate: clean data', () => {
  it('passes every check and reports all of them, in order', () => {
    const r = run(clean());
    expect(r.ok).toBe(true);
    expect(r.reason).toBeUndefined();
    expect(r.checks.map((c) => c.code)).toEqual([...DATA_CHECKS]);
    expect(r.checks.every((c) => c.passed)).toBe(true);
  });

  it('does not count weekends or NYSE holidays as gaps (Good Friday 2024-03-29)', () => {
    const bars = clean();
    const dates = bars.map((b) => nyDate(b.ts));
    expect(dates).toContain('2024-03-28');
    expect(dates[dates.indexOf('2024-03-28') + 1]).toBe('2024-04-01');
    expect(check(run(bars), 'gap').passed).toBe(true);
  });
});

describe('data-quality gate: each defect is rejected with its reason', () => {
  it('stale: the last bar older than the age allowed for its timeframe', () => {
    const bars = clean();
    const ts = bars[bars.length - 1]!.ts;
    expect(run(bars, { now: ts + DAY }).ok).toBe(true);
    expect(run(bars, { now: ts + DAY + 1 }).reason).toBe('data_stale');
  });

  it('stale: a bar from the future beyond the clock-skew tolerance', () => {
    const bars = clean();
    const ts = bars[bars.length - 1]!.ts;
    expect(run(bars, { now: ts - 5_000 }).ok).toBe(true);
    expect(run(bars, { now: ts - 5_001 }).reason).toBe('data_stale');
  });

  it('gap: a missing trading day', () => {
    const bars = clean();
    bars.splice(15, 1);
    const r = run(bars);
    expect(r.reason).toBe('data_gap');
    expect(check(r, 'gap').detail).toMatch(/missing/);
    const lenient = resolveSignalConfig({ dataQuality: { maxMissingBars: 1 } }).dataQuality;
    expect(run(bars, {}, lenient).ok).toBe(true);
  });

  it('gap: two daily bars on one date', () => {
    const bars = clean();
    const dup = { ...bars[20]!, ts: bars[20]!.ts - 3_600_000 };
    bars.splice(20, 0, dup);
    expect(run(bars).reason).toBe('data_gap');
  });

  it('price: zero, negative or non-finite prices', () => {
    for (const patch of [{ low: 0 }, { close: -1, low: -2 }, { open: Number.NaN }]) {
      const bars = clean();
      bars[10] = { ...bars[10]!, ...patch };
      expect(run(bars).reason, JSON.stringify(patch)).toBe('data_price');
    }
  });

  it('high_low: high below low, or a close outside the range', () => {
    const bars = clean();
    bars[12] = { ...bars[12]!, high: bars[12]!.low - 0.01 };
    expect(run(bars).reason).toBe('data_high_low');
    const b2 = clean();
    b2[12] = { ...b2[12]!, close: b2[12]!.high + 1 };
    expect(run(b2).reason).toBe('data_high_low');
  });

  it('outlier: a last return far beyond the trailing σ', () => {
    const closes = randomWalk('dq-out', 25, 0, 0.01);
    const jump = closes[24]! * 1.2;
    const bars = dailyBars([...closes.slice(0, 24), jump]);
    const r = run(bars);
    expect(r.reason).toBe('data_outlier');
    expect(check(r, 'outlier').detail).toMatch(/σ/);
    // A 3 % day on 1 % daily vol is a real move, not bad data.
    expect(run(dailyBars([...closes.slice(0, 24), closes[23]! * 1.03])).ok).toBe(true);
  });

  it('outlier: σ is floored, so a constant series does not flag a tiny move', () => {
    const flat = Array<number>(24).fill(50);
    expect(run(dailyBars([...flat, 50 * 1.005])).ok).toBe(true); // 5σ of the 0.1 % floor
    expect(run(dailyBars([...flat, 50 * 1.01])).reason).toBe('data_outlier'); // ~10σ
  });

  it('history: fewer bars than the score reads', () => {
    const bars = dailyBars(randomWalk('dq-short', 20));
    expect(run(bars).reason).toBe('data_history');
    expect(run(dailyBars([100])).reason).toBe('data_history');
    const few = resolveSignalConfig({ dataQuality: { minBars: 5 } }).dataQuality;
    expect(run(bars, {}, few).ok).toBe(true);
  });

  it('aligned: the window must end with the signal’s own bar', () => {
    const bars = clean();
    expect(run(bars, { signal: makeSignal({ ts: bars[bars.length - 1]!.ts + DAY }) }).reason).toBe('data_aligned');
  });

  it('series: another symbol, mixed timeframes or out-of-order bars', () => {
    expect(run(clean(), { signal: makeSignal({ ts: clean()[24]!.ts, symbol: 'MSFT' }) }).reason).toBe('data_series');
    const mixed = clean();
    mixed[3] = { ...mixed[3]!, timeframe: '5m' };
    expect(run(mixed).reason).toBe('data_series');
    const swapped = clean();
    [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
    expect(run(swapped).reason).toBe('data_series');
  });

  it('no bars at all fails without throwing', () => {
    const r = run([], { signal: makeSignal({ ts: 0 }), now: 0 });
    expect(r.ok).toBe(false);
    expect(r.reason).toBe('data_history');
  });

  it('a non-finite bar time fails without throwing', () => {
    const r = run(withLast(clean(), { ts: Number.NaN }), { now: 0 });
    expect(r.reason).toBe('data_series');
  });
});

describe('data-quality gate: option quotes', () => {
  const bars = clean();
  const ts = bars[bars.length - 1]!.ts;
  const optionSignal = makeSignal({ ts, instrument: CALL });
  const quote = (q: Partial<OptionQuoteInput>): DataQualityInput['optionQuote'] => ({ ts, ...q });
  const withQuote = (q: DataQualityInput['optionQuote']) => run(bars, { signal: optionSignal, optionQuote: q });

  it('an equity signal needs no quote', () => {
    expect(check(run(bars), 'option_quote')).toMatchObject({ passed: true, detail: 'not an option' });
  });

  it('accepts a sane two-sided quote or a positive mark', () => {
    expect(withQuote(quote({ bid: 4.9, ask: 5.1 })).ok).toBe(true);
    expect(withQuote(quote({ mark: 5, symbol: CALL.symbol })).ok).toBe(true);
  });

  it('rejects a missing quote, bid > ask, zero ask, negative bid, one side, a wide spread, a zero mark', () => {
    const bad: Array<DataQualityInput['optionQuote']> = [
      undefined,
      quote({}),
      quote({ bid: 5.2, ask: 5.1 }),
      quote({ bid: 0, ask: 0 }),
      quote({ bid: -0.1, ask: 1 }),
      quote({ bid: 4.9 }),
      quote({ bid: 1, ask: 3 }),
      quote({ mark: 0 }),
      quote({ mark: Number.NaN }),
    ];
    for (const q of bad) expect(withQuote(q).reason, JSON.stringify(q)).toBe('data_option_quote');
  });

  it('rejects a stale quote or one for another contract', () => {
    expect(withQuote({ ts: ts - 60_001, mark: 5 }).reason).toBe('data_option_quote');
    expect(withQuote({ ts: ts - 60_000, mark: 5 }).ok).toBe(true);
    expect(withQuote({ ts, mark: 5, symbol: 'AAPL  240621P00150000' }).reason).toBe('data_option_quote');
  });
});

describe('data-quality gate: intraday bars', () => {
  const STEP = 300_000;
  function intraday(date: string, n: number, firstEnd = nyWallTimeToUtc(date, 9, 35)): Bar[] {
    return Array.from({ length: n }, (_, i) => ({ symbol: 'AAPL', timeframe: '5m' as const, ts: firstEnd + i * STEP, open: 100, high: 100.1, low: 99.9, close: 100, volume: 10 }));
  }

  it('allows the overnight break but not a missing 5-minute bar', () => {
    const bars = [...intraday('2024-03-04', 10, sessionCloseUtc('2024-03-04') - 9 * STEP), ...intraday('2024-03-05', 15)];
    expect(run(bars).ok).toBe(true);
    const holed = [...bars.slice(0, 20), ...bars.slice(21)];
    expect(run(holed, { signal: makeSignal({ ts: holed[holed.length - 1]!.ts }) }).reason).toBe('data_gap');
  });

  it('flags a day whose first bar comes late after the open, and a skipped trading day', () => {
    const late = [...intraday('2024-03-04', 10, sessionCloseUtc('2024-03-04') - 9 * STEP), ...intraday('2024-03-05', 15, nyWallTimeToUtc('2024-03-05', 10, 0))];
    expect(run(late).reason).toBe('data_gap');
    const skipped = [...intraday('2024-03-04', 10, sessionCloseUtc('2024-03-04') - 9 * STEP), ...intraday('2024-03-06', 15)];
    expect(run(skipped).reason).toBe('data_gap');
  });

  it('uses the intraday age limit (10 minutes)', () => {
    const bars = intraday('2024-03-05', 25);
    const ts = bars[24]!.ts;
    expect(run(bars, { now: ts + 600_000 }).ok).toBe(true);
    expect(run(bars, { now: ts + 600_001 }).reason).toBe('data_stale');
  });
});
