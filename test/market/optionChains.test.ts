import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, InputError, PricingError } from '../../engine/domain/errors.js';
import { optionContract, parseOccSymbol } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { createRng } from '../../engine/domain/random.js';
import { nyWallTimeToUtc, sessionCloseUtc } from '../../engine/domain/session.js';
import { bundledDataRoot, loadBars } from '../../engine/market/barLoader.js';
import { baseStrikeStepMilli, roundAskUp, roundBidDown, strikeString } from '../../engine/market/chains/strikeGrid.js';
import { smileArbitrageMargin } from '../../engine/market/chains/smile.js';
import { expiriesFrom, isTradingDay } from '../../engine/market/expiries.js';
import type { ChainInput, ChainQuote, OptionChain } from '../../engine/market/optionChains.js';
import {
  chainInputFromDailyBars,
  DEFAULT_CHAIN_OPTIONS,
  findContract,
  findExpiry,
  generateOptionChain,
  listedExpiries,
  priceOptionContract,
  resolveChainOptions,
} from '../../engine/market/optionChains.js';
import { realizedVolatility } from '../../engine/market/realizedVolatility.js';

/** `n + 1` closes ending at `spot` whose daily log returns have standard deviation vol/√252. */
function closesWithVol(spot: number, vol: number, n = 20, key = 'closes'): number[] {
  const rng = createRng(11, key);
  const out = [spot];
  for (let i = 0; i < n; i++) out.unshift(out[0]! * Math.exp(-rng.normal(0, vol / Math.sqrt(252))));
  return out;
}

const TUESDAY_CLOSE = sessionCloseUtc('2026-11-17');
const MONDAY_MIDDAY = nyWallTimeToUtc('2026-11-16', 12, 0);

function input(over: Partial<ChainInput> = {}): ChainInput {
  return { underlying: 'AAPL', asOf: TUESDAY_CLOSE, spot: 350, closes: closesWithVol(350, 0.3), seed: 7, ...over };
}

function allQuotes(chain: OptionChain): ChainQuote[] {
  return chain.expiries.flatMap((e) => [...e.calls, ...e.puts]);
}

const cents = (p: number): number => Math.round(p * 100);
const onTick = (p: number): boolean => Math.abs(p * 100 - cents(p)) < 1e-6 && (cents(p) < 300 || cents(p) % 5 === 0);

/**
 * Every structural and no-arbitrage property a chain promises, as a list of
 * problems (plain comparisons: a chain has thousands of contracts, and one
 * expect per comparison would dominate the run time).
 */
function chainProblems(chain: OptionChain): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok && problems.length < 20) problems.push(what);
  };
  let prevExpiry = '';
  for (const e of chain.expiries) {
    check(e.expiry > prevExpiry, `${e.expiry} not after ${prevExpiry}`);
    prevExpiry = e.expiry;
    check(isTradingDay(e.expiry), `${e.expiry} is not a trading day`);
    check(sessionCloseUtc(e.expiry) > chain.asOf, `${e.expiry} has already closed`);
    check(e.calls.length === e.strikes.length && e.puts.length === e.strikes.length, `${e.expiry} calls/puts/strikes differ in length`);
    check(e.strikes.length <= DEFAULT_CHAIN_OPTIONS.maxStrikes, `${e.expiry} has ${e.strikes.length} strikes`);
    const stepMilli = Math.round(Number(e.strikeStep) * 1000);
    const discQ = Math.exp(-chain.dividendYield * e.years);
    const discR = Math.exp(-chain.rate * e.years);
    const tol = 1e-9 * chain.spot;
    for (let i = 0; i < e.strikes.length; i++) {
      const k = Number(e.strikes[i]);
      const at = `${e.expiry} ${e.strikes[i]}`;
      check(Math.round(k * 1000) % stepMilli === 0, `${at} is off the ${e.strikeStep} grid`);
      if (i > 0) check(k > Number(e.strikes[i - 1]), `${at} does not ascend`);
      const c = e.calls[i]!;
      const p = e.puts[i]!;
      for (const q of [c, p]) {
        const id = `${at} ${q.right}`;
        check(q.strike === e.strikes[i] && q.expiry === e.expiry, `${id} strike/expiry mismatch`);
        check(q.bid >= 0 && q.bid <= q.mid && q.mid <= q.ask && q.ask > 0, `${id} bid ${q.bid} mid ${q.mid} ask ${q.ask}`);
        check(onTick(q.bid) && onTick(q.ask), `${id} off tick: ${q.bid}/${q.ask}`);
        check(Number.isInteger(q.openInterest) && q.openInterest >= 0 && Number.isInteger(q.volume) && q.volume >= 0, `${id} OI/volume`);
        check(q.iv > 0 && Number.isFinite(q.delta + q.gamma + q.theta + q.vega + q.rho), `${id} iv/greeks`);
      }
      const parity = chain.spot * discQ - k * discR;
      check(Math.abs(c.mid - p.mid - parity) <= 1e-9 * Math.max(chain.spot, k), `${at} parity of mids off by ${c.mid - p.mid - parity}`);
      check(c.bid - p.ask <= parity + 1e-9 && c.ask - p.bid >= parity - 1e-9, `${at} parity outside the quotes`);
      if (i > 0) {
        check(c.mid <= e.calls[i - 1]!.mid + tol, `${at} call mid rises with strike`);
        check(p.mid >= e.puts[i - 1]!.mid - tol, `${at} put mid falls with strike`);
      }
      if (i > 1) check(c.mid - 2 * e.calls[i - 1]!.mid + e.calls[i - 2]!.mid >= -tol, `${at} negative butterfly`);
    }
  }
  return problems;
}

