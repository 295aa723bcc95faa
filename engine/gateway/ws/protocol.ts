import { z } from 'zod';
import { InputError, isWsbError } from '../../domain/errors.js';
import type { EngineCommand } from '../control.js';
import { topicProblem } from './topicNames.js';

/*
 * The `/ws` protocol (docs/websocket.md). Client messages are JSON text, one
 * per WebSocket message, validated here; server messages are built as text
 * by the hub (snapshot, delta, resumed) and by `serverMessage` below.
 */

export const CLIENT_OPS = ['subscribe', 'unsubscribe', 'command', 'auth', 'ping'] as const;
export type ClientOp = (typeof CLIENT_OPS)[number];

/** Codes of protocol errors that are not a WsbError (those keep their own code: INPUT_INVALID, NOT_FOUND, CONFLICT…). */
export const WS_ERROR = {
  unauthorized: 'UNAUTHORIZED',
  rateLimited: 'RATE_LIMITED',
  tooLarge: 'MESSAGE_TOO_LARGE',
  internal: 'INTERNAL',
} as const;

/** Close codes the server uses, each with a reason text. */
export const CLOSE = {
  goingAway: 1001,
  policy: 1008,
  tooLarge: 1009,
  slowConsumer: 1013,
} as const;

const requestId = z.union([z.string().min(1).max(128), z.number().int().safe()]);
const strategyId = z.string().min(1).max(64);
const reason = z.string().max(500);

const commandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('halt_strategy'), strategyId, reason: reason.optional() }),
  z.strictObject({ type: z.literal('resume_strategy'), strategyId }),
  z.strictObject({ type: z.literal('start_strategy'), strategyId }),
  z.strictObject({ type: z.literal('stop_strategy'), strategyId }),
  z.strictObject({ type: z.literal('halt_all'), reason: reason.optional() }),
  z.strictObject({ type: z.literal('reset_breaker'), scope: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal('cancel_order'), clientOrderId: z.string().min(1).max(128) }),
  z.strictObject({ type: z.literal('set_parameters'), strategyId, params: z.record(z.string().max(64), z.unknown()) }),
  z.strictObject({ type: z.literal('run_var') }),
]);
export const COMMAND_TYPES = commandSchema.options.map((o) => o.shape.type.value);

const topicList = z.array(z.string().max(64)).min(1).max(64);

const schemas = {
  subscribe: z.strictObject({
    op: z.literal('subscribe'),
    id: requestId.optional(),
    topics: topicList,
    /** topic → last seq the client holds */
    since: z.record(z.string().max(64), z.number().int().min(0).safe()).optional(),
    /** The epoch of the snapshot those seqs belong to (from `hello` or a snapshot). */
    epoch: z.string().min(1).max(64).optional(),
  }),
  unsubscribe: z.strictObject({ op: z.literal('unsubscribe'), id: requestId.optional(), topics: topicList }),
  command: z.strictObject({ op: z.literal('command'), id: requestId, command: commandSchema }),
  auth: z.strictObject({ op: z.literal('auth'), id: requestId.optional(), token: z.string().min(1).max(4096) }),
  ping: z.strictObject({ op: z.literal('ping'), id: requestId.optional() }),
} as const;

export type RequestId = z.infer<typeof requestId>;
export type SubscribeMessage = z.infer<typeof schemas.subscribe>;
export type ClientMessage =
  | SubscribeMessage
  | z.infer<typeof schemas.unsubscribe>
  | (Omit<z.infer<typeof schemas.command>, 'command'> & { command: EngineCommand })
  | z.infer<typeof schemas.auth>
  | z.infer<typeof schemas.ping>;

/** A message that failed validation; `id` is the request id when one could be read, so a command still gets its ack. */
export class ClientMessageError extends InputError {
  constructor(
    field: string,
    message: string,
    readonly requestId: RequestId | undefined,
    readonly op?: ClientOp,
  ) {
    super(field, message);
  }
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'message' : path.map(String).join('.');
}

/**
 * Parse and validate one client message. Throws ClientMessageError naming
 * the field: `message` for JSON that does not parse, `op` for an unknown
 * operation, `topics.N` for an unknown topic, `command.type` and so on.
 */
export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ClientMessageError('message', `not valid JSON (${e instanceof Error ? e.message : String(e)})`, undefined);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ClientMessageError('message', 'must be a JSON object with an "op"', undefined);
  const obj = raw as Record<string, unknown>;
  const idParse = requestId.safeParse(obj.id);
  const id = idParse.success ? idParse.data : undefined;
  const op = obj.op;
  if (typeof op !== 'string' || !(CLIENT_OPS as readonly string[]).includes(op)) {
    throw new ClientMessageError('op', `${op === undefined ? 'missing' : `unknown op ${JSON.stringify(op)}`}; expected one of ${CLIENT_OPS.join(', ')}`, id);
  }
  if (op === 'command') {
    const type = (obj.command as { type?: unknown } | undefined)?.type;
    if (typeof obj.command === 'object' && obj.command !== null && !(COMMAND_TYPES as readonly unknown[]).includes(type)) {
      throw new ClientMessageError('command.type', `unknown command ${JSON.stringify(type)}; expected one of ${COMMAND_TYPES.join(', ')}`, id, op);
    }
  }
  const parsed = schemas[op as ClientOp].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ClientMessageError(fieldOf(issue.path), issue.message, id, op as ClientOp);
  }
  const msg = parsed.data;
  if (msg.op === 'subscribe') {
    msg.topics.forEach((t, i) => {
      const problem = topicProblem(t);
      if (problem !== null) throw new ClientMessageError(`topics.${i}`, problem, id, 'subscribe');
    });
    for (const key of Object.keys(msg.since ?? {})) {
      if (!msg.topics.includes(key)) throw new ClientMessageError(`since.${key}`, 'names a topic this message does not subscribe to', id, 'subscribe');
    }
  }
  return msg;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The `{code, message, details?}` of a thrown value; anything that is not a WsbError is INTERNAL and says nothing more. */
export function errorBody(e: unknown): ErrorBody {
  if (isWsbError(e)) return e.toJSON();
  return { code: WS_ERROR.internal, message: 'internal error' };
}

export type ServerMessage =
  | { readonly type: 'hello'; readonly epoch: string; readonly topics: readonly string[]; readonly principal: string | null; readonly openReads: boolean; readonly batch: boolean; readonly limits: Readonly<Record<string, number>> }
  | { readonly type: 'ack'; readonly id: RequestId; readonly ok: true; readonly result: Readonly<Record<string, unknown>> }
  | { readonly type: 'ack'; readonly id: RequestId; readonly ok: false; readonly error: ErrorBody }
  | ({ readonly type: 'error'; readonly id?: RequestId } & ErrorBody)
  | { readonly type: 'unsubscribed'; readonly id?: RequestId; readonly topics: readonly string[] }
  | { readonly type: 'authenticated'; readonly id?: RequestId; readonly principal: string }
  | { readonly type: 'pong'; readonly id?: RequestId };

export function serverMessage(m: ServerMessage): string {
  return JSON.stringify(m);
}

// Compile-time proof that a validated command is an EngineCommand.
const _commandIsEngineCommand = (c: z.infer<typeof commandSchema>): EngineCommand => c;
void _commandIsEngineCommand;
