import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { DataError, errorMessage } from '../domain/errors.js';
import type { Bar } from '../domain/market.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import type { Portfolio } from '../portfolio.js';
import type { TradingNode } from '../tradingNode.js';
import type { ChunkRunner } from './var/index.js';
import { PortfolioVarService } from './varService.js';

/**
 * The portfolio VaR service wired to a trading node the same way in the
 * daemon and in a backtest: its reports go on the bus and feed the breaker's
 * VaR-breach rule, its delta-normal estimate is the pre-trade VaR cap, and it
 * counts working orders as held. Only the runner differs (the Piscina pool in
 * the daemon, the main thread in a backtest).
 */
export function attachVarService(args: {
  readonly node: TradingNode;
  readonly clock: Clock;
  readonly portfolio: Portfolio;
  readonly marks: OptionMarkModel;
  readonly runner: ChunkRunner;
  readonly logger: Logger;
  readonly paths: number;
  readonly seed: number;
}): PortfolioVarService {
  const { node, logger } = args;
  const service = new PortfolioVarService(
    {
      clock: args.clock,
      portfolio: args.portfolio,
      marks: args.marks,
      equity: () => node.equity(),
      runner: args.runner,
      workingOrders: () => node.oms.workingOrders(),
      onReport: (report) => {
        node.bus.publish('var.report', report);
        node.setPortfolioVar(report.var99OfEquity);
        logger.info(
          { component: 'var', ts: report.ts, var99OfEquity: report.var99OfEquity, observations: report.observations, excluded: report.excluded.length },
          'VaR report',
        );
      },
      onError: (e) =>
        e instanceof DataError
          ? logger.warn({ component: 'var', err: e.message }, 'VaR report skipped: not enough history')
          : logger.error({ component: 'var', err: errorMessage(e) }, 'VaR run failed'),
    },
    { paths: args.paths, seed: args.seed },
  );
  node.riskGate.setVarEstimator(service.varAfterTrade);
  return service;
}

/**
 * One replayed bar with the VaR service: at a new bar time (the previous one
 * complete) the scheduled report may run, and the replay waits for it so the
 * breaker sees each report at the same bar in every replay; then the bar goes
 * to the service's history and to the node.
 */
export function replayBar(service: PortfolioVarService, node: TradingNode, bar: Bar, newTime: boolean): Promise<void> | undefined {
  const varRun = newTime ? service.maybeRun(bar.ts) : undefined;
  service.onBar(bar);
  const work = node.onBar(bar);
  if (varRun === undefined) return work;
  return work === undefined ? varRun : Promise.all([varRun, work]).then(() => undefined);
}
