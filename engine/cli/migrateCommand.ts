import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { migrateDatabase } from '../../persistence/database.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending migrations to DATABASE_URL (PostgreSQL) or to the embedded PGlite database in WSB_DATA_DIR')
    .option('--json', 'print exactly one JSON object on stdout')
    .action(async (flags: { json?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(process.env.WSB_LOG_LEVEL ? config.logLevel : 'warn');
      if (!config.databaseUrl) await mkdir(config.dataDir, { recursive: true });
      const applied = await migrateDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
      const target = config.databaseUrl ? 'postgresql' : 'pglite';
      if (flags.json) process.stdout.write(`${JSON.stringify({ target, applied })}\n`);
      else process.stdout.write(applied.length === 0 ? `${target}: up to date\n` : `${target}: applied ${applied.join(', ')}\n`);
    });
}
