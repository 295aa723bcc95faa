import type { IncomingMessage } from 'node:http';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, EngineControl, Principal } from '../control.js';
import { WsConnection } from './connection.js';
import type { InspectionHub } from './inspector.js';
import { inspectorPage } from './inspectorPage.js';
import { hardPayloadCap, resolveLimits, type WsLimits } from './limits.js';
import { Outbound } from './outbound.js';
import { WS_ERROR } from './protocol.js';
import type { TopicHub } from './topics.js';

export interface WebsocketPluginDeps {
  readonly control: EngineControl;
  readonly authenticator: Authenticator;
  readonly hub: TopicHub;
  /** Overrides of DEFAULT_WS_LIMITS. */
  readonly limits?: Partial<WsLimits>;
  /**
   * The Stately inspector stream, served at /inspect only when given
   * (WSB_INSPECTOR=true; off by default, since it shows every actor's context).
   */
  readonly inspector?: InspectionHub;
  /** Monotonic milliseconds for the rate limit (tests freeze it); default performance.now. */
  readonly now?: () => number;
}

function queryParam(req: FastifyRequest, name: string): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  const v = q?.[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * `/ws` (topics and commands) and, when enabled, `/inspect` (Stately
 * inspector stream) on the gateway's port. Registers @fastify/websocket
 * itself, with per-message compression off: each frame is encoded once and
 * written as is to every client.
 *
 * Credentials are checked before the upgrade: a wrong token in the
 * `Authorization` header (preferred) or `?token=` is refused with HTTP 401,
 * no token at all opens an unauthenticated connection that may still send
 * `{"op":"auth"}`.
 */
export async function websocketPlugin(app: FastifyInstance, deps: WebsocketPluginDeps): Promise<void> {
  const limits = resolveLimits(deps.limits);
  const now = deps.now ?? (() => performance.now());
  await app.register(fastifyWebsocket, { options: { maxPayload: hardPayloadCap(limits), perMessageDeflate: false } });
  const principals = new WeakMap<IncomingMessage, Principal | null>();
  let connections = 0;

  const admit =
    (readsNeedToken: boolean) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (connections >= limits.maxConnections) {
        await reply.code(503).send({ code: 'UNAVAILABLE', message: `too many WebSocket connections (limit ${limits.maxConnections})` });
        return;
      }
      const token = queryParam(req, 'token');
      const credentials = req.headers.authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
      let principal: Principal | null = null;
      if (credentials !== undefined) {
        principal = await deps.authenticator.authenticate(credentials);
        if (principal === null) {
          await reply.code(401).send({ code: WS_ERROR.unauthorized, message: 'invalid credentials' });
          return;
        }
      } else if (readsNeedToken && !deps.authenticator.openReads) {
        await reply.code(401).send({ code: WS_ERROR.unauthorized, message: 'a token is needed: Authorization header or ?token=' });
        return;
      }
      principals.set(req.raw, principal);
    };

  const track = (socket: { once(event: 'close', fn: () => void): unknown }) => {
    connections++;
    socket.once('close', () => connections--);
  };

  app.get('/ws', { websocket: true, preValidation: admit(false) }, (socket, req) => {
    track(socket);
    const batch = queryParam(req, 'batch');
    new WsConnection(
      socket,
      { hub: deps.hub, control: deps.control, authenticator: deps.authenticator, limits, logger: req.log, now },
      { principal: principals.get(req.raw) ?? null, batch: batch === '1' || batch === 'true' },
    );
  });

  const inspector = deps.inspector;
  if (inspector) {
    app.route({
      method: 'GET',
      url: '/inspect',
      preValidation: admit(true),
      handler: (_req, reply) => reply.type('text/html; charset=utf-8').send(inspectorPage()),
      wsHandler: (socket, req) => {
        track(socket);
        let remove = (): void => undefined;
        const out = new Outbound(socket, limits.maxBufferedBytes, (code, reason) => {
          remove();
          req.log.warn({ code, reason }, 'inspector client closed');
        });
        remove = inspector.addClient({
          deliver: (frames) => {
            for (const f of frames) if (!out.send(f.bytes)) return;
          },
        });
        socket.on('close', () => remove());
        // The stream is one-way; what an inspector sends is ignored (ws still caps its size).
        socket.on('message', () => undefined);
      },
    });
  }
}
