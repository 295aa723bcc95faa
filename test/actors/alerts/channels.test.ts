import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { singleEntry } from '../../../actors/alerts/batch.js';
import type { AlertChannel } from '../../../actors/alerts/channels/channel.js';
import { DiscordWebhookChannel } from '../../../actors/alerts/channels/discordWebhook.js';
import { SlackWebhookChannel } from '../../../actors/alerts/channels/slackWebhook.js';
import { TelegramChannel } from '../../../actors/alerts/channels/telegram.js';
import { ChannelDispatcher } from '../../../actors/alerts/dispatcher.js';
import { TelegramApi } from '../../../actors/alerts/telegramApi.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import { ManualTimeouts, alert, captureLogs, drive, reply, startLoopback, type Loopback, type RecordedRequest } from './helpers.js';

const DISCORD_TOKEN = 'dIsCoRdWeBhOoKtOkEn_0123456789abcdefXYZ';
const SLACK_PATH = '/services/T0SECRET1/B0SECRET2/sLaCkSeCrEtToKeN0123456789';
const TELEGRAM_TOKEN = '123456789:AAtElEgRaMsEcReTtOkEn_0123456789xyz';

interface ProviderSpec {
  readonly name: string;
  /** The secret that must never reach a log line. */
  readonly secret: string;
  make(base: string, clock: SimulatedClock, timeouts: ManualTimeouts): AlertChannel;
  ok(res: ServerResponse): void;
  /** A 429 as the provider sends it; `waitMs` is the least wait it asks for. */
  rateLimited(res: ServerResponse): void;
  readonly waitMs: number;
  malformed(res: ServerResponse): void;
  checkPayload(req: RecordedRequest): void;
}

const specs: ProviderSpec[] = [
  {
    name: 'discord',
    secret: DISCORD_TOKEN,
    make: (base, clock, timeouts) => new DiscordWebhookChannel({ webhookUrl: `${base}/api/webhooks/112233445566/${DISCORD_TOKEN}`, timeoutMs: 5000, timeoutSignal: timeouts.factory, now: () => clock.now() }),
    ok: (res) => reply(res, 200, { id: '1300000000000000001', channel_id: '1200000000000000002', content: 'x', embeds: [] }),
    // Discord sends both; the body's retry_after (seconds, fractional) is the longer here.
    rateLimited: (res) => reply(res, 429, { message: 'You are being rate limited.', retry_after: 3.5, global: false }, { 'retry-after': '2' }),
    waitMs: 3500,
    malformed: (res) => reply(res, 200, '{"id": "13000000000'),
    checkPayload: (req) => {
      expect(req.method).toBe('POST');
      expect(req.url).toBe(`/api/webhooks/112233445566/${DISCORD_TOKEN}?wait=true`);
      expect(req.headers['content-type']).toBe('application/json');
      const body = req.json() as { content: string; embeds: Array<{ title: string; description: string; color: number; timestamp: string }>; allowed_mentions: unknown };
      expect(body.content).toBe('[CRITICAL] CIRCUIT_BREAKER_TRIPPED (global)');
      expect(body.embeds).toHaveLength(1);
      expect(body.embeds[0]).toMatchObject({ title: '[CRITICAL] CIRCUIT_BREAKER_TRIPPED (global)', description: 'global circuit breaker tripped (daily_loss): -6.1% today', color: 0xe74c3c });
      expect(body.allowed_mentions).toEqual({ parse: [] });
    },
  },
  {
    name: 'slack',
    secret: SLACK_PATH,
    make: (base, clock, timeouts) => new SlackWebhookChannel({ webhookUrl: `${base}${SLACK_PATH}`, timeoutMs: 5000, timeoutSignal: timeouts.factory, now: () => clock.now() }),
    ok: (res) => reply(res, 200, 'ok'),
    rateLimited: (res) => reply(res, 429, 'rate_limited', { 'retry-after': '3' }),
    waitMs: 3000,
    malformed: (res) => reply(res, 200, '<html><body>502 Bad Gateway</body></html>'),
    checkPayload: (req) => {
      expect(req.url).toBe(SLACK_PATH);
      const body = req.json() as { text: string; blocks: Array<{ type: string; text: { type: string; text: string } }> };
      expect(body.text).toBe('[CRITICAL] CIRCUIT_BREAKER_TRIPPED (global)');
      expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*[CRITICAL] CIRCUIT_BREAKER_TRIPPED (global)*\nglobal circuit breaker tripped (daily_loss): -6.1% today' } });
    },
  },
  {
    name: 'telegram',
    secret: TELEGRAM_TOKEN,
    make: (base, clock, timeouts) => new TelegramChannel(new TelegramApi({ botToken: TELEGRAM_TOKEN, apiUrl: base, timeoutMs: 5000, timeoutSignal: timeouts.factory, now: () => clock.now() }), '-1001234567890'),
    ok: (res) => reply(res, 200, { ok: true, result: { message_id: 42, date: 1767625200, chat: { id: -1001234567890, type: 'supergroup' }, text: 'x' } }),
    rateLimited: (res) => reply(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 4', parameters: { retry_after: 4 } }),
    waitMs: 4000,
    malformed: (res) => reply(res, 200, '{"ok":tru'),
    checkPayload: (req) => {
      expect(req.url).toBe(`/bot${TELEGRAM_TOKEN}/sendMessage`);
      expect(req.json()).toEqual({ chat_id: '-1001234567890', parse_mode: 'HTML', text: '<b>[CRITICAL] CIRCUIT_BREAKER_TRIPPED (global)</b>\nglobal circuit breaker tripped (daily_loss): -6.1% today' });
    },
  },
];

const TRIP = alert('CIRCUIT_BREAKER_TRIPPED', 'critical', 'global', 'global circuit breaker tripped (daily_loss): -6.1% today');

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(spec: ProviderSpec, respond: (req: RecordedRequest, res: ServerResponse, i: number, t: ManualTimeouts) => void, retries = 2) {
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 15, 0, 0));
  const timeouts = new ManualTimeouts();
  server = await startLoopback((req, res, i) => respond(req, res, i, timeouts), clock);
  const logs = captureLogs();
  const d = new ChannelDispatcher({
    channel: spec.make(server.url, clock, timeouts),
    clock,
    logger: logs.logger,
    queueSize: 100,
    rate: { perMinute: 600, burst: 10 },
    retry: { retries, baseDelayMs: 1000, maxDelayMs: 8000, maxRetryAfterMs: 60_000 },
    maxEntriesPerMessage: 10,
    random: () => 0.5,
  });
  d.enqueue(singleEntry(TRIP, clock.now()));
  await drive(clock, d);
  expect(logs.text()).not.toContain(spec.secret);
  return { stats: d.stats(), logs: logs.text(), requests: server.requests };
}

