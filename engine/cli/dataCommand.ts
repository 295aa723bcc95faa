import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { InputError } from '../domain/errors.js';
import { assertTicker } from '../domain/instrument.js';
import { TIMEFRAMES, type Timeframe } from '../domain/market.js';
import { importBarsCsv } from '../market/csvBars.js';

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('market data tools');
  data
    .command('import')
    .description('validate a Date,Open,High,Low,Close,Volume CSV and install it into WSB_DATA_DIR/market/<timeframe>/<SYMBOL>.csv (it then takes priority over the bundled data)')
    .requiredOption('--file <path>', 'CSV file to import')
    .requiredOption('--symbol <ticker>', 'ticker the file holds')
    .option('--timeframe <tf>', `bar timeframe (${TIMEFRAMES.join(', ')})`, '1d')
    .option('--json', 'print exactly one JSON object on stdout')
    .action(async (flags: { file: string; symbol: string; timeframe: string; json?: boolean }) => {
      const config = loadConfig();
      const symbol = assertTicker(flags.symbol.toUpperCase(), '--symbol');
      if (!(TIMEFRAMES as readonly string[]).includes(flags.timeframe)) {
        throw new InputError('--timeframe', `must be one of ${TIMEFRAMES.join(', ')}, got ${JSON.stringify(flags.timeframe)}`);
      }
      const result = await importBarsCsv({ sourceFile: flags.file, symbol, timeframe: flags.timeframe as Timeframe, dataDir: config.dataDir });
      if (flags.json) process.stdout.write(`${JSON.stringify({ symbol, timeframe: flags.timeframe, ...result })}\n`);
      else process.stdout.write(`imported ${result.rows} bars of ${symbol} (${flags.timeframe}) into ${result.file}\n`);
    });
}
