import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { z } from 'zod';
import { InputError } from '../domain/errors.js';
import type { Principal } from './control.js';

/*
 * One zod schema per route part does two jobs: fastify validates the request
 * with it (our validator compiler runs zod, so transforms, defaults and strict
 * objects behave exactly as written), and @fastify/swagger documents the JSON
 * Schema converted from it. The JSON Schema object is the key back to its zod
 * schema, so the two can never drift apart.
 */

const zodOfJsonSchema = new WeakMap<object, z.ZodType>();

/** The OpenAPI 3.0 JSON Schema of a zod schema; `input` documents what a client sends. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  zodOfJsonSchema.set(json, schema);
  return json;
}

const PART_NAMES: Readonly<Record<string, string>> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

/** The first zod issue as an InputError naming the field (`ticker`, `status.0`, or the unknown key). */
export function inputErrorOf(error: z.ZodError, part: string): InputError {
  const issue = error.issues[0];
  if (!issue) return new InputError(part, 'invalid');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? part;
    return new InputError(key, `unknown ${part} field ${JSON.stringify(key)}`);
  }
  const field = issue.path.map(String).join('.');
  return new InputError(field || part, issue.message);
}

/** Validation with zod for every route of `app` (an encapsulated context) whose schema came from jsonSchemaOf. */
export function useZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart, method, url }) => {
    const zod = zodOfJsonSchema.get(schema);
    // A schema written by hand would be documented but silently unchecked: refuse it at start-up.
    if (!zod) throw new Error(`${method} ${url}: the ${httpPart ?? 'request'} schema was not built with jsonSchemaOf`);
    const part = PART_NAMES[httpPart ?? ''] ?? 'request';
    return (data: unknown) => {
      // Fastify hands `null` for a missing body; zod's optional/default expect undefined.
      const parsed = zod.safeParse(data === null ? undefined : data);
      return parsed.success ? { value: parsed.data } : { error: inputErrorOf(parsed.error, part) };
    };
  });
  // Response schemas document; JSON.stringify sends. fast-json-stringify would drop any field a schema forgot.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

export type Access = 'read' | 'write';

/** Reads are GET/HEAD; everything else changes something and always needs credentials. */
export function accessOf(method: string): Access {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteSpec<P, Q, B> {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly params?: P;
  readonly querystring?: Q;
  readonly body?: B;
  /** Status → zod schema of the response body (documentation only). */
  readonly response?: Readonly<Record<number, z.ZodType>>;
  /** Status of a successful answer (default 200). */
  readonly status?: number;
}

export interface RouteInput<P, Q, B> {
  readonly params: Parsed<P>;
  readonly query: Parsed<Q>;
  readonly body: Parsed<B>;
  /** Set by the access hook: null only for an open read. */
  readonly principal: Principal | null;
  readonly req: FastifyRequest;
  readonly reply: FastifyReply;
}

const ERROR_BODY = z
  .object({
    code: z.string().describe('stable error code, e.g. INPUT_INVALID, NOT_FOUND, CONFLICT, UNAUTHORIZED'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('error');

/** Registers one documented, validated route; the handler receives the parsed parts. */
export function defineRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  app: FastifyInstance,
  spec: RouteSpec<P, Q, B>,
  handler: (input: RouteInput<P, Q, B>) => Promise<unknown>,
): void {
  const status = spec.status ?? 200;
  const response: Record<string, unknown> = {};
  for (const [code, schema] of Object.entries(spec.response ?? {})) response[code] = jsonSchemaOf(schema, 'output');
  for (const code of accessOf(spec.method) === 'write' ? [400, 401, 404, 409] : [400, 401, 404]) {
    response[String(code)] ??= jsonSchemaOf(ERROR_BODY, 'output');
  }
  const schema: FastifySchema & Record<string, unknown> = {
    summary: spec.summary,
    tags: [...spec.tags],
    security: [{ bearerAuth: [] }],
    response,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.params ? { params: jsonSchemaOf(spec.params) } : {}),
    ...(spec.querystring ? { querystring: jsonSchemaOf(spec.querystring) } : {}),
    ...(spec.body ? { body: jsonSchemaOf(spec.body) } : {}),
  };
  app.route({
    method: spec.method,
    url: spec.url,
    schema,
    handler: async (req, reply) => {
      const result = await handler({
        params: req.params as Parsed<P>,
        query: req.query as Parsed<Q>,
        body: req.body as Parsed<B>,
        principal: req.principal,
        req,
        reply,
      });
      return reply.status(status).send(result);
    },
  });
}
