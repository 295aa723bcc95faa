import { droppedNote, entryBody, entryTitle, truncate, type AlertBatch } from '../batch.js';
import { TELEGRAM_TEXT_MAX, type TelegramApi } from '../telegramApi.js';
import type { AlertChannel } from './channel.js';

/** Telegram's HTML parse mode needs only these three escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Telegram Bot API `sendMessage` to one chat (a user, a group or a channel). */
export class TelegramChannel implements AlertChannel {
  readonly name = 'telegram';

  constructor(private readonly api: TelegramApi, private readonly chatId: string) {}

  text(batch: AlertBatch): string {
    const parts = batch.entries.map((e) => `<b>${escapeHtml(entryTitle(e))}</b>\n${escapeHtml(entryBody(e, batch.ts))}`);
    if (batch.dropped > 0) parts.push(`<i>${escapeHtml(droppedNote(batch.dropped))}</i>`);
    const full = parts.join('\n\n');
    if (full.length <= TELEGRAM_TEXT_MAX) return full;
    // Cutting HTML in the middle of a tag is a 400 from Telegram: cut the plain text instead.
    const plain = escapeHtml(batch.entries.map((e) => `${entryTitle(e)}\n${entryBody(e, batch.ts)}`).join('\n\n'));
    // Nor may the cut split an entity such as &amp;.
    return truncate(plain, TELEGRAM_TEXT_MAX).replace(/&[a-z]*…/, '…');
  }

  async send(batch: AlertBatch, signal?: AbortSignal): Promise<void> {
    await this.api.sendMessage({ chat_id: this.chatId, text: this.text(batch), parse_mode: 'HTML' }, signal);
  }
}
