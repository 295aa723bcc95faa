import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../engine/domain/market.js';
import { nyParts } from '../../engine/domain/session.js';
import { bundledDataRoot, loadBars, loadEarningsCalendar, type EarningsEvent } from '../../engine/market/barLoader.js';
import { ALL_BUNDLED_SYMBOLS, STRATEGY_UNIVERSES } from '../../engine/market/universes.js';
import { DEFAULT_SEED, generateDataset, sha256 } from '../../data/generate.js';
import { NYSE_HOLIDAYS, tradingDays } from '../../data/model/calendar.js';
import { allocateInteger } from '../../data/model/intraday.js';

interface FileEntry { rows: number; bytes: number; sha256: string; contentSha256?: string }
interface Manifest {
  seed: number; licence: string; symbols: string[];
  daily: { from: string; to: string; sessions: number };
  intraday: { from: string; to: string; sessions: number; barsPerSession: number };
  files: Record<string, FileEntry>;
  stats: { dipRuleFirings: number };
}

const root = bundledDataRoot();
const manifest = JSON.parse(readFileSync(path.join(root, 'market', 'manifest.json'), 'utf8')) as Manifest;
const NON_EARNING = ['SPY', 'QQQ', 'IWM', 'VTI', 'XLF', 'XLE', 'XLK', 'XBI', 'ARKK', 'TQQQ', 'SOXL', 'SPXL', 'SPX', 'VIX'];

function bySymbol(bars: readonly Bar[]): Map<string, Bar[]> {
  const m = new Map<string, Bar[]>();
  for (const b of bars) {
    const list = m.get(b.symbol) ?? [];
    list.push(b);
    m.set(b.symbol, list);
  }
  return m;
}

let daily: Map<string, Bar[]>;
let intraday: Map<string, Bar[]>;
let earnings: EarningsEvent[];

beforeAll(async () => {
  daily = bySymbol(await loadBars({ roots: [root], symbols: ALL_BUNDLED_SYMBOLS, timeframe: '1d' }));
  intraday = bySymbol(await loadBars({ roots: [root], symbols: ALL_BUNDLED_SYMBOLS, timeframe: '5m' }));
  earnings = await loadEarningsCalendar(root);
});

describe('bundled data set: files', () => {
  it('covers every bundled symbol, with a manifest hash for each file that matches', () => {
    expect(manifest.symbols).toEqual([...ALL_BUNDLED_SYMBOLS]);
    expect(manifest.licence).toBe('CC0-1.0');
    expect(manifest.seed).toBe(DEFAULT_SEED);
    for (const s of ALL_BUNDLED_SYMBOLS) {
      expect(manifest.files[`market/1d/${s}.csv`]).toBeDefined();
      expect(manifest.files[`market/5m/${s}.csv.gz`]).toBeDefined();
    }
    let total = 0;
    for (const [rel, entry] of Object.entries(manifest.files)) {
      const bytes = readFileSync(path.join(root, rel));
      expect(sha256(bytes), rel).toBe(entry.sha256);
      expect(bytes.length).toBe(entry.bytes);
      total += bytes.length;
    }
    expect(total).toBeLessThan(12e6);
    expect(statSync(path.join(root, 'README.md')).size).toBeGreaterThan(1000);
  });

  it('regenerating from the seed reproduces the committed files byte for byte', () => {
    const regenerated = generateDataset({ seed: manifest.seed, symbols: ['AAPL', 'SPX', 'VIX'] });
    const want = ['market/1d/AAPL.csv', 'market/5m/AAPL.csv.gz', 'market/1d/SPX.csv', 'market/5m/SPX.csv.gz', 'market/1d/VIX.csv', 'market/5m/VIX.csv.gz'];
    for (const rel of want) {
      const f = regenerated.files.find((x) => x.path === rel);
      expect(f, rel).toBeDefined();
      const committed = readFileSync(path.join(root, rel));
      const committedText = rel.endsWith('.gz') ? gunzipSync(committed).toString('utf8') : committed.toString('utf8');
      expect(f!.text === committedText, rel).toBe(true);
      expect(sha256(f!.bytes)).toBe(manifest.files[rel]!.sha256);
    }
  });

  it('a different seed gives different prices', () => {
    const a = generateDataset({ seed: manifest.seed, symbols: ['KO'] }).files[0]!.text;
    const b = generateDataset({ seed: manifest.seed + 1, symbols: ['KO'] }).files[0]!.text;
    expect(a).not.toBe(b);
  });
});

