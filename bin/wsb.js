#!/usr/bin/env node
// Entry point of the `wsb` command. In a source checkout it runs the
// TypeScript sources through tsx, so `npm start` never runs a stale build;
// where only the compiled build exists (the Docker image), it runs that.
// WSB_USE_DIST=1 forces the compiled build.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = fileURLToPath(new URL('../engine/cli/index.ts', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/engine/cli/index.js', import.meta.url));
const useDist = process.env.WSB_USE_DIST === '1' || !existsSync(source);

if (useDist) {
  if (!existsSync(compiled)) {
    process.stderr.write('wsb: no compiled build found; run `npm run build` first\n');
    process.exit(1);
  }
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
