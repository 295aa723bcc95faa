import { z } from 'zod';
import { Decimal } from '../../../engine/domain/money.js';
import { AlpacaError } from './errors.js';

/**
 * Schemas of what Alpaca's Trading API v2 and its trade_updates stream send
 * (docs.alpaca.markets: Orders, Positions, Account, Websocket Streaming).
 * Unknown fields are ignored (Alpaca adds fields); a field we rely on with
 * an unexpected shape is an AlpacaError naming it.
 */

const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string')
  .transform((s) => new Decimal(s));
const optionalDecimal = decimal.nullable().optional().transform((d) => d ?? null);
const timestamp = z
  .string()
  .refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO-8601 timestamp')
  .transform((s) => Date.parse(s));
const optionalTimestamp = timestamp.nullable().optional().transform((t) => t ?? null);

export const ALPACA_ORDER_STATUSES = [
  'new',
  'partially_filled',
  'filled',
  'done_for_day',
  'canceled',
  'expired',
  'replaced',
  'pending_cancel',
  'pending_replace',
  'accepted',
  'pending_new',
  'accepted_for_bidding',
  'stopped',
  'rejected',
  'suspended',
  'calculated',
  // The waiting exit legs of a bracket order.
  'held',
] as const;
export type AlpacaOrderStatus = (typeof ALPACA_ORDER_STATUSES)[number];

interface AlpacaOrderShape {
  readonly id: string;
  readonly client_order_id: string;
  readonly symbol: string;
  readonly asset_class: string;
  readonly qty: Decimal | null;
  readonly filled_qty: Decimal;
  readonly filled_avg_price: Decimal | null;
  readonly order_class: string;
  readonly type: string;
  readonly side: string;
  readonly time_in_force: string;
  readonly limit_price: Decimal | null;
  readonly stop_price: Decimal | null;
  readonly status: AlpacaOrderStatus;
  readonly created_at: number;
  readonly submitted_at: number | null;
  readonly updated_at: number | null;
  readonly filled_at: number | null;
  readonly replaced_by: string | null;
  readonly replaces: string | null;
  readonly ratio_qty: Decimal | null;
  readonly legs: readonly AlpacaOrderShape[] | null;
}

export type AlpacaOrder = AlpacaOrderShape;

export const alpacaOrderSchema: z.ZodType<AlpacaOrder, unknown> = z.lazy(() =>
  z.object({
    id: z.string().min(1),
    client_order_id: z.string().min(1),
    // '' on a multi-leg parent.
    symbol: z.string(),
    asset_class: z.string().optional().default(''),
    qty: optionalDecimal,
    filled_qty: decimal,
    filled_avg_price: optionalDecimal,
    order_class: z.string().nullable().optional().transform((c) => c ?? ''),
    type: z.string().nullable().optional().transform((t) => t ?? ''),
    side: z.string().nullable().optional().transform((s) => s ?? ''),
    time_in_force: z.string().nullable().optional().transform((t) => t ?? ''),
    limit_price: optionalDecimal,
    stop_price: optionalDecimal,
    status: z.enum(ALPACA_ORDER_STATUSES),
    created_at: timestamp,
    submitted_at: optionalTimestamp,
    updated_at: optionalTimestamp,
    filled_at: optionalTimestamp,
    replaced_by: z.string().nullable().optional().transform((r) => r ?? null),
    replaces: z.string().nullable().optional().transform((r) => r ?? null),
    ratio_qty: optionalDecimal,
    legs: z.array(alpacaOrderSchema).nullable().optional().transform((l) => l ?? null),
  }),
);

export const alpacaOrderListSchema = z.array(alpacaOrderSchema);

export const alpacaAccountSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  currency: z.string().optional(),
  cash: decimal,
  equity: decimal,
  buying_power: decimal,
  trading_blocked: z.boolean().optional(),
});
export type AlpacaAccount = z.output<typeof alpacaAccountSchema>;

export const alpacaPositionSchema = z.object({
  symbol: z.string().min(1),
  asset_class: z.string(),
  qty: decimal,
  side: z.enum(['long', 'short']),
  avg_entry_price: decimal,
  market_value: optionalDecimal,
});
export const alpacaPositionListSchema = z.array(alpacaPositionSchema);
export type AlpacaPosition = z.output<typeof alpacaPositionSchema>;

/** Alpaca's error body, e.g. `{"code":40010001,"message":"client_order_id must be unique"}`. */
export const alpacaErrorBodySchema = z.object({ code: z.number().optional(), message: z.string() });

const legExecutionSchema = z.object({
  execution_id: z.string().min(1),
  order_id: z.string().optional(),
  symbol: z.string().min(1),
  qty: decimal,
  price: decimal,
  timestamp: optionalTimestamp,
  commission: optionalDecimal,
});

export const tradeUpdateSchema = z.object({
  event: z.string().min(1),
  execution_id: z.string().optional(),
  event_id: z.string().optional(),
  order: alpacaOrderSchema,
  timestamp: optionalTimestamp,
  at: optionalTimestamp,
  price: optionalDecimal,
  qty: optionalDecimal,
  position_qty: optionalDecimal,
  legs: z.array(legExecutionSchema).nullable().optional().transform((l) => l ?? null),
});
export type TradeUpdate = z.output<typeof tradeUpdateSchema>;

/** Envelope of every message on the trading stream. */
export const streamMessageSchema = z.union([
  z.object({ stream: z.literal('authorization'), data: z.object({ status: z.string(), action: z.string() }) }),
  z.object({ stream: z.literal('listening'), data: z.object({ streams: z.array(z.string()) }) }),
  z.object({ stream: z.literal('trade_updates'), data: z.unknown() }),
  z.object({ action: z.literal('error'), data: z.object({ error_message: z.string() }).partial().optional() }),
]);
export type StreamMessage = z.output<typeof streamMessageSchema>;

/** Validate `data` against `schema`; an unexpected shape is an AlpacaError naming the field. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  throw new AlpacaError('schema', `${what}: field ${field} ${issue?.message ?? 'is invalid'}`, { field });
}
