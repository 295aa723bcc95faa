import type { FastifyInstance, FastifyError } from 'fastify';
import { isWsbError } from '../domain/errors.js';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INPUT_INVALID: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONFIG_INVALID: 500,
};

/** Every error leaves as JSON `{ code, message, details? }` with the right status; nothing leaks a stack. */
export function errorHandlerPlugin(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (isWsbError(err)) {
      void reply.status(STATUS_BY_CODE[err.code] ?? 500).send(err.toJSON());
      return;
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      void reply.status(400).send({ code: 'INPUT_INVALID', message: fe.message });
      return;
    }
    const status = fe.statusCode && fe.statusCode >= 400 ? fe.statusCode : 500;
    if (status >= 500) req.log.error({ err: fe.message }, 'request failed');
    void reply.status(status).send({ code: fe.code ?? 'INTERNAL', message: status >= 500 ? 'internal error' : fe.message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` });
  });
}
