import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { installedPgliteVersion, loadTemplate, templateDir, templateManifestSchema } from '../../persistence/pgliteTemplate.js';
import { PGLITE_CONF, startPglite } from '../../persistence/pgliteServer.js';

describe('the shipped empty PGlite cluster', () => {
  it('was made by the installed PGlite with the engine settings (regenerate with npm run pglite:template after an upgrade)', async () => {
    const dir = templateDir();
    expect(dir).not.toBeNull();
    const manifest = templateManifestSchema.parse(JSON.parse(await readFile(path.join(dir!, 'manifest.json'), 'utf8')));
    expect(manifest.pgliteVersion).toBe(installedPgliteVersion());
    expect(manifest.postgresqlconf).toEqual(PGLITE_CONF);
    expect(await loadTemplate(PGLITE_CONF)).toBeInstanceOf(Blob);
  });

  it('is not used for other settings', async () => {
    expect(await loadTemplate(['shared_buffers=64MB'])).toBeNull();
  });

  it('seeds a new data directory, which then reopens as an existing cluster', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wsb-template-'));
    const first = await startPglite(dataDir);
    expect(first.initialisedFrom).toBe('template');
    await first.stop();
    const again = await startPglite(dataDir);
    expect(again.initialisedFrom).toBe('existing');
    await again.stop();
  });
});
