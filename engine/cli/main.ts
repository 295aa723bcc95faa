import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { isWsbError, errorMessage } from '../domain/errors.js';
import { registerBacktestCommand } from './backtestCommand.js';
import { registerDataCommand } from './dataCommand.js';
import { registerIndicatorsCommand } from './indicatorsCommand.js';
import { registerMigrateCommand } from './migrateCommand.js';
import { registerOptionCommand } from './optionCommand.js';
import { registerVarCommand } from './varCommand.js';
import { registerValidateCommand } from './validateCommand.js';
import { runDaemon } from '../daemon.js';

/**
 * Input (including pricing inputs and a price no volatility reproduces),
 * configuration and data problems exit 2; anything else 1.
 */
export function exitCodeFor(e: unknown): number {
  if (isWsbError(e) && ['INPUT_INVALID', 'CONFIG_INVALID', 'DATA_INVALID', 'PRICING_INPUT_INVALID', 'NO_IMPLIED_VOLATILITY'].includes(e.code)) return 2;
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  return 1;
}

/** Print a failure: readable on stderr always; as one JSON object on stdout under --json. */
export function reportError(e: unknown, json: boolean): void {
  const code = isWsbError(e) ? e.code : 'INTERNAL';
  const message = errorMessage(e);
  process.stderr.write(`wsb: error [${code}]: ${message}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: { code, message, details: isWsbError(e) ? e.details : {} } })}\n`);
  }
}

export function buildProgram(): Command {
  const program = new Command('wsb')
    .description('WallStreetBots engine: an actor-model trading daemon and its tools')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('start')
    .description('run the engine daemon (embedded PGlite, paper broker and bundled data by default; configured by environment, see .env.example)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      process.exitCode = await runDaemon(config, logger);
    });

  registerBacktestCommand(program);
  registerMigrateCommand(program);
  registerDataCommand(program);
  registerOptionCommand(program);
  registerVarCommand(program);
  registerValidateCommand(program);
  registerIndicatorsCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message (unknown option, missing argument, --help).
      if (json && e.exitCode !== 0) process.stdout.write(`${JSON.stringify({ error: { code: 'INPUT_INVALID', message: e.message, details: { commander: e.code } } })}\n`);
      return e.exitCode === 0 ? 0 : 2;
    }
    reportError(e, json);
    return exitCodeFor(e);
  }
}
