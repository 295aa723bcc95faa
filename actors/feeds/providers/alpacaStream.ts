import WebSocket from 'ws';
import { fromCallback } from 'xstate';
import { z } from 'zod';
import type { Clock } from '../../../engine/domain/clock.js';
import { InputError, errorMessage } from '../../../engine/domain/errors.js';
import { barProblem, type Bar } from '../../../engine/domain/market.js';
import type { Logger } from '../../../engine/logger.js';
import { normaliseSymbol } from '../../../engine/market/csvBars.js';
import { FiveMinuteAggregator } from './minuteAggregator.js';
import { scrubSecrets, type Secret } from './secret.js';
import { rfc3339Ms } from './wire.js';

/**
 * Alpaca's real-time market data stream (wss://stream.data.alpaca.markets/v2/iex):
 * wait for `[{"T":"success","msg":"connected"}]`, authenticate with
 * `{"action":"auth","key","secret"}`, subscribe to minute bars, and turn them
 * into the engine's validated five-minute bars. A dropped connection is
 * reconnected with exponential back-off and jitter, authenticated and
 * resubscribed again; minute bars the server repeats after a reconnect are
 * dropped, so no bar is delivered twice. Wrong keys (402) or a plan without
 * the feed (409) stop the stream instead of hammering the server.
 */

export interface AlpacaStreamOptions {
  readonly url: string;
  readonly keyId: Secret;
  readonly secretKey: Secret;
  readonly symbols: readonly string[];
  /** Called directly for each completed, validated five-minute bar (the hot path stays out of the actor system). */
  readonly onBar: (bar: Bar) => void;
  readonly onEvent?: (event: AlpacaStreamEvent) => void;
  readonly logger: Logger;
  /** Timers for reconnects, heartbeats and window flushes. */
  readonly clock: Clock;
  readonly random?: () => number;
  readonly reconnect?: { readonly baseMs: number; readonly maxMs: number };
  /** How long after a window's end a missing last minute is waited for. */
  readonly flushGraceMs?: number;
  /** A ping every this many ms; no pong by the next one ends the connection. */
  readonly heartbeatMs?: number;
  readonly regularSessionOnly?: boolean;
}

export type AlpacaStreamEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'authenticated' }
  | { readonly type: 'subscribed'; readonly bars: readonly string[] }
  | { readonly type: 'disconnected'; readonly code: number; readonly reason: string }
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'bar-rejected'; readonly symbol: string; readonly ts: number; readonly field: string; readonly message: string }
  | { readonly type: 'duplicate'; readonly symbol: string; readonly ts: number }
  | { readonly type: 'protocol-error'; readonly message: string }
  | { readonly type: 'fatal'; readonly code: number; readonly message: string };

export interface AlpacaBarStream {
  start(): void;
  /** Closes the connection and cancels every timer; no reconnect follows. */
  stop(): void;
  readonly state: 'idle' | 'connecting' | 'authenticating' | 'streaming' | 'waiting' | 'stopped' | 'failed';
}

/** Errors after which reconnecting cannot help (Alpaca stream error codes). */
const FATAL_CODES: ReadonlySet<number> = new Set([402, 405, 409]);

const controlSchema = z.object({ T: z.string() }).passthrough();
const messageSchema = z.array(controlSchema);
const minuteBarSchema = z.object({ T: z.literal('b'), S: z.string(), o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number(), t: rfc3339Ms });
const successSchema = z.object({ T: z.literal('success'), msg: z.string() });
const errorSchema = z.object({ T: z.literal('error'), code: z.number(), msg: z.string() });
const subscriptionSchema = z.object({ T: z.literal('subscription'), bars: z.array(z.string()).optional() });

