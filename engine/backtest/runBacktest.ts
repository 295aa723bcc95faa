import type { Logger } from 'pino';
import { SimulatedClock } from '../domain/clock.js';
import { InputError } from '../domain/errors.js';
import { money, moneyString } from '../domain/money.js';
import type { Order } from '../domain/orders.js';
import type { TradingStore } from '../domain/ports.js';
import type { Bar } from '../domain/market.js';
import { nyParts } from '../domain/session.js';
import { multiplierOf } from '../domain/instrument.js';
import { bundledDataRoot, loadEarningsCalendarFrom, type EarningsEvent } from '../market/barLoader.js';
import { loadReplayBars } from '../market/replayBars.js';
import { OptionMarkModel } from '../market/optionMarks.js';
import { createStrategy } from '../strategies/registry.js';
import { TradingNode, type TradingNodeOptions } from '../tradingNode.js';
import { Portfolio } from '../portfolio.js';
import { createPaperVenue } from '../paperVenue.js';
import { sha256Hex } from '../ids.js';
import { maxDrawdown, sharpeRatio, dailyCloses, round, roundTrips, type Execution } from './stats.js';
import { PersistenceWriter } from '../../actors/persistenceWriter.js';
import { attachVarService, replayBar } from '../risk/nodeVar.js';
import { runInProcess } from '../risk/var/index.js';
import { createReplayFeed } from '../../actors/feeds/replayFeed.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';

export interface BacktestOptions {
  readonly strategy: string;
  /** Inclusive New York dates, YYYY-MM-DD. */
  readonly from?: string;
  readonly to?: string;
  readonly seed: number;
  /** A subset of the strategy's universe; all of it when absent. */
  readonly symbols?: readonly string[];
  readonly initialCash: string;
  /** Data roots in priority order; the bundled data set last. */
  readonly dataRoots?: readonly string[];
  /** A store to persist into (`--persist`); an in-memory store otherwise. */
  readonly store?: TradingStore;
  /** Distinguishes persisted runs in a shared database. */
  readonly runId?: string;
  readonly logger: Logger;
  /** Bars to replay instead of loading them (benchmarks); must be in time order. */
  readonly bars?: readonly Bar[];
  /** Called once the node exists, e.g. to subscribe to its bus (benchmarks, tests). */
  readonly observe?: (node: TradingNode) => void;
  /** Called just before each bar enters the node (benchmarks time tick-to-order from here). */
  readonly beforeBar?: (bar: Bar) => void;
  /** Risk and signal settings for the node (limits, breaker thresholds, signal config); code and tests only. */
  readonly nodeOptions?: Pick<TradingNodeOptions, 'preTradeLimits' | 'breakerLimits' | 'strategyBreakerLimits' | 'signalConfig' | 'flattenOnTrip'>;
  /** The earnings calendar the strategy sees; default the first data root's (the bundled one). */
  readonly earnings?: readonly EarningsEvent[];
  /** Monte Carlo paths of the daily VaR report (default 10,000: the daemon's figure is WSB_VAR_PATHS). */
  readonly varPaths?: number;
}

export interface BacktestReport {
  readonly strategy: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly seed: number;
  readonly symbols: readonly string[];
  readonly bars: number;
  readonly barsRejected: number;
  readonly signals: number;
  readonly signalsRejected: number;
  readonly orders: number;
  readonly fills: number;
  /** Completed round trips (a symbol's position back to flat). */
  readonly trades: number;
  /** Share of those round trips that made money; null without any. */
  readonly winRate: number | null;
  readonly realizedPnl: string;
  readonly equityStart: string;
  readonly equityEnd: string;
  readonly maxDrawdown: number;
  readonly sharpe: number;
  readonly orderLogSha256: string;
  readonly persisted: boolean;
  readonly runId: string | null;
  readonly elapsedMs: number;
}

/**
 * The canonical order log: one line per order in creation order, fields in a
 * fixed order, money as plain decimal strings. Keyed by the signal id (not the
 * namespaced client order id) so persisted and in-memory runs hash alike.
 */
export function canonicalOrderLog(orders: readonly Order[]): string {
  return orders
    .map((o) =>
      JSON.stringify([
        o.signalId,
        o.strategyId,
        o.symbol,
        o.side,
        o.quantity,
        o.type,
        o.limitPrice === null ? null : moneyString(o.limitPrice),
        o.status,
        o.filledQuantity,
        o.avgFillPrice === null ? null : moneyString(o.avgFillPrice),
        new Date(o.createdAt).toISOString(),
      ]),
    )
    .join('\n');
}

