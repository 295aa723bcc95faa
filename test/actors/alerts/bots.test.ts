import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiscordCommandBot } from '../../../actors/alerts/bots/discordBot.js';
import { OperatorCommands, parseCommand } from '../../../actors/alerts/bots/operatorCommands.js';
import { TelegramCommandBot } from '../../../actors/alerts/bots/telegramBot.js';
import { AlertDeliveryError } from '../../../actors/alerts/errors.js';
import { TelegramApi } from '../../../actors/alerts/telegramApi.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import { FakeControl } from './fakeControl.js';
import { captureLogs, reply, startLoopback, type Loopback, type RecordedRequest } from './helpers.js';

const TELEGRAM_TOKEN = '987654321:AAbOtSeCrEtToKeN_abcdefghijklmnopqrs';
const DISCORD_BOT_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.dIsCoRdBoTsEcReT0123456789';
const NOW = Date.UTC(2026, 0, 5, 15, 0, 0);
const NOW_S = NOW / 1000;

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function tgMessage(updateId: number, userId: number, text: string, opts: { chatId?: number; date?: number } = {}) {
  return { update_id: updateId, message: { message_id: updateId * 10, date: opts.date ?? NOW_S - 5, chat: { id: opts.chatId ?? 555, type: 'group' }, from: { id: userId, is_bot: false, first_name: 'Op' }, text } };
}

interface SendBody {
  chat_id: number;
  text: string;
  reply_parameters: { message_id: number };
}

async function telegramSetup(batches: unknown[][], opts: { allowedChats?: string[] } = {}) {
  const clock = new SimulatedClock(NOW);
  const pending = [...batches];
  server = await startLoopback((req, res) => {
    if (req.url.endsWith('/getUpdates')) {
      const next = pending.shift();
      if (next === undefined) return; // a long poll with nothing to say: hang until the client gives up
      reply(res, 200, { ok: true, result: next });
    } else if (req.url.endsWith('/sendMessage')) {
      const b = req.json() as SendBody;
      reply(res, 200, { ok: true, result: { message_id: 9000, date: NOW_S, chat: { id: b.chat_id, type: 'group' }, text: b.text } });
    } else {
      reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    }
  }, clock);
  const logs = captureLogs();
  const control = new FakeControl();
  const bot = new TelegramCommandBot({
    api: new TelegramApi({ botToken: TELEGRAM_TOKEN, apiUrl: server.url, timeoutMs: 5000, now: () => clock.now() }),
    commands: new OperatorCommands(control, logs.logger),
    logger: logs.logger, clock, pollTimeoutSec: 25, maxCommandAgeMs: 300_000,
    allowedUserIds: new Set(['111']), allowedChatIds: new Set(opts.allowedChats ?? []),
  });
  const replies = () => server!.requests.filter((r) => r.url.endsWith('/sendMessage')).map((r) => r.json() as SendBody);
  const polls = () => server!.requests.filter((r) => r.url.endsWith('/getUpdates')).map((r) => r.json() as { offset?: number; timeout: number });
  return { clock, logs, control, bot, replies, polls };
}

describe('parseCommand', () => {
  it('reads /cmd@Bot args and !cmd, and ignores plain chat', () => {
    expect(parseCommand('/halt@WsbBot wsb-dip-bot  too hot today')).toEqual({ name: 'halt', args: ['wsb-dip-bot', 'too', 'hot', 'today'], rest: 'too hot today' });
    expect(parseCommand('!STATUS')).toEqual({ name: 'status', args: [], rest: '' });
    expect(parseCommand('halt wsb-dip-bot')).toBeNull();
    expect(parseCommand('/ ')).toBeNull();
  });
});

