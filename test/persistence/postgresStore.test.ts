import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { PersistenceError } from '../../engine/domain/errors.js';
import { openDatabase } from '../../persistence/database.js';
import type { Database } from '../../persistence/database.js';
import { registerStoreContract } from './storeContract.js';
import { databaseHarness } from './dbHarness.js';

/*
 * Real PostgreSQL, only when DATABASE_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test).
 * Each run creates its own throwaway database through the URL's database and drops it after.
 */
const adminUrl = process.env.DATABASE_URL;
const dataDir = tmpdir(); // unused with a URL, but required by the options

describe.skipIf(!adminUrl)('PostgreSQL (DATABASE_URL)', () => {
  const name = `wsb_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = new URL(adminUrl ?? 'postgres://unused/unused');
  url.pathname = `/${name}`;
  const testUrl = url.toString();
  let admin: Database | undefined;
  const h = databaseHarness(() => openDatabase({ databaseUrl: testUrl, dataDir }));

  beforeAll(async () => {
    admin = await openDatabase({ databaseUrl: adminUrl, dataDir, migrate: false });
    await admin.orm.em.fork().execute(`create database "${name}"`);
    await h.start();
  });

  afterAll(async () => {
    await h.stop();
    await admin?.orm.em.fork().execute(`drop database if exists "${name}"`);
    await admin?.close();
  });

  registerStoreContract('MikroOrmStore on PostgreSQL', h.harness, { database: true });

  it('connects as postgresql and names the target without the password', () => {
    const db = h.harness().db?.current();
    expect(db?.kind).toBe('postgresql');
    expect(db?.target).toMatch(new RegExp(`^postgresql://[^:@]+@[^/]+/${name}$`));
  });

  it('lets only one of several engines starting together apply the migrations', async () => {
    const fresh = `${name}_race`;
    const raceUrl = new URL(testUrl);
    raceUrl.pathname = `/${fresh}`;
    await admin?.orm.em.fork().execute(`create database "${fresh}"`);
    try {
      const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: raceUrl.toString(), dataDir, migrate: false })));
      try {
        const applied = await Promise.all(dbs.map((db) => db.migrate()));
        expect(applied.map((a) => a.length).sort()).toEqual([0, 0, applied.flat().length]);
        expect(applied.flat().length).toBeGreaterThan(0);
        await dbs[0]?.store.setState('ok', '1');
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
      }
    } finally {
      await admin?.orm.em.fork().execute(`drop database if exists "${fresh}"`);
    }
  });

  it('names the missing database in a PersistenceError', async () => {
    const missing = new URL(testUrl);
    missing.pathname = `/${name}_missing`;
    const err = await openDatabase({ databaseUrl: missing.toString(), dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PersistenceError);
    expect((err as Error).message).toContain(`${name}_missing`);
  });
});
