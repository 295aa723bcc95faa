import WebSocket from 'ws';
import type { RawData } from 'ws';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Clock } from '../../../engine/domain/clock.js';
import { createRng } from '../../../engine/domain/random.js';
import { errorMessage } from '../../../engine/domain/errors.js';
import { AlpacaError, makeScrubber } from './errors.js';
import { streamMessageSchema } from './schemas.js';

export interface TradeStreamOptions {
  readonly url: string;
  readonly keyId: string;
  readonly secretKey: string;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  /** Ping every this often; a ping unanswered by the next one drops the connection. 0: off. */
  readonly heartbeatMs?: number;
  readonly jitterSeed?: number;
  /** The `data` of a trade_updates message, not yet validated. */
  readonly onUpdate: (data: unknown) => void;
  /** Authenticated and listening to trade_updates; `reconnect` is false the first time. */
  readonly onListening: (reconnect: boolean) => void;
  /** The stream gave up for good (credentials refused): trading must not go on blind. */
  readonly onFatal: (error: AlpacaError) => void;
}

export type StreamState = 'idle' | 'connecting' | 'authenticating' | 'listening' | 'waiting' | 'stopped';

/**
 * The trade_updates WebSocket: connect, authenticate (`{action:'auth'}`),
 * listen (`{action:'listen', data:{streams:['trade_updates']}}`), and on any
 * drop reconnect with exponential back-off and jitter and subscribe again.
 * Timers run on the injected clock. Frames may be binary (the paper
 * endpoint sends binary); both kinds are read as UTF-8 JSON.
 */
export class TradeUpdatesStream {
  private socket: WebSocket | null = null;
  private stateValue: StreamState = 'idle';
  private attempt = 0;
  private listenedBefore = false;
  private reconnectTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private awaitingPong = false;
  private connectCount = 0;
  private readonly log: Logger;
  private readonly rng;
  private readonly scrub: (text: string) => string;
  private firstListening: { resolve: () => void; reject: (e: AlpacaError) => void } | null = null;

  constructor(private readonly opts: TradeStreamOptions) {
    this.log = opts.logger ?? pino({ enabled: false });
    this.rng = createRng(opts.jitterSeed ?? 1, 'alpaca-stream-backoff');
    this.scrub = makeScrubber([opts.keyId, opts.secretKey]);
  }

  get state(): StreamState {
    return this.stateValue;
  }

  /** Connections opened so far (the first one included). */
  get connections(): number {
    return this.connectCount;
  }

  /** Resolves when first listening; rejects if the credentials are refused. Reconnects on its own after that. */
  start(): Promise<void> {
    if (this.stateValue !== 'idle') return Promise.reject(new AlpacaError('stream', 'trade stream already started'));
    const ready = new Promise<void>((resolve, reject) => {
      this.firstListening = { resolve, reject };
    });
    this.connect();
    return ready;
  }

  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.terminate();
      });
    }
    this.firstListening?.reject(new AlpacaError('stream', 'trade stream stopped before it was listening'));
    this.firstListening = null;
  }

  /** The delay before reconnect attempt `attempt` (0-based): equal jitter over an exponential ceiling. */
  reconnectDelay(attempt: number): number {
    const base = this.opts.reconnectBaseMs ?? 500;
    const ceiling = Math.min(this.opts.reconnectMaxMs ?? 30_000, base * 2 ** attempt);
    return Math.round(ceiling / 2 + this.rng.uniform() * (ceiling / 2));
  }

  private connect(): void {
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'connecting';
    this.connectCount++;
    const socket = new WebSocket(this.opts.url, { handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.stateValue = 'authenticating';
      // The secret goes on the wire and nowhere else: this object is never logged.
      socket.send(JSON.stringify({ action: 'auth', key: this.opts.keyId, secret: this.opts.secretKey }));
    });
    socket.on('message', (raw: RawData) => {
      if (this.socket === socket) this.onMessage(socket, raw);
    });
    socket.on('pong', () => {
      this.awaitingPong = false;
    });
    socket.on('error', (e: Error) => {
      this.log.warn({ err: this.scrub(errorMessage(e)) }, 'alpaca stream: socket error');
    });
    socket.on('close', (code: number) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      if (this.stateValue === 'stopped') return;
      this.log.warn({ code, attempt: this.attempt + 1 }, 'alpaca stream: disconnected; reconnecting');
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    this.stateValue = 'waiting';
    const delayMs = this.reconnectDelay(this.attempt);
    this.attempt++;
    this.reconnectTimer = this.opts.clock.setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delayMs);
  }

  private onMessage(socket: WebSocket, raw: RawData): void {
    const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.log.warn({ bytes: text.length }, 'alpaca stream: a message that is not JSON was ignored');
      return;
    }
    const parsed = streamMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.log.warn({ field: parsed.error.issues[0]?.path.join('.') ?? '' }, 'alpaca stream: a message of unknown shape was ignored');
      return;
    }
    const msg = parsed.data;
    if ('action' in msg) {
      this.log.warn({ error: this.scrub(msg.data?.error_message ?? '') }, 'alpaca stream: server error');
      return;
    }
    switch (msg.stream) {
      case 'authorization':
        if (msg.data.status === 'authorized') {
          socket.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
        } else {
          this.fatal(new AlpacaError('unauthorized', `trade stream: ${msg.data.action} was refused (${msg.data.status}); check ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY`));
        }
        return;
      case 'listening':
        if (!msg.data.streams.includes('trade_updates')) {
          this.fatal(new AlpacaError('stream', 'trade stream: the server did not subscribe us to trade_updates'));
          return;
        }
        this.onListening();
        return;
      case 'trade_updates':
        this.opts.onUpdate(msg.data);
        return;
    }
  }

  private onListening(): void {
    const reconnect = this.listenedBefore;
    this.stateValue = 'listening';
    this.attempt = 0;
    this.listenedBefore = true;
    this.log.info({ reconnect }, 'alpaca stream: listening to trade_updates');
    this.startHeartbeat();
    this.firstListening?.resolve();
    this.firstListening = null;
    this.opts.onListening(reconnect);
  }

  private startHeartbeat(): void {
    const every = this.opts.heartbeatMs ?? 0;
    if (every <= 0) return;
    this.awaitingPong = false;
    const beat = () => {
      const socket = this.socket;
      if (!socket || this.stateValue !== 'listening') return;
      if (this.awaitingPong) {
        this.log.warn({ heartbeatMs: every }, 'alpaca stream: no pong; dropping the connection');
        socket.terminate();
        return;
      }
      this.awaitingPong = true;
      socket.ping();
      this.heartbeatTimer = this.opts.clock.setTimeout(beat, every);
    };
    this.heartbeatTimer = this.opts.clock.setTimeout(beat, every);
  }

  private fatal(error: AlpacaError): void {
    this.log.error({ err: error.message }, 'alpaca stream: giving up');
    this.stateValue = 'stopped';
    this.clearTimers();
    this.socket?.terminate();
    this.socket = null;
    this.firstListening?.reject(error);
    this.firstListening = null;
    this.opts.onFatal(error);
  }

  private clearTimers(): void {
    if (this.reconnectTimer !== null) this.opts.clock.clearTimeout(this.reconnectTimer);
    if (this.heartbeatTimer !== null) this.opts.clock.clearTimeout(this.heartbeatTimer);
    this.reconnectTimer = null;
    this.heartbeatTimer = null;
  }
}
