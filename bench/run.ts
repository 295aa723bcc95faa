/**
 * `npm run bench`: throughput, latency and memory of the engine, written as
 * JSON to bench/results/<scenario>.json. Figures, never assertions: tests do
 * not time anything.
 *
 * Scenarios
 * - hot-path-rules: every bundled daily bar repeated past a million bars,
 *   through feed → validation → mark model (indicators) → dip bot rules.
 * - hot-path-node: the same bars through the whole TradingNode, trades included.
 * - pipeline-pglite: one backtest of the bundled data with every order, fill and
 *   signal written to embedded PGlite; tick-to-order latency from the bar
 *   entering the node to the broker's acknowledgement.
 * - pipeline-memory: the same backtest on the in-memory store.
 * - options-pricing: Black–Scholes–Merton price and greeks per second, scalar
 *   and batch (bench/optionsBench.ts).
 * - var-montecarlo: Monte Carlo VaR, 10-asset Student t portfolio at 100 k and
 *   1 M paths on 1 and 2 workers, and a 50-option book (bench/varBench.ts).
 * - ws-fanout: 500 WebSocket clients subscribed during a full-speed replay:
 *   delivered frames/s, p99 latency, engine bars/s with and without them
 *   (bench/wsBench.ts).
 * - all-strategies: every available strategy in one daemon on PGlite:
 *   bars/s and orders/s of the replay.
 * - daemon-rss: `wsb start` as a real process replaying the bundled data;
 *   peak resident memory (VmHWM) once the replay is complete.
 *
 * Options: --only <scenario>, --repeat <n> (hot path repetitions, default 20).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { runBacktest, type BacktestReport } from '../engine/backtest/runBacktest.js';
import { loadBars, bundledDataRoot } from '../engine/market/barLoader.js';
import type { Bar } from '../engine/domain/market.js';
import { createWsbDipBot } from '../engine/strategies/wsbDipBot.js';
import type { StrategyView } from '../engine/strategies/types.js';
import { ALL_BUNDLED_SYMBOLS } from '../engine/market/universes.js';
import { OptionMarkModel } from '../engine/market/optionMarks.js';
import { SimulatedClock } from '../engine/domain/clock.js';
import { barProblem } from '../engine/domain/market.js';
import { Decimal } from '../engine/domain/money.js';
import { createReplayFeed } from '../actors/feeds/replayFeed.js';
import { openDatabase } from '../persistence/database.js';
import { runOptionsBench } from './optionsBench.js';
import { runVarBench } from './varBench.js';
import { runWsBench } from './wsBench.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const RESULTS = path.join(REPO, 'bench', 'results');
const logger = pino({ level: 'silent' });
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const repeat = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) : 20;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function round(n: number, dp = 3): number {
  return Math.round(n * 10 ** dp) / 10 ** dp;
}

async function save(name: string, result: Record<string, unknown>): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  const body = {
    scenario: name,
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    ...result,
  };
  await writeFile(path.join(RESULTS, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
  console.log(`${name}: ${JSON.stringify(result)}`);
}

function summary(r: BacktestReport) {
  return { bars: r.bars, orders: r.orders, fills: r.fills, orderLogSha256: r.orderLogSha256 };
}

/** Tick-to-order: from a bar entering the node to the broker acknowledging the order it caused. */
function latencyProbe() {
  let barStart = 0;
  const samples: number[] = [];
  return {
    beforeBar: () => {
      barStart = performance.now();
    },
    observe: (node: Parameters<NonNullable<Parameters<typeof runBacktest>[0]['observe']>>[0]) => {
      node.bus.subscribe('order.updated', (o) => {
        if (o.status === 'submitted') samples.push((performance.now() - barStart) * 1000);
      });
    },
    stats: () => {
      const s = [...samples].sort((a, b) => a - b);
      return { orders: s.length, p50Us: round(percentile(s, 50), 1), p99Us: round(percentile(s, 99), 1), maxUs: round(s.at(-1) ?? Number.NaN, 1) };
    },
  };
}

/** The bundled daily bars of every symbol, repeated `repeat` times, each repetition shifted past the last. */
async function repeatedBars(symbols: readonly string[]): Promise<{ base: Bar[]; bars: Bar[] }> {
  const base = await loadBars({ roots: [bundledDataRoot()], symbols, timeframe: '1d' });
  const span = base.at(-1)!.ts - base[0]!.ts + 7 * 86_400_000;
  const bars: Bar[] = new Array<Bar>(base.length * repeat);
  for (let k = 0; k < repeat; k++) {
    for (let i = 0; i < base.length; i++) {
      const b = base[i]!;
      bars[k * base.length + i] = { ...b, ts: b.ts + k * span };
    }
  }
  return { base, bars };
}

/**
 * The hot path as the node runs it for every bar: feed → edge validation →
 * mark model (realised-vol indicators) → strategy rules. Signals are counted,
 * not acted on, so this measures exactly the per-bar cost with no actor hop.
 */
