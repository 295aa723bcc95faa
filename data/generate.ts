/**
 * Generates the bundled synthetic market data set (see data/README.md).
 *
 *   npx tsx data/generate.ts [--seed N] [--out data]
 *
 * Same seed → byte-identical files: nothing here reads the clock, the
 * environment or the file system until the output is written.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { formatBarsCsv } from '../engine/market/csvBars.js';
import { ALL_BUNDLED_SYMBOLS, STRATEGY_UNIVERSES } from '../engine/market/universes.js';
import { tradingDays } from './model/calendar.js';
import type { EarningsDate } from './model/earnings.js';
import { UniverseSimulator } from './model/simulate.js';

export const GENERATOR_VERSION = '1.0.0';
/** Chosen among seeds 1–40 for a plausible index path: SPY about +60 % over the period, a −17 % drawdown, VIX closing as high as 38. */
export const DEFAULT_SEED = 17;
export const FIRST_DAY = '2024-01-02';
export const LAST_DAY = '2026-11-20';
export const INTRADAY_SESSIONS = 10;
/** Earnings dates are listed this far past the data, so upcoming reports are known at the end of a replay. */
export const EARNINGS_HORIZON = '2027-02-26';

export interface GeneratedFile {
  /** Path relative to the data root, with `/` separators. */
  readonly path: string;
  readonly bytes: Buffer;
  /** The CSV text (for .csv.gz, before compression). */
  readonly text: string;
  readonly rows: number;
}

export interface Dataset {
  readonly files: GeneratedFile[];
  readonly manifest: Record<string, unknown>;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * gzip with a fixed header: mtime 0 (zlib's default) and the OS byte set to
 * 255 "unknown", which otherwise names the platform that compressed it.
 */
export function deterministicGzip(text: string): Buffer {
  const gz = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  gz[9] = 0xff;
  return gz;
}

function csvFile(relPath: string, text: string, rows: number, gzip = false): GeneratedFile {
  return { path: relPath, text, rows, bytes: gzip ? deterministicGzip(text) : Buffer.from(text, 'utf8') };
}

/** Times the WSB dip bot's production rule fires on daily closes (SPEC §1.1 preset: 7-session run ≥ +8 %, then a day ≤ −2 %). */
export function dipRuleFirings(closes: readonly number[], lookback = 7, runPct = 0.08, dipPct = -0.02): number {
  let n = 0;
  for (let t = lookback + 1; t < closes.length; t++) {
    const today = closes[t]!;
    const prev = closes[t - 1]!;
    const start = closes[t - 1 - lookback]!;
    if (today / prev - 1 <= dipPct && prev / start - 1 >= runPct) n++;
  }
  return n;
}

export function generateDataset(opts: { seed?: number; symbols?: readonly string[] } = {}): Dataset {
  const seed = opts.seed ?? DEFAULT_SEED;
  const symbols = [...(opts.symbols ?? ALL_BUNDLED_SYMBOLS)].sort();
  const days = tradingDays(FIRST_DAY, LAST_DAY);
  const sim = new UniverseSimulator({ seed, days, intradayDays: INTRADAY_SESSIONS });
  const files: GeneratedFile[] = [];
  const earnings: EarningsDate[] = [];
  const dipFirings: Record<string, number> = {};
  for (const symbol of symbols) {
    const s = sim.series(symbol);
    files.push(csvFile(`market/1d/${symbol}.csv`, formatBarsCsv(s.daily, { priceDecimals: 2 }), s.daily.length));
    files.push(csvFile(`market/5m/${symbol}.csv.gz`, formatBarsCsv(s.intraday, { priceDecimals: 2 }), s.intraday.length, true));
    earnings.push(...s.earnings);
    if (STRATEGY_UNIVERSES['wsb-dip-bot'].includes(symbol)) dipFirings[symbol] = dipRuleFirings(s.daily.map((b) => b.close));
  }
  earnings.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const earningsText = `Symbol,Date,Timing\n${earnings.map((e) => `${e.symbol},${e.date},${e.timing}\n`).join('')}`;
  files.push(csvFile('market/earnings.csv', earningsText, earnings.length));

  const intradayDays = days.slice(-INTRADAY_SESSIONS);
  const manifest = {
    name: 'wsb-engine synthetic market data',
    licence: 'CC0-1.0',
    synthetic: true,
    generatorVersion: GENERATOR_VERSION,
    seed,
    symbols,
    daily: { from: days[0], to: days[days.length - 1], sessions: days.length, header: 'Date,Open,High,Low,Close,Volume' },
    intraday: {
      timeframe: '5m', from: intradayDays[0], to: intradayDays[intradayDays.length - 1], sessions: intradayDays.length,
      barsPerSession: 78, header: 'Datetime,Open,High,Low,Close,Volume', time: 'bar end, ISO-8601 UTC',
    },
    earnings: { file: 'market/earnings.csv', events: earnings.length, horizon: EARNINGS_HORIZON },
    stats: { dipRuleFirings: Object.values(dipFirings).reduce((a, b) => a + b, 0), dipRuleFiringsBySymbol: dipFirings },
    files: Object.fromEntries(
      files.map((f) => [f.path, { rows: f.rows, bytes: f.bytes.length, sha256: sha256(f.bytes), ...(f.path.endsWith('.gz') ? { contentSha256: sha256(f.text) } : {}) }]),
    ),
  };
  return { files, manifest };
}

export async function writeDataset(outDir: string, dataset: Dataset): Promise<void> {
  // Remove the files the previous run wrote (per its manifest) so a symbol dropped from the universe
  // does not linger; never anything else, since a data root may also hold imported bars.
  try {
    const previous = JSON.parse(await readFile(path.join(outDir, 'market', 'manifest.json'), 'utf8')) as { files?: Record<string, unknown> };
    for (const rel of Object.keys(previous.files ?? {})) {
      if (/^market\/(1d|5m)\/[A-Z0-9.-]+\.csv(\.gz)?$/.test(rel)) await rm(path.join(outDir, ...rel.split('/')), { force: true });
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  for (const f of dataset.files) {
    const target = path.join(outDir, ...f.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, f.bytes);
  }
  await writeFile(path.join(outDir, 'market', 'manifest.json'), `${JSON.stringify(dataset.manifest, null, 2)}\n`);
}

function parseArgs(argv: readonly string[]): { seed: number; out: string } {
  let seed = DEFAULT_SEED;
  let out = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--seed' && v !== undefined) {
      seed = Number(v);
      if (!Number.isSafeInteger(seed)) throw new Error(`--seed: expected an integer, got "${v}"`);
      i++;
    } else if (a === '--out' && v !== undefined) {
      out = path.resolve(v);
      i++;
    } else {
      throw new Error(`unknown argument "${a}"; usage: npx tsx data/generate.ts [--seed N] [--out DIR]`);
    }
  }
  return { seed, out };
}

async function main(): Promise<void> {
  const { seed, out } = parseArgs(process.argv.slice(2));
  const dataset = generateDataset({ seed });
  await writeDataset(out, dataset);
  const total = dataset.files.reduce((a, f) => a + f.bytes.length, 0);
  const stats = dataset.manifest.stats as { dipRuleFirings: number };
  console.log(`wrote ${dataset.files.length} files (${(total / 1e6).toFixed(2)} MB) to ${path.join(out, 'market')}; seed ${seed}; dip-rule firings ${stats.dipRuleFirings}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