describe('bundled data set: calendar and shape', () => {
  it('daily bars: NYSE trading days only, more than two years, ending Friday 2026-11-20', () => {
    const days = tradingDays(manifest.daily.from, manifest.daily.to);
    expect(manifest.daily.to).toBe('2026-11-20');
    expect(days.length).toBeGreaterThan(2 * 250);
    for (const s of ALL_BUNDLED_SYMBOLS) {
      const dates = daily.get(s)!.map((b) => nyParts(b.ts).date);
      expect(dates, s).toEqual(days);
    }
    const spyDates = new Set(daily.get('SPY')!.map((b) => nyParts(b.ts).date));
    for (const h of ['2024-03-29', '2025-01-09', '2025-04-18', '2026-07-03', '2026-11-26'].filter((d) => d <= '2026-11-20')) {
      expect(NYSE_HOLIDAYS.has(h)).toBe(true);
      expect(spyDates.has(h), h).toBe(false);
    }
    expect(spyDates.has('2026-11-11')).toBe(true); // Veterans Day: the stock market is open
  });

  it('prices are in cents, volumes whole, OHLC consistent', () => {
    // Plain loops: one expect per field of 180k bars would take seconds.
    const bad: string[] = [];
    let checked = 0;
    for (const [s, bars] of [...daily, ...intraday]) {
      for (const b of bars) {
        checked++;
        const offCents = [b.open, b.high, b.low, b.close].some((p) => Math.abs(p * 100 - Math.round(p * 100)) > 1e-6);
        if (offCents || !Number.isInteger(b.volume) || b.low > Math.min(b.open, b.close) || b.high < Math.max(b.open, b.close)) bad.push(`${s}@${b.ts}`);
      }
    }
    expect(checked).toBeGreaterThan(150_000);
    expect(bad).toEqual([]);
  });

  it('5-minute bars: 78 per session for the last 10 sessions, aggregating exactly to the daily bars', () => {
    const last10 = daily.get('SPY')!.slice(-10).map((b) => nyParts(b.ts).date);
    for (const s of ALL_BUNDLED_SYMBOLS) {
      const bars = intraday.get(s)!;
      expect(bars).toHaveLength(10 * 78);
      for (let d = 0; d < 10; d++) {
        const session = bars.slice(d * 78, (d + 1) * 78);
        const first = nyParts(session[0]!.ts);
        expect(first.date).toBe(last10[d]);
        expect(`${first.hour}:${first.minute}`).toBe('9:35');
        const last = nyParts(session[77]!.ts);
        expect(`${last.date} ${last.hour}:${last.minute}`).toBe(`${last10[d]} 16:0`);
        const day = daily.get(s)!.at(-10 + d)!;
        expect(session[0]!.open, s).toBe(day.open);
        expect(session[77]!.close).toBe(day.close);
        expect(Math.max(...session.map((b) => b.high))).toBe(day.high);
        expect(Math.min(...session.map((b) => b.low))).toBe(day.low);
        expect(session.reduce((a, b) => a + b.volume, 0)).toBe(day.volume);
      }
    }
  });
});

describe('bundled data set: market features', () => {
  it('SPX is 10 × SPY and VIX stays within 10–80 and moves against the market', () => {
    const spy = daily.get('SPY')!;
    const spx = daily.get('SPX')!;
    spy.forEach((b, i) => expect(Math.abs(spx[i]!.close / b.close - 10)).toBeLessThan(0.001));
    const vix = daily.get('VIX')!;
    for (const b of [...vix, ...intraday.get('VIX')!]) {
      expect(b.low).toBeGreaterThanOrEqual(10);
      expect(b.high).toBeLessThanOrEqual(80);
    }
    expect(Math.max(...vix.map((b) => b.close)) - Math.min(...vix.map((b) => b.close))).toBeGreaterThan(10);
    const rs = spy.slice(1).map((b, i) => Math.log(b.close / spy[i]!.close));
    const rv = vix.slice(1).map((b, i) => Math.log(b.close / vix[i]!.close));
    expect(correlation(rs, rv)).toBeLessThan(-0.3);
  });

  it('stocks move with the market, gap overnight, and trade more on big moves', () => {
    const spy = daily.get('SPY')!;
    const rs = returns(spy);
    let volumeCorr = 0;
    let n = 0;
    for (const s of STRATEGY_UNIVERSES.wheel) {
      const bars = daily.get(s)!;
      const r = returns(bars);
      expect(correlation(r, rs), s).toBeGreaterThan(0.2);
      const gaps = bars.slice(1).filter((b, i) => b.open !== bars[i]!.close).length / (bars.length - 1);
      expect(gaps).toBeGreaterThan(0.9);
      volumeCorr += correlation(r.map(Math.abs), bars.slice(1).map((b) => Math.log(b.volume)));
      n++;
    }
    expect(volumeCorr / n).toBeGreaterThan(0.3);
  });

  it('volatility clusters: squared market returns are autocorrelated', () => {
    const sq = returns(daily.get('SPY')!).map((r) => r * r);
    expect(correlation(sq.slice(1), sq.slice(0, -1))).toBeGreaterThan(0.1);
  });

  it('the WSB dip bot rule (+8 % over 7 sessions, then ≤ −2 %) fires many times across its universe', () => {
    let fired = 0;
    const symbolsFiring = new Set<string>();
    for (const s of STRATEGY_UNIVERSES['wsb-dip-bot']) {
      const c = daily.get(s)!.map((b) => b.close);
      for (let t = 8; t < c.length; t++) {
        if (c[t]! / c[t - 1]! - 1 <= -0.02 && c[t - 1]! / c[t - 8]! - 1 >= 0.08) {
          fired++;
          symbolsFiring.add(s);
        }
      }
    }
    expect(fired).toBe(manifest.stats.dipRuleFirings);
    expect(fired).toBeGreaterThanOrEqual(50);
    expect(symbolsFiring.size).toBe(STRATEGY_UNIVERSES['wsb-dip-bot'].length);
  });
});

