import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { runBacktest, type BacktestReport } from '../backtest/runBacktest.js';
import type { SignalRecord } from '../domain/signal.js';
import { validationReport, type ValidationRecordInput, type ValidationReport } from '../signals/report.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import { openDatabase } from '../../persistence/database.js';
import { parseDateFlag, parseIntegerFlag } from './parse.js';

interface ValidateFlags {
  strategy: string;
  from?: string;
  to?: string;
  seed: number;
  json?: boolean;
}

/** A history row as the report reads it: the outcome's P&L once the trade closed. */
export function recordInput(r: SignalRecord): ValidationRecordInput {
  return {
    strategyId: r.strategyId,
    ts: r.ts,
    score: r.score,
    // Accepted rows carry sizing notes after the pipeline's reason ("accepted; resized: …").
    reason: r.reason.split(';')[0]!.trim(),
    kind: r.kind,
    pnl: r.outcome === null ? null : r.outcome.pnl.toNumber(),
    closedTs: r.outcome?.closedAt ?? null,
  };
}

export interface ValidateResult {
  readonly strategy: string;
  readonly replay: { readonly backtest: BacktestReport; readonly report: ValidationReport };
  readonly history: { readonly database: string; readonly report: ValidationReport };
}

function pct(x: number | null): string {
  return x === null ? '-' : `${(x * 100).toFixed(1)} %`;
}

function formatSection(title: string, r: ValidationReport): string {
  const lines = [`${title}: ${r.records} signals (${r.unscored} not scored, ${r.exits} exits)`];
  lines.push('  score     signals  closed  wins  accuracy');
  for (const b of r.buckets) {
    if (b.count === 0) continue;
    lines.push(`  ${`${b.from}–${b.to}`.padEnd(8)}  ${String(b.count).padStart(7)}  ${String(b.outcomes).padStart(6)}  ${String(b.wins).padStart(4)}  ${pct(b.accuracy).padStart(8)}`);
  }
  for (const s of r.strategies) {
    lines.push(
      `  ${s.strategyId}: accuracy ${pct(s.accuracy)}, score–P&L correlation ${s.correlation === null ? '-' : s.correlation.toFixed(2)}, ` +
        `threshold ${s.configuredThreshold} → feedback would set ${s.suggestedThreshold} (${s.thresholdChanges.length} change(s))`,
    );
  }
  for (const e of r.degradationEpisodes) {
    lines.push(`  degraded ${new Date(e.start).toISOString().slice(0, 10)} → ${e.end === null ? 'still' : new Date(e.end).toISOString().slice(0, 10)} (${e.breaches.join(', ')})`);
  }
  if (r.degradationEpisodes.length === 0) lines.push('  no degradation episode');
  return `${lines.join('\n')}\n`;
}

export function formatValidate(v: ValidateResult): string {
  return (
    `Signal validation of ${v.strategy}\n` +
    formatSection(`Replay ${v.replay.backtest.from ?? '-'} → ${v.replay.backtest.to ?? '-'} (seed ${v.replay.backtest.seed})`, v.replay.report) +
    formatSection(`History in ${v.history.database}`, v.history.report)
  );
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description("replay a strategy and read its real signal history: score distribution, accuracy by score, the threshold the feedback loop would set, degradation episodes")
    .requiredOption('--strategy <id>', 'strategy id, e.g. wsb-dip-bot')
    .option('--from <date>', 'first New York trading date to replay (YYYY-MM-DD, inclusive)', parseDateFlag('--from'))
    .option('--to <date>', 'last New York trading date to replay (YYYY-MM-DD, inclusive)', parseDateFlag('--to'))
    .option('--seed <n>', 'seed of the simulated venue', parseIntegerFlag('--seed', 0, 2 ** 31 - 1), 42)
    .option('--json', 'print exactly one JSON object on stdout')
    .action(async (flags: ValidateFlags) => {
      const config = loadConfig();
      const logger = createLogger(process.env.WSB_LOG_LEVEL ? config.logLevel : 'warn');
      const store = new InMemoryStore();
      const backtest = await runBacktest({
        strategy: flags.strategy, from: flags.from, to: flags.to, seed: flags.seed, initialCash: config.initialCash, dataRoots: [config.dataDir], store, logger,
      });
      const replay = validationReport((await store.listSignals(flags.strategy)).map(recordInput));
      // The daemon's own history (account 'main'), in the configured database.
      const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, migrate: true });
      let history: ValidationReport;
      try {
        const rows = await db.store.listSignals(flags.strategy);
        history = validationReport(rows.filter((r) => r.ts >= (flags.from ? Date.parse(`${flags.from}T00:00:00Z`) : -Infinity)).map(recordInput));
      } finally {
        await db.close();
      }
      const result: ValidateResult = { strategy: flags.strategy, replay: { backtest, report: replay }, history: { database: db.kind === 'postgresql' ? 'PostgreSQL' : 'embedded PGlite', report: history } };
      process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : formatValidate(result));
    });
}