describe.each(specs)('$name channel against a loopback server', (spec) => {
  it('delivers the provider payload and confirms delivery from the answer', async () => {
    const r = await run(spec, (_req, res) => spec.ok(res));
    expect(r.requests).toHaveLength(1);
    spec.checkPayload(r.requests[0]!);
    expect(r.stats).toMatchObject({ delivered: 1, failed: 0, messages: 1, attempts: 1 });
  });

  it('honours 429 with the wait the provider asked for, then delivers', async () => {
    const r = await run(spec, (_req, res, i) => (i === 0 ? spec.rateLimited(res) : spec.ok(res)));
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(spec.waitMs);
    expect(r.stats).toMatchObject({ delivered: 1, failed: 0, attempts: 2 });
    expect(r.logs).toContain('HTTP 429');
  });

  it('retries a 5xx with backoff, then gives up and logs it (without the secret the body echoed)', async () => {
    const r = await run(spec, (req, res) => reply(res, 503, `upstream unavailable for ${req.url}`));
    expect(r.requests).toHaveLength(3);
    // Exponential: 1 s then 2 s (jitter fixed at the middle: 0.75 s and 1.5 s at least).
    expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(750);
    expect(r.requests[2]!.at - r.requests[1]!.at).toBeGreaterThanOrEqual(1500);
    expect(r.stats).toMatchObject({ delivered: 0, failed: 1, attempts: 3 });
    const failure = r.logs.split('\n').find((l) => l.includes('giving up'));
    expect(failure).toBeDefined();
    expect(failure).toContain('HTTP 503');
    expect(failure).toContain('[redacted]');
  });

  it('treats a request with no answer as a timeout and retries it', async () => {
    const r = await run(spec, (_req, res, i, timeouts) => {
      if (i === 0) timeouts.fireLatest(); // the provider hangs: the deadline fires, the response never comes
      else spec.ok(res);
    });
    expect(r.requests).toHaveLength(2);
    expect(r.stats).toMatchObject({ delivered: 1, failed: 0 });
    expect(r.logs).toContain('no answer within 5000 ms');
  });

  it('does not resend after a malformed success answer (it may have been delivered) and logs it', async () => {
    const r = await run(spec, (_req, res) => spec.malformed(res));
    expect(r.requests).toHaveLength(1);
    expect(r.stats).toMatchObject({ delivered: 0, failed: 1 });
    expect(r.logs).toContain('unexpected response (HTTP 200): body');
  });

  it('does not retry a refusal such as a deleted webhook or a bad token', async () => {
    const r = await run(spec, (_req, res) => reply(res, spec.name === 'slack' ? 404 : 401, spec.name === 'slack' ? 'no_service' : { ok: false, error_code: 401, description: `Unauthorized: bot${TELEGRAM_TOKEN}`, message: `401: Unauthorized ${DISCORD_TOKEN}`, code: 0 }));
    expect(r.requests).toHaveLength(1);
    expect(r.stats).toMatchObject({ failed: 1, attempts: 1 });
  });
});

describe('telegram response validation', () => {
  it('names the field of an unexpected shape', async () => {
    const spec = specs[2]!;
    const r = await run(spec, (_req, res) => reply(res, 200, { ok: true, result: { message_id: 'forty-two', date: 1, chat: { id: 1, type: 'private' } } }));
    expect(r.logs).toContain('result.message_id');
    expect(r.requests).toHaveLength(1);
  });
});

describe('retry-after limits', () => {
  it('gives up at once when a provider asks for a wait above the configured maximum', async () => {
    const spec = specs[1]!;
    const r = await run(spec, (_req, res) => reply(res, 429, 'rate_limited', { 'retry-after': '3600' }));
    expect(r.requests).toHaveLength(1);
    expect(r.logs).toContain('more than the 60 s allowed');
  });

  it('reads an HTTP-date Retry-After', async () => {
    const spec = specs[1]!;
    const r = await run(spec, (req, res, i) => (i === 0 ? reply(res, 503, 'maintenance', { 'retry-after': new Date(req.at + 9_000).toUTCString() }) : spec.ok(res)));
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(9_000);
  });
});