describe('Telegram command bot (long polling against a loopback Bot API)', () => {
  it('runs an allowed user\'s commands through the audited path and refuses everyone else', async () => {
    const t = await telegramSetup([[
      tgMessage(1001, 111, '/halt@WsbBot wsb-dip-bot too hot'),
      tgMessage(1002, 999, '/halt wsb-dip-bot'),
      tgMessage(1003, 111, '/resume nope'),
      tgMessage(1004, 111, 'hello there'),
      tgMessage(1005, 111, '/status'),
      tgMessage(1006, 111, '/positions'),
      tgMessage(1007, 111, '/resume wsb-dip-bot', { date: NOW_S - 3600 }),
      { update_id: 1008 },
    ]]);
    await t.bot.pollOnce();
    expect(t.control.audit).toEqual([
      { command: { type: 'halt_strategy', strategyId: 'wsb-dip-bot', reason: 'too hot' }, by: { subject: 'telegram:111', method: 'bot' }, ok: true },
      { command: { type: 'resume_strategy', strategyId: 'nope' }, by: { subject: 'telegram:111', method: 'bot' }, ok: false },
    ]);
    const replies = t.replies();
    expect(replies.map((r) => [r.reply_parameters.message_id, r.text])).toEqual([
      [10010, 'OK halt_strategy: strategyId=wsb-dip-bot, state=halted'],
      [10020, 'Not authorised.'],
      [10030, 'Refused (NOT_FOUND): strategy nope not found'],
      [10050, 'Equity 100250.00, cash 98377.70, realized 0.00, unrealized 250.00\nbreaker global: closed\nwsb-dip-bot: halted (operator)'],
      [10060, 'AAPL 10 @ 187.23 (realized 0.00)'],
      [10070, 'Ignored: sent 3600 s ago, older than the 300 s limit.'],
    ]);
    expect(replies.every((r) => r.chat_id === 555)).toBe(true);
    // The next poll confirms everything seen (offset one past the last update).
    // It long-polls (the server hangs) until the server closes after the test.
    const hanging = t.bot.pollOnce().catch((e: unknown) => e);
    await vi.waitFor(() => expect(t.polls()).toHaveLength(2), { interval: 5, timeout: 5000 });
    expect(t.polls()[1]!.offset).toBe(1009);
    expect(t.logs.text()).toContain('"userId":999');
    expect(t.logs.text()).not.toContain(TELEGRAM_TOKEN);
    await server!.close();
    server = undefined;
    expect(await hanging).toBeInstanceOf(AlertDeliveryError);
  });

  it('calls nothing for a user who is not allowed, or an allowed user in a chat that is not', async () => {
    const t = await telegramSetup([[tgMessage(2001, 999, '/halt wsb-dip-bot'), tgMessage(2002, 111, '/halt wsb-dip-bot', { chatId: 777 })]], { allowedChats: ['555'] });
    await t.bot.pollOnce();
    expect(t.control.audit).toEqual([]);
    expect(t.replies().map((r) => r.text)).toEqual(['Not authorised.', 'Not authorised.']);
  });

  it('keeps polling after a 429, waiting what Telegram asked, and stops cleanly mid long-poll', async () => {
    const clock = new SimulatedClock(NOW);
    let polls = 0;
    server = await startLoopback((req, res) => {
      if (req.url.endsWith('/getUpdates')) {
        polls++;
        if (polls === 1) reply(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } });
        else if (polls === 2) reply(res, 200, { ok: true, result: [tgMessage(3001, 111, '/halt wsb-dip-bot')] });
        // later polls hang, as a long poll does
      } else {
        reply(res, 200, { ok: true, result: { message_id: 1, date: NOW_S, chat: { id: 555, type: 'group' } } });
      }
    }, clock);
    const logs = captureLogs();
    const control = new FakeControl();
    const bot = new TelegramCommandBot({
      api: new TelegramApi({ botToken: TELEGRAM_TOKEN, apiUrl: server.url, timeoutMs: 5000, now: () => clock.now() }),
      commands: new OperatorCommands(control, logs.logger), logger: logs.logger, clock, pollTimeoutSec: 25, maxCommandAgeMs: 300_000,
      allowedUserIds: new Set(['111']), allowedChatIds: new Set(),
    });
    bot.start();
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1), { interval: 5, timeout: 5000 });
    expect(polls).toBe(1);
    clock.advance(6_999);
    expect(polls).toBe(1);
    clock.advance(1);
    await vi.waitFor(() => expect(polls).toBe(3), { interval: 5, timeout: 5000 });
    expect(control.audit.map((a) => a.by.subject)).toEqual(['telegram:111']);
    await bot.stop();
    expect(logs.text()).toContain('bot poll failed');
    expect(logs.text()).not.toContain(TELEGRAM_TOKEN);
  });
});

