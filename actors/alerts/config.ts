import { z } from 'zod';
import { ConfigError } from '../../engine/domain/errors.js';
import { DISCORD_API_URL } from './bots/discordBot.js';
import type { RetryPolicy } from './retry.js';
import { CHANNEL_NAMES, parseRoutes, type ChannelName, type ChannelRoute } from './routes.js';
import { TELEGRAM_API_URL } from './telegramApi.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** https everywhere; plain http only to a loopback host (tests, a local relay). */
const providerUrl = z
  .string()
  .refine((u) => URL.canParse(u), 'must be a URL')
  .refine((u) => {
    if (!URL.canParse(u)) return true;
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname));
  }, 'must use https:// (http:// only to a loopback host)');

const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number({ message: 'must be an integer' }).int('must be an integer').min(min).max(max);

const idList = (what: string) =>
  z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0))
    .refine((ids) => ids.every((id) => /^-?\d{1,20}$/.test(id)), `must be comma-separated numeric ${what} ids`);

/** Every alerting variable, with its default. Secrets: the webhook URLs, bot tokens and the SMTP password. */
export const alertEnvSchema = z.object({
  ALERT_DISCORD_WEBHOOK_URL: providerUrl.optional(),
  ALERT_SLACK_WEBHOOK_URL: providerUrl.optional(),
  ALERT_TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'must look like 123456:ABC-DEF… (from @BotFather)').optional(),
  ALERT_TELEGRAM_CHAT_ID: z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,})$/, 'must be a numeric chat id or @channelusername').optional(),
  ALERT_TELEGRAM_API_URL: providerUrl.default(TELEGRAM_API_URL),
  ALERT_EMAIL_HOST: z.string().min(1).optional(),
  ALERT_EMAIL_PORT: int(1, 65535).default(587),
  ALERT_EMAIL_SECURE: boolFlag.default(false),
  ALERT_EMAIL_REQUIRE_TLS: boolFlag.default(true),
  ALERT_EMAIL_USER: z.string().min(1).optional(),
  ALERT_EMAIL_PASSWORD: z.string().min(1).optional(),
  ALERT_EMAIL_FROM: z.string().min(3).optional(),
  ALERT_EMAIL_TO: z
    .string()
    .optional()
    .transform((s) => (s === undefined ? [] : s.split(',').map((x) => x.trim()).filter((x) => x.length > 0)))
    .refine((list) => list.every((a) => /^[^\s@]+@[^\s@]+$/.test(a)), 'must be comma-separated email addresses'),
  ALERT_ROUTES: z.string().optional(),
  ALERT_DEDUP_WINDOW_MS: int(0, 86_400_000).default(60_000),
  ALERT_RATE_PER_MINUTE: int(1, 600).default(20),
  ALERT_RATE_BURST: int(1, 100).default(5),
  ALERT_QUEUE_SIZE: int(10, 100_000).default(500),
  ALERT_HTTP_TIMEOUT_MS: int(100, 120_000).default(5_000),
  ALERT_RETRIES: int(0, 20).default(4),
  ALERT_RETRY_BASE_MS: int(0, 600_000).default(1_000),
  ALERT_RETRY_MAX_MS: int(0, 3_600_000).default(60_000),
  ALERT_MAX_RETRY_AFTER_MS: int(0, 3_600_000).default(300_000),
  ALERT_TELEGRAM_BOT_ENABLED: boolFlag.default(false),
  ALERT_TELEGRAM_ALLOWED_USER_IDS: idList('Telegram user'),
  ALERT_TELEGRAM_ALLOWED_CHAT_IDS: idList('Telegram chat'),
  ALERT_DISCORD_BOT_TOKEN: z.string().min(20, 'must be a Discord bot token').optional(),
  ALERT_DISCORD_BOT_CHANNEL_ID: z.string().regex(/^\d{1,20}$/, 'must be a numeric channel id').optional(),
  ALERT_DISCORD_ALLOWED_USER_IDS: idList('Discord user'),
  ALERT_DISCORD_API_URL: providerUrl.default(DISCORD_API_URL),
  ALERT_BOT_POLL_MS: int(500, 600_000).default(3_000),
  ALERT_BOT_MAX_COMMAND_AGE_MS: int(1_000, 86_400_000).default(300_000),
});

