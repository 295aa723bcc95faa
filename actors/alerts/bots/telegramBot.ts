import type { Logger } from 'pino';
import type { Clock } from '../../../engine/domain/clock.js';
import { errorMessage } from '../../../engine/domain/errors.js';
import type { Principal } from '../../../engine/gateway/control.js';
import { truncate } from '../batch.js';
import { TELEGRAM_TEXT_MAX, type TelegramApi, type TelegramMessage } from '../telegramApi.js';
import type { OperatorCommands } from './operatorCommands.js';
import { PollLoop } from './pollLoop.js';

export interface TelegramBotOptions {
  readonly api: TelegramApi;
  readonly commands: OperatorCommands;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Telegram user ids (numbers, as text) allowed to command; empty = nobody. */
  readonly allowedUserIds: ReadonlySet<string>;
  /** Chats the commands may come from; empty = any chat (the user id still decides). */
  readonly allowedChatIds: ReadonlySet<string>;
  /** Long-poll wait at Telegram's server, seconds. */
  readonly pollTimeoutSec: number;
  /** A command older than this (queued at Telegram while the engine was down) is not run. */
  readonly maxCommandAgeMs: number;
}

/**
 * Operator commands over Telegram with long polling (`getUpdates` with an
 * offset one past the last update seen, so each update is handled once).
 * Only allowed user ids (and chats) may command; every command goes through
 * `OperatorCommands`, i.e. `EngineControl.command` with the principal
 * `telegram:<user id>` and method 'bot', audited there.
 */
export class TelegramCommandBot {
  private offset: number | undefined;
  private readonly loop: PollLoop;

  constructor(private readonly opts: TelegramBotOptions) {
    this.loop = new PollLoop({
      name: 'telegram', clock: opts.clock, logger: opts.logger, intervalMs: 0, backoffMs: 1000, maxBackoffMs: 60_000,
      step: async (signal) => {
        await this.pollOnce(signal, opts.pollTimeoutSec);
      },
    });
  }

  /** Fetches and handles one batch of updates; returns how many messages were looked at. */
  async pollOnce(signal?: AbortSignal, timeoutSec = 0): Promise<number> {
    const updates = await this.opts.api.getUpdates({ ...(this.offset !== undefined ? { offset: this.offset } : {}), timeoutSec }, signal);
    let handled = 0;
    for (const u of updates) {
      // Confirm the update before acting on it: a crash mid-command must not replay it.
      this.offset = Math.max(this.offset ?? 0, u.update_id + 1);
      if (u.message?.text === undefined) continue;
      handled++;
      await this.handle(u.message, signal);
    }
    return handled;
  }

  private allowed(m: TelegramMessage): boolean {
    const user = m.from?.id;
    if (user === undefined || !this.opts.allowedUserIds.has(String(user))) return false;
    return this.opts.allowedChatIds.size === 0 || this.opts.allowedChatIds.has(String(m.chat.id));
  }

  private async handle(m: TelegramMessage, signal?: AbortSignal): Promise<void> {
    const text = m.text ?? '';
    if (!/^[/!]/.test(text.trim())) return;
    const userId = m.from?.id;
    if (!this.allowed(m)) {
      this.opts.logger.warn({ bot: 'telegram', userId, chatId: m.chat.id }, 'bot command refused: user or chat not allowed');
      await this.reply(m, 'Not authorised.', signal);
      return;
    }
    const ageMs = this.opts.clock.now() - m.date * 1000;
    if (ageMs > this.opts.maxCommandAgeMs) {
      this.opts.logger.warn({ bot: 'telegram', userId, ageMs }, 'bot command ignored: too old');
      await this.reply(m, `Ignored: sent ${Math.round(ageMs / 1000)} s ago, older than the ${Math.round(this.opts.maxCommandAgeMs / 1000)} s limit.`, signal);
      return;
    }
    const principal: Principal = { subject: `telegram:${String(userId)}`, method: 'bot' };
    const answer = await this.opts.commands.run(text, principal);
    if (answer !== null) await this.reply(m, answer, signal);
  }

  private async reply(m: TelegramMessage, text: string, signal?: AbortSignal): Promise<void> {
    try {
      // Plain text (no parse_mode): the answer quotes engine data that is not HTML.
      await this.opts.api.sendMessage({ chat_id: m.chat.id, text: truncate(text, TELEGRAM_TEXT_MAX), reply_parameters: { message_id: m.message_id, allow_sending_without_reply: true } }, signal);
    } catch (e) {
      this.opts.logger.error({ bot: 'telegram', chatId: m.chat.id, err: errorMessage(e) }, 'bot reply failed');
    }
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
