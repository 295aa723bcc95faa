/**
 * Scenario `ws-fanout`: WebSocket clients on loopback subscribed during
 * full-speed replays of the bundled data through a TradingNode.
 *
 * Measures the engine's bars/s without the hub, with the hub and no client,
 * and with the clients connected (rounds interleaved with baseline rounds, so
 * a busy machine shifts both alike; medians reported), then the deltas
 * delivered per second and their delivery latency: every delta carries the
 * wall time it was published (`sentAt`); the clients, 500 by default in a
 * worker thread (its own core), subtract it on arrival. The replay yields to
 * the event loop every 10,000 bars (the feed's default), so a delta waits at
 * most that long for its fan-out, which is most of the latency measured.
 *
 * Run with `npm run bench -- --only ws-fanout` once the lead wires it into
 * bench/run.ts; options through runWsBench's second argument.
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import type { Bar } from '../engine/domain/market.js';
import type { Authenticator } from '../engine/gateway/control.js';
import { websocketPlugin } from '../engine/gateway/ws/plugin.js';
import { TopicHub } from '../engine/gateway/ws/topics.js';
import { bundledDataRoot, loadBars } from '../engine/market/barLoader.js';
import { ALL_BUNDLED_SYMBOLS } from '../engine/market/universes.js';
import { NodeControl, startReplay } from '../test/gateway/ws/nodeRig.js';

export interface WsBenchOptions {
  readonly clients?: number;
  /** Measured rounds per configuration (default 5). */
  readonly rounds?: number;
  /** Also measure clients that take one frame per WebSocket message (default true). */
  readonly singleFrameMode?: boolean;
}

type Save = (name: string, result: Record<string, unknown>) => Promise<void>;

const openReads: Authenticator = { openReads: true, authenticate: () => Promise.resolve(null) };
const wallNow = (): number => performance.timeOrigin + performance.now();

/**
 * The clients, as plain JavaScript for an eval'd worker (no loader needed
 * under tsx or node). They count frames, read `sentAt` without a full
 * parse, and check seq continuity on client 0.
 */
