import type { Clock } from '../domain/clock.js';
import type { Decimal } from '../domain/money.js';
import { CONTRACT_MULTIPLIER } from '../domain/money.js';
import { instrumentFromSymbol, underlyingOf, type Instrument } from '../domain/instrument.js';
import type { Order, Position } from '../domain/orders.js';
import type { BsmResult } from '../market/blackScholes.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { MIN_OBSERVATIONS } from './var/computeVar.js';
import { normalQuantile } from './var/distributions.js';
import { covarianceMatrix } from './var/statistics.js';
import type { DailyCloseHistory } from './dailyCloseHistory.js';
import type { ProposedTrade } from './preTrade.js';

/**
 * The pre-trade VaR estimate: delta-normal (parametric), 1 day, 99 %, as a
 * fraction of equity, of the book with a proposed trade added. It is what
 * the pre-trade stage's VAR_LIMIT cap bisects over, so it must cost
 * microseconds: no pool, no simulation, no Decimal arithmetic.
 *
 *   VaR = z₀.₉₉ · √(eᵀ Σ e)
 *
 * Σ is the sample covariance (n − 1) of the underlyings' daily log returns
 * from the kept closes, rebuilt once per trading day (when the newest daily
 * close moves to a new date). e is the currency delta exposure per
 * underlying: a stock's quantity × spot, an option's Δ × spot × 100 ×
 * contracts (Δ from the mark model), plus the unfilled rest of working
 * orders, plus the trade's. The mean is taken as
 * zero, as delta-normal VaR usually does: a year's sample mean is mostly
 * noise, and dropping it keeps the estimate monotone in the size of a
 * risk-adding trade (which the cap's bisection assumes).
 *
 * This is a linear approximation: it misses an option's gamma, which the
 * scheduled report's full Monte Carlo revaluation does not.
 */

export const PRE_TRADE_VAR_CONFIDENCE = 0.99;
const Z = normalQuantile(PRE_TRADE_VAR_CONFIDENCE);

export type VarEstimate =
  | { readonly ok: true; /** VaR / equity. */ readonly fraction: number; /** Currency, positive = loss. */ readonly var: number; readonly equity: number }
  | { readonly ok: false; readonly reason: string };

/** What the estimator reads of the book (engine/portfolio.ts's Portfolio). */
export interface BookView {
  allPositions(): Position[];
  readonly cash: Decimal;
}

/** An order still working at the broker (the OMS's workingOrders()): its unfilled rest is risk about to be taken. */
export type WorkingOrderView = Pick<Order, 'symbol' | 'side' | 'quantity' | 'filledQuantity'>;

interface CovarianceModel {
  /** latestDay of the history it was built from. */
  readonly day: number;
  readonly index: ReadonlyMap<string, number>;
  readonly d: number;
  readonly cov: Float64Array;
  readonly excluded: ReadonlyMap<string, string>;
}

