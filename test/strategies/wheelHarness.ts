import { pino } from 'pino';
import { PaperBroker } from '../../actors/brokers/paperBroker.js';
import { createReplayFeed } from '../../actors/feeds/replayFeed.js';
import { PersistenceWriter } from '../../actors/persistenceWriter.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Order, TradeTransaction } from '../../engine/domain/orders.js';
import { bundledDataRoot, loadBars } from '../../engine/market/barLoader.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import { PAPER_SLIPPAGE_JITTER_BPS } from '../../engine/paperVenue.js';
import { Portfolio } from '../../engine/portfolio.js';
import { createWheel, WHEEL_UNIVERSE, type WheelRules } from '../../engine/strategies/wheel.js';
import { TradingNode } from '../../engine/tradingNode.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';

const silent = pino({ enabled: false });

/**
 * The wheel replayed as runBacktest wires a run (marks, paper venue with the
 * backtest's slippage jitter, portfolio, node, replay feed), with two
 * differences, both engine gaps reported with the wheel (docs/strategies/wheel.md):
 * - the venue allows opening short options: runBacktest's venue
 *   (engine/paperVenue.ts) has `allowShort` off, so it refuses every
 *   cash-secured put and covered call (`short_not_allowed`);
 * - no portfolio VaR service: with a short out-of-the-money put its 1-day VaR
 *   can come out slightly negative (the worst paths still gain theta), and
 *   the breaker then throws on `metrics.varPct` and stops the replay.
 *   Without it the pre-trade VAR_LIMIT check is skipped, as in any node
 *   without an estimator.
 * Starting from a
 * store's trades is a restart as the daemon does it: the book from the trades,
 * the venue from the book, the strategy's bookkeeping from the trades.
 */
export async function replayWheel(args: {
  readonly bars: readonly Bar[];
  readonly store?: InMemoryStore;
  readonly trades?: readonly TradeTransaction[];
  readonly initialCash?: string;
  readonly seed?: number;
  readonly params?: Parameters<typeof createWheel>[0]['params'];
}): Promise<{ node: TradingNode; rules: WheelRules; store: InMemoryStore; portfolio: Portfolio; orders: Map<string, Order> }> {
  const seed = args.seed ?? 42;
  const marks = new OptionMarkModel();
  const store = args.store ?? new InMemoryStore();
  const trades = args.trades ?? [];
  const portfolio = Portfolio.fromTrades(new Decimal(args.initialCash ?? '100000'), trades);
  const first = args.bars[0];
  const clock = new SimulatedClock(first ? first.ts - 1 : 0);
  const venue = new PaperBroker({
    clock,
    config: { initialCash: portfolio.cash, seed, slippageJitterBps: PAPER_SLIPPAGE_JITTER_BPS, allowShort: true },
    initialPositions: portfolio.allPositions(),
    optionPrice: (contract, underlyingPrice, ts) => marks.price(contract, ts, underlyingPrice),
    logger: silent,
  });
  const rules = createWheel({ marks, trades, ...(args.params ? { params: args.params } : {}) });
  const node = new TradingNode({ clock, logger: silent, venue, writer: new PersistenceWriter(store, silent), marks, strategies: [rules], portfolio, idNamespace: 'wheel-replay' });
  const orders = new Map<string, Order>();
  node.bus.subscribe('order.updated', (o) => orders.set(o.clientOrderId, o));
  await createReplayFeed({ bars: args.bars, clock }).run((bar) => node.onBar(bar));
  await node.idle();
  return { node, rules, store, portfolio, orders };
}

/** The wheel's daily bars from the bundled data set. */
export function wheelBars(from?: string, to?: string, symbols: readonly string[] = WHEEL_UNIVERSE): Promise<Bar[]> {
  return loadBars({ roots: [bundledDataRoot()], symbols, timeframe: '1d', ...(from ? { from } : {}), ...(to ? { to } : {}) });
}
