import type { FastifyInstance } from 'fastify';
import type { Authenticator, Principal } from './control.js';
import { accessOf } from './routeSchema.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set by the access hook on the API routes; null for an open read or outside the API. */
    principal: Principal | null;
  }
}

export interface AccessEvents {
  /** A request refused for want of valid credentials; `reason` is `missing` or `invalid`. */
  readonly onRefused?: (reason: 'missing' | 'invalid') => void;
}

/**
 * Guards every route of `app` (the API's encapsulated context): writes and
 * commands always need a principal; reads need one unless the authenticator
 * allows open reads. Credentials that are present must be valid, even on an
 * open read, so a misconfigured client finds out at once.
 */
export function registerAccessHook(app: FastifyInstance, authenticator: Authenticator, events: AccessEvents = {}): void {
  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization;
    if (header === undefined && accessOf(req.method) === 'read' && authenticator.openReads) {
      req.principal = null;
      return;
    }
    const principal = await authenticator.authenticate(header);
    if (principal) {
      req.principal = principal;
      return;
    }
    const reason = header === undefined ? 'missing' : 'invalid';
    events.onRefused?.(reason);
    req.log.warn({ method: req.method, route: req.routeOptions.url, reason }, 'request refused: no valid credentials');
    await reply
      .status(401)
      .header('www-authenticate', reason === 'missing' ? 'Bearer realm="wsb"' : 'Bearer realm="wsb", error="invalid_token"')
      .send({
        code: 'UNAUTHORIZED',
        message: reason === 'missing' ? 'a bearer token is required (Authorization: Bearer <token>)' : 'the bearer token is not valid',
      });
  });
}

/** Gives every request a `principal` slot (null) before any hook runs. */
export function decoratePrincipal(app: FastifyInstance): void {
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
}