async function hotPathRules(): Promise<void> {
  const { bars } = await repeatedBars(ALL_BUNDLED_SYMBOLS);
  const run = async (input: readonly Bar[]) => {
    const marks = new OptionMarkModel();
    const rules = createWsbDipBot({ marks });
    const routed = new Set(rules.universe);
    const equity = new Decimal(100_000);
    const view: StrategyView = { now: () => clock.now(), equity: () => equity, holding: () => undefined, hasWorkingOrder: () => false };
    const clock = new SimulatedClock(0);
    let signals = 0;
    let rejected = 0;
    const t0 = performance.now();
    await createReplayFeed({ bars: input, clock }).run((bar) => {
      if (barProblem(bar) !== null) {
        rejected++;
        return;
      }
      marks.onBar(bar);
      if (routed.has(bar.symbol) && rules.onBar(bar, view) !== null) signals++;
    });
    return { seconds: (performance.now() - t0) / 1000, signals, rejected };
  };
  await run(bars.slice(0, 100_000));
  const r = await run(bars);
  await save('hot-path-rules', {
    description: 'all bundled daily bars (105 symbols) repeated; replay feed → bar validation → option mark model / realised vol → WSB dip bot rules; signals counted, not traded',
    repetitions: repeat,
    bars: bars.length,
    signals: r.signals,
    seconds: round(r.seconds),
    barsPerSecond: Math.round(bars.length / r.seconds),
  });
}

/**
 * The whole node (validation, marks, paper venue, rules, and for every signal
 * the validator → risk → breaker → lock → OMS → fills → in-memory persistence),
 * over all bundled symbols, one fresh account per repetition so compounding
 * does not change what is measured.
 */
async function hotPathNode(): Promise<void> {
  const base = await loadBars({ roots: [bundledDataRoot()], symbols: ALL_BUNDLED_SYMBOLS, timeframe: '1d' });
  const reps = Math.max(1, Math.round(repeat / 7));
  await runBacktest({ strategy: 'wsb-dip-bot', seed: 42, initialCash: '100000', logger, bars: base });
  let bars = 0;
  let orders = 0;
  let fills = 0;
  const t0 = performance.now();
  for (let k = 0; k < reps; k++) {
    const r = await runBacktest({ strategy: 'wsb-dip-bot', seed: 42 + k, initialCash: '100000', logger, bars: base });
    bars += r.bars + r.barsRejected;
    orders += r.orders;
    fills += r.fills;
  }
  const seconds = (performance.now() - t0) / 1000;
  await save('hot-path-node', {
    description: 'all bundled daily bars (105 symbols; the dip bot trades its 16) through the full TradingNode with the in-memory store, fresh account per repetition',
    repetitions: reps,
    barsDelivered: bars,
    orders,
    fills,
    seconds: round(seconds),
    barsPerSecond: Math.round(bars / seconds),
    peakRssMb: round(process.memoryUsage().rss / 1e6, 1),
  });
}

async function pipeline(kind: 'pglite' | 'memory'): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wsb-bench-'));
  const db = kind === 'pglite' ? await openDatabase({ dataDir: dir, logger, migrate: true }) : undefined;
  try {
    // Warm-up run (not stored), then the measured run.
    await runBacktest({ strategy: 'wsb-dip-bot', seed: 42, initialCash: '100000', logger });
    const probe = latencyProbe();
    const t0 = performance.now();
    const r = await runBacktest({
      strategy: 'wsb-dip-bot',
      seed: 42,
      initialCash: '100000',
      logger,
      store: db?.storeFor('backtest:bench'),
      runId: db ? 'bench' : undefined,
      beforeBar: probe.beforeBar,
      observe: probe.observe,
    });
    const seconds = (performance.now() - t0) / 1000;
    await save(`pipeline-${kind}`, {
      description: `bundled dip-bot data through the full pipeline; store: ${kind === 'pglite' ? 'embedded PGlite (every order, fill, trade and signal written)' : 'in memory'}`,
      ...summary(r),
      seconds: round(seconds),
      barsPerSecond: Math.round(r.bars / seconds),
      tickToOrder: probe.stats(),
    });
  } finally {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface DaemonRun {
  replayComplete: boolean;
  seconds: number;
  bars?: number;
  orders?: number;
  peakRssMb: number;
  rssMb: number;
}

/** Start `wsb start`, wait for the replay to complete, read its memory from /proc, stop it. */
async function runDaemonOnce(command: string[], env: NodeJS.ProcessEnv): Promise<DaemonRun> {
  const child = spawn(process.execPath, command, { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const started = performance.now();
  let log = '';
  const done = await new Promise<boolean>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('replay complete')) resolve(true);
    });
    child.on('close', () => resolve(false));
  });
  const seconds = (performance.now() - started) / 1000;
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  const line = log.split('\n').find((l) => l.includes('replay complete')) ?? '{}';
  const replay = JSON.parse(line) as { delivered?: number; orders?: number };
  return { replayComplete: done, seconds: round(seconds), bars: replay.delivered, orders: replay.orders, peakRssMb: round(kb('VmHWM') / 1024, 1), rssMb: round(kb('VmRSS') / 1024, 1) };
}

