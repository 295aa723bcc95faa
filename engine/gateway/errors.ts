import type { FastifyInstance, FastifyError } from 'fastify';
import { isWsbError } from '../domain/errors.js';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INPUT_INVALID: 400,
  PRICING_INPUT_INVALID: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ILLEGAL_TRANSITION: 409,
  ORDER_REJECTED: 409,
  NO_IMPLIED_VOLATILITY: 422,
  BROKER_ERROR: 502,
  CONFIG_INVALID: 500,
};

/** Stable codes for fastify's own client errors (malformed JSON, wrong content type, oversized body). */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'INPUT_INVALID',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Every error leaves as JSON `{ code, message, details? }` with the right status; nothing leaks a stack. */
export function errorHandlerPlugin(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (isWsbError(err)) {
      const status = STATUS_BY_CODE[err.code] ?? 500;
      if (status >= 500) req.log.error({ code: err.code, err: err.message }, 'request failed');
      void reply.status(status).send(err.toJSON());
      return;
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      void reply.status(400).send({ code: 'INPUT_INVALID', message: fe.message });
      return;
    }
    const status = fe.statusCode && fe.statusCode >= 400 ? fe.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err: fe.message }, 'request failed');
      void reply.status(status).send({ code: 'INTERNAL', message: 'internal error' });
      return;
    }
    const code = CODE_BY_STATUS[status] ?? 'REQUEST_INVALID';
    // A body that is not JSON, or not an object: the body is the field at fault.
    const details = code === 'INPUT_INVALID' && fe.code?.startsWith('FST_ERR_CTP') ? { details: { field: 'body' } } : {};
    void reply.status(status).send({ code, message: fe.message, ...details });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` });
  });
}