describe('bundled data set: earnings calendar', () => {
  it('lists quarterly reports of every stock and none for funds or indices', () => {
    const symbols = new Set(earnings.map((e) => e.symbol));
    for (const s of NON_EARNING) expect(symbols.has(s), s).toBe(false);
    for (const s of ALL_BUNDLED_SYMBOLS.filter((x) => !NON_EARNING.includes(x))) {
      const dates = earnings.filter((e) => e.symbol === s).map((e) => e.date);
      expect(dates.length, s).toBeGreaterThanOrEqual(11);
      for (let i = 1; i < dates.length; i++) {
        const gap = (Date.parse(dates[i]!) - Date.parse(dates[i - 1]!)) / 86_400_000;
        expect(gap).toBeGreaterThanOrEqual(85);
        expect(gap).toBeLessThanOrEqual(97);
      }
      for (const d of dates) expect(tradingDays(d, d)).toEqual([d]);
    }
  });

  it('puts the SPEC §1.5 names just after the data ends, after the close', () => {
    const next = (s: string): EarningsEvent => earnings.find((e) => e.symbol === s && e.date > '2026-11-20')!;
    expect(next('AAPL')).toEqual({ symbol: 'AAPL', date: '2026-11-23', timing: 'AMC' });
    expect(next('NVDA').date).toBe('2026-11-24');
    expect(next('MSFT').date).toBe('2026-11-25');
    expect(next('CRM').date).toBe('2026-11-27'); // +6 is Thanksgiving: moved to the next session
  });

  it('earnings reactions are larger than ordinary days and come with volume', () => {
    let ratioSum = 0;
    let volSum = 0;
    let k = 0;
    for (const s of STRATEGY_UNIVERSES['wsb-dip-bot']) {
      const bars = daily.get(s)!;
      const dates = bars.map((b) => nyParts(b.ts).date);
      const gaps = bars.slice(1).map((b, i) => Math.abs(Math.log(b.open / bars[i]!.close)));
      const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
      const meanVol = bars.reduce((a, b) => a + b.volume, 0) / bars.length;
      for (const e of earnings.filter((x) => x.symbol === s)) {
        const i = dates.indexOf(e.date);
        const r = e.timing === 'BMO' ? i : i + 1;
        if (i < 0 || r >= bars.length || r < 1) continue;
        ratioSum += gaps[r - 1]! / meanGap;
        volSum += bars[r]!.volume / meanVol;
        k++;
      }
    }
    expect(k).toBeGreaterThan(100);
    expect(ratioSum / k).toBeGreaterThan(2);
    expect(volSum / k).toBeGreaterThan(1.5);
  });
});

describe('allocateInteger', () => {
  it('splits a whole number exactly in proportion', () => {
    expect(allocateInteger(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocateInteger(0, [1, 2])).toEqual([0, 0]);
    expect(allocateInteger(7, [0, 1])).toEqual([0, 7]);
  });
});

function returns(bars: readonly Bar[]): number[] {
  return bars.slice(1).map((b, i) => Math.log(b.close / bars[i]!.close));
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
