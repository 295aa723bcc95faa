import { batchHeadline, droppedNote, entryBody, entryTitle, truncate, type AlertBatch } from '../batch.js';
import { urlSecrets } from '../errors.js';
import { malformedResponse, providerRequest, statusError, type HttpOptions } from '../http.js';
import type { AlertChannel } from './channel.js';

/** Slack's documented limits: 50 blocks a message, 3000 characters in a section's text. */
const BLOCKS_MAX = 50;
const SECTION_TEXT_MAX = 3000;
const FALLBACK_TEXT_MAX = 3000;

export interface SlackWebhookOptions extends HttpOptions {
  /** https://hooks.slack.com/services/T…/B…/…; secret. */
  readonly webhookUrl: string;
}

/** Slack's mrkdwn treats &, < and > as control characters; everything else is literal enough. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack incoming webhook: `text` is the notification fallback, `blocks` the message. */
export class SlackWebhookChannel implements AlertChannel {
  readonly name = 'slack';
  private readonly secrets: string[];

  constructor(private readonly opts: SlackWebhookOptions) {
    this.secrets = urlSecrets(opts.webhookUrl);
  }

  payload(batch: AlertBatch): Record<string, unknown> {
    const blocks: Record<string, unknown>[] = [];
    const room = BLOCKS_MAX - 2;
    const shown = batch.entries.slice(0, room);
    for (const e of shown) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(entryTitle(e))}*\n${escapeMrkdwn(entryBody(e, batch.ts))}`, SECTION_TEXT_MAX) } });
    }
    const notes: string[] = [];
    if (batch.entries.length > shown.length) notes.push(`and ${batch.entries.length - shown.length} more entries`);
    if (batch.dropped > 0) notes.push(droppedNote(batch.dropped));
    if (notes.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(notes.join('; ')) }] });
    return { text: truncate(escapeMrkdwn(batchHeadline(batch)), FALLBACK_TEXT_MAX), blocks };
  }

  async send(batch: AlertBatch, signal?: AbortSignal): Promise<void> {
    const res = await providerRequest(this.name, { method: 'POST', url: this.opts.webhookUrl, json: this.payload(batch) }, this.opts, this.secrets, signal);
    if (res.status >= 200 && res.status < 300) {
      // Slack answers a plain-text "ok"; anything else on a 2xx is not the documented protocol.
      if (res.text.trim() !== 'ok') throw malformedResponse(this.name, res.status, 'body', 'is not "ok"');
      return;
    }
    // Error bodies are plain text codes: invalid_payload, no_service, channel_is_archived, …
    throw statusError(this.name, res, { now: (this.opts.now ?? Date.now)() }, this.secrets);
  }
}
