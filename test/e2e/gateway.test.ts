import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cleanEnv, Daemon, freePort, tempDir } from './harness.js';

/**
 * The operator gateway of a real daemon process: REST with a bearer token,
 * and a WebSocket client that subscribes during a paced replay, sends a
 * command, disconnects and resumes from its seq. Waits are on events (the
 * frames, the daemon's answers), never on durations.
 */

const TOKEN = 'e2e-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

interface Frame {
  type: string;
  topic?: string;
  seq?: number;
  id?: string;
  ok?: boolean;
  code?: string;
  message?: string;
  data?: unknown;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** A WebSocket client that queues parsed frames and waits for one matching a predicate. */
class Client {
  readonly frames: Frame[] = [];
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      for (const line of raw.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const f = JSON.parse(line) as Frame;
        this.frames.push(f);
        this.waiters = this.waiters.filter((w) => (w.match(f) ? (w.resolve(f), false) : true));
      }
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, headers: Record<string, string> = auth): Promise<Client> {
    const ws = new WebSocket(url, { headers });
    const c = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  next(match: (f: Frame) => boolean): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

let daemon: Daemon;

beforeAll(async () => {
  const dir = await tempDir('wsb-gateway-');
  // Paced so the replay is still running while the client works; seeded as always.
  daemon = new Daemon(await freePort(), cleanEnv({ WSB_DATA_DIR: dir, WSB_API_TOKEN: TOKEN, WSB_REPLAY_PACE_MS: '2' }));
  await daemon.ready();
}, 120_000);

afterAll(async () => {
  await daemon?.stop('SIGTERM');
});

describe('gateway of the real daemon', () => {
  it('REST: reads open on loopback, writes need the token, every route family answers JSON', async () => {
    for (const path of ['/api/v1/strategies', '/api/v1/breakers', '/api/v1/positions', '/api/v1/pnl', '/api/v1/trades', '/api/v1/signals?limit=5', '/api/v1/orders?limit=5', '/api/v1/companies', '/api/v1/audit']) {
      const r = await fetch(daemon.url(path));
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toMatch(/application\/json/);
    }
    const metrics = await (await fetch(daemon.url('/metrics'))).text();
    expect(metrics).toMatch(/^wsb_/m);
    const docs = await fetch(daemon.url('/docs/json'));
    expect(docs.status).toBe(200);
    expect((await fetch(daemon.url('/api/v1/strategies/wsb-dip-bot/halt'), { method: 'POST' })).status).toBe(401);
    const bad = await fetch(daemon.url('/api/v1/strategies/wsb-dip-bot/halt'), { method: 'POST', headers: { authorization: 'Bearer wrong-token-0123456789' } });
    expect(bad.status).toBe(401);
    expect(JSON.stringify(await bad.json())).not.toContain('wrong-token');
    const company = await fetch(daemon.url('/api/v1/companies'), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ ticker: 'ACME', name: 'Acme Corp' }) });
    expect(company.status).toBe(201);
    const dup = await fetch(daemon.url('/api/v1/companies'), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ ticker: 'ACME', name: 'Acme' }) });
    expect(dup.status).toBe(409);
    expect((await fetch(daemon.url('/api/v1/nope'))).status).toBe(404);
  });

  it('WebSocket: snapshot then ordered deltas, a command acknowledged and its state change streamed, resume without gaps, bad messages answered', async () => {
    const ws = daemon.url('/ws').replace(/^http/, 'ws');
    const a = await Client.open(ws);
    a.send({ op: 'subscribe', topics: ['orders', 'strategies', 'signals'] });
    const snap = await a.next((f) => f.type === 'snapshot' && f.topic === 'strategies');
    expect(snap.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'wsb-dip-bot', state: 'running' })]));

    // A command: halt the dip bot; the ack carries the result, the strategies topic the change.
    a.send({ op: 'command', id: 'c1', command: { type: 'halt_strategy', strategyId: 'wsb-dip-bot', reason: 'e2e' } });
    expect(await a.next((f) => f.type === 'ack' && f.id === 'c1')).toMatchObject({ ok: true, result: { state: 'halted' } });
    await a.next((f) => f.type === 'delta' && f.topic === 'strategies' && JSON.stringify(f.data).includes('halted'));
    a.send({ op: 'command', id: 'c2', command: { type: 'resume_strategy', strategyId: 'wsb-dip-bot' } });
    expect(await a.next((f) => f.type === 'ack' && f.id === 'c2')).toMatchObject({ ok: true });

    // Bad messages: each a clear error; the connection keeps serving.
    a.send('{not json');
    expect((await a.next((f) => f.type === 'error')).message).toMatch(/JSON/i);
    a.send({ op: 'subscribe', topics: ['nope'] });
    await a.next((f) => f.type === 'error' && /nope/.test(f.message ?? ''));
    a.send({ op: 'command', id: 'c3', command: { type: 'halt_strategy', strategyId: 'moonshot' } });
    expect(await a.next((f) => f.type === 'ack' && f.id === 'c3')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    // Ordered signal deltas while the replay runs; then disconnect and resume from the last seq.
    await a.next((f) => f.type === 'delta' && f.topic === 'signals' && (f.seq ?? 0) >= 2);
    const seqs = a.frames.filter((f) => f.type === 'delta' && f.topic === 'signals').map((f) => f.seq!);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const last = seqs.at(-1)!;
    a.ws.close();
    await a.closed;

    const b = await Client.open(ws);
    b.send({ op: 'subscribe', topics: ['signals'], since: { signals: last } });
    await b.next((f) => f.type === 'delta' && f.topic === 'signals' && (f.seq ?? 0) >= last + 2);
    const resumed = b.frames.filter((f) => f.type === 'delta' && f.topic === 'signals').map((f) => f.seq!);
    expect(resumed[0]).toBe(last + 1);
    expect(resumed).toEqual(resumed.map((_, i) => last + 1 + i));
    b.ws.close();

    // The commands are in the audit log, with who did them.
    const audit = (await (await fetch(daemon.url('/api/v1/audit?category=command'))).json()) as { events: Array<{ action: string; actor: string }> };
    expect(audit.events.map((e) => e.action)).toEqual(expect.arrayContaining(['halt_strategy', 'resume_strategy']));
  });

  it('refuses a WebSocket upgrade with a wrong token, and still serves others', async () => {
    const ws = daemon.url('/ws').replace(/^http/, 'ws');
    const refused = new WebSocket(ws, { headers: { authorization: 'Bearer not-the-token-0123456789' } });
    const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
    const ok = await Client.open(ws);
    ok.send({ op: 'ping' });
    await ok.next((f) => f.type === 'pong');
    ok.ws.close();
    expect((await fetch(daemon.url('/healthz'))).status).toBe(200);
  });
});