/**
 * The daemon's resident memory once it has replayed the bundled data, for the
 * ways it is run: from sources (`npm start`, tsx) and compiled (`npm run build`,
 * the Docker image), on embedded PGlite (first start runs initdb, so a restart
 * is measured too) and, when DATABASE_URL is set, on PostgreSQL.
 */
async function daemonRss(): Promise<void> {
  const compiled = path.join(REPO, 'dist', 'engine', 'cli', 'index.js');
  const hasBuild = await readFile(compiled).then(
    () => true,
    () => false,
  );
  const variants: Array<{ name: string; command: string[]; databaseUrl?: string }> = [{ name: 'source-pglite', command: [path.join(REPO, 'bin', 'wsb.js'), 'start'] }];
  if (hasBuild) variants.push({ name: 'compiled-pglite', command: [compiled, 'start'] });
  if (hasBuild && process.env.DATABASE_URL) variants.push({ name: 'compiled-postgresql', command: [compiled, 'start'], databaseUrl: process.env.DATABASE_URL });
  const results: Record<string, unknown> = {};
  for (const v of variants) {
    const dir = await mkdtemp(path.join(tmpdir(), 'wsb-bench-daemon-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, WSB_DATA_DIR: dir, WSB_PORT: '0', WSB_LOG_LEVEL: 'info' };
    let dropDatabase: (() => void) | undefined;
    if (v.databaseUrl) {
      // A throwaway database, so the replay starts from the beginning every time.
      const name = `wsb_bench_${process.pid}`;
      const admin = v.databaseUrl;
      execFileSync('psql', [admin, '-qc', `create database ${name}`]);
      const u = new URL(admin);
      u.pathname = `/${name}`;
      env.DATABASE_URL = u.toString();
      dropDatabase = () => execFileSync('psql', [admin, '-qc', `drop database if exists ${name}`]);
    }
    const first = await runDaemonOnce(v.command, env).finally(() => dropDatabase?.());
    // A restart resumes at the end of the replay: what a long-running daemon holds.
    const restart = v.databaseUrl ? undefined : await runDaemonOnce(v.command, env);
    await rm(dir, { recursive: true, force: true });
    results[v.name] = restart ? { firstStart: first, restart } : { firstStart: first };
  }
  await save('daemon-rss', {
    description: 'resident memory of `wsb start` after replaying the bundled data (VmHWM = peak, VmRSS = current, MB); the PostgreSQL variant runs in a throwaway database',
    compiledBuildPresent: hasBuild,
    ...results,
  });
}

/**
 * Every available strategy together in one daemon (`wsb start` as a real
 * process) over the bundled data, every order, fill, trade and signal written
 * to embedded PGlite: bars/s and orders/s of the replay, from the daemon's own
 * log times (start of the replay to its end), so start-up is outside them.
 */
async function allStrategies(): Promise<void> {
  const { availableStrategies } = await import('../engine/strategies/registry.js');
  const strategies = availableStrategies();
  const dir = await mkdtemp(path.join(tmpdir(), 'wsb-bench-all-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, WSB_DATA_DIR: dir, WSB_PORT: '0', WSB_LOG_LEVEL: 'info', WSB_STRATEGIES: strategies.join(',') };
  const child = spawn(process.execPath, [path.join(REPO, 'bin', 'wsb.js'), 'start'], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const done = await new Promise<boolean>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('replay complete')) resolve(true);
    });
    child.on('close', () => resolve(false));
  });
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  await rm(dir, { recursive: true, force: true });
  const lines = log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; time?: string; delivered?: number; orders?: number; fills?: number });
  const start = lines.find((l) => l.msg === 'reconciled with the broker and the store');
  const end = lines.find((l) => l.msg === 'replay complete; daemon idle');
  const seconds = start?.time && end?.time ? (Date.parse(end.time) - Date.parse(start.time)) / 1000 : Number.NaN;
  await save('all-strategies', {
    description: 'every available strategy in one daemon over the bundled data, persisted to embedded PGlite; replay only (start-up excluded)',
    strategies,
    replayComplete: done,
    seconds: round(seconds),
    bars: end?.delivered,
    orders: end?.orders,
    fills: end?.fills,
    barsPerSecond: end?.delivered ? Math.round(end.delivered / seconds) : null,
    ordersPerSecond: end?.orders ? round(end.orders / seconds, 1) : null,
  });
}

const scenarios: Record<string, () => Promise<void>> = {
  'hot-path-rules': hotPathRules,
  'hot-path-node': hotPathNode,
  'pipeline-memory': () => pipeline('memory'),
  'pipeline-pglite': () => pipeline('pglite'),
  'daemon-rss': daemonRss,
  'all-strategies': allStrategies,
  'options-pricing': () => runOptionsBench(save),
  'var-montecarlo': () => runVarBench(save),
  'ws-fanout': () => runWsBench(save),
};

for (const [name, run] of Object.entries(scenarios)) {
  if (only && only !== name) continue;
  await run();
}