function checkChain(chain: OptionChain): void {
  expect(chainProblems(chain)).toEqual([]);
}

describe('generateOptionChain', () => {
  it('is deterministic, and the seed moves open interest and volume but no price', () => {
    const a = generateOptionChain(input());
    expect(generateOptionChain(input())).toEqual(a);
    const b = generateOptionChain(input({ seed: 8 }));
    const qa = allQuotes(a);
    const qb = allQuotes(b);
    expect(qb.length).toBe(qa.length);
    const price = (q: ChainQuote): unknown[] => [q.symbol, q.mid, q.bid, q.ask, q.iv, q.delta, q.gamma, q.theta, q.vega, q.rho];
    expect(qb.map(price)).toEqual(qa.map(price));
    const changed = qa.filter((q, i) => q.openInterest !== qb[i]!.openInterest).length;
    expect(changed).toBeGreaterThan(qa.length * 0.8);
  });

  it('keeps every quote, strike and no-arbitrage property for random underlyings, prices and times', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('AAPL', 'SPX', 'SPY', 'F', 'TSLA'),
        fc.double({ min: 1, max: 9000, noNaN: true }),
        fc.double({ min: 0.02, max: 1.5, noNaN: true }),
        fc.integer({ min: 0, max: 2 * 365 }),
        fc.integer({ min: 0, max: 23 * 60 }),
        fc.integer({ min: 0, max: 25 }),
        (underlying, spot, vol, day, minute, nCloses) => {
          const asOf = Date.UTC(2025, 0, 1) + day * 86_400_000 + minute * 60_000;
          const chain = generateOptionChain({ underlying, asOf, spot, closes: closesWithVol(spot, vol, nCloses), seed: day });
          expect(chain.expiries.length).toBeGreaterThan(20);
          checkChain(chain);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('writes OCC symbols that parse back to the same contract', () => {
    const chain = generateOptionChain(input({ underlying: 'F', spot: 12.37, closes: closesWithVol(12.37, 0.4) }));
    for (const q of allQuotes(chain)) {
      const c = parseOccSymbol(q.symbol);
      expect([c.underlying, c.expiry, c.right, c.strike.toFixed()]).toEqual(['F', q.expiry, q.right, q.strike]);
      expect(optionContract({ underlying: 'F', expiry: q.expiry, right: q.right, strike: q.strike }).symbol).toBe(q.symbol);
    }
  });

  it('lists every weekly to 60 days, monthlies to two years (LEAPS), and daily expiries for index products only', () => {
    const chain = generateOptionChain(input({ asOf: MONDAY_MIDDAY }));
    const listed = chain.expiries.map((e) => e.expiry);
    for (const weekly of expiriesFrom('2026-11-16', 60)) expect(listed).toContain(weekly);
    const leaps = chain.expiries.filter((e) => e.dte >= 365);
    expect(leaps.length).toBeGreaterThanOrEqual(11);
    expect(leaps.every((e) => e.monthly)).toBe(true);
    expect(chain.expiries.at(-1)!.dte).toBeLessThanOrEqual(730);
    expect(listed).toContain('2028-01-21'); // January LEAPS, third Friday
    expect(listed).not.toContain('2026-11-16');

    const spx = generateOptionChain(input({ underlying: 'SPX', asOf: MONDAY_MIDDAY, spot: 7500, closes: closesWithVol(7500, 0.16) }));
    const zeroDte = spx.expiries[0]!;
    expect([zeroDte.expiry, zeroDte.dte]).toEqual(['2026-11-16', 0]);
    expect(spx.expiries.slice(0, 6).map((e) => e.expiry)).toEqual(['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-23']);
    expect(listedExpiries('SPX', MONDAY_MIDDAY)).toEqual(spx.expiries.map((e) => e.expiry));
  });

  it('leaves out an expiry at its 16:00 close and after it', () => {
    const friday = sessionCloseUtc('2026-11-20');
    expect(listedExpiries('SPY', friday - 1)[0]).toBe('2026-11-20');
    expect(listedExpiries('SPY', friday)[0]).toBe('2026-11-23');
  });

  it('uses the listing strike increment for the price level and widens it far out to bound the count', () => {
    expect([10, 24.99, 25, 199.99, 200, 499, 500, 7500].map(baseStrikeStepMilli)).toEqual([500, 500, 1000, 1000, 2500, 2500, 5000, 5000]);
    const cheap = generateOptionChain(input({ underlying: 'F', spot: 12, closes: closesWithVol(12, 0.3) }));
    expect(cheap.expiries[0]!.strikeStep).toBe('0.5');
    const spx = generateOptionChain(input({ underlying: 'SPX', spot: 7500, closes: closesWithVol(7500, 0.16) }));
    expect(spx.expiries[0]!.strikeStep).toBe('5');
    expect(Number(spx.expiries.at(-1)!.strikeStep)).toBeGreaterThan(5);
    for (const e of spx.expiries) {
      expect(e.strikes.length).toBeLessThanOrEqual(120);
      const below = e.strikes.filter((k) => Number(k) < 7500).length;
      expect(below).toBeGreaterThanOrEqual(5);
      expect(e.strikes.length - below).toBeGreaterThanOrEqual(5);
    }
    const capped = generateOptionChain(input(), { maxStrikes: 21, minStrikesEachSide: 3 });
    expect(Math.max(...capped.expiries.map((e) => e.strikes.length))).toBeLessThanOrEqual(21);
  });

  it('makes out-of-the-money puts richer than calls, more so for index products', () => {
    const closes = closesWithVol(500, 0.2);
    const riskReversal = (underlying: string): number => {
      const chain = generateOptionChain(input({ underlying, spot: 500, closes }));
      const e = findExpiry(chain, { targetDte: 30 })!;
      let worst = Number.POSITIVE_INFINITY;
      for (const p of e.puts.filter((q) => q.strikePrice < e.forward * 0.99)) {
        const mirror = (e.forward * e.forward) / p.strikePrice;
        const call = e.calls.reduce((a, b) => (Math.abs(b.strikePrice - mirror) < Math.abs(a.strikePrice - mirror) ? b : a));
        if (call.strikePrice >= mirror) worst = Math.min(worst, p.iv - call.iv);
      }
      expect(worst).toBeGreaterThan(0);
      const p25 = findContract(chain, { right: 'P', expiry: e.expiry, targetDelta: 0.25 })!;
      const c25 = findContract(chain, { right: 'C', expiry: e.expiry, targetDelta: 0.25 })!;
      return p25.iv - c25.iv;
    };
    expect(riskReversal('SPY')).toBeGreaterThan(riskReversal('AAPL') * 1.5);
  });

  it('quotes wider for out-of-the-money, cheap and short-dated contracts, and trades more near the money and near expiry', () => {
    const chain = generateOptionChain(input());
    const rel = (q: ChainQuote): number => (q.ask - q.bid) / q.mid;
    const e = findExpiry(chain, { targetDte: 30 })!;
    const atm = findContract(chain, { right: 'C', expiry: e.expiry, targetDelta: 0.5 })!;
    const otm = findContract(chain, { right: 'C', expiry: e.expiry, targetDelta: 0.1 })!;
    expect(rel(otm)).toBeGreaterThan(rel(atm));
    const farAtm = findContract(chain, { right: 'C', targetDte: 180, targetDelta: 0.5 })!;
    const nearAtm = findContract(chain, { right: 'C', targetDte: 3, targetDelta: 0.5 })!;
    expect(rel(nearAtm)).toBeGreaterThan(rel(farAtm));

    const sumOi = (qs: readonly ChainQuote[]): number => qs.reduce((s, q) => s + q.openInterest, 0);
    const sd = (q: ChainQuote): number => Math.abs(Math.log(q.strikePrice / e.forward)) / (e.atmVol * Math.sqrt(e.years));
    const inner = e.calls.filter((q) => sd(q) < 0.5);
    const outer = e.calls.filter((q) => sd(q) > 2);
    expect(sumOi(inner) / inner.length).toBeGreaterThan(5 * (sumOi(outer) / outer.length));
    const near = chain.expiries[0]!;
    const far = chain.expiries.at(-1)!;
    const atmOi = (x: typeof near): number => sumOi(x.calls.filter((q) => Math.abs(q.strikePrice - 350) <= 10));
    expect(atmOi(near)).toBeGreaterThan(atmOi(far));
    expect(sumOi(near.calls) > 0 && near.calls.some((q) => q.volume > 0)).toBe(true);
  });

  it('rejects bad inputs with an InputError naming the field', () => {
    const cases: [Partial<ChainInput>, string][] = [
      [{ spot: 0 }, 'spot'],
      [{ spot: -1 }, 'spot'],
      [{ spot: Number.NaN }, 'spot'],
      [{ asOf: Number.NaN }, 'asOf'],
      [{ asOf: Date.UTC(1999, 0, 1) }, 'asOf'],
      [{ closes: [100, 101, -3] }, 'closes[2]'],
      [{ closes: [100, Number.POSITIVE_INFINITY] }, 'closes[1]'],
      [{ underlying: 'TOOLONGX' }, 'underlying'],
      [{ underlying: 'aapl' }, 'underlying'],
      [{ seed: Number.NaN }, 'seed'],
      [{ seed: '' }, 'seed'],
    ];
    for (const [over, field] of cases) {
      const call = (): unknown => generateOptionChain(input(over));
      expect(call).toThrow(InputError);
      expect(call).toThrow(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}:`));
    }
  });
});

describe('chain options', () => {
  it('resolves defaults and rejects a bad option naming it', () => {
    expect(resolveChainOptions()).toEqual(DEFAULT_CHAIN_OPTIONS);
    const bad: [Record<string, unknown>, string][] = [
      [{ rate: Number.NaN }, 'options.rate'],
      [{ volFloor: 0 }, 'options.volFloor'],
      [{ volCap: 0.05 }, 'options.volCap'],
      [{ volWindow: 1.5 }, 'options.volWindow'],
      [{ maxStrikes: 5 }, 'options.maxStrikes'],
      [{ minSpread: 0 }, 'options.minSpread'],
      [{ dividendYields: { AAPL: Number.NaN } }, 'options.dividendYields.AAPL'],
      [{ colour: 'blue' }, 'options.colour'],
      [{ indexSkew: 0.3, indexSmile: 0.1, moneynessClip: 6 }, 'options.indexSkew'],
      [{ skew: 0, smile: 0.1, moneynessClip: 6 }, 'options.skew'],
    ];
    for (const [over, field] of bad) {
      expect(() => resolveChainOptions(over)).toThrow(InputError);
      expect(() => resolveChainOptions(over)).toThrow(new RegExp(`^${field}:`));
    }
    expect(() => generateOptionChain(input(), { termTau: -1 })).toThrow(/^options\.termTau:/);
  });

  it('accepts only smiles whose chains are free of strike arbitrage, even at the highest vol and longest expiry', () => {
    const margin = smileArbitrageMargin(DEFAULT_CHAIN_OPTIONS.indexSkew, DEFAULT_CHAIN_OPTIONS.indexSmile, 4, 3);
    expect(margin.minDensity).toBeGreaterThan(0);
    expect(smileArbitrageMargin(0.3, 0.1, 6, 3).minDensity).toBeLessThan(0);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.3, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }), fc.double({ min: 1.5, max: 6, noNaN: true }), (skew, smile, clip) => {
        let options;
        try {
          options = resolveChainOptions({ indexSkew: skew, indexSmile: smile, moneynessClip: clip });
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          return;
        }
        for (const vol of [0.1, 2]) checkChain(generateOptionChain(input({ underlying: 'SPX', spot: 5000, closes: closesWithVol(5000, vol) }), options));
      }),
      { numRuns: 30 },
    );
  });
});

describe('volatility level', () => {
  it('uses the 20-day realised vol, a partial window, or the fallback, clamped to the floor and cap', () => {
    const closes = closesWithVol(100, 0.35, 40);
    const full = generateOptionChain(input({ spot: 100, closes }));
    expect(full.volSource).toBe('realized');
    expect(full.baseVol).toBeCloseTo(realizedVolatility(closes.slice(-21), 20)!, 12);
    const partial = generateOptionChain(input({ spot: 100, closes: closes.slice(-8) }));
    expect([partial.volSource, partial.baseVol]).toEqual(['partial-window', realizedVolatility(closes.slice(-8), 7)]);
    const none = generateOptionChain(input({ spot: 100, closes: closes.slice(-3) }));
    expect([none.volSource, none.baseVol]).toEqual(['fallback', 0.3]);
    expect(generateOptionChain(input({ spot: 100, closes: new Array<number>(21).fill(100) })).baseVol).toBe(0.08);
    expect(generateOptionChain(input({ spot: 100, closes: closesWithVol(100, 6) })).baseVol).toBe(2);
  });

  it('rises with expiry by the term structure and prices at that vol', () => {
    const chain = generateOptionChain(input());
    const atm = chain.expiries.map((e) => e.atmVol);
    for (let i = 1; i < atm.length; i++) expect(atm[i]).toBeGreaterThan(atm[i - 1]!);
    expect(atm.at(-1)! / chain.baseVol).toBeGreaterThan(1.09);
    expect(atm.at(-1)! / chain.baseVol).toBeLessThan(1.1);
  });
});

describe('findContract / findExpiry', () => {
  const chain = generateOptionChain(input());

  it('picks the expiry nearest the target DTE (ties to the later) and the contract nearest the delta', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 800 }), fc.double({ min: 0.02, max: 0.98, noNaN: true }), fc.constantFrom<'C' | 'P'>('C', 'P'), (dte, delta, right) => {
        const found = findContract(chain, { right, targetDte: dte, targetDelta: right === 'P' ? -delta : delta })!;
        const bestGap = Math.min(...chain.expiries.map((e) => Math.abs(e.dte - dte)));
        expect(Math.abs(found.dte - dte)).toBe(bestGap);
        expect(chain.expiries.some((e) => e.dte > found.dte && Math.abs(e.dte - dte) === bestGap)).toBe(false);
        const e = chain.expiries.find((x) => x.expiry === found.expiry)!;
        const all = right === 'C' ? e.calls : e.puts;
        expect(found.right).toBe(right);
        expect(Math.abs(Math.abs(found.delta) - delta)).toBe(Math.min(...all.map((q) => Math.abs(Math.abs(q.delta) - delta))));
      }),
      { numRuns: 60 },
    );
  });

  it('finds the strike nearest a target, ties to the lower strike', () => {
    const e = findExpiry(chain, { targetDte: 35 })!;
    const a = e.calls[10]!.strikePrice;
    const b = e.calls[11]!.strikePrice;
    const at = (t: number): string => findContract(chain, { right: 'P', expiry: e.expiry, targetStrike: a + t * (b - a) })!.strike;
    expect([at(0.4), at(0.5), at(0.6), at(-2)]).toEqual([e.strikes[10], e.strikes[10], e.strikes[11], e.strikes[8]]);
    expect(findContract(chain, { right: 'C', expiry: e.expiry, targetStrike: 0.01 })!.strike).toBe(e.strikes[0]);
    expect(findContract(chain, { right: 'C', expiry: '2030-01-18', targetStrike: 300 })).toBeUndefined();
  });

  it('rejects a malformed query naming the field', () => {
    expect(() => findContract(chain, { right: 'P', targetDte: 30 })).toThrow(/^targetDelta:/);
    expect(() => findContract(chain, { right: 'P', targetDte: 30, targetDelta: 0.3, targetStrike: 300 })).toThrow(/^targetDelta:/);
    expect(() => findContract(chain, { right: 'P', targetDte: 30, targetDelta: 1.5 })).toThrow(/^targetDelta:/);
    expect(() => findContract(chain, { right: 'P', targetDte: 30, targetStrike: -5 })).toThrow(/^targetStrike:/);
    expect(() => findContract(chain, { right: 'P', targetDelta: 0.3 })).toThrow(/^expiry:/);
    expect(() => findExpiry(chain, { targetDte: -1 })).toThrow(/^targetDte:/);
  });
});

describe('priceOptionContract', () => {
  it('prices every contract exactly as the chain does, from an OCC symbol or a contract', () => {
    const i = input({ underlying: 'QQQ', spot: 612.3, closes: closesWithVol(612.3, 0.22) });
    const chain = generateOptionChain(i);
    const quotes = allQuotes(chain);
    for (let n = 0; n < quotes.length; n += 17) {
      const q = quotes[n]!;
      expect(priceOptionContract(q.symbol, i)).toEqual(q);
      expect(priceOptionContract(parseOccSymbol(q.symbol), i)).toEqual(q);
    }
  });

  it('prices off-grid strikes on the same surface, intrinsic at the expiry close, and refuses expired or foreign contracts', () => {
    const offGrid = priceOptionContract(optionContract({ underlying: 'AAPL', expiry: '2026-12-18', right: 'P', strike: '351.125' }), input());
    expect(offGrid.strike).toBe('351.125');
    expect(offGrid.bid).toBeLessThanOrEqual(offGrid.mid);
    const atClose = priceOptionContract('AAPL  261120C00340000', input({ asOf: sessionCloseUtc('2026-11-20'), spot: 350 }));
    expect(atClose.mid).toBeCloseTo(10, 12);
    expect(() => priceOptionContract('AAPL  261120C00340000', input({ asOf: sessionCloseUtc('2026-11-20') + 1 }))).toThrow(PricingError);
    expect(() => priceOptionContract('AAPL  261120C00340000', input({ asOf: sessionCloseUtc('2026-11-20') + 1 }))).toThrow(/^expiry:/);
    expect(() => priceOptionContract('MSFT  261218C00340000', input())).toThrow(/^symbol:/);
    expect(() => priceOptionContract('not a symbol', input())).toThrow(InputError);
  });
});

describe('chains from the bundled data', () => {
  it('builds an AAPL chain from daily bars with a 30-delta put about 35 DTE out', async () => {
    const bars = await loadBars({ roots: [bundledDataRoot()], symbols: ['AAPL'], timeframe: '1d', from: '2026-09-01' });
    const i = chainInputFromDailyBars(bars, 'bundled');
    expect(i.closes).toHaveLength(21);
    expect([i.underlying, i.spot, i.asOf]).toEqual(['AAPL', bars.at(-1)!.close, bars.at(-1)!.ts]);
    const chain = generateOptionChain(i);
    expect(chain.volSource).toBe('realized');
    checkChain(chain);
    const put = findContract(chain, { right: 'P', targetDte: 35, targetDelta: 0.3 })!;
    expect(Math.abs(put.delta + 0.3)).toBeLessThan(0.05);
    expect(Math.abs(put.dte - 35)).toBeLessThanOrEqual(4);
    expect(put.bid).toBeGreaterThan(0.05);
    expect(priceOptionContract(put.symbol, i)).toEqual(put);
    const leap = chain.expiries.find((e) => e.dte >= 365)!;
    expect(findContract(chain, { right: 'C', expiry: leap.expiry, targetStrike: Math.round(1.1 * i.spot) })).toBeDefined();
  });

  it('rejects bars that cannot make one chain input, naming the field', () => {
    const bar = (over: Partial<Bar>): Bar => ({ symbol: 'AAPL', timeframe: '1d', ts: TUESDAY_CLOSE, open: 1, high: 1, low: 1, close: 1, volume: 1, ...over });
    expect(() => chainInputFromDailyBars([], 1)).toThrow(/^bars:/);
    const cases: [Bar[], string][] = [
      [[bar({ symbol: 'MSFT', ts: 1 }), bar({})], 'symbol'],
      [[bar({ timeframe: '5m', ts: 1 }), bar({})], 'timeframe'],
      [[bar({}), bar({})], 'ts'],
    ];
    for (const [bars, field] of cases) {
      expect(() => chainInputFromDailyBars(bars, 1)).toThrow(DataError);
      expect(() => chainInputFromDailyBars(bars, 1)).toThrow(new RegExp(`field ${field}:`));
    }
  });
});

describe('strike and tick helpers', () => {
  it('writes exact strikes and rounds quotes onto the US tick grid', () => {
    expect([152_500, 500, 7_000_000, 1234, 2_500].map(strikeString)).toEqual(['152.5', '0.5', '7000', '1.234', '2.5']);
    expect([roundBidDown(2.994), roundAskUp(2.994)]).toEqual([2.99, 3]);
    expect([roundBidDown(3.01), roundAskUp(3.01)]).toEqual([3, 3.05]);
    expect([roundBidDown(2.3), roundAskUp(2.3)]).toEqual([2.3, 2.3]);
    expect([roundBidDown(-0.2), roundAskUp(0)]).toEqual([0, 0.01]);
    expect([roundBidDown(17.449), roundAskUp(17.449)]).toEqual([17.4, 17.45]);
  });
});
