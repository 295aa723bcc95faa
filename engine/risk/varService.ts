import type { Clock } from '../domain/clock.js';
import { DataError, InputError } from '../domain/errors.js';
import { hash32 } from '../domain/random.js';
import type { Bar } from '../domain/market.js';
import { moneyFromNumber, type Decimal } from '../domain/money.js';
import { instrumentFromSymbol, underlyingOf } from '../domain/instrument.js';
import { yearsToExpiry } from '../market/expiries.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import type { VarService } from '../engineControl.js';
import type { VarReport, VarReportResult } from '../gateway/control.js';
import { computeVar, DEFAULT_NU, minimumObservations, MIN_OBSERVATIONS, type VarResult } from './var/computeVar.js';
import { MAX_PATHS, minimumPaths, type ChunkRunner } from './var/monteCarloVar.js';
import type { OptionPosition, Portfolio as VarPortfolio, StockPosition } from './var/portfolio.js';
import { returnsTable } from './var/returnsTable.js';
import { DailyCloseHistory, DEFAULT_HISTORY_DAYS, nyDayNumber } from './dailyCloseHistory.js';
import { DeltaNormalVarEstimator, type BookView, type VarEstimate, type WorkingOrderView } from './deltaNormalVar.js';
import type { ProposedTrade } from './preTrade.js';

/**
 * The daemon's VaR service: the scheduled portfolio VaR report and the
 * pre-trade estimate, both over the live book and the daily closes it keeps.
 *
 * - The report (`runNow`, `maybeRun`) is a full revaluation: Monte Carlo
 *   (multivariate Student t, ν = 5, 1 day, 95 % and 99 %) with every option
 *   repriced on every path, in the Piscina pool given as `runner`, plus
 *   historical simulation. The 99 % Monte Carlo VaR over equity is what feeds
 *   the breaker's VaR-breach rule (the lead wires `onReport`).
 * - The pre-trade estimate (`varAfterTrade`) is delta-normal
 *   (deltaNormalVar.ts): microseconds, on the event loop.
 *
 * The inputs of a run are read synchronously when it starts (book, marks,
 * closes, engine time), so bars that arrive while the pool works do not
 * change it, and the seed comes from the engine time: a replay gives the
 * same figures.
 */

export const DEFAULT_VAR_PATHS = 100_000;
export const REPORT_CONFIDENCES: readonly number[] = [0.95, 0.99];
/** The confidence and method whose VaR feeds the breaker. */
export const BREACH_CONFIDENCE = 0.99;
export const BREACH_METHOD = 'montecarlo';
const DEFAULT_SEED = 42;

/** When scheduled runs fall due: once per New York trading day (default), or once per fixed span of engine time. */
export type VarSchedule = 'tradingDay' | { readonly everyMs: number };

export interface PortfolioVarReport extends VarReport {
  /** Equity the fractions are of (the node's equity at the start of the run). */
  readonly equity: Decimal;
  /** Monte Carlo 99 % VaR / equity: the breaker's VaR-breach input. Null when equity ≤ 0. */
  readonly var99OfEquity: number | null;
  /** Daily return rows used (0 for an empty book). */
  readonly observations: number;
  readonly paths: number;
  readonly seed: number;
  /** Underlyings in the model. */
  readonly assets: readonly string[];
  /** Positions left out of the figures, and why (too little history). */
  readonly excluded: ReadonlyArray<{ readonly symbol: string; readonly reason: string }>;
  /** Anything else a reader should know, e.g. a historical confidence skipped for lack of rows. */
  readonly notes: readonly string[];
}

export interface PortfolioVarServiceDeps {
  readonly clock: Clock;
  readonly portfolio: BookView;
  readonly marks: OptionMarkModel;
  /** The node's equity (marks at the clock's time), so the breaker's fraction uses the same equity as its other rules. */
  readonly equity: () => Decimal;
  /** Where Monte Carlo chunks run: `createVarPool().run` in the daemon, `runInProcess` in tests. */
  readonly runner: ChunkRunner;
  /** Orders working at the broker (`node.oms.workingOrders()`); the pre-trade estimate counts their unfilled rest as held. */
  readonly workingOrders?: () => Iterable<WorkingOrderView>;
  /** Every report, scheduled or on demand (the lead publishes it, sets the breaker's VaR and metrics). */
  readonly onReport?: (report: PortfolioVarReport) => void;
  /** A scheduled run that failed, or an onReport that threw. DataError means not enough history yet. */
  readonly onError?: (error: unknown) => void;
}

