import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { isWsbError } from '../../domain/errors.js';
import type { Authenticator, EngineCommand, EngineControl, Principal } from '../control.js';
import type { Batch } from './frames.js';
import type { WsLimits } from './limits.js';
import { Outbound } from './outbound.js';
import {
  CLOSE,
  ClientMessageError,
  WS_ERROR,
  errorBody,
  parseClientMessage,
  serverMessage,
  type ClientMessage,
  type ErrorBody,
  type RequestId,
  type ServerMessage,
  type SubscribeMessage,
} from './protocol.js';
import { TokenBucket } from './rateLimit.js';
import { STATIC_TOPICS } from './topicNames.js';
import type { TopicHub, TopicSink } from './topics.js';

export interface ConnectionDeps {
  readonly hub: TopicHub;
  readonly control: EngineControl;
  readonly authenticator: Authenticator;
  readonly limits: WsLimits;
  readonly logger: FastifyBaseLogger;
  /** Milliseconds on a monotonic clock, for the rate limit. */
  readonly now: () => number;
}

export interface ConnectionInit {
  /** From the upgrade request's credentials, or null. */
  readonly principal: Principal | null;
  /** Deltas as newline-separated frames, several per message (`?batch=1`). */
  readonly batch: boolean;
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}

/**
 * One `/ws` client: its credentials, limits and subscriptions. Reads may be
 * open (Authenticator.openReads); commands always need a principal and go
 * through EngineControl.command, which audits them.
 */
export class WsConnection implements TopicSink {
  private principal: Principal | null;
  private readonly out: Outbound;
  private readonly bucket: TokenBucket;
  private strikes = 0;
  private authFailures = 0;
  /** While an `auth` is being checked, later messages wait for it, so they see its outcome. */
  private authQueue: Promise<void> | null = null;

  constructor(
    socket: WebSocket,
    private readonly deps: ConnectionDeps,
    private readonly init: ConnectionInit,
  ) {
    this.principal = init.principal;
    this.bucket = new TokenBucket(deps.limits.ratePerSecond, deps.limits.burst, deps.now());
    this.out = new Outbound(socket, deps.limits.maxBufferedBytes, (code, reason) => {
      deps.hub.detachAll(this);
      if (code === CLOSE.slowConsumer) deps.logger.warn({ code, reason }, 'websocket client closed');
      else deps.logger.info({ code, reason }, 'websocket client closed');
    });
    socket.on('message', (data, isBinary) => void this.guard(() => this.onMessage(data, isBinary)));
    socket.on('close', () => deps.hub.detachAll(this));
    const l = deps.limits;
    this.send({
      type: 'hello',
      epoch: deps.hub.epoch,
      topics: [...STATIC_TOPICS, 'bars:SYMBOL'],
      principal: this.principal?.subject ?? null,
      openReads: deps.authenticator.openReads,
      batch: init.batch,
      limits: { maxMessageBytes: l.maxMessageBytes, ratePerSecond: l.ratePerSecond, burst: l.burst, maxBufferedBytes: l.maxBufferedBytes, maxTopicsPerConnection: l.maxTopicsPerConnection },
    });
  }

  deliver(batch: Batch): void {
    if (this.init.batch) {
      for (const m of batch.messages()) if (!this.out.send(m)) return;
    } else {
      for (const f of batch.frames) if (!this.out.send(f.bytes)) return;
    }
  }

  private send(m: ServerMessage): void {
    this.out.send(serverMessage(m));
  }

  private error(body: ErrorBody, id?: RequestId): void {
    this.send({ type: 'error', ...(id !== undefined ? { id } : {}), ...body });
  }

  /** A bug in handling one message costs that message an INTERNAL error, never the process. */
  private guard(work: () => void | Promise<void>): void | Promise<void> {
    const fail = (e: unknown) => {
      this.deps.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'websocket message handling failed');
      this.error(errorBody(e));
    };
    try {
      const r = work();
      return r instanceof Promise ? r.catch(fail) : r;
    } catch (e) {
      fail(e);
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (!this.out.open) return;
    const { limits } = this.deps;
    const size = byteLength(data);
    if (size > limits.maxMessageBytes) {
      this.error({ code: WS_ERROR.tooLarge, message: `message of ${size} bytes is over the limit of ${limits.maxMessageBytes} bytes` });
      this.out.close(CLOSE.tooLarge, `message too large (limit ${limits.maxMessageBytes} bytes)`);
      return;
    }
    if (!this.bucket.take(this.deps.now())) {
      if (++this.strikes > limits.maxStrikes) {
        this.out.close(CLOSE.policy, 'rate limit exceeded');
        return;
      }
      this.error({ code: WS_ERROR.rateLimited, message: `over ${limits.ratePerSecond} messages/s (burst ${limits.burst}); message dropped` });
      return;
    }
    this.strikes = 0;
    if (isBinary) {
      this.error({ code: 'INPUT_INVALID', message: 'message: binary frames are not accepted; send JSON text', details: { field: 'message' } });
      return;
    }
    let msg: ClientMessage;
    try {
      msg = parseClientMessage(text(data));
    } catch (e) {
      const body = errorBody(e);
      const id = e instanceof ClientMessageError ? e.requestId : undefined;
      // A command that names its id gets its ack, as every command does.
      if (id !== undefined && e instanceof ClientMessageError && e.op === 'command') this.send({ type: 'ack', id, ok: false, error: body });
      else this.error(body, id);
      return;
    }
    this.route(msg);
  }

