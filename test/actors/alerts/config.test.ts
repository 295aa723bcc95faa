import { afterEach, describe, expect, it } from 'vitest';
import { createAlerting } from '../../../actors/alerts/alerting.js';
import { describeAlertSettings, parseAlertEnv } from '../../../actors/alerts/config.js';
import { MessageBus } from '../../../engine/bus.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import { ConfigError } from '../../../engine/domain/errors.js';
import { FakeControl } from './fakeControl.js';
import { alert, captureLogs, drive, reply, startLoopback, type Loopback } from './helpers.js';

const TG_TOKEN = '123456789:AAcOnFiGtElEgRaMtOkEn_abcdefghijk';
const HOOK_SECRET = 'cOnFiGhOoKsEcReT_0123456789abcdef';

function configError(env: Record<string, string>): ConfigError {
  try {
    parseAlertEnv(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseAlertEnv', () => {
  it('has safe defaults: no channel, critical+warning routing, bounded queue and retries', () => {
    const s = parseAlertEnv({});
    expect(s).toMatchObject({
      discord: undefined, slack: undefined, telegram: undefined, email: undefined, routes: {}, dedupWindowMs: 60_000,
      rate: { perMinute: 20, burst: 5 }, queueSize: 500, timeoutMs: 5000,
      retry: { retries: 4, baseDelayMs: 1000, maxDelayMs: 60_000, maxRetryAfterMs: 300_000 }, telegramBot: undefined, discordBot: undefined,
    });
  });

  it('reads every channel and bot, treating empty variables as unset', () => {
    const s = parseAlertEnv({
      ALERT_DISCORD_WEBHOOK_URL: `https://discord.com/api/webhooks/1/${HOOK_SECRET}`,
      ALERT_SLACK_WEBHOOK_URL: `https://hooks.slack.com/services/T1/B2/${HOOK_SECRET}`,
      ALERT_TELEGRAM_BOT_TOKEN: TG_TOKEN,
      ALERT_TELEGRAM_CHAT_ID: '-1001234567890',
      ALERT_TELEGRAM_BOT_ENABLED: 'true',
      ALERT_TELEGRAM_ALLOWED_USER_IDS: '111, 222',
      ALERT_EMAIL_HOST: 'smtp.example.test',
      ALERT_EMAIL_USER: 'u',
      ALERT_EMAIL_PASSWORD: 'p-SeCrEt-0123',
      ALERT_EMAIL_FROM: 'wsb@example.test',
      ALERT_EMAIL_TO: 'a@example.test,b@example.test',
      ALERT_DISCORD_BOT_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.xyz0123456789',
      ALERT_DISCORD_BOT_CHANNEL_ID: '4242',
      ALERT_DISCORD_ALLOWED_USER_IDS: '333',
      ALERT_ROUTES: '{"email":{"minSeverity":"critical"}}',
      ALERT_SLACK_UNUSED: '',
      ALERT_QUEUE_SIZE: '',
    });
    expect(s.email).toMatchObject({ port: 587, secure: false, requireTls: true, to: ['a@example.test', 'b@example.test'] });
    expect(s.telegramBot?.allowedUserIds).toEqual(['111', '222']);
    expect(s.discordBot).toMatchObject({ channelId: '4242', allowedUserIds: ['333'], pollIntervalMs: 3000 });
    expect(s.routes.email).toEqual({ minSeverity: 'critical', types: undefined, alwaysTypes: ['DAILY_PNL_SUMMARY'] });
    const described = JSON.stringify(describeAlertSettings(s));
    expect(described).toContain('"channels":["discord","slack","telegram","email"]');
    for (const secret of [HOOK_SECRET, TG_TOKEN, 'p-SeCrEt-0123', 'xyz0123456789']) expect(described).not.toContain(secret);
  });

  it('names the variable that is wrong, without echoing a secret', () => {
    const insecure = configError({ ALERT_DISCORD_WEBHOOK_URL: `http://discord.example/api/webhooks/1/${HOOK_SECRET}` });
    expect(insecure.field).toBe('ALERT_DISCORD_WEBHOOK_URL');
    expect(insecure.message).not.toContain(HOOK_SECRET);
    expect(configError({ ALERT_TELEGRAM_BOT_TOKEN: TG_TOKEN }).field).toBe('ALERT_TELEGRAM_CHAT_ID');
    expect(configError({ ALERT_TELEGRAM_BOT_TOKEN: 'nope' }).field).toBe('ALERT_TELEGRAM_BOT_TOKEN');
    expect(configError({ ALERT_TELEGRAM_BOT_TOKEN: TG_TOKEN, ALERT_TELEGRAM_BOT_ENABLED: 'true' }).field).toBe('ALERT_TELEGRAM_ALLOWED_USER_IDS');
    expect(configError({ ALERT_EMAIL_HOST: 'smtp.example.test', ALERT_EMAIL_TO: 'a@example.test' }).field).toBe('ALERT_EMAIL_FROM');
    expect(configError({ ALERT_EMAIL_PASSWORD: 'x' }).field).toBe('ALERT_EMAIL_HOST');
    expect(configError({ ALERT_DISCORD_BOT_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.xyz', ALERT_DISCORD_BOT_CHANNEL_ID: '1' }).field).toBe('ALERT_DISCORD_ALLOWED_USER_IDS');
    expect(configError({ ALERT_RATE_PER_MINUTE: 'lots' }).field).toBe('ALERT_RATE_PER_MINUTE');
    expect(configError({ ALERT_ROUTES: '{nope' }).field).toBe('ALERT_ROUTES');
    expect(configError({ ALERT_ROUTES: '{"pager":{}}' }).field).toBe('ALERT_ROUTES.pager');
    expect(configError({ ALERT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x', ALERT_ROUTES: '{"slack":{"minSeverty":"info"}}' }).field).toBe('ALERT_ROUTES.slack.minSeverty');
    expect(configError({ ALERT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x', ALERT_ROUTES: '{"slack":{"minSeverity":"loud"}}' }).field).toBe('ALERT_ROUTES.slack.minSeverity');
    expect(configError({ ALERT_ROUTES: '{"email":{"minSeverity":"critical"}}' }).field).toBe('ALERT_ROUTES.email');
  });
});

describe('createAlerting', () => {
  let servers: Loopback[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('wires configured channels to the bus: one alert reaches Discord, Slack and Telegram', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 15));
    const discord = await startLoopback((_r, res) => reply(res, 200, { id: '1', channel_id: '2' }), clock);
    const slack = await startLoopback((_r, res) => reply(res, 200, 'ok'), clock);
    const telegram = await startLoopback((_r, res) => reply(res, 200, { ok: true, result: { message_id: 1, date: 1, chat: { id: 5, type: 'group' } } }), clock);
    servers = [discord, slack, telegram];
    const settings = parseAlertEnv({
      ALERT_DISCORD_WEBHOOK_URL: `${discord.url}/api/webhooks/1/${HOOK_SECRET}`,
      ALERT_SLACK_WEBHOOK_URL: `${slack.url}/services/T1/B2/${HOOK_SECRET}`,
      ALERT_TELEGRAM_BOT_TOKEN: TG_TOKEN,
      ALERT_TELEGRAM_CHAT_ID: '5',
      ALERT_TELEGRAM_API_URL: telegram.url,
    });
    const bus = new MessageBus();
    const logs = captureLogs();
    const alerting = createAlerting(settings, { bus, logger: logs.logger, clock, control: new FakeControl() });
    alerting.start();
    bus.publish('alert.raised', alert('CIRCUIT_BREAKER_TRIPPED', 'critical', 'global', 'global circuit breaker tripped'));
    bus.publish('alert.raised', alert('FILL', 'info', 'x', 'a fill'));
    await drive(clock, alerting.router);
    expect(alerting.channels.map((c) => c.name)).toEqual(['discord', 'slack', 'telegram']);
    for (const s of servers) expect(s.requests).toHaveLength(1);
    expect(telegram.requests[0]!.url).toBe(`/bot${TG_TOKEN}/sendMessage`);
    await alerting.stop();
    expect(logs.text()).toContain('alerting started');
    for (const secret of [HOOK_SECRET, TG_TOKEN]) expect(logs.text()).not.toContain(secret);
  });
});