export interface PortfolioVarServiceOptions {
  /** Monte Carlo paths per run (default 100,000). */
  readonly paths?: number;
  /** Daily closes kept per symbol (default 260). */
  readonly historyDays?: number;
  readonly schedule?: VarSchedule;
  /** Mixed with the engine time into each run's seed (default 42). */
  readonly seed?: number;
}

export class PortfolioVarService implements VarService {
  readonly history: DailyCloseHistory;
  readonly paths: number;
  private readonly schedule: VarSchedule;
  private readonly seedBase: number;
  private readonly estimator: DeltaNormalVarEstimator;
  private report: PortfolioVarReport | null = null;
  private inFlight: Promise<PortfolioVarReport> | null = null;
  /** Schedule slot of the last run started (scheduled or not). */
  private lastSlot = Number.NaN;

  constructor(
    private readonly deps: PortfolioVarServiceDeps,
    options: PortfolioVarServiceOptions = {},
  ) {
    const paths = options.paths ?? DEFAULT_VAR_PATHS;
    const minPaths = Math.max(...REPORT_CONFIDENCES.map(minimumPaths));
    if (!(Number.isInteger(paths) && paths >= minPaths && paths <= MAX_PATHS)) {
      throw new InputError('paths', `must be a whole number from ${minPaths} to ${MAX_PATHS}, got ${String(paths)}`);
    }
    const historyDays = options.historyDays ?? DEFAULT_HISTORY_DAYS;
    if (!(Number.isInteger(historyDays) && historyDays > MIN_OBSERVATIONS)) {
      throw new InputError('historyDays', `must be a whole number above ${MIN_OBSERVATIONS} (VaR needs ${MIN_OBSERVATIONS} daily returns), got ${String(historyDays)}`);
    }
    const schedule = options.schedule ?? 'tradingDay';
    if (schedule !== 'tradingDay' && !(Number.isInteger(schedule.everyMs) && schedule.everyMs > 0)) {
      throw new InputError('schedule.everyMs', `must be a whole number of milliseconds > 0, got ${String(schedule.everyMs)}`);
    }
    this.paths = paths;
    this.schedule = schedule;
    this.seedBase = options.seed ?? DEFAULT_SEED;
    this.history = new DailyCloseHistory(historyDays);
    this.estimator = new DeltaNormalVarEstimator({
      history: this.history,
      portfolio: deps.portfolio,
      marks: deps.marks,
      clock: deps.clock,
      ...(deps.workingOrders ? { workingOrders: deps.workingOrders } : {}),
    });
  }

  /** Every bar of the feed (warm-up included); only daily closes are kept. O(1). */
  onBar(bar: Bar): void {
    this.history.onBar(bar);
  }

  latest(): PortfolioVarReport | null {
    return this.report;
  }

  /** Pre-trade estimate for RiskGate.setVarEstimator: a fraction of equity, NaN when unavailable (→ VAR_UNAVAILABLE). */
  readonly varAfterTrade = (trade: ProposedTrade): number => this.estimator.varAfterTrade(trade);

  /** The same estimate with its reason when there is none (for logs and tests). */
  estimateAfterTrade(trade?: ProposedTrade): VarEstimate {
    return this.estimator.estimate(trade);
  }