function textOf(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export function createAlpacaBarStream(opts: AlpacaStreamOptions): AlpacaBarStream {
  const symbols = [...new Set(opts.symbols.map((s) => normaliseSymbol(s, 'symbols')))].sort();
  if (symbols.length === 0) throw new InputError('symbols', 'name at least one symbol to stream');
  const reconnect = opts.reconnect ?? { baseMs: 1_000, maxMs: 60_000 };
  const graceMs = opts.flushGraceMs ?? 15_000;
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  const random = opts.random ?? Math.random;
  const secrets = [opts.keyId, opts.secretKey];
  const log = opts.logger;
  let state: AlpacaBarStream['state'] = 'idle';
  let socket: WebSocket | undefined;
  let attempt = 0;
  let reconnectTimer: unknown;
  let heartbeatTimer: unknown;
  let flushTimer: unknown;
  let awaitingPong = false;

  const emit = (e: AlpacaStreamEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch (err) {
      log.error({ err: errorMessage(err), event: e.type }, 'alpaca stream event handler threw');
    }
  };

  const aggregator = new FiveMinuteAggregator((bar) => {
    const problem = barProblem(bar);
    if (problem !== null) {
      emit({ type: 'bar-rejected', symbol: bar.symbol, ts: bar.ts, field: problem.field, message: problem.message });
      return;
    }
    opts.onBar(bar);
  }, opts.regularSessionOnly ?? true);

  const clear = (t: unknown): undefined => {
    if (t !== undefined) opts.clock.clearTimeout(t);
    return undefined;
  };

  function scheduleFlush(): void {
    flushTimer = clear(flushTimer);
    const earliest = aggregator.earliestOpenWindow();
    if (earliest === undefined || state === 'stopped') return;
    const due = earliest + 300_000 + graceMs;
    flushTimer = opts.clock.setTimeout(() => {
      flushTimer = undefined;
      aggregator.flushDue(opts.clock.now(), graceMs);
      scheduleFlush();
    }, Math.max(0, due - opts.clock.now()));
  }

  function send(payload: object, what: string): void {
    if (socket?.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify(payload), (err) => {
      if (err) log.warn({ provider: 'alpaca', what, err: scrubSecrets(err.message, secrets) }, 'alpaca stream send failed');
    });
  }

  function heartbeat(): void {
    heartbeatTimer = clear(heartbeatTimer);
    heartbeatTimer = opts.clock.setTimeout(() => {
      heartbeatTimer = undefined;
      if (socket?.readyState !== WebSocket.OPEN) return;
      if (awaitingPong) {
        log.warn({ provider: 'alpaca' }, 'alpaca stream missed a heartbeat; reconnecting');
        socket.terminate();
        return;
      }
      awaitingPong = true;
      socket.ping();
      heartbeat();
    }, heartbeatMs);
  }

  function onMinuteBar(item: unknown): void {
    const parsed = minuteBarSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || '(root)';
      const symbol = typeof (item as { S?: unknown }).S === 'string' ? (item as { S: string }).S : '?';
      emit({ type: 'bar-rejected', symbol, ts: Number.NaN, field, message: issue?.message ?? 'invalid' });
      log.warn({ provider: 'alpaca', symbol, field }, 'alpaca stream bar with an unexpected shape dropped');
      return;
    }
    const b = parsed.data;
    const minute: Bar = { symbol: b.S, timeframe: '5m', ts: b.t, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v };
    const problem = barProblem(minute);
    if (problem !== null) {
      emit({ type: 'bar-rejected', symbol: b.S, ts: b.t, field: problem.field, message: problem.message });
      log.warn({ provider: 'alpaca', symbol: b.S, time: new Date(b.t).toISOString(), field: problem.field, reason: problem.message }, 'alpaca stream bar rejected');
      return;
    }
    const outcome = aggregator.add({ symbol: b.S, start: b.t, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v });
    if (outcome === 'duplicate' || outcome === 'late') emit({ type: 'duplicate', symbol: b.S, ts: b.t });
    scheduleFlush();
  }

  function onControl(item: z.output<typeof controlSchema>): void {
    const success = successSchema.safeParse(item);
    if (success.success) {
      if (success.data.msg === 'connected') {
        state = 'authenticating';
        emit({ type: 'connected' });
        send({ action: 'auth', key: opts.keyId.reveal(), secret: opts.secretKey.reveal() }, 'auth');
      } else if (success.data.msg === 'authenticated') {
        attempt = 0;
        emit({ type: 'authenticated' });
        send({ action: 'subscribe', bars: symbols }, 'subscribe');
      }
      return;
    }
    const sub = subscriptionSchema.safeParse(item);
    if (sub.success) {
      state = 'streaming';
      const bars = sub.data.bars ?? [];
      log.info({ provider: 'alpaca', bars: bars.length }, 'alpaca stream subscribed');
      emit({ type: 'subscribed', bars });
      return;
    }
    const err = errorSchema.safeParse(item);
    if (err.success) {
      const { code, msg } = err.data;
      log.warn({ provider: 'alpaca', code, msg: scrubSecrets(msg, secrets) }, 'alpaca stream error');
      if (FATAL_CODES.has(code)) {
        state = 'failed';
        emit({ type: 'fatal', code, message: scrubSecrets(msg, secrets) });
        socket?.close(1000, 'fatal stream error');
      }
    }
  }

  function onMessage(data: WebSocket.RawData): void {
    let json: unknown;
    try {
      json = JSON.parse(textOf(data));
    } catch (e) {
      emit({ type: 'protocol-error', message: `malformed JSON: ${errorMessage(e)}` });
      log.warn({ provider: 'alpaca', err: errorMessage(e) }, 'alpaca stream sent malformed JSON; ignored');
      return;
    }
    const parsed = messageSchema.safeParse(json);
    if (!parsed.success) {
      emit({ type: 'protocol-error', message: 'expected an array of messages with a "T" field' });
      log.warn({ provider: 'alpaca' }, 'alpaca stream message with an unexpected shape; ignored');
      return;
    }
    for (const item of parsed.data) {
      if (item.T === 'b') onMinuteBar(item);
      else if (item.T === 'success' || item.T === 'subscription' || item.T === 'error') onControl(item);
      // Trades, quotes, updated and daily bars are not subscribed to; anything else is ignored.
    }
  }

  function scheduleReconnect(): void {
    attempt++;
    const ceiling = Math.min(reconnect.maxMs, reconnect.baseMs * 2 ** (attempt - 1));
    const delayMs = Math.round(ceiling / 2 + random() * (ceiling / 2));
    state = 'waiting';
    emit({ type: 'reconnecting', attempt, delayMs });
    log.info({ provider: 'alpaca', attempt, delayMs }, 'alpaca stream reconnecting');
    reconnectTimer = opts.clock.setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delayMs);
  }

  function connect(): void {
    if (state === 'stopped' || state === 'failed') return;
    state = 'connecting';
    awaitingPong = false;
    const ws = new WebSocket(opts.url, { handshakeTimeout: 10_000 });
    socket = ws;
    ws.on('message', (data) => {
      if (socket === ws) onMessage(data);
    });
    ws.on('pong', () => {
      awaitingPong = false;
    });
    ws.on('open', () => heartbeat());
    ws.on('error', (e) => {
      log.warn({ provider: 'alpaca', err: scrubSecrets(e.message, secrets) }, 'alpaca stream connection error');
    });
    ws.on('close', (code, reasonBuf) => {
      if (socket !== ws) return;
      socket = undefined;
      heartbeatTimer = clear(heartbeatTimer);
      const reason = scrubSecrets(reasonBuf.toString(), secrets);
      emit({ type: 'disconnected', code, reason });
      if (state === 'stopped' || state === 'failed') return;
      log.warn({ provider: 'alpaca', code, reason }, 'alpaca stream disconnected');
      scheduleReconnect();
    });
  }

  return {
    start(): void {
      if (state !== 'idle') return;
      connect();
    },
    stop(): void {
      state = 'stopped';
      reconnectTimer = clear(reconnectTimer);
      heartbeatTimer = clear(heartbeatTimer);
      flushTimer = clear(flushTimer);
      const ws = socket;
      socket = undefined;
      if (ws !== undefined && ws.readyState !== WebSocket.CLOSED) ws.terminate();
    },
    get state() {
      return state;
    },
  };
}

export type AlpacaStreamActorInput = Omit<AlpacaStreamOptions, 'onEvent'>;

/** Lifecycle only; bars go straight to `onBar`. */
export type AlpacaStreamActorEvent =
  | { type: 'FEED.CONNECTED' }
  | { type: 'FEED.DISCONNECTED'; code: number; reason: string }
  | { type: 'FEED.FAILED'; code: number; message: string };

/** The stream as an XState callback actor: started when spawned, stopped with its parent. */
export const alpacaBarStreamActor = fromCallback<{ type: 'STOP' }, AlpacaStreamActorInput, AlpacaStreamActorEvent>(({ input, sendBack, receive }) => {
  const stream = createAlpacaBarStream({
    ...input,
    onEvent: (e) => {
      if (e.type === 'subscribed') sendBack({ type: 'FEED.CONNECTED' });
      else if (e.type === 'disconnected') sendBack({ type: 'FEED.DISCONNECTED', code: e.code, reason: e.reason });
      else if (e.type === 'fatal') sendBack({ type: 'FEED.FAILED', code: e.code, message: e.message });
    },
  });
  receive((e) => {
    if (e.type === 'STOP') stream.stop();
  });
  stream.start();
  return () => stream.stop();
});
