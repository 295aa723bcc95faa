import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/domain/clock.js';
import { errorMessage } from '../../../../engine/domain/errors.js';
import { T0, brokerFor, captureLogger, engineOrder, until } from './harness.js';
import { KEY_ID, LoopbackAlpaca, SECRET } from './loopbackAlpaca.js';

let fake: LoopbackAlpaca;
beforeEach(async () => {
  fake = await LoopbackAlpaca.start();
});
afterEach(async () => {
  await fake.close();
});

describe('Alpaca credentials', () => {
  it('never appear in a log line or an error, through successes, failures, retries and reconnects', async () => {
    const clock = new SimulatedClock(T0);
    const { logger, lines } = captureLogger();
    const { broker } = brokerFor(fake, { clock, logger, reconnectBaseMs: 100, settings: { requestTimeoutMs: 150, maxRetries: 1 } });
    const errors: string[] = [];
    const attempt = (p: Promise<unknown>) => p.catch((e: unknown) => void errors.push(errorMessage(e), JSON.stringify(e)));
    await broker.start();
    const echo = { code: 40010000, message: `bad request from ${KEY_ID} with ${SECRET}` };
    fake.plan('POST', /^\/v2\/orders$/, { kind: 'status', status: 500, body: echo });
    fake.plan('POST', /^\/v2\/orders$/, { kind: 'apply-then-hang' });
    await attempt(broker.submit(engineOrder()));
    fake.plan('GET', /^\/v2\/account$/, { kind: 'status', status: 401, body: echo });
    await attempt(broker.getAccount());
    fake.plan('GET', /^\/v2\/positions$/, { kind: 'malformed' });
    fake.plan('GET', /^\/v2\/positions$/, { kind: 'drop' });
    await attempt(broker.listPositions());
    fake.plan('POST', /^\/v2\/orders$/, { kind: 'status', status: 422, body: echo });
    await attempt(broker.submit(engineOrder()));
    fake.broadcast({ action: 'error', data: { error_message: `internal error for ${SECRET}` } });
    fake.dropStreams();
    await until(() => broker.streamState === 'waiting', 'the disconnect');
    clock.advance(10_000);
    await until(() => broker.streamState === 'listening', 'the reconnect');
    await broker.stop();

    expect(lines.length).toBeGreaterThan(10);
    expect(errors.length).toBeGreaterThan(0);
    const everything = [...lines, ...errors].join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(KEY_ID);
    // The secret did go where it belongs: the headers and the stream's auth message.
    expect(fake.requests[0]!.headers['apca-api-secret-key']).toBe(SECRET);
    expect(fake.streamMessages.filter((m) => m.action === 'auth')).toHaveLength(2);
  });
});
