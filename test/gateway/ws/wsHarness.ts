import Fastify, { type FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import type { Authenticator } from '../../../engine/gateway/control.js';
import type { InspectionHub } from '../../../engine/gateway/ws/inspector.js';
import type { WsLimits } from '../../../engine/gateway/ws/limits.js';
import { websocketPlugin } from '../../../engine/gateway/ws/plugin.js';
import { TopicHub, type TopicHubOptions } from '../../../engine/gateway/ws/topics.js';
import { FakeControl, fakeAuthenticator } from './fakeControl.js';
import type { EngineControl } from '../../../engine/gateway/control.js';

export type Json = Record<string, unknown>;

export interface Served<C extends EngineControl> {
  readonly app: FastifyInstance;
  readonly hub: TopicHub;
  readonly control: C;
  url(path: string): string;
  close(): Promise<void>;
}

export interface ServeOptions<C extends EngineControl> {
  readonly control?: C;
  readonly authenticator?: Authenticator;
  readonly openReads?: boolean;
  readonly limits?: Partial<WsLimits>;
  readonly now?: () => number;
  readonly inspector?: InspectionHub;
  readonly hub?: Omit<TopicHubOptions, 'control'>;
}

/** A real fastify server on a loopback port with the WebSocket plugin and a TopicHub. */
export async function serve<C extends EngineControl = FakeControl>(opts: ServeOptions<C> = {}): Promise<Served<C>> {
  const control = (opts.control ?? new FakeControl()) as C;
  const hub = new TopicHub({ control, epoch: 'test-epoch', now: () => 1_700_000_000_000, ...opts.hub });
  await hub.load();
  const app = Fastify({ logger: false });
  await websocketPlugin(app, {
    control,
    hub,
    authenticator: opts.authenticator ?? fakeAuthenticator(opts.openReads ?? true),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.inspector ? { inspector: opts.inspector } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    app,
    hub,
    control,
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    close: async () => {
      hub.close();
      await app.close();
    },
  };
}

interface Waiter {
  readonly match: (f: Json) => boolean;
  /** Next frame index to look at. */
  from: number;
  readonly resolve: (f: Json) => void;
  readonly reject: (e: Error) => void;
}

/**
 * A `ws` client that keeps every frame it receives (messages split on
 * newlines, so batch mode reads the same) and lets a test wait for one,
 * event-driven: a wait fails as soon as the socket closes without it.
 */
export class TestClient {
  readonly frames: Json[] = [];
  readonly messages: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<Waiter>();
  private closeInfo: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      this.messages.push(text);
      for (const line of text.split('\n')) this.frames.push(JSON.parse(line) as Json);
      this.check();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters) w.reject(new Error(`socket closed (${code} ${reason.toString()}) while waiting; frames: ${JSON.stringify(this.frames.slice(-5))}`));
        this.waiters.clear();
        resolve(this.closeInfo);
      }),
    );
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(message: Json | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first frame at index ≥ `from` that matches, now or when it arrives. */
  waitFor(match: (f: Json) => boolean, from = 0): Promise<Json> {
    for (let i = from; i < this.frames.length; i++) if (match(this.frames[i]!)) return Promise.resolve(this.frames[i]!);
    if (this.closeInfo) return Promise.reject(new Error(`socket already closed (${this.closeInfo.code} ${this.closeInfo.reason})`));
    return new Promise((resolve, reject) => this.waiters.add({ match, from, resolve, reject }));
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      for (; w.from < this.frames.length; w.from++) {
        if (w.match(this.frames[w.from]!)) {
          this.waiters.delete(w);
          w.resolve(this.frames[w.from]!);
          break;
        }
      }
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}

export const isType =
  (type: string, more: Json = {}) =>
  (f: Json): boolean =>
    f.type === type && Object.entries(more).every(([k, v]) => f[k] === v);
