import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * A freshly initialised, empty PGlite cluster, dumped once and shipped in
 * `data/pglite/`. A first start loads it instead of running initdb: about a
 * third of the time, and it avoids initdb's memory peak (measured by
 * `npm run bench`, daemon-rss). It is used only when it was made by the PGlite
 * version installed; otherwise the engine runs initdb as before.
 * Regenerate with `npm run pglite:template` after upgrading PGlite.
 */
export const TEMPLATE_FILE = 'empty-cluster.tar.gz';
export const TEMPLATE_MANIFEST = 'manifest.json';

export const templateManifestSchema = z.object({
  pgliteVersion: z.string(),
  postgresqlconf: z.array(z.string()),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
});
export type TemplateManifest = z.infer<typeof templateManifestSchema>;

/** data/pglite of the checkout or image, found from this module (works from sources and from dist/). */
export function templateDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'data', 'pglite');
    if (existsSync(path.join(candidate, TEMPLATE_MANIFEST))) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

/** Version of the installed @electric-sql/pglite (its package.json is not exported, so found from its entry point). */
export function installedPgliteVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
  for (let i = 0; i < 5; i++) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === '@electric-sql/pglite' && parsed.version) return parsed.version;
    }
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the installed @electric-sql/pglite version');
}

/** The template as a Blob for `PGlite.create({ loadDataDir })`, or null when absent or made by another version. */
export async function loadTemplate(postgresqlconf: readonly string[]): Promise<Blob | null> {
  const dir = templateDir();
  if (!dir) return null;
  const manifest = templateManifestSchema.safeParse(JSON.parse(await readFile(path.join(dir, TEMPLATE_MANIFEST), 'utf8')));
  if (!manifest.success) return null;
  if (manifest.data.pgliteVersion !== installedPgliteVersion()) return null;
  if (manifest.data.postgresqlconf.join('\n') !== postgresqlconf.join('\n')) return null;
  const bytes = await readFile(path.join(dir, TEMPLATE_FILE));
  const { createHash } = await import('node:crypto');
  if (createHash('sha256').update(bytes).digest('hex') !== manifest.data.sha256) return null;
  return new Blob([bytes]);
}
