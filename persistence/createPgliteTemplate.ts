/**
 * `npm run pglite:template`: initialise an empty PGlite cluster with the
 * engine's settings and write it, with a manifest, to data/pglite/.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_CONF } from './pgliteServer.js';
import { TEMPLATE_FILE, TEMPLATE_MANIFEST, installedPgliteVersion, type TemplateManifest } from './pgliteTemplate.js';

const out = fileURLToPath(new URL('../data/pglite/', import.meta.url));
const db = await PGlite.create({ postgresqlconf: PGLITE_CONF });
const blob = await db.dumpDataDir('gzip');
await db.close();
const bytes = Buffer.from(await blob.arrayBuffer());
await mkdir(out, { recursive: true });
await writeFile(path.join(out, TEMPLATE_FILE), bytes);
const manifest: TemplateManifest = {
  pgliteVersion: installedPgliteVersion(),
  postgresqlconf: [...PGLITE_CONF],
  sha256: createHash('sha256').update(bytes).digest('hex'),
  bytes: bytes.length,
};
await writeFile(path.join(out, TEMPLATE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`wrote ${path.join(out, TEMPLATE_FILE)} (${bytes.length} bytes) for PGlite ${manifest.pgliteVersion}\n`);
