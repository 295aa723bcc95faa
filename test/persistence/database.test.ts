import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { ConfigError, PersistenceError } from '../../engine/domain/errors.js';
import { migrateDatabase, openDatabase } from '../../persistence/database.js';

describe('openDatabase with a DATABASE_URL', () => {
  it('reports an unreachable server as a PersistenceError naming host and database, never the password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const err = await openDatabase({ databaseUrl: 'postgres://wsb:s3cr%40t-pw@127.0.0.1:1/trading', dataDir: tmpdir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PersistenceError);
    const text = `${(err as Error).message} ${JSON.stringify(err)}`;
    expect(text).toContain('postgresql://wsb@127.0.0.1:1/trading');
    expect(text).not.toContain('s3cr');
  });

  it('rejects a malformed URL with a ConfigError naming DATABASE_URL', async () => {
    const err = await openDatabase({ databaseUrl: 'mysql://u:hunter2@h/db', dataDir: tmpdir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('DATABASE_URL');
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('migrateDatabase surfaces the same connection error', async () => {
    await expect(migrateDatabase({ databaseUrl: 'postgres://u@127.0.0.1:1/db', dataDir: tmpdir() })).rejects.toBeInstanceOf(PersistenceError);
  });
});
