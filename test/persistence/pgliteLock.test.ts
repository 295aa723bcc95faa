import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersistenceError } from '../../engine/domain/errors.js';
import { acquireLock } from '../../persistence/pgliteServer.js';

describe('PGlite data directory lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsb-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is held by this process until released', async () => {
    const path = join(dir, 'pglite.lock');
    const release = await acquireLock(path);
    expect(await readFile(path, 'utf8')).toBe(String(process.pid));
    const err = await acquireLock(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PersistenceError);
    expect((err as Error).message).toContain(`in use by process ${process.pid}`);
    await release();
    expect(existsSync(path)).toBe(false);
    await (await acquireLock(path))();
  });

  it('is taken over from a process that no longer exists', async () => {
    const path = join(dir, 'pglite.lock');
    // Above Linux's default pid_max (4194304), so no live process has it.
    await writeFile(path, '4194305');
    const release = await acquireLock(path);
    expect(await readFile(path, 'utf8')).toBe(String(process.pid));
    await release();
  });

  it('is taken over when the lock file is empty or garbage (a crash mid-write)', async () => {
    const path = join(dir, 'pglite.lock');
    await writeFile(path, 'not a pid');
    await (await acquireLock(path))();
  });
});