export interface EmailSettings {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly requireTls: boolean;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly from: string;
  readonly to: readonly string[];
}

export interface AlertSettings {
  readonly discord: { readonly webhookUrl: string } | undefined;
  readonly slack: { readonly webhookUrl: string } | undefined;
  readonly telegram: { readonly botToken: string; readonly chatId: string; readonly apiUrl: string } | undefined;
  readonly email: EmailSettings | undefined;
  readonly routes: Partial<Record<ChannelName, ChannelRoute>>;
  readonly dedupWindowMs: number;
  readonly rate: { readonly perMinute: number; readonly burst: number };
  readonly queueSize: number;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly telegramBot: { readonly botToken: string; readonly apiUrl: string; readonly allowedUserIds: readonly string[]; readonly allowedChatIds: readonly string[] } | undefined;
  readonly discordBot: { readonly botToken: string; readonly channelId: string; readonly apiUrl: string; readonly allowedUserIds: readonly string[]; readonly pollIntervalMs: number } | undefined;
  readonly maxCommandAgeMs: number;
}

/** Parse the alerting variables; throws ConfigError naming the first bad one. */
export function parseAlertEnv(env: NodeJS.ProcessEnv = process.env): AlertSettings {
  // An empty variable (VAR= in a .env file) means unset.
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('ALERT_') && v !== undefined && v.trim() !== ''));
  const parsed = alertEnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue?.path.join('.') || 'ALERT_*', issue?.message ?? 'invalid');
  }
  const e = parsed.data;
  if (e.ALERT_TELEGRAM_CHAT_ID !== undefined && e.ALERT_TELEGRAM_BOT_TOKEN === undefined) {
    throw new ConfigError('ALERT_TELEGRAM_BOT_TOKEN', 'is required when ALERT_TELEGRAM_CHAT_ID is set');
  }
  if (e.ALERT_TELEGRAM_BOT_TOKEN !== undefined && e.ALERT_TELEGRAM_CHAT_ID === undefined && !e.ALERT_TELEGRAM_BOT_ENABLED) {
    throw new ConfigError('ALERT_TELEGRAM_CHAT_ID', 'is required when ALERT_TELEGRAM_BOT_TOKEN is set (or set ALERT_TELEGRAM_BOT_ENABLED=true for commands only)');
  }
  let email: EmailSettings | undefined;
  if (e.ALERT_EMAIL_HOST !== undefined) {
    if (e.ALERT_EMAIL_FROM === undefined) throw new ConfigError('ALERT_EMAIL_FROM', 'is required when ALERT_EMAIL_HOST is set');
    if (e.ALERT_EMAIL_TO.length === 0) throw new ConfigError('ALERT_EMAIL_TO', 'is required when ALERT_EMAIL_HOST is set');
    if ((e.ALERT_EMAIL_USER === undefined) !== (e.ALERT_EMAIL_PASSWORD === undefined)) {
      throw new ConfigError(e.ALERT_EMAIL_USER === undefined ? 'ALERT_EMAIL_USER' : 'ALERT_EMAIL_PASSWORD', 'ALERT_EMAIL_USER and ALERT_EMAIL_PASSWORD go together');
    }
    email = { host: e.ALERT_EMAIL_HOST, port: e.ALERT_EMAIL_PORT, secure: e.ALERT_EMAIL_SECURE, requireTls: e.ALERT_EMAIL_REQUIRE_TLS, user: e.ALERT_EMAIL_USER, password: e.ALERT_EMAIL_PASSWORD, from: e.ALERT_EMAIL_FROM, to: e.ALERT_EMAIL_TO };
  } else {
    for (const v of ['ALERT_EMAIL_USER', 'ALERT_EMAIL_PASSWORD', 'ALERT_EMAIL_FROM'] as const) {
      if (e[v] !== undefined) throw new ConfigError('ALERT_EMAIL_HOST', `is required when ${v} is set`);
    }
  }
  let telegramBot: AlertSettings['telegramBot'];
  if (e.ALERT_TELEGRAM_BOT_ENABLED) {
    if (e.ALERT_TELEGRAM_BOT_TOKEN === undefined) throw new ConfigError('ALERT_TELEGRAM_BOT_TOKEN', 'is required when ALERT_TELEGRAM_BOT_ENABLED=true');
    if (e.ALERT_TELEGRAM_ALLOWED_USER_IDS.length === 0) throw new ConfigError('ALERT_TELEGRAM_ALLOWED_USER_IDS', 'must list at least one user id when the Telegram bot is enabled');
    telegramBot = { botToken: e.ALERT_TELEGRAM_BOT_TOKEN, apiUrl: e.ALERT_TELEGRAM_API_URL, allowedUserIds: e.ALERT_TELEGRAM_ALLOWED_USER_IDS, allowedChatIds: e.ALERT_TELEGRAM_ALLOWED_CHAT_IDS };
  }
  let discordBot: AlertSettings['discordBot'];
  if (e.ALERT_DISCORD_BOT_TOKEN !== undefined) {
    if (e.ALERT_DISCORD_BOT_CHANNEL_ID === undefined) throw new ConfigError('ALERT_DISCORD_BOT_CHANNEL_ID', 'is required when ALERT_DISCORD_BOT_TOKEN is set');
    if (e.ALERT_DISCORD_ALLOWED_USER_IDS.length === 0) throw new ConfigError('ALERT_DISCORD_ALLOWED_USER_IDS', 'must list at least one user id when the Discord bot is enabled');
    discordBot = { botToken: e.ALERT_DISCORD_BOT_TOKEN, channelId: e.ALERT_DISCORD_BOT_CHANNEL_ID, apiUrl: e.ALERT_DISCORD_API_URL, allowedUserIds: e.ALERT_DISCORD_ALLOWED_USER_IDS, pollIntervalMs: e.ALERT_BOT_POLL_MS };
  }
  const settings: AlertSettings = {
    discord: e.ALERT_DISCORD_WEBHOOK_URL !== undefined ? { webhookUrl: e.ALERT_DISCORD_WEBHOOK_URL } : undefined,
    slack: e.ALERT_SLACK_WEBHOOK_URL !== undefined ? { webhookUrl: e.ALERT_SLACK_WEBHOOK_URL } : undefined,
    telegram: e.ALERT_TELEGRAM_BOT_TOKEN !== undefined && e.ALERT_TELEGRAM_CHAT_ID !== undefined ? { botToken: e.ALERT_TELEGRAM_BOT_TOKEN, chatId: e.ALERT_TELEGRAM_CHAT_ID, apiUrl: e.ALERT_TELEGRAM_API_URL } : undefined,
    email,
    routes: parseRoutes(e.ALERT_ROUTES),
    dedupWindowMs: e.ALERT_DEDUP_WINDOW_MS,
    rate: { perMinute: e.ALERT_RATE_PER_MINUTE, burst: e.ALERT_RATE_BURST },
    queueSize: e.ALERT_QUEUE_SIZE,
    timeoutMs: e.ALERT_HTTP_TIMEOUT_MS,
    retry: { retries: e.ALERT_RETRIES, baseDelayMs: e.ALERT_RETRY_BASE_MS, maxDelayMs: Math.max(e.ALERT_RETRY_BASE_MS, e.ALERT_RETRY_MAX_MS), maxRetryAfterMs: e.ALERT_MAX_RETRY_AFTER_MS },
    telegramBot,
    discordBot,
    maxCommandAgeMs: e.ALERT_BOT_MAX_COMMAND_AGE_MS,
  };
  for (const name of Object.keys(settings.routes) as ChannelName[]) {
    if (settings[name] === undefined) throw new ConfigError(`ALERT_ROUTES.${name}`, `routes a channel that is not configured (configured: ${configuredChannels(settings).join(', ') || 'none'})`);
  }
  return settings;
}

export function configuredChannels(s: AlertSettings): ChannelName[] {
  return CHANNEL_NAMES.filter((n) => s[n] !== undefined);
}

/** What is safe to log at start-up: which channels and bots are on, never a URL or token. */
export function describeAlertSettings(s: AlertSettings): Record<string, unknown> {
  return {
    channels: configuredChannels(s),
    routes: s.routes,
    dedupWindowMs: s.dedupWindowMs,
    rate: s.rate,
    queueSize: s.queueSize,
    bots: [...(s.telegramBot ? ['telegram'] : []), ...(s.discordBot ? ['discord'] : [])],
  };
}
