import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleChain, parseAnyOcc } from '../../../actors/feeds/providers/chainAssembly.js';
import { FiveMinuteAggregator } from '../../../actors/feeds/providers/minuteAggregator.js';
import { barFreshness, lastOpenInstant, newestClosedBarTs, observationIsStale, quoteIsStale } from '../../../actors/feeds/providers/staleness.js';
import { TtlCache } from '../../../actors/feeds/providers/ttlCache.js';
import { InputError } from '../../../engine/domain/errors.js';
import type { Bar } from '../../../engine/domain/market.js';
import { sessionCloseUtc, sessionOpenUtc } from '../../../engine/domain/session.js';

const OPEN = sessionOpenUtc('2026-11-20'); // a Friday
const MIN = 60_000;

describe('staleness', () => {
  it('knows the newest closed bar through nights, weekends and holidays', () => {
    expect(newestClosedBarTs('1d', Date.parse('2026-11-20T20:00:00Z'))).toBe(sessionCloseUtc('2026-11-19'));
    expect(newestClosedBarTs('1d', sessionCloseUtc('2026-11-20'))).toBe(sessionCloseUtc('2026-11-20'));
    expect(newestClosedBarTs('1d', Date.parse('2026-11-22T12:00:00Z'))).toBe(sessionCloseUtc('2026-11-20')); // Sunday
    expect(newestClosedBarTs('1d', Date.parse('2026-11-27T12:00:00Z'))).toBe(sessionCloseUtc('2026-11-25')); // Thanksgiving Friday morning
    expect(newestClosedBarTs('5m', OPEN + 12 * MIN)).toBe(OPEN + 10 * MIN);
    expect(newestClosedBarTs('5m', OPEN + 2 * MIN)).toBe(sessionCloseUtc('2026-11-19'));
    expect(newestClosedBarTs('5m', OPEN - 60 * MIN)).toBe(sessionCloseUtc('2026-11-19'));
    expect(newestClosedBarTs('5m', sessionCloseUtc('2026-11-20') + 3 * 3_600_000)).toBe(sessionCloseUtc('2026-11-20'));
  });

  it('lets a bar be late by its max age and judges past ranges at their end', () => {
    const base = { timeframe: '5m' as const, from: OPEN, to: OPEN + 3_600_000, maxAgeMs: 10 * MIN };
    expect(barFreshness({ ...base, now: OPEN + 31 * MIN, newestTs: OPEN + 20 * MIN }).stale).toBe(false);
    expect(barFreshness({ ...base, now: OPEN + 31 * MIN, newestTs: OPEN + 15 * MIN })).toEqual({ stale: true, expectedTs: OPEN + 20 * MIN, newestTs: OPEN + 15 * MIN });
    expect(barFreshness({ ...base, now: OPEN + 31 * MIN, newestTs: undefined }).stale).toBe(true);
    // Nothing was due inside the range yet.
    expect(barFreshness({ ...base, now: OPEN + 8 * MIN, newestTs: undefined }).stale).toBe(false);
  });

  it('ages quotes from the last open instant and rates by calendar days', () => {
    const saturday = Date.parse('2026-11-21T15:00:00Z');
    expect(lastOpenInstant(saturday)).toBe(sessionCloseUtc('2026-11-20'));
    expect(lastOpenInstant(OPEN + MIN)).toBe(OPEN + MIN);
    expect(quoteIsStale(sessionCloseUtc('2026-11-20') - 30_000, saturday, 60_000)).toBe(false);
    expect(quoteIsStale(OPEN, OPEN + 2 * MIN, 60_000)).toBe(true);
    expect(observationIsStale('2026-11-13', saturday, 7)).toBe(true);
    expect(observationIsStale('2026-11-14', saturday, 7)).toBe(false);
  });
});