export async function runBacktest(opts: BacktestOptions): Promise<BacktestReport> {
  const started = performance.now();
  const marks = new OptionMarkModel();
  const roots = [...(opts.dataRoots ?? []), bundledDataRoot()];
  const earnings = opts.earnings ?? (await loadEarningsCalendarFrom(roots));
  const rules = createStrategy(opts.strategy, { marks, earnings });
  const symbols = opts.symbols && opts.symbols.length > 0 ? [...opts.symbols] : [...rules.universe];
  for (const s of symbols) {
    if (!rules.universe.includes(s)) {
      throw new InputError('symbols', `${s} is not in the universe of ${opts.strategy} (${rules.universe.join(' ')})`);
    }
  }
  if (opts.from && opts.to && opts.from > opts.to) throw new InputError('from', `--from ${opts.from} is after --to ${opts.to}`);
  const bars =
    opts.bars ??
    (await loadReplayBars({
      roots,
      strategies: [{ timeframe: rules.timeframe, universe: symbols }],
      from: opts.from,
      to: opts.to,
    }));
  const first = bars[0];
  const clock = new SimulatedClock(first ? first.ts - 1 : 0);
  const store = opts.store ?? new InMemoryStore();
  const writer = new PersistenceWriter(store, opts.logger);
  const initialCash = money(opts.initialCash, 'initialCash');
  const venue = createPaperVenue({ clock, marks, initialCash, seed: opts.seed, logger: opts.logger });
  const portfolio = new Portfolio(initialCash);
  const node = new TradingNode({
    clock,
    logger: opts.logger,
    venue,
    writer,
    marks,
    strategies: [rules],
    portfolio,
    idNamespace: opts.runId ? `backtest:${opts.runId}` : 'backtest',
    ...opts.nodeOptions,
  });
  // This run's orders, latest state of each, in creation order (a shared database may hold others).
  const runOrders = new Map<string, Order>();
  node.bus.subscribe('order.updated', (o) => runOrders.set(o.clientOrderId, o));
  const executions: Execution[] = [];
  node.bus.subscribe('fill.booked', ({ fill, order }) =>
    executions.push({ symbol: fill.symbol, side: fill.side, quantity: fill.quantity, gross: fill.price.times(fill.quantity).times(multiplierOf(order.instrument)), commission: fill.commission }),
  );
  opts.observe?.(node);
  // The same VaR wiring as the daemon; the report runs on this thread (no pool to start for a backtest).
  const varService = attachVarService({ node, clock, portfolio, marks, runner: runInProcess, logger: opts.logger, paths: opts.varPaths ?? 10_000, seed: opts.seed });
  const feed = createReplayFeed({ bars, clock });
  const beforeBar = opts.beforeBar;
  let lastTs = Number.NEGATIVE_INFINITY;
  await feed.run((bar) => {
    beforeBar?.(bar);
    const newTime = bar.ts !== lastTs;
    lastTs = bar.ts;
    return replayBar(varService, node, bar, newTime);
  });
  await node.idle();
  node.finishEquityCurve();
  await node.stop();

  const closed = roundTrips(executions);
  const curve = node.equityHistory();
  const equityValues = curve.map((p) => p.equity.toNumber());
  const last = bars[bars.length - 1];
  const equityEnd = curve.length > 0 ? curve[curve.length - 1]!.equity : initialCash;
  return {
    strategy: rules.id,
    from: first ? nyParts(first.ts).date : null,
    to: last ? nyParts(last.ts).date : null,
    seed: opts.seed,
    symbols,
    bars: node.counters.bars,
    barsRejected: node.counters.barsRejected,
    signals: node.counters.signals,
    signalsRejected: node.counters.signalsRejected,
    orders: node.oms.placedCount,
    fills: node.counters.fills,
    trades: closed.trades,
    winRate: closed.trades > 0 ? round(closed.wins / closed.trades) : null,
    realizedPnl: moneyString(portfolio.realizedPnl.toDecimalPlaces(2)),
    equityStart: moneyString(initialCash),
    equityEnd: moneyString(equityEnd.toDecimalPlaces(2)),
    maxDrawdown: round(maxDrawdown(equityValues)),
    sharpe: round(sharpeRatio(dailyCloses(curve))),
    orderLogSha256: sha256Hex(canonicalOrderLog([...runOrders.values()])),
    persisted: opts.store !== undefined,
    runId: opts.runId ?? null,
    elapsedMs: Math.round(performance.now() - started),
  };
}
