import type { Bar, Timeframe } from '../../engine/domain/market.js';
import type { Rng } from '../../engine/domain/random.js';
import { createRng } from '../../engine/domain/random.js';
import { sessionCloseUtc, sessionOpenUtc } from '../../engine/domain/session.js';
import { earningsSchedule, reactionIndex, type EarningsDate } from './earnings.js';
import {
  MODEL, TRADING_DAYS_PER_YEAR, dailyVar, fatTail, planEpisodes, simulateMarket, simulateSector,
  type EpisodePlan, type FactorPath, type MarketPath,
} from './factors.js';
import { aggregate, BARS_PER_SESSION, cents, intradayBars, type Ohlcv } from './intraday.js';
import { profileOf, SECTORS, type Sector } from './profiles.js';

export interface SymbolSeries {
  readonly symbol: string;
  readonly daily: Bar[];
  readonly intraday: Bar[];
  readonly earnings: EarningsDate[];
}

export interface UniverseInput {
  readonly seed: number;
  /** Trading days of the daily series, ascending. */
  readonly days: readonly string[];
  /** How many of the last days also get 5-minute bars. */
  readonly intradayDays: number;
}

const FIVE_MINUTES = 300_000;

function toBars(symbol: string, timeframe: Timeframe, ts: number, o: Ohlcv): Bar {
  return { symbol, timeframe, ts, open: o.open, high: o.high, low: o.low, close: o.close, volume: o.volume };
}

/**
 * Simulates symbols on one shared market. Every random draw comes from a
 * stream named after what it drives (`market`, `sector:tech`,
 * `symbol:AAPL/daily`, …), so a symbol's series does not depend on which other
 * symbols are generated or in what order.
 */
export class UniverseSimulator {
  private readonly root: Rng;
  private readonly n: number;
  private readonly firstIntraday: number;
  private readonly dayIndex: ReadonlyMap<string, number>;
  private market: MarketPath | undefined;
  private readonly sectors = new Map<Sector, FactorPath>();
  private readonly done = new Map<string, SymbolSeries>();

  constructor(private readonly input: UniverseInput) {
    this.root = createRng(input.seed);
    this.n = input.days.length;
    this.firstIntraday = this.n - input.intradayDays;
    this.dayIndex = new Map(input.days.map((d, i) => [d, i]));
  }

  series(symbol: string): SymbolSeries {
    let s = this.done.get(symbol);
    if (s === undefined) {
      s = this.simulate(symbol);
      this.done.set(symbol, s);
    }
    return s;
  }

  private getMarket(): MarketPath {
    this.market ??= simulateMarket(this.root.child('market'), this.n);
    return this.market;
  }

  private getSector(sector: Sector): FactorPath {
    let p = this.sectors.get(sector);
    if (p === undefined) {
      p = simulateSector(this.root.child(`sector:${sector}`), this.n, SECTORS[sector].factorVol);
      this.sectors.set(sector, p);
    }
    return p;
  }

  private simulate(symbol: string): SymbolSeries {
    const profile = profileOf(symbol);
    const rng = this.root.child(`symbol:${symbol}`);
    switch (profile.kind) {
      case 'spx':
        return this.scaleSpy(symbol);
      case 'vix':
        return this.vix(symbol, rng);
      case 'etf':
        return this.factorModel(symbol, rng, {
          sector: profile.sector, beta: profile.beta, loading: profile.sectorLoading, idioVol: profile.idioVol,
          alpha: 0, price: profile.price, volumeM: profile.volumeM, episodes: null, earnings: [], jumpSd: 0,
        });
      case 'stock': {
        const sp = SECTORS[profile.sector];
        const p = rng.child('params');
        const st = MODEL.stock;
        const idioVol = sp.idioVol * p.between(st.idioVolJitter[0], st.idioVolJitter[1]);
        const earnings = earningsSchedule(symbol, rng.child('earnings'), this.input.days[0]!, this.input.days[this.n - 1]!);
        return this.factorModel(symbol, rng, {
          sector: profile.sector,
          beta: sp.beta * p.between(st.betaJitter[0], st.betaJitter[1]),
          loading: p.between(st.sectorLoading[0], st.sectorLoading[1]),
          idioVol,
          alpha: p.between(st.alpha[0], st.alpha[1]),
          price: profile.price,
          volumeM: profile.volumeM,
          episodes: planEpisodes(rng.child('episodes'), this.n),
          earnings,
          jumpSd: idioVol * p.between(MODEL.earnings.jumpSd[0], MODEL.earnings.jumpSd[1]),
        });
      }
    }
  }