  private route(msg: ClientMessage): void {
    if (this.authQueue === null && msg.op !== 'auth') {
      this.dispatch(msg);
      return;
    }
    const queued = (this.authQueue ?? Promise.resolve()).then(() => this.guard(() => (msg.op === 'auth' ? this.authenticate(msg.token, msg.id) : this.dispatch(msg))));
    this.authQueue = queued;
    void queued.then(() => {
      if (this.authQueue === queued) this.authQueue = null;
    });
  }

  private dispatch(msg: Exclude<ClientMessage, { op: 'auth' }>): void {
    if (!this.out.open) return;
    switch (msg.op) {
      case 'ping':
        this.send({ type: 'pong', ...(msg.id !== undefined ? { id: msg.id } : {}) });
        return;
      case 'subscribe':
        this.subscribe(msg);
        return;
      case 'unsubscribe':
        for (const t of msg.topics) this.deps.hub.unsubscribe(this, t);
        this.send({ type: 'unsubscribed', ...(msg.id !== undefined ? { id: msg.id } : {}), topics: msg.topics });
        return;
      case 'command':
        void this.command(msg.id, msg.command);
        return;
    }
  }

  private async authenticate(token: string, id: RequestId | undefined): Promise<void> {
    let principal: Principal | null = null;
    try {
      principal = await this.deps.authenticator.authenticate(`Bearer ${token}`);
    } catch (e) {
      this.deps.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'websocket authentication failed');
    }
    if (!this.out.open) return;
    if (principal === null) {
      this.error({ code: WS_ERROR.unauthorized, message: 'invalid token' }, id);
      if (++this.authFailures >= this.deps.limits.maxAuthFailures) this.out.close(CLOSE.policy, 'too many failed authentications');
      return;
    }
    this.principal = principal;
    this.send({ type: 'authenticated', ...(id !== undefined ? { id } : {}), principal: principal.subject });
  }

  private subscribe(msg: SubscribeMessage): void {
    const { hub, authenticator, limits } = this.deps;
    if (this.principal === null && !authenticator.openReads) {
      this.error({ code: WS_ERROR.unauthorized, message: 'subscribing needs a token: Authorization header, ?token= or {"op":"auth"}' }, msg.id);
      return;
    }
    const held = new Set(hub.subscriptions(this));
    const total = new Set([...held, ...msg.topics]).size;
    if (total > limits.maxTopicsPerConnection) {
      this.error({ code: 'INPUT_INVALID', message: `topics: at most ${limits.maxTopicsPerConnection} topics per connection`, details: { field: 'topics' } }, msg.id);
      return;
    }
    for (const topic of msg.topics) {
      const since = msg.since?.[topic];
      try {
        hub.subscribe(this, topic, since === undefined ? undefined : { since, ...(msg.epoch !== undefined ? { epoch: msg.epoch } : {}) });
      } catch (e) {
        if (!isWsbError(e)) throw e;
        this.error(e.toJSON(), msg.id);
      }
      if (!this.out.open) return;
    }
  }

  private async command(id: RequestId, command: EngineCommand): Promise<void> {
    if (this.principal === null) {
      this.send({ type: 'ack', id, ok: false, error: { code: WS_ERROR.unauthorized, message: 'commands need a token: Authorization header, ?token= or {"op":"auth"}' } });
      return;
    }
    try {
      const r = await this.deps.control.command(command, this.principal);
      this.send({ type: 'ack', id, ok: true, result: r.result });
    } catch (e) {
      if (!isWsbError(e)) this.deps.logger.error({ err: e instanceof Error ? e.message : String(e), command: command.type }, 'websocket command failed');
      this.send({ type: 'ack', id, ok: false, error: errorBody(e) });
    }
  }
}