interface DiscordPost {
  content: string;
  message_reference: { message_id: string };
  allowed_mentions: unknown;
}

function dMessage(id: string, authorId: string, content: string, opts: { bot?: boolean; at?: number } = {}) {
  return { id, channel_id: '4242', author: { id: authorId, username: `u${authorId}`, ...(opts.bot ? { bot: true } : {}) }, content, timestamp: new Date(opts.at ?? NOW - 2000).toISOString() };
}

describe('Discord command bot (polling a channel over a loopback Discord API)', () => {
  it('skips history, then runs allowed commands in order and refuses others', async () => {
    const clock = new SimulatedClock(NOW);
    const gets: RecordedRequest[] = [];
    server = await startLoopback((req, res) => {
      if (req.method === 'GET') {
        gets.push(req);
        if (req.url === '/channels/4242/messages?limit=1') reply(res, 200, [dMessage('100', '111', '!halt wsb-dip-bot', { at: NOW - 60_000 })]);
        else if (req.url === '/channels/4242/messages?after=100&limit=50') {
          // Newest first, as Discord returns them; 104 is the bot's own earlier reply.
          reply(res, 200, [dMessage('104', '1', 'OK', { bot: true }), dMessage('103', '222', '!halt wsb-dip-bot'), dMessage('102', '111', '!halt wsb-dip-bot'), dMessage('101', '111', 'just chatting')]);
        } else if (req.url === '/channels/4242/messages?after=104&limit=50') reply(res, 429, { message: 'You are being rate limited.', retry_after: 2.5, global: false });
        else reply(res, 404, { message: 'Unknown', code: 10003 });
      } else {
        reply(res, 200, { id: '200', channel_id: '4242', content: 'x', author: { id: '1' }, timestamp: new Date(NOW).toISOString() });
      }
    }, clock);
    const logs = captureLogs();
    const control = new FakeControl();
    const bot = new DiscordCommandBot({
      botToken: DISCORD_BOT_TOKEN, channelId: '4242', apiUrl: server.url, timeoutMs: 5000, now: () => clock.now(),
      commands: new OperatorCommands(control, logs.logger), logger: logs.logger, clock,
      allowedUserIds: new Set(['111']), pollIntervalMs: 3000, maxCommandAgeMs: 300_000,
    });
    expect(await bot.pollOnce()).toBe(0);
    expect(control.audit).toEqual([]);
    expect(await bot.pollOnce()).toBe(3);
    expect(control.audit).toEqual([{ command: { type: 'halt_strategy', strategyId: 'wsb-dip-bot' }, by: { subject: 'discord:111', method: 'bot' }, ok: true }]);
    const posts = server.requests.filter((r) => r.method === 'POST');
    expect(posts.map((p) => p.url)).toEqual(['/channels/4242/messages', '/channels/4242/messages']);
    expect(posts.map((p) => p.json() as DiscordPost).map((b) => [b.message_reference.message_id, b.content])).toEqual([
      ['102', 'OK halt_strategy: strategyId=wsb-dip-bot, state=halted'],
      ['103', 'Not authorised.'],
    ]);
    expect((posts[0]!.json() as DiscordPost).allowed_mentions).toEqual({ parse: [] });
    expect(gets.every((g) => g.headers.authorization === `Bot ${DISCORD_BOT_TOKEN}`)).toBe(true);
    // The cursor moved past the newest message; a 429 there carries Discord's wait.
    const err = await bot.pollOnce().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlertDeliveryError);
    expect((err as AlertDeliveryError).retryAfterMs).toBe(2500);
    expect(logs.text()).toContain('"userId":"222"');
    expect(logs.text()).not.toContain(DISCORD_BOT_TOKEN);
  });
});