  private factorModel(
    symbol: string,
    rng: Rng,
    q: {
      sector: Sector | null; beta: number; loading: number; idioVol: number; alpha: number; price: number; volumeM: number;
      episodes: EpisodePlan | null; earnings: EarningsDate[]; jumpSd: number;
    },
  ): SymbolSeries {
    const market = this.getMarket();
    const sector = q.sector === null ? null : this.getSector(q.sector);
    const sectorVar = q.sector === null ? 0 : dailyVar(SECTORS[q.sector].factorVol) * q.loading * q.loading;
    const gamma = sector === null ? 0 : q.loading;
    const jumps = new Float64Array(this.n);
    const jumpRng = rng.child('jumps');
    for (const e of q.earnings) {
      const size = q.jumpSd * jumpRng.normal();
      const r = reactionIndex(e, this.dayIndex);
      if (r >= 0) jumps[r] = size;
    }
    const daily = rng.child('daily');
    const intraRng = rng.child('intraday');
    const g = MODEL.idio;
    const longRunIdio = dailyVar(q.idioVol);
    const omega = longRunIdio * (1 - g.alpha - g.beta);
    // Episodes net out over the period (their rallies would otherwise add a steady drift).
    let episodeNet = 0;
    if (q.episodes !== null) for (let t = 0; t < this.n; t++) episodeNet += q.episodes.overnight[t]! + q.episodes.intraday[t]!;
    const alphaDaily = q.alpha / TRADING_DAYS_PER_YEAR - episodeNet / this.n;
    const lnP0 = Math.log(q.price);
    let hE = longRunIdio;
    let logP = lnP0;
    let trend = lnP0;
    const dailyBars: Bar[] = [];
    const intraday: Bar[] = [];
    for (let t = 0; t < this.n; t++) {
      const e = Math.sqrt(hE) * fatTail(daily);
      const sigTot = Math.sqrt(q.beta * q.beta * market.varBefore[t]! + sectorVar + hE);
      const eta = MODEL.gapNoise * sigTot * daily.normal();
      const jump = jumps[t]!;
      const ep = q.episodes;
      const reversion = -MODEL.stock.meanReversion * (logP - trend);
      const sOver = sector === null ? 0 : sector.overnight[t]!;
      const sIntra = sector === null ? 0 : sector.intraday[t]!;
      const gap = q.beta * market.overnight[t]! + gamma * sOver + MODEL.overnightShare * e + eta + (ep?.overnight[t] ?? 0) + jump;
      const move = q.beta * market.intraday[t]! + gamma * sIntra + (1 - MODEL.overnightShare) * e - eta + (ep?.intraday[t] ?? 0) + alphaDaily + reversion;
      const lnOpen = logP + gap;
      const lnClose = lnOpen + move;
      const ret = lnClose - logP;
      trend += q.beta * market.ret[t]! + gamma * (sector === null ? 0 : sector.ret[t]!) + alphaDaily;
      logP = lnClose;
      hE = omega + g.alpha * (e + 0.5 * jump) ** 2 + g.beta * hE;

      const isEarnings = jump !== 0;
      const sigIntra = sigTot * MODEL.intradayShare * (isEarnings ? MODEL.earnings.rangeMultiplier : 1);
      const zHigh = Math.abs(daily.normal());
      const zLow = Math.abs(daily.normal());
      const zVol = daily.normal();
      const volume = Math.round(
        q.volumeM * 1e6 * Math.exp(MODEL.volume.noise * zVol) * (0.5 + 0.5 * Math.min(Math.abs(ret) / sigTot, 8)) *
          (isEarnings ? MODEL.earnings.volumeMultiplier : 1) * (ep?.dipDay[t] === 1 ? MODEL.volume.dipMultiplier : 1),
      );
      const open = cents(Math.exp(lnOpen));
      const close = cents(Math.exp(lnClose));
      const date = this.input.days[t]!;
      if (open <= 0 || close <= 0) throw new RangeError(`${symbol} ${date}: price fell to zero; the model needs other parameters`);
      let bar: Ohlcv = {
        open, close, volume,
        high: Math.max(cents(Math.max(open, close) * Math.exp(0.5 * sigIntra * zHigh)), open, close),
        low: Math.min(cents(Math.min(open, close) * Math.exp(-0.5 * sigIntra * zLow)), open, close),
      };
      if (t >= this.firstIntraday) {
        const bars = intradayBars(bar, sigIntra, intraRng);
        bar = aggregate(bars);
        this.pushIntraday(intraday, symbol, date, bars);
      }
      dailyBars.push(toBars(symbol, '1d', sessionCloseUtc(date), bar));
    }
    return { symbol, daily: dailyBars, intraday, earnings: q.earnings };
  }