export class DeltaNormalVarEstimator {
  private model: CovarianceModel | null = null;
  private exposure = new Float64Array(0);
  private active = new Int32Array(0);
  private readonly instruments = new Map<string, Instrument>();
  private readonly greeks: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };

  constructor(
    private readonly deps: {
      readonly history: DailyCloseHistory;
      readonly portfolio: BookView;
      readonly marks: OptionMarkModel;
      readonly clock: Clock;
      /**
       * Orders placed but not yet filled count as held: signals of one bar time are
       * judged before the fills of the orders placed just before them are booked, and
       * without this each would see a book without the others.
       */
      readonly workingOrders?: () => Iterable<WorkingOrderView>;
    },
  ) {}

  /**
   * The contract of `VarAfterTrade` (engine/risk/riskGate.ts): a fraction of
   * equity, or NaN when it cannot be estimated. The pre-trade cap treats an
   * answer that is not a finite number ≥ 0 as VAR_UNAVAILABLE and refuses the
   * entry (fail closed); a throw would escape the risk stage instead, so
   * nothing here throws for missing data. `estimate` gives the reason.
   */
  readonly varAfterTrade = (trade: ProposedTrade): number => {
    const e = this.estimate(trade);
    return e.ok ? e.fraction : Number.NaN;
  };

  /** The book's VaR with `trade` added (or the book alone). */
  estimate(trade?: ProposedTrade): VarEstimate {
    const model = this.covariance();
    const now = this.deps.clock.now();
    if (this.exposure.length !== model.d) {
      this.exposure = new Float64Array(model.d);
      this.active = new Int32Array(model.d);
    } else this.exposure.fill(0);
    const exposure = this.exposure;

    let equity = this.deps.portfolio.cash.toNumber();
    for (const p of this.deps.portfolio.allPositions()) {
      if (p.quantity === 0) continue;
      const instrument = this.instrumentOf(p.symbol);
      const underlying = underlyingOf(instrument);
      const spot = this.spot(underlying);
      const a = model.index.get(underlying);
      if (spot === undefined || a === undefined) return this.unavailable(model, underlying, spot, `held ${p.symbol}`);
      if (instrument.kind === 'equity') {
        equity += p.quantity * spot;
        exposure[a] = exposure[a]! + p.quantity * spot;
      } else {
        const g = this.deps.marks.greeksInto(this.greeks, instrument, now, spot);
        equity += p.quantity * CONTRACT_MULTIPLIER * g.price;
        exposure[a] = exposure[a]! + p.quantity * CONTRACT_MULTIPLIER * g.delta * spot;
      }
    }
    for (const o of this.deps.workingOrders?.() ?? []) {
      const rest = o.quantity - o.filledQuantity;
      if (rest <= 0) continue;
      const instrument = this.instrumentOf(o.symbol);
      const underlying = underlyingOf(instrument);
      const spot = this.spot(underlying);
      const a = model.index.get(underlying);
      if (spot === undefined || a === undefined) return this.unavailable(model, underlying, spot, `the working order in ${o.symbol}`);
      exposure[a] = exposure[a]! + (o.side === 'buy' ? rest : -rest) * this.deltaPerUnit(instrument, now, spot) * spot;
    }
    if (trade !== undefined && trade.quantity !== 0) {
      const underlying = underlyingOf(trade.instrument);
      const spot = this.spot(underlying);
      const a = model.index.get(underlying);
      if (spot === undefined || a === undefined) return this.unavailable(model, underlying, spot, `the trade in ${trade.instrument.symbol}`);
      const signed = trade.side === 'buy' ? trade.quantity : -trade.quantity;
      exposure[a] = exposure[a]! + signed * this.deltaPerUnit(trade.instrument, now, spot) * spot;
    }
    if (!(equity > 0)) return { ok: false, reason: `equity is ${equity.toFixed(2)}: VaR as a fraction of equity is undefined` };

    // Only the underlyings with exposure enter the quadratic form: O(k²) for k of them, not O(d²).
    let k = 0;
    for (let i = 0; i < model.d; i++) if (exposure[i] !== 0) this.active[k++] = i;
    let variance = 0;
    for (let x = 0; x < k; x++) {
      const i = this.active[x]!;
      let row = 0;
      for (let y = 0; y < k; y++) {
        const j = this.active[y]!;
        row += model.cov[i * model.d + j]! * exposure[j]!;
      }
      variance += exposure[i]! * row;
    }
    const v = Z * Math.sqrt(Math.max(0, variance));
    return { ok: true, fraction: v / equity, var: v, equity };
  }

  private unavailable(model: CovarianceModel, underlying: string, spot: number | undefined, what: string): VarEstimate {
    const why = model.excluded.get(underlying) ?? (spot === undefined ? `${underlying}: no price seen` : `${underlying}: no daily closes kept`);
    return { ok: false, reason: `no VaR estimate for ${what}: ${why}` };
  }

  /** Shares of the underlying one unit moves like: 1 for a share, Δ × 100 for a contract. */
  private deltaPerUnit(instrument: Instrument, now: number, spot: number): number {
    return instrument.kind === 'equity' ? 1 : CONTRACT_MULTIPLIER * this.deps.marks.greeksInto(this.greeks, instrument, now, spot).delta;
  }

  private spot(underlying: string): number | undefined {
    return this.deps.marks.lastPrice(underlying) ?? this.deps.history.latestClose(underlying);
  }

  private instrumentOf(symbol: string): Instrument {
    let i = this.instruments.get(symbol);
    if (i === undefined) {
      i = instrumentFromSymbol(symbol);
      this.instruments.set(symbol, i);
    }
    return i;
  }

  /** Σ of every symbol with enough history, rebuilt when a new trading day's close arrives. */
  private covariance(): CovarianceModel {
    const { history } = this.deps;
    if (this.model !== null && this.model.day === history.latestDay) return this.model;
    const aligned = history.alignedReturns(history.symbols().sort(), MIN_OBSERVATIONS, 'log');
    this.model = {
      day: history.latestDay,
      index: new Map(aligned.assets.map((s, i) => [s, i] as const)),
      d: aligned.assets.length,
      cov: aligned.assets.length === 0 ? new Float64Array(0) : covarianceMatrix(aligned.columns),
      excluded: new Map(aligned.excluded.map((x) => [x.symbol, x.reason] as const)),
    };
    return this.model;
  }
}
