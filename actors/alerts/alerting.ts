import type { Logger } from 'pino';
import type { MessageBus } from '../../engine/bus.js';
import type { Clock } from '../../engine/domain/clock.js';
import { InputError } from '../../engine/domain/errors.js';
import type { EngineControl } from '../../engine/gateway/control.js';
import { DiscordCommandBot } from './bots/discordBot.js';
import { OperatorCommands } from './bots/operatorCommands.js';
import { TelegramCommandBot } from './bots/telegramBot.js';
import type { AlertChannel } from './channels/channel.js';
import { DiscordWebhookChannel } from './channels/discordWebhook.js';
import { EmailChannel } from './channels/email.js';
import { SlackWebhookChannel } from './channels/slackWebhook.js';
import { TelegramChannel } from './channels/telegram.js';
import { describeAlertSettings, type AlertSettings } from './config.js';
import type { HttpOptions } from './http.js';
import { AlertRouter } from './router.js';
import { TelegramApi } from './telegramApi.js';

export interface AlertingDeps {
  readonly bus: MessageBus;
  readonly logger: Logger;
  /** Wall clock (RealClock in the daemon, even during a replay: providers' rate limits are real time). */
  readonly clock: Clock;
  /** The engine's clock for alerts the router stamps itself. */
  readonly engineNow?: () => number;
  /** Needed only when a command bot is configured. */
  readonly control?: EngineControl;
  readonly fetch?: typeof fetch;
}

export interface Alerting {
  readonly router: AlertRouter;
  readonly channels: readonly AlertChannel[];
  start(): void;
  /** Stops the bots, then gives queued alerts up to `graceMs` to go out. */
  stop(graceMs?: number): Promise<void>;
}

/** Builds channels, router and bots from parsed settings. Channels exist only for what is configured. */
export function createAlerting(settings: AlertSettings, deps: AlertingDeps): Alerting {
  const logger = deps.logger.child({ component: 'alerts' });
  const http: HttpOptions = { timeoutMs: settings.timeoutMs, now: () => deps.clock.now(), ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  const channels: AlertChannel[] = [];
  if (settings.discord) channels.push(new DiscordWebhookChannel({ ...http, webhookUrl: settings.discord.webhookUrl }));
  if (settings.slack) channels.push(new SlackWebhookChannel({ ...http, webhookUrl: settings.slack.webhookUrl }));
  if (settings.telegram) channels.push(new TelegramChannel(new TelegramApi({ ...http, botToken: settings.telegram.botToken, apiUrl: settings.telegram.apiUrl }), settings.telegram.chatId));
  const email = settings.email ? new EmailChannel({ ...settings.email, timeoutMs: settings.timeoutMs }) : undefined;
  if (email) channels.push(email);

  const router = new AlertRouter({
    bus: deps.bus, channels, routes: settings.routes, clock: deps.clock, logger,
    dedupWindowMs: settings.dedupWindowMs, queueSize: settings.queueSize, rate: settings.rate, retry: settings.retry,
    ...(deps.engineNow ? { engineNow: deps.engineNow } : {}),
  });

  const bots: Array<{ start(): void; stop(): Promise<void> }> = [];
  if ((settings.telegramBot || settings.discordBot) && !deps.control) throw new InputError('control', 'a command bot is configured but no EngineControl was given');
  if (deps.control) {
    const commands = new OperatorCommands(deps.control, logger);
    if (settings.telegramBot) {
      const api = new TelegramApi({ ...http, botToken: settings.telegramBot.botToken, apiUrl: settings.telegramBot.apiUrl }, 'telegram-bot');
      bots.push(new TelegramCommandBot({
        api, commands, logger, clock: deps.clock, pollTimeoutSec: 25, maxCommandAgeMs: settings.maxCommandAgeMs,
        allowedUserIds: new Set(settings.telegramBot.allowedUserIds), allowedChatIds: new Set(settings.telegramBot.allowedChatIds),
      }));
    }
    if (settings.discordBot) {
      const d = settings.discordBot;
      bots.push(new DiscordCommandBot({
        ...http, botToken: d.botToken, channelId: d.channelId, apiUrl: d.apiUrl, commands, logger, clock: deps.clock,
        allowedUserIds: new Set(d.allowedUserIds), pollIntervalMs: d.pollIntervalMs, maxCommandAgeMs: settings.maxCommandAgeMs,
      }));
    }
  }

  return {
    router,
    channels,
    start() {
      logger.info(describeAlertSettings(settings), channels.length > 0 ? 'alerting started' : 'alerting: no channel configured; alerts go to the log only');
      for (const b of bots) b.start();
    },
    async stop(graceMs = 0) {
      await Promise.all(bots.map((b) => b.stop()));
      await router.close(graceMs);
      email?.close();
    },
  };
}
