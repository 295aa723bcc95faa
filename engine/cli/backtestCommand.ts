import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { runBacktest, type BacktestReport } from '../backtest/runBacktest.js';
import { openDatabase } from '../../persistence/database.js';
import { parseDateFlag, parseDecimalFlag, parseIntegerFlag, parseSymbolList } from './parse.js';

interface BacktestFlags {
  strategy: string;
  from?: string;
  to?: string;
  seed: number;
  symbols?: string[];
  initialCash?: string;
  json?: boolean;
  persist?: boolean;
}

export function formatReport(r: BacktestReport): string {
  const rows: Array<[string, string]> = [
    ['strategy', r.strategy],
    ['period', `${r.from ?? '-'} → ${r.to ?? '-'}`],
    ['symbols', r.symbols.join(' ')],
    ['seed', String(r.seed)],
    ['bars', `${r.bars} (${r.barsRejected} rejected)`],
    ['signals', `${r.signals} (${r.signalsRejected} rejected)`],
    ['orders / fills', `${r.orders} / ${r.fills}`],
    ['trades (round trips)', `${r.trades}${r.winRate === null ? '' : `, win rate ${(r.winRate * 100).toFixed(1)} %`}`],
    ['realized P&L', r.realizedPnl],
    ['equity', `${r.equityStart} → ${r.equityEnd}`],
    ['max drawdown', `${(r.maxDrawdown * 100).toFixed(2)} %`],
    ['sharpe', r.sharpe.toFixed(3)],
    ['order log sha256', r.orderLogSha256],
    ['persisted', r.persisted ? `yes (run ${r.runId ?? ''})` : 'no (in-memory store)'],
    ['elapsed', `${r.elapsedMs} ms`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `Backtest report\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description('replay market data through the same engine code as the daemon and report the result')
    .requiredOption('--strategy <id>', 'strategy id, e.g. wsb-dip-bot')
    .option('--from <date>', 'first New York trading date to replay (YYYY-MM-DD, inclusive)', parseDateFlag('--from'))
    .option('--to <date>', 'last New York trading date to replay (YYYY-MM-DD, inclusive)', parseDateFlag('--to'))
    .option('--seed <n>', 'seed of the simulated venue (slippage jitter); same data and seed give the same orders', parseIntegerFlag('--seed', 0, 2 ** 31 - 1), 42)
    .option('--symbols <list>', "comma-separated subset of the strategy's universe", parseSymbolList('--symbols'))
    .option('--initial-cash <amount>', 'starting cash (default WSB_INITIAL_CASH or 100000)', parseDecimalFlag('--initial-cash'))
    .option('--persist', 'write orders, fills and signals to the configured database (DATABASE_URL or the embedded one)')
    .option('--json', 'print exactly one JSON object on stdout')
    .action(async (flags: BacktestFlags) => {
      const config = loadConfig();
      const logger = createLogger(process.env.WSB_LOG_LEVEL ? config.logLevel : 'warn');
      const base = {
        strategy: flags.strategy,
        from: flags.from,
        to: flags.to,
        seed: flags.seed,
        symbols: flags.symbols,
        initialCash: flags.initialCash ?? config.initialCash,
        dataRoots: [config.dataDir],
        logger,
      };
      let report: BacktestReport;
      if (flags.persist) {
        const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, migrate: true });
        try {
          const runId = randomUUID();
          // Its own account: a backtest never touches the daemon's positions, trades or cursor.
          report = await runBacktest({ ...base, store: db.storeFor(`backtest:${runId}`), runId });
        } finally {
          await db.close();
        }
      } else {
        report = await runBacktest(base);
      }
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    });
}