  /** Run now, or join the run in flight. Rejects with the run's error (DataError: not enough history). */
  runNow(): Promise<PortfolioVarReport> {
    if (this.inFlight !== null) return this.inFlight;
    this.lastSlot = this.slotOf(this.deps.clock.now());
    const run = this.execute().finally(() => {
      this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  /**
   * Called by the feed loop with the engine time of each bar: starts a run
   * when the schedule slot of `now` has had none, joins the run in flight
   * if there is one (the slot then stays due), and otherwise does nothing.
   * Returns a promise for the run it started or joined, which never rejects:
   * failures go to onError, never into the bar loop.
   */
  maybeRun(now: number): Promise<void> | undefined {
    try {
      if (this.slotOf(now) === this.lastSlot) return undefined;
      if (this.inFlight !== null) return this.inFlight.then(noop, noop);
      return this.runNow().then(noop, (e: unknown) => {
        this.deps.onError?.(e);
      });
    } catch (e) {
      this.deps.onError?.(e);
      return undefined;
    }
  }

  private slotOf(ts: number): number {
    return this.schedule === 'tradingDay' ? nyDayNumber(ts) : Math.floor(ts / this.schedule.everyMs);
  }

  private async execute(): Promise<PortfolioVarReport> {
    // Everything the run reads is taken here, before the first await.
    const ts = this.deps.clock.now();
    const equity = this.deps.equity();
    const seed = hash32(`${this.seedBase}:${ts}`) & 0x7fffffff;
    const input = this.buildInput(ts);
    const base = { ts, horizonDays: 1, portfolioValue: equity, equity, paths: this.paths, seed };

    let report: PortfolioVarReport;
    if (input === null) {
      const zero = moneyFromNumber(0);
      const results = (['montecarlo', 'historical'] as const).flatMap((method) => REPORT_CONFIDENCES.map((confidence) => ({ method, confidence, var: zero, cvar: zero })));
      report = { ...base, results, var99OfEquity: 0, observations: 0, assets: [], excluded: [], notes: ['no open positions: nothing is at risk'] };
    } else {
      const common = { table: input.table, portfolio: input.portfolio, horizonDays: 1, dist: 't' as const, nu: DEFAULT_NU, paths: this.paths, seed };
      const rows = input.table.dates.length;
      const historicalAt = REPORT_CONFIDENCES.filter((c) => rows >= minimumObservations('historical', c));
      const notes = REPORT_CONFIDENCES.filter((c) => !historicalAt.includes(c)).map(
        (c) => `historical VaR at ${c} skipped: it needs ${minimumObservations('historical', c)} return rows, ${rows} kept`,
      );
      const mc = await computeVar({ ...common, methods: ['montecarlo'], confidences: REPORT_CONFIDENCES, runner: this.deps.runner });
      const hist = historicalAt.length > 0 ? await computeVar({ ...common, methods: ['historical'], confidences: historicalAt }) : [];
      const results = [...mc, ...hist].map(toReportResult);
      const breach = mc.find((r) => r.confidence === BREACH_CONFIDENCE)!;
      report = {
        ...base,
        results,
        var99OfEquity: equity.gt(0) ? breach.var / equity.toNumber() : null,
        observations: rows,
        assets: input.table.assets,
        excluded: input.excluded,
        notes,
      };
    }
    this.report = report;
    try {
      this.deps.onReport?.(report);
    } catch (e) {
      this.deps.onError?.(e);
    }
    return report;
  }

  /** The book as the VaR library takes it; null for an empty book. Throws DataError when nothing held can be valued. */
  private buildInput(ts: number): { table: ReturnType<typeof returnsTable>; portfolio: VarPortfolio; excluded: Array<{ symbol: string; reason: string }> } | null {
    const { marks } = this.deps;
    const held = this.deps.portfolio.allPositions().filter((p) => p.quantity !== 0);
    if (held.length === 0) return null;
    const positions = held.map((p) => ({ position: p, instrument: instrumentFromSymbol(p.symbol) }));
    const underlyings = [...new Set(positions.map((p) => underlyingOf(p.instrument)))].sort();
    const aligned = this.history.alignedReturns(underlyings, MIN_OBSERVATIONS, 'simple');
    const why = new Map(aligned.excluded.map((x) => [x.symbol, x.reason] as const));
    const covered = new Set(aligned.assets);

    const stocks: StockPosition[] = [];
    const options: OptionPosition[] = [];
    const spots: Record<string, number> = {};
    const excluded: Array<{ symbol: string; reason: string }> = [];
    for (const { position, instrument } of positions) {
      const u = underlyingOf(instrument);
      const spot = marks.lastPrice(u) ?? this.history.latestClose(u);
      if (!covered.has(u) || spot === undefined) {
        excluded.push({ symbol: position.symbol, reason: why.get(u) ?? `${u}: no price seen` });
        continue;
      }
      if (instrument.kind === 'equity') {
        stocks.push({ asset: u, value: position.quantity * spot });
        continue;
      }
      spots[u] = spot;
      options.push({
        asset: u,
        right: instrument.right,
        strike: instrument.strike.toNumber(),
        years: yearsToExpiry(ts, instrument.expiry),
        rate: marks.rate,
        dividend: marks.dividendYield(u),
        vol: marks.volatility(u),
        quantity: position.quantity,
      });
    }
    if (stocks.length === 0 && options.length === 0) {
      throw new DataError(`no position can be valued for VaR: ${excluded.map((x) => x.reason).join('; ')}`, { field: 'history' });
    }
    const table = returnsTable(aligned.assets, aligned.dates, aligned.columns);
    return { table, portfolio: { stocks, options, spots }, excluded };
  }
}

function toReportResult(r: VarResult): VarReportResult {
  return { method: r.method, confidence: r.confidence, var: moneyFromNumber(r.var, 'var'), cvar: moneyFromNumber(r.cvar, 'cvar') };
}

function noop(): void {}
