import { z } from 'zod';
import { batchHeadline, entryBody, entryTitle, droppedNote, truncate, type AlertBatch, type AlertEntry } from '../batch.js';
import { urlSecrets } from '../errors.js';
import { providerRequest, statusError, tryJson, validateJson, type HttpOptions } from '../http.js';
import { SEVERITY_COLOUR, type AlertChannel } from './channel.js';

/** Discord's documented limits for one webhook message. */
const CONTENT_MAX = 2000;
const EMBEDS_MAX = 10;
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4096;
const EMBEDS_TOTAL_MAX = 6000;

/** With `?wait=true` Discord answers 200 with the created message, so delivery is confirmed. */
const messageSchema = z.object({ id: z.string().min(1), channel_id: z.string().min(1) });
/** The rate-limit body: `retry_after` in seconds (may be fractional). */
const rateLimitSchema = z.object({ message: z.string().optional(), retry_after: z.number().nonnegative(), global: z.boolean().optional() });
const errorSchema = z.object({ message: z.string(), code: z.number().optional() });

export interface DiscordWebhookOptions extends HttpOptions {
  /** https://discord.com/api/webhooks/<id>/<token>; secret (the token is in the path). */
  readonly webhookUrl: string;
  readonly username?: string;
}

interface Embed {
  title: string;
  description: string;
  color: number;
  timestamp: string;
}

/** Discord incoming webhook: one message per batch, one embed per entry. */
export class DiscordWebhookChannel implements AlertChannel {
  readonly name = 'discord';
  private readonly secrets: string[];

  constructor(private readonly opts: DiscordWebhookOptions) {
    this.secrets = urlSecrets(opts.webhookUrl);
  }

  payload(batch: AlertBatch): Record<string, unknown> {
    const shown = batch.entries.length > EMBEDS_MAX ? batch.entries.slice(0, EMBEDS_MAX - 1) : batch.entries;
    const hidden = batch.entries.length - shown.length;
    const budget = Math.floor(EMBEDS_TOTAL_MAX / Math.max(1, shown.length + (hidden > 0 ? 1 : 0))) - TITLE_MAX;
    const embeds: Embed[] = shown.map((e) => this.embed(e, batch.ts, Math.min(DESCRIPTION_MAX, budget)));
    if (hidden > 0) {
      const count = batch.entries.slice(shown.length).reduce((n, e) => n + e.count, 0);
      embeds.push({ title: `and ${count} more alerts`, description: truncate([...new Set(batch.entries.slice(shown.length).map((e) => e.type))].join(', '), budget), color: SEVERITY_COLOUR.warning, timestamp: new Date(batch.ts).toISOString() });
    }
    const content = batch.dropped > 0 ? `${batchHeadline(batch)}\n${droppedNote(batch.dropped)}` : batchHeadline(batch);
    return {
      content: truncate(content, CONTENT_MAX),
      embeds,
      // Alert text comes from the engine and its data: it must never ping @everyone or a role.
      allowed_mentions: { parse: [] },
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
    };
  }

  private embed(e: AlertEntry, batchTs: number, descriptionMax: number): Embed {
    return {
      title: truncate(entryTitle(e), TITLE_MAX),
      description: truncate(entryBody(e, batchTs), descriptionMax),
      color: SEVERITY_COLOUR[e.severity],
      timestamp: new Date(e.last.ts).toISOString(),
    };
  }

  async send(batch: AlertBatch, signal?: AbortSignal): Promise<void> {
    const url = new URL(this.opts.webhookUrl);
    url.searchParams.set('wait', 'true');
    const res = await providerRequest(this.name, { method: 'POST', url: url.toString(), json: this.payload(batch) }, this.opts, this.secrets, signal);
    if (res.status === 204) return;
    if (res.status >= 200 && res.status < 300) {
      validateJson(this.name, res, messageSchema);
      return;
    }
    const now = (this.opts.now ?? Date.now)();
    if (res.status === 429) {
      const body = tryJson(res, rateLimitSchema);
      throw statusError(this.name, res, { now, bodyRetryAfterMs: body ? Math.ceil(body.retry_after * 1000) : undefined, description: body?.message }, this.secrets);
    }
    throw statusError(this.name, res, { now, description: tryJson(res, errorSchema)?.message }, this.secrets);
  }
}
