import { describe, expect, it } from 'vitest';
import {
  ALL_BUNDLED_SYMBOLS, BENCHMARK_SYMBOLS, LEAPS_THEMES, STRATEGY_IDS, STRATEGY_UNIVERSES, WHEEL_GROUPS,
} from '../../engine/market/universes.js';

describe('strategy universes', () => {
  it('has a universe for each of the ten strategies', () => {
    expect(STRATEGY_IDS).toHaveLength(10);
    expect(Object.keys(STRATEGY_UNIVERSES).sort()).toEqual([...STRATEGY_IDS].sort());
    for (const id of STRATEGY_IDS) expect(STRATEGY_UNIVERSES[id].length).toBeGreaterThan(0);
  });

  it('matches the sizes and names SPEC gives', () => {
    expect(STRATEGY_UNIVERSES['wsb-dip-bot']).toEqual(['AAPL', 'MSFT', 'GOOGL', 'META', 'NVDA', 'AMD', 'AVGO', 'TSLA', 'AMZN', 'NFLX', 'CRM', 'COST', 'ADBE', 'V', 'MA', 'LIN']);
    expect(STRATEGY_UNIVERSES.wheel).toHaveLength(43);
    expect(Object.values(WHEEL_GROUPS).flat()).toHaveLength(43);
    expect(STRATEGY_UNIVERSES['momentum-weeklies']).toHaveLength(16);
    expect(Object.keys(LEAPS_THEMES)).toHaveLength(6);
    for (const list of Object.values(LEAPS_THEMES)) expect(new Set(list).size).toBe(8);
    expect(STRATEGY_UNIVERSES['spx-credit-spreads']).toEqual(['SPX', 'SPY', 'QQQ', 'IWM']);
    expect([...STRATEGY_UNIVERSES['index-baseline']].sort()).toEqual(['QQQ', 'SPY', 'VTI']);
    expect([...STRATEGY_UNIVERSES['earnings-protection']].sort()).toEqual(['AAPL', 'AMD', 'CRM', 'GOOGL', 'META', 'MSFT', 'NVDA', 'TSLA']);
    for (const s of ['PYPL', 'SQ', 'ROKU', 'ZM', 'PLTR', 'COIN', 'XLF', 'XLE', 'XLK', 'XBI', 'ARKK', 'TQQQ', 'SOXL', 'SPXL', 'SPY', 'QQQ', 'IWM']) {
      expect(STRATEGY_UNIVERSES['swing-trading']).toContain(s);
    }
  });

  it('ALL_BUNDLED_SYMBOLS is the sorted unique union of the universes and the benchmarks', () => {
    const union = new Set([...Object.values(STRATEGY_UNIVERSES).flat(), ...BENCHMARK_SYMBOLS]);
    expect(ALL_BUNDLED_SYMBOLS).toEqual([...union].sort());
    expect(new Set(ALL_BUNDLED_SYMBOLS).size).toBe(ALL_BUNDLED_SYMBOLS.length);
    expect(BENCHMARK_SYMBOLS).toEqual(['SPY', 'QQQ', 'SPX', 'VIX']);
    for (const id of STRATEGY_IDS) expect(new Set(STRATEGY_UNIVERSES[id]).size).toBe(STRATEGY_UNIVERSES[id].length);
  });
});
