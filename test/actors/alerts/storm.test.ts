import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiscordWebhookChannel } from '../../../actors/alerts/channels/discordWebhook.js';
import { AlertRouter, type AlertRouterOptions } from '../../../actors/alerts/router.js';
import { MessageBus, type Alert } from '../../../engine/bus.js';
import type { AlertSeverity } from '../../../engine/bus.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import { alert, captureLogs, drive, reply, startLoopback, type Loopback } from './helpers.js';

const TOKEN = 'sToRmWeBhOoKtOkEn_abcdefghijklmnopqrstuvwxyz012345';
const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

interface DiscordBody {
  content: string;
  embeds: Array<{ title: string; description: string }>;
}

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(over: Partial<AlertRouterOptions>, respond: Loopback['handler'] = (_req, res) => reply(res, 200, { id: '1', channel_id: '2' })) {
  const clock = new SimulatedClock(T0);
  server = await startLoopback(respond, clock);
  const bus = new MessageBus();
  const logs = captureLogs();
  const channel = new DiscordWebhookChannel({ webhookUrl: `${server.url}/api/webhooks/1/${TOKEN}`, timeoutMs: 5000, now: () => clock.now() });
  const router = new AlertRouter({
    bus, channels: [channel], clock, logger: logs.logger, dedupWindowMs: 60_000, queueSize: 1000,
    rate: { perMinute: 20, burst: 5 }, retry: { retries: 2, baseDelayMs: 1000, maxDelayMs: 8000, maxRetryAfterMs: 60_000 }, random: () => 0.5,
    ...over,
  });
  return { clock, bus, logs, router, server };
}

const bodies = (s: Loopback) => s.requests.map((r) => r.json() as DiscordBody);

describe('alert storms', () => {
  it('sends the first of 1000 identical alerts, then ONE summary when the dedup window closes', async () => {
    const { clock, bus, router, server: s, logs } = await setup({});
    for (let i = 0; i < 1000; i++) {
      bus.publish('alert.raised', alert('ORDER_REJECTED', 'warning', 'wsb-dip-bot', `buy 10 AAPL rejected #${i}`, T0 + i));
    }
    await drive(clock, router);
    expect(s.requests).toHaveLength(1);
    expect(bodies(s)[0]!.embeds[0]!.description).toBe('buy 10 AAPL rejected #0');
    clock.advance(60_000);
    await drive(clock, router);
    expect(s.requests).toHaveLength(2);
    const summary = bodies(s)[1]!.embeds;
    expect(summary).toHaveLength(1);
    expect(summary[0]!.title).toBe('[WARNING] 999 more ORDER_REJECTED alerts (wsb-dip-bot)');
    expect(summary[0]!.description).toBe(
      '999 more ORDER_REJECTED alerts in the last 60 s, first 2026-01-05T15:00:00.001Z: buy 10 AAPL rejected #1; last 2026-01-05T15:00:00.999Z: buy 10 AAPL rejected #999',
    );
    expect(router.stats()).toMatchObject({ raised: 1000, suppressed: 999 });
    expect(logs.text()).not.toContain(TOKEN);
  });

  it('folds a storm over many scopes that arrives while the channel is rate limited into one summary', async () => {
    const { clock, bus, router, server: s } = await setup({ rate: { perMinute: 6, burst: 1 } });
    bus.publish('alert.raised', alert('CIRCUIT_BREAKER_TRIPPED', 'critical', 'global', 'global breaker tripped'));
    await drive(clock, router);
    expect(s.requests).toHaveLength(1);
    for (let i = 0; i < 500; i++) bus.publish('alert.raised', alert('ORDER_REJECTED', 'warning', `SYM${i}`, `order ${i} rejected`));
    await drive(clock, router);
    expect(s.requests).toHaveLength(2);
    // The limiter made it wait for a token (10 s at 6 a minute).
    expect(s.requests[1]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(10_000);
    const [folded] = bodies(s)[1]!.embeds;
    expect(folded!.title).toBe('[WARNING] 500 ORDER_REJECTED alerts (500 scopes: SYM0, SYM1, SYM2, …)');
    expect(folded!.description).toMatch(/^500 ORDER_REJECTED alerts in the last 10 s, first .*: order 0 rejected; last .*: order 499 rejected$/);
  });

  it('never exceeds the rate limit, retries included (counted at the server)', async () => {
    const perMinute = 12;
    const burst = 2;
    const { clock, bus, router, server: s } = await setup({ rate: { perMinute, burst } }, (_req, res, i) =>
      // Every fourth request fails, so retries compete for the same tokens.
      i % 4 === 3 ? reply(res, 500, { message: 'Internal Server Error', code: 0 }) : reply(res, 200, { id: '1', channel_id: '2' }),
    );
    for (let k = 0; k < 300; k++) {
      bus.publish('alert.raised', alert('DATA_FEED_STALE', 'warning', `feed-${k}`));
      await router.settled();
      clock.advance(700);
    }
    await drive(clock, router);
    const times = s.requests.map((r) => r.at);
    expect(times.length).toBeGreaterThan(30);
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) {
        const allowed = burst + (perMinute * (times[j]! - times[i]!)) / 60_000;
        expect(j - i + 1).toBeLessThanOrEqual(allowed + 1e-6);
      }
    }
    // Nothing lost: every alert was delivered in some message.
    expect(router.stats().channels.discord).toMatchObject({ delivered: 300, failed: 0 });
  });

  it('never blocks the engine: publish returns at once while the provider hangs, the queue stays bounded and drops info first', async () => {
    const severityOf = (i: number): AlertSeverity => (i % 100 === 0 ? 'critical' : i % 3 === 0 ? 'warning' : 'info');
    const typeOf: Record<AlertSeverity, string> = { critical: 'ACTOR_FAILED', warning: 'ORDER_REJECTED', info: 'FILL' };
    // The provider accepts the request and never answers.
    const { bus, router, server: s, logs } = await setup({ queueSize: 50, routes: { discord: { minSeverity: 'info', alwaysTypes: [] } } }, () => undefined);
    const seenByOthers: Alert[] = [];
    bus.subscribe('alert.raised', (a) => seenByOthers.push(a));
    for (let i = 0; i < 2000; i++) {
      const sev = severityOf(i);
      bus.publish('alert.raised', alert(typeOf[sev], sev, `s${i}`));
      // Synchronous: the next subscriber already has it when publish returns.
      expect(seenByOthers).toHaveLength(i + 1);
    }
    await vi.waitFor(() => expect(s.requests).toHaveLength(1), { interval: 5, timeout: 5000 });
    const stats = router.stats().channels.discord!;
    expect(stats.dropped).toBe(1950);
    // The one message in flight carries every critical alert and the newest warnings; every info gave way first.
    const body = s.requests[0]!.json() as DiscordBody;
    expect(body.embeds.map((e) => e.title)).toEqual([
      '[CRITICAL] 20 ACTOR_FAILED alerts (20 scopes: s0, s100, s200, …)',
      '[WARNING] 30 ORDER_REJECTED alerts (30 scopes: s1911, s1914, s1917, …)',
    ]);
    expect(body.content).toContain('1950 alerts were dropped');
    // Still hanging; more alerts only queue (bounded) and publish still returns at once.
    for (let i = 0; i < 100; i++) bus.publish('alert.raised', alert('FILL', 'info', `late${i}`));
    expect(router.stats().channels.discord!.queued).toBe(50);
    expect(s.requests).toHaveLength(1);
    await router.close();
    expect(logs.text()).toContain('cancelled (shutting down)');
    expect(logs.text()).not.toContain(TOKEN);
  });
});
