import { z } from 'zod';
import { AlertDeliveryError } from './errors.js';
import { providerRequest, statusError, tryJson, validateJson, type HttpOptions } from './http.js';

export const TELEGRAM_API_URL = 'https://api.telegram.org';

/** Telegram Bot API limit on one message's text. */
export const TELEGRAM_TEXT_MAX = 4096;

/** The error envelope: `parameters.retry_after` (seconds) on a 429. */
const errorSchema = z.object({
  ok: z.literal(false),
  error_code: z.number().int(),
  description: z.string(),
  parameters: z.object({ retry_after: z.number().nonnegative().optional() }).optional(),
});

const userSchema = z.object({ id: z.number().int(), is_bot: z.boolean().optional(), username: z.string().optional() });
const chatSchema = z.object({ id: z.number().int(), type: z.string() });

export const messageSchema = z.object({
  message_id: z.number().int(),
  date: z.number().int(),
  chat: chatSchema,
  from: userSchema.optional(),
  text: z.string().optional(),
});

export const updateSchema = z.object({ update_id: z.number().int(), message: messageSchema.optional() });

export type TelegramMessage = z.infer<typeof messageSchema>;
export type TelegramUpdate = z.infer<typeof updateSchema>;

export interface TelegramApiOptions extends HttpOptions {
  /** Secret. */
  readonly botToken: string;
  /** Default https://api.telegram.org; tests point it at a loopback server. */
  readonly apiUrl?: string;
}

/**
 * The few Bot API methods the alert channel and the command bot use, over
 * HTTPS with JSON bodies. Every answer is checked against its documented
 * shape ({ ok: true, result } or { ok: false, error_code, description }).
 */
export class TelegramApi {
  readonly secrets: readonly string[];

  constructor(private readonly opts: TelegramApiOptions, private readonly provider = 'telegram') {
    this.secrets = [opts.botToken, `bot${opts.botToken}`];
  }

  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  private async call<T>(method: string, params: Record<string, unknown>, result: z.ZodType<T>, signal?: AbortSignal, timeoutMs?: number): Promise<T> {
    const base = (this.opts.apiUrl ?? TELEGRAM_API_URL).replace(/\/+$/, '');
    const http = timeoutMs !== undefined ? { ...this.opts, timeoutMs } : this.opts;
    const res = await providerRequest(this.provider, { method: 'POST', url: `${base}/bot${this.opts.botToken}/${method}`, json: params }, http, this.secrets, signal);
    if (res.status >= 200 && res.status < 300) {
      return validateJson(this.provider, res, z.object({ ok: z.literal(true), result })).result;
    }
    const body = tryJson(res, errorSchema);
    const retryAfter = body?.parameters?.retry_after;
    throw statusError(
      this.provider,
      res,
      { now: (this.opts.now ?? Date.now)(), bodyRetryAfterMs: retryAfter !== undefined ? retryAfter * 1000 : undefined, description: body?.description },
      this.secrets,
    );
  }

  async sendMessage(params: { chat_id: number | string; text: string; parse_mode?: 'HTML'; reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean } }, signal?: AbortSignal): Promise<TelegramMessage> {
    if (params.text.length === 0) throw new AlertDeliveryError(this.provider, 'refusing to send an empty message', false);
    return this.call('sendMessage', params, messageSchema, signal);
  }

  /**
   * Long polling: waits up to `timeoutSec` at the server for updates after
   * `offset`. The HTTP deadline is the poll time plus the configured timeout.
   */
  async getUpdates(params: { offset?: number; timeoutSec: number; limit?: number }, signal?: AbortSignal): Promise<TelegramUpdate[]> {
    const body: Record<string, unknown> = { timeout: params.timeoutSec, allowed_updates: ['message'], limit: params.limit ?? 50 };
    if (params.offset !== undefined) body.offset = params.offset;
    return this.call('getUpdates', body, z.array(updateSchema), signal, params.timeoutSec * 1000 + this.opts.timeoutMs);
  }
}
