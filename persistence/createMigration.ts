/**
 * `npx tsx persistence/createMigration.ts [name]` (the "migration:create" script).
 * Starts a throwaway embedded PGlite, applies the committed migrations, and
 * writes a diff migration (with its down()) for whatever the entities add on
 * top. Never an initial migration: that kind cannot be reverted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_DIR, openDatabase } from './database.js';

/** A developer tool's answer, not a log line: plain text on stdout. */
function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const name = process.argv[2];
  const dir = await mkdtemp(join(tmpdir(), 'wsb-migration-'));
  try {
    const db = await openDatabase({ dataDir: dir, migrate: true });
    try {
      const result = await db.orm.getMigrator().createMigration(MIGRATIONS_DIR, false, false, name);
      if (result.diff.up.length === 0) {
        say('entities match the migrations: nothing to create');
      } else {
        say(`created ${join(MIGRATIONS_DIR, result.fileName)}; review it before committing`);
      }
    } finally {
      await db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