  private pushIntraday(out: Bar[], symbol: string, date: string, bars: readonly Ohlcv[]): void {
    if (bars.length !== BARS_PER_SESSION) throw new RangeError('intraday session must have 78 bars');
    const open = sessionOpenUtc(date);
    bars.forEach((b, k) => out.push(toBars(symbol, '5m', open + (k + 1) * FIVE_MINUTES, b)));
  }

  /** SPX is SPY × 10, bar for bar, so the two never disagree. */
  private scaleSpy(symbol: string): SymbolSeries {
    const spy = this.series('SPY');
    const { multiplier, volumeMultiplier } = MODEL.spx;
    const scale = (b: Bar): Bar => ({
      symbol, timeframe: b.timeframe, ts: b.ts,
      open: cents(b.open * multiplier), high: cents(b.high * multiplier), low: cents(b.low * multiplier), close: cents(b.close * multiplier),
      volume: b.volume * volumeMultiplier,
    });
    return { symbol, daily: spy.daily.map(scale), intraday: spy.intraday.map(scale), earnings: [] };
  }

  /** VIX closes at the market's conditional volatility forecast (annualised, plus a premium); no volume, like the index. */
  private vix(symbol: string, rng: Rng): SymbolSeries {
    const market = this.getMarket();
    const v = MODEL.vix;
    const clamp = (x: number): number => Math.min(v.max, Math.max(v.min, x));
    const level = (h: number): number => 100 * Math.sqrt(TRADING_DAYS_PER_YEAR * h) * v.premium;
    const daily = rng.child('daily');
    const intraRng = rng.child('intraday');
    const dailyBars: Bar[] = [];
    const intraday: Bar[] = [];
    let prevClose = clamp(level(market.varBefore[0]!));
    for (let t = 0; t < this.n; t++) {
      const close = cents(clamp(level(market.varAfter[t]!) * Math.exp(v.noise * daily.normal())));
      const open = cents(clamp(prevClose * Math.exp(-v.gapSensitivity * market.overnight[t]! + v.openNoise * daily.normal())));
      const high = Math.max(cents(clamp(Math.max(open, close) * Math.exp(v.rangeNoise * Math.abs(daily.normal())))), open, close);
      const low = Math.min(cents(clamp(Math.min(open, close) * Math.exp(-v.rangeNoise * Math.abs(daily.normal())))), open, close);
      let bar: Ohlcv = { open, high, low, close, volume: 0 };
      const date = this.input.days[t]!;
      if (t >= this.firstIntraday) {
        const bars = intradayBars(bar, v.intradayVol, intraRng, clamp);
        bar = aggregate(bars);
        this.pushIntraday(intraday, symbol, date, bars);
      }
      dailyBars.push(toBars(symbol, '1d', sessionCloseUtc(date), bar));
      prevClose = close;
    }
    return { symbol, daily: dailyBars, intraday, earnings: [] };
  }
}
