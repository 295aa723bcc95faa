import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersistenceError } from '../../engine/domain/errors.js';
import { openDatabase } from '../../persistence/database.js';
import { registerStoreContract } from './storeContract.js';
import { databaseHarness } from './dbHarness.js';
import { makeOrder } from './fixtures.js';

const dir = await mkdtemp(join(tmpdir(), 'wsb-pglite-'));
const h = databaseHarness(() => openDatabase({ dataDir: dir }));

beforeAll(() => h.start());
afterAll(async () => {
  await h.stop();
  await rm(dir, { recursive: true, force: true });
});

registerStoreContract('MikroOrmStore on PGlite', h.harness, { database: true });

describe('embedded PGlite', () => {
  it('is the default, in <dataDir>/pglite, behind one connection', () => {
    const db = h.harness().db?.current();
    expect(db?.kind).toBe('pglite');
    expect(db?.target).toBe(`pglite:${join(dir, 'pglite')}`);
    expect(existsSync(join(dir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(db?.orm.config.get('pool')).toMatchObject({ max: 1 });
  });

  it('refuses a second open of the same data directory, naming the holder', async () => {
    const err = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PersistenceError);
    expect((err as Error).message).toContain(`process ${process.pid}`);
    // The first database is untouched.
    await h.harness().db?.current().store.getState('still-here');
  });

  it('close is idempotent and the store refuses calls afterwards', async () => {
    const db = await h.harness().db!.restart();
    await db.store.insertOrder(makeOrder({ clientOrderId: 'before-close' }));
    const reopened = await h.harness().db!.restart();
    await Promise.all([db.close(), db.close()]);
    await expect(db.store.getOrder('before-close')).rejects.toBeInstanceOf(PersistenceError);
    expect(await reopened.store.getOrder('before-close')).not.toBeNull();
  });
});
