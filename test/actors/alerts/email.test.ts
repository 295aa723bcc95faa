import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { singleEntry } from '../../../actors/alerts/batch.js';
import { EmailChannel } from '../../../actors/alerts/channels/email.js';
import { ChannelDispatcher } from '../../../actors/alerts/dispatcher.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import { alert, captureLogs, drive } from './helpers.js';

const USER = 'alerts@example.test';
const PASSWORD = 'smtp-PaSsWoRd-9f8e7d6c5b4a';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/** A real SMTP server (smtp-server) on loopback: plain connection, AUTH PLAIN/LOGIN checked against one account. */
async function startSmtp(opts: { transientFailures?: number } = {}): Promise<{ port: number; received: Received[]; authAttempts: string[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const authAttempts: string[] = [];
  let rejected = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      authAttempts.push(auth.username ?? '');
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER });
      else callback(new Error('Authentication credentials invalid'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((opts.transientFailures ?? 0) > rejected) {
          rejected++;
          // 451: "local error in processing", a transient reply the sender should retry.
          callback(Object.assign(new Error('Requested action aborted: try again later'), { responseCode: 451 }));
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, authAttempts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

async function send(password: string, transientFailures = 0) {
  smtp = await startSmtp({ transientFailures });
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 15, 0, 0));
  const logs = captureLogs();
  const channel = new EmailChannel({ host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: USER, password, from: 'wsb@example.test', to: ['ops@example.test', 'oncall@example.test'], timeoutMs: 5000 });
  const d = new ChannelDispatcher({
    channel, clock, logger: logs.logger, queueSize: 10, rate: { perMinute: 60, burst: 5 },
    retry: { retries: 2, baseDelayMs: 1000, maxDelayMs: 4000, maxRetryAfterMs: 60_000 }, maxEntriesPerMessage: 10, random: () => 0.5,
  });
  d.enqueue(singleEntry(alert('ACTOR_FAILED', 'critical', 'feed', 'actor feed failed past its restart budget (5 restarts): ECONNRESET'), clock.now()));
  await drive(clock, d);
  channel.close();
  return { stats: d.stats(), logs: logs.text() };
}

describe('email channel over SMTP (smtp-server on loopback)', () => {
  it('delivers one message with the alert as subject and body', async () => {
    const r = await send(PASSWORD);
    expect(r.stats).toMatchObject({ delivered: 1, failed: 0 });
    expect(smtp!.received).toHaveLength(1);
    const m = smtp!.received[0]!;
    expect(m.from).toBe('wsb@example.test');
    expect(m.to).toEqual(['ops@example.test', 'oncall@example.test']);
    expect(m.raw).toContain('Subject: [WSB] [CRITICAL] ACTOR_FAILED (feed)');
    expect(m.raw).toContain('actor feed failed past its restart budget (5 restarts): ECONNRESET');
    expect(r.logs).not.toContain(PASSWORD);
  });

  it('logs an authentication failure once, without the password, and does not retry it', async () => {
    const wrong = 'wrong-PaSsWoRd-0123456789';
    const r = await send(wrong);
    expect(r.stats).toMatchObject({ delivered: 0, failed: 1, attempts: 1 });
    expect(smtp!.received).toHaveLength(0);
    expect(smtp!.authAttempts).toEqual([USER]);
    const failure = r.logs.split('\n').find((l) => l.includes('giving up'));
    expect(failure).toContain('EAUTH');
    expect(r.logs).not.toContain(wrong);
    expect(r.logs).not.toContain(PASSWORD);
  });

  it('retries a transient 4xx SMTP reply and then delivers', async () => {
    const r = await send(PASSWORD, 1);
    expect(r.stats).toMatchObject({ delivered: 1, failed: 0, attempts: 2 });
    expect(smtp!.received).toHaveLength(1);
    expect(r.logs).toContain('451');
  });
});