const CLIENT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsPath);
const { url, clients, topics } = workerData;
const latencies = new Float64Array(8000000);
let nLat = 0, frames = 0, messages = 0, bytes = 0, lastAt = 0, gaps = 0, snapshots = 0, ready = false;
const closes = {};
const lastSeq = new Map();
const sockets = [];
function onMessage(i, data) {
  const now = performance.timeOrigin + performance.now();
  const text = data.toString();
  messages++; bytes += data.length; lastAt = now;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\\n', start);
    const line = end === -1 ? text.slice(start) : text.slice(start, end);
    if (line.startsWith('{"type":"delta"')) {
      frames++;
      const k = line.indexOf('"sentAt":');
      if (nLat < latencies.length) latencies[nLat++] = now - parseFloat(line.slice(k + 9, k + 40));
      if (i === 0) {
        const f = JSON.parse(line);
        const prev = lastSeq.get(f.topic);
        if (prev !== undefined && f.seq !== prev + 1) gaps++;
        lastSeq.set(f.topic, f.seq);
      }
    } else if (line.startsWith('{"type":"snapshot"')) {
      if (i === 0) { const f = JSON.parse(line); lastSeq.set(f.topic, f.seq); }
      if (++snapshots === clients * topics.length && !ready) { ready = true; parentPort.postMessage({ type: 'ready' }); }
    }
    if (end === -1) break;
    start = end + 1;
  }
}
function connect(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    sockets.push(ws);
    ws.on('open', () => { ws.send(JSON.stringify({ op: 'subscribe', topics })); resolve(); });
    ws.on('message', (d) => onMessage(i, d));
    ws.on('close', (code) => { closes[code] = (closes[code] || 0) + 1; });
    ws.on('error', () => resolve());
  });
}
(async () => {
  for (let i = 0; i < clients; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(clients, i + 50); j++) batch.push(connect(j));
    await Promise.all(batch);
  }
})();
parentPort.on('message', (m) => {
  if (m.type === 'reset') { nLat = 0; frames = 0; messages = 0; bytes = 0; lastAt = 0; parentPort.postMessage({ type: 'reset' }); }
  if (m.type === 'report') {
    const s = latencies.slice(0, nLat).sort();
    const p = (q) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN);
    parentPort.postMessage({ type: 'report', frames, messages, bytes, lastAt, gaps, closes, open: sockets.filter((w) => w.readyState === 1).length,
      latencyMs: { samples: s.length, p50: p(0.5), p90: p(0.9), p99: p(0.99), max: s.length ? s[s.length - 1] : NaN } });
  }
  if (m.type === 'close') { for (const w of sockets) w.terminate(); parentPort.postMessage({ type: 'closed' }); }
});
`;

interface ClientReport {
  frames: number;
  messages: number;
  bytes: number;
  lastAt: number;
  gaps: number;
  closes: Record<string, number>;
  open: number;
  latencyMs: { samples: number; p50: number; p90: number; p99: number; max: number };
}

class ClientPool {
  private readonly worker: Worker;
  private readonly replies = new Map<string, Array<(m: Record<string, unknown>) => void>>();

  constructor(url: string, clients: number, topics: readonly string[]) {
    const wsPath = createRequire(import.meta.url).resolve('ws');
    this.worker = new Worker(CLIENT_WORKER, { eval: true, workerData: { url, clients, topics, wsPath } });
    this.worker.on('message', (m: Record<string, unknown>) => this.replies.get(m.type as string)?.shift()?.(m));
  }

  private expect(type: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const list = this.replies.get(type) ?? [];
      list.push(resolve);
      this.replies.set(type, list);
    });
  }

  ready(): Promise<unknown> {
    return this.expect('ready');
  }

  async ask(type: 'reset' | 'report' | 'close'): Promise<Record<string, unknown>> {
    const reply = this.expect(type === 'close' ? 'closed' : type);
    this.worker.postMessage({ type });
    return reply;
  }

  async stop(): Promise<void> {
    await this.ask('close');
    await this.worker.terminate();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export async function runWsBench(save: Save, opts: WsBenchOptions = {}): Promise<void> {
  const clients = opts.clients ?? 500;
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const rounds = opts.rounds ?? 5;
  const bars = await loadBars({ roots: [bundledDataRoot()], symbols: ALL_BUNDLED_SYMBOLS, timeframe: '1d' });
  const topics = ['orders', 'fills', 'positions', 'pnl', 'strategies', 'breaker', 'signals', 'bars:SPY'];

  // Baseline: the same node and bus, no hub listening.
  const plain = new NodeControl();
  const replayOnce = async (control: NodeControl, hub: TopicHub | undefined): Promise<number> => {
    const onBar = hub ? (b: Bar) => (hub.wantsBars(b.symbol) ? hub.onBar(b) : undefined) : undefined;
    const rig = startReplay(control, onBar ? { onBar } : {});
    const t0 = performance.now();
    await rig.replay(bars);
    const seconds = (performance.now() - t0) / 1000;
    await rig.node.stop();
    return bars.length / seconds;
  };

  const control = new NodeControl();
  const hub = new TopicHub({ control, now: wallNow, bufferSize: 1000 });
  const app = Fastify({ logger: false });
  await websocketPlugin(app, { control, authenticator: openReads, hub, limits: { maxConnections: clients * 2 + 10 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  // Warm-up, not measured.
  await replayOnce(plain, undefined);
  await replayOnce(control, hub);

  const baselineA: number[] = [];
  const hubOnly: number[] = [];
  for (let r = 0; r < rounds; r++) {
    baselineA.push(await replayOnce(plain, undefined));
    hubOnly.push(await replayOnce(control, hub));
  }

  const measureWithClients = async (batch: boolean, n: number) => {
    const pool = new ClientPool(`ws://127.0.0.1:${port}/ws${batch ? '?batch=1' : ''}`, clients, topics);
    await pool.ready();
    const baseline: number[] = [];
    const loaded: number[] = [];
    const delivered: number[] = [];
    const p99: number[] = [];
    const p50: number[] = [];
    let last: ClientReport | undefined;
    let expectedTotal = 0;
    let deliveredTotal = 0;
    for (let r = 0; r < n; r++) {
      baseline.push(await replayOnce(plain, undefined));
      await pool.ask('reset');
      const before = topics.reduce((s, t) => s + hub.seq(t), 0);
      const start = wallNow();
      loaded.push(await replayOnce(control, hub));
      hub.flush(); // the last burst (and its P&L) belongs to this round
      const expected = (topics.reduce((s, t) => s + hub.seq(t), 0) - before) * clients;
      // Let the fan-out finish: poll until every delta arrived or nothing moves for a second.
      let report = (await pool.ask('report')) as unknown as ClientReport;
      let still = 0;
      while (report.frames < expected && still < 10) {
        await new Promise((res) => setTimeout(res, 100));
        const next = (await pool.ask('report')) as unknown as ClientReport;
        still = next.frames === report.frames ? still + 1 : 0;
        report = next;
      }
      expectedTotal += expected;
      deliveredTotal += report.frames;
      delivered.push(report.frames / ((report.lastAt - start) / 1000));
      p99.push(report.latencyMs.p99);
      p50.push(report.latencyMs.p50);
      last = report;
    }
    await pool.stop();
    const base = median(baseline);
    const withClients = median(loaded);
    return {
      mode: batch ? 'batch (?batch=1: newline-separated frames, several per message)' : 'one frame per message',
      rounds: n,
      engineBarsPerSecond: { baselineInterleaved: Math.round(base), withClients: Math.round(withClients), slowdownPct: round1((1 - withClients / base) * 100) },
      deltasPerRound: Math.round(expectedTotal / n / clients),
      framesExpected: expectedTotal,
      framesDelivered: deliveredTotal,
      deliveredFramesPerSecond: Math.round(median(delivered)),
      deliveryLatencyMs: { p50: round1(median(p50)), p99: round1(median(p99)) },
      lastRound: last ? { messages: last.messages, megabytes: round1(last.bytes / 1e6), seqGapsOnClient0: last.gaps, clientsOpen: last.open, closeCodes: last.closes } : null,
    };
  };

  const batchResult = await measureWithClients(true, rounds);
  const singleResult = opts.singleFrameMode === false ? undefined : await measureWithClients(false, Math.max(1, Math.ceil(rounds / 2)));
  hub.close();
  await app.close();

  const base = median(baselineA);
  await save('ws-fanout', {
    description: `${clients} WebSocket clients on loopback (one worker thread) subscribed to ${topics.join(', ')} during full-speed replays of all bundled daily bars through a TradingNode (dip bot); rounds interleave a no-hub baseline; medians`,
    bars: bars.length,
    clients,
    loadAverage1m: { atStart: round1(loadAtStart), atEnd: round1(loadavg()[0] ?? Number.NaN) },
    engineBarsPerSecond: { withoutHub: Math.round(base), hubNoClients: Math.round(median(hubOnly)), hubSlowdownPct: round1((1 - median(hubOnly) / base) * 100) },
    batch: batchResult,
    ...(singleResult ? { singleFrame: singleResult } : {}),
  });
}