describe('FiveMinuteAggregator', () => {
  const m = (i: number, price: number, v = 1) => ({ symbol: 'AAPL', start: OPEN + i * MIN, open: price, high: price + 1, low: price - 1, close: price, volume: v });

  it('closes a window on its last minute, or when a later window starts', () => {
    const out: Bar[] = [];
    const agg = new FiveMinuteAggregator((b) => out.push(b));
    [0, 1, 2, 3, 4].forEach((i) => agg.add(m(i, 10 + i)));
    expect(out).toEqual([{ symbol: 'AAPL', timeframe: '5m', ts: OPEN + 5 * MIN, open: 10, high: 15, low: 9, close: 14, volume: 5 }]);
    agg.add(m(5, 20));
    agg.add(m(11, 30)); // minutes 6-9 had no trades
    expect(out.map((b) => [b.ts, b.volume])).toEqual([
      [OPEN + 5 * MIN, 5],
      [OPEN + 10 * MIN, 1],
    ]);
    expect(agg.earliestOpenWindow()).toBe(OPEN + 10 * MIN);
  });

  it('never emits a window twice, whatever order and repeats the minutes come in (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 59 }), { maxLength: 80 }), (minutes) => {
        const out: Bar[] = [];
        const agg = new FiveMinuteAggregator((b) => out.push(b));
        for (const i of minutes) agg.add(m(i, 100));
        agg.flushDue(OPEN + 24 * 3_600_000, 0);
        const ts = out.map((b) => b.ts);
        expect(new Set(ts).size).toBe(ts.length);
        expect([...ts].sort((a, b) => a - b)).toEqual(ts);
        // Volume is never counted twice: at most one per distinct minute.
        expect(out.reduce((s, b) => s + b.volume, 0)).toBeLessThanOrEqual(new Set(minutes).size);
      }),
    );
  });

  it('reports duplicates, late minutes and minutes outside the regular session', () => {
    const agg = new FiveMinuteAggregator(() => undefined);
    expect(agg.add(m(3, 1))).toBe('accepted');
    expect(agg.add(m(3, 1))).toBe('duplicate');
    expect(agg.add(m(6, 1))).toBe('accepted');
    expect(agg.add({ ...m(0, 1), symbol: 'MSFT', start: OPEN - 5 * MIN })).toBe('outside-session');
    expect(new FiveMinuteAggregator(() => undefined, false).add({ ...m(0, 1), start: OPEN - 5 * MIN })).toBe('accepted');
  });
});

describe('TtlCache', () => {
  it('expires entries on the injected clock and evicts the least recently used', () => {
    let now = 0;
    const c = new TtlCache<number>(2, () => now);
    c.set('a', 1, 100);
    c.set('b', 2, 100);
    expect(c.get('a')).toBe(1);
    c.set('c', 3, 100);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3]);
    now = 100;
    expect(c.get('a')).toBeUndefined();
    c.set('z', 9, 0);
    expect(c.get('z')).toBeUndefined();
    expect(() => new TtlCache(0, () => 0)).toThrow(InputError);
  });
});

describe('assembleChain', () => {
  it('reads every OCC spelling and rejects unusable numbers by field', () => {
    expect(parseAnyOcc('O:SPY261218P00450000').symbol).toBe('SPY   261218P00450000');
    expect(parseAnyOcc('SPY261218P00450000').symbol).toBe('SPY   261218P00450000');
    expect(parseAnyOcc('SPY   261218P00450000').strike.toFixed()).toBe('450');
    const chain = assembleChain({
      provider: 'polygon',
      underlying: 'SPY',
      asOf: OPEN,
      spot: Number.NaN,
      contracts: [
        { occ: 'SPY261218C00450000', bid: 1, ask: 1.1, iv: -0.2 },
        { occ: 'SPY261218C00455000', bid: 1, ask: 1.1, delta: Number.POSITIVE_INFINITY },
        { occ: 'nonsense', bid: 1 },
        { occ: 'SPY261218C00460000', bid: 0, ask: 0 },
        { occ: 'SPY261218C00460000', bid: 5, ask: 6 },
      ],
    });
    expect(chain.rejected.map((r) => [r.symbol, r.field])).toEqual([
      ['SPY   261218C00450000', 'iv'],
      ['SPY   261218C00455000', 'delta'],
      ['nonsense', 'symbol'],
    ]);
    expect(chain.expiries[0]!.calls).toHaveLength(1);
    expect(chain.expiries[0]!.calls[0]).toMatchObject({ bid: 0, ask: 0, mid: null });
    expect(chain.spot).toBeNull();
  });
});
