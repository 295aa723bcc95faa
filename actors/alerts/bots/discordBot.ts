import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../../engine/domain/clock.js';
import { errorMessage } from '../../../engine/domain/errors.js';
import type { Principal } from '../../../engine/gateway/control.js';
import { truncate } from '../batch.js';
import { providerRequest, statusError, tryJson, validateJson, type HttpOptions } from '../http.js';
import type { OperatorCommands } from './operatorCommands.js';
import { PollLoop } from './pollLoop.js';

export const DISCORD_API_URL = 'https://discord.com/api/v10';
const CONTENT_MAX = 2000;
const PAGE = 50;

const snowflake = z.string().regex(/^\d{1,20}$/, 'must be a snowflake id');
const messageSchema = z.object({
  id: snowflake,
  channel_id: snowflake,
  author: z.object({ id: snowflake, username: z.string().optional(), bot: z.boolean().optional() }),
  content: z.string(),
  timestamp: z.string(),
});
type DiscordMessage = z.infer<typeof messageSchema>;
const rateLimitSchema = z.object({ message: z.string().optional(), retry_after: z.number().nonnegative() });
const errorSchema = z.object({ message: z.string(), code: z.number().optional() });

export interface DiscordBotOptions extends HttpOptions {
  /** Secret (Bot token from the developer portal). */
  readonly botToken: string;
  /** The one channel the bot reads commands from and answers in. */
  readonly channelId: string;
  /** Default https://discord.com/api/v10; tests point it at a loopback server. */
  readonly apiUrl?: string;
  readonly commands: OperatorCommands;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Discord user ids allowed to command; empty = nobody. */
  readonly allowedUserIds: ReadonlySet<string>;
  readonly pollIntervalMs: number;
  readonly maxCommandAgeMs: number;
}

/**
 * Operator commands over Discord's HTTP API, by polling one channel's
 * messages (`GET /channels/{id}/messages?after=`) and answering there. Chosen
 * over the interactions endpoint because it needs no public HTTPS endpoint and
 * no signature verification, just outbound requests like the Telegram bot; the
 * bot needs the Message Content intent and View Channel, Read Message History
 * and Send Messages in that channel. History before the bot started is skipped.
 */
export class DiscordCommandBot {
  private cursor: string | undefined;
  private readonly secrets: string[];
  private readonly loop: PollLoop;

  constructor(private readonly opts: DiscordBotOptions) {
    this.secrets = [opts.botToken];
    this.loop = new PollLoop({
      name: 'discord', clock: opts.clock, logger: opts.logger, intervalMs: opts.pollIntervalMs, backoffMs: 2000, maxBackoffMs: 120_000,
      step: async (signal) => {
        await this.pollOnce(signal);
      },
    });
  }

  private get base(): string {
    return (this.opts.apiUrl ?? DISCORD_API_URL).replace(/\/+$/, '');
  }

  private async api<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, json?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await providerRequest(
      'discord-bot',
      { method, url: `${this.base}${path}`, headers: { authorization: `Bot ${this.opts.botToken}` }, ...(json !== undefined ? { json } : {}) },
      this.opts,
      this.secrets,
      signal,
    );
    if (res.status >= 200 && res.status < 300) return validateJson('discord-bot', res, schema);
    const now = (this.opts.now ?? Date.now)();
    if (res.status === 429) {
      const body = tryJson(res, rateLimitSchema);
      throw statusError('discord-bot', res, { now, bodyRetryAfterMs: body ? Math.ceil(body.retry_after * 1000) : undefined, description: body?.message }, this.secrets);
    }
    throw statusError('discord-bot', res, { now, description: tryJson(res, errorSchema)?.message }, this.secrets);
  }

  /** One poll of the channel; returns how many new messages were looked at. The first poll only sets the cursor. */
  async pollOnce(signal?: AbortSignal): Promise<number> {
    const channel = encodeURIComponent(this.opts.channelId);
    if (this.cursor === undefined) {
      const latest = await this.api('GET', `/channels/${channel}/messages?limit=1`, z.array(messageSchema), undefined, signal);
      this.cursor = latest[0]?.id ?? '0';
      return 0;
    }
    const page = await this.api('GET', `/channels/${channel}/messages?after=${this.cursor}&limit=${PAGE}`, z.array(messageSchema), undefined, signal);
    // Discord returns newest first; commands run in the order they were sent.
    const ordered = [...page].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
    let handled = 0;
    for (const m of ordered) {
      if (BigInt(m.id) > BigInt(this.cursor)) this.cursor = m.id;
      if (m.author.bot === true) continue;
      handled++;
      await this.handle(m, signal);
    }
    return handled;
  }

  private async handle(m: DiscordMessage, signal?: AbortSignal): Promise<void> {
    if (!/^[/!]/.test(m.content.trim())) return;
    if (!this.opts.allowedUserIds.has(m.author.id)) {
      this.opts.logger.warn({ bot: 'discord', userId: m.author.id }, 'bot command refused: user not allowed');
      await this.reply(m, 'Not authorised.', signal);
      return;
    }
    const sent = Date.parse(m.timestamp);
    const ageMs = Number.isFinite(sent) ? this.opts.clock.now() - sent : Number.POSITIVE_INFINITY;
    if (ageMs > this.opts.maxCommandAgeMs) {
      this.opts.logger.warn({ bot: 'discord', userId: m.author.id, ageMs }, 'bot command ignored: too old');
      await this.reply(m, `Ignored: older than the ${Math.round(this.opts.maxCommandAgeMs / 1000)} s limit.`, signal);
      return;
    }
    const principal: Principal = { subject: `discord:${m.author.id}`, method: 'bot' };
    const answer = await this.opts.commands.run(m.content, principal);
    if (answer !== null) await this.reply(m, answer, signal);
  }

  private async reply(m: DiscordMessage, text: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.api(
        'POST',
        `/channels/${encodeURIComponent(this.opts.channelId)}/messages`,
        z.object({ id: snowflake }),
        { content: truncate(text, CONTENT_MAX), message_reference: { message_id: m.id }, allowed_mentions: { parse: [] } },
        signal,
      );
    } catch (e) {
      this.opts.logger.error({ bot: 'discord', err: errorMessage(e) }, 'bot reply failed');
    }
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
