import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlpacaError } from '../../../../actors/brokers/alpaca/errors.js';
import { createAlpacaQueue } from '../../../../actors/brokers/alpaca/http.js';
import { BrokerError } from '../../../../engine/domain/errors.js';
import { brokerFor, until } from './harness.js';
import { KEY_ID, LoopbackAlpaca, SECRET } from './loopbackAlpaca.js';

let fake: LoopbackAlpaca;
beforeEach(async () => {
  fake = await LoopbackAlpaca.start();
});
afterEach(async () => {
  vi.useRealTimers();
  await fake.close();
});

const ACCOUNT = /^\/v2\/account$/;

async function failure(p: Promise<unknown>): Promise<AlpacaError> {
  const e: unknown = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AlpacaError);
  expect(e).toBeInstanceOf(BrokerError);
  return e as AlpacaError;
}

describe('Alpaca HTTP transport', () => {
  it('reads the account with the key headers and returns decimals', async () => {
    const { broker } = brokerFor(fake);
    const account = await broker.getAccount();
    expect(account.cash.toFixed()).toBe('100000');
    expect(account.buyingPower.toFixed()).toBe('200000');
    const req = fake.requests[0]!;
    expect(req.headers['apca-api-key-id']).toBe(KEY_ID);
    expect(req.headers['apca-api-secret-key']).toBe(SECRET);
  });

  it('waits out a 429 for at least its Retry-After, then succeeds', async () => {
    const { broker, delays } = brokerFor(fake);
    fake.plan('GET', ACCOUNT, { kind: 'status', status: 429, body: { code: 42910000, message: 'rate limit exceeded' }, headers: { 'retry-after': '3' } });
    await broker.getAccount();
    expect(fake.count('GET', ACCOUNT)).toBe(2);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(3_000);
  });

  it('retries a 5xx with growing, jittered delays and gives up with a typed error after the budget', async () => {
    const { broker, delays } = brokerFor(fake, { settings: { maxRetries: 3 } });
    for (let i = 0; i < 4; i++) fake.plan('GET', ACCOUNT, { kind: 'status', status: 503 });
    const e = await failure(broker.getAccount());
    expect(e.kind).toBe('http');
    expect(e.status).toBe(503);
    expect(fake.count('GET', ACCOUNT)).toBe(4);
    expect(delays).toHaveLength(3);
    // Equal jitter over 250·2^n: each delay in [ceiling/2, ceiling].
    delays.forEach((d, n) => {
      expect(d).toBeGreaterThanOrEqual(125 * 2 ** n);
      expect(d).toBeLessThanOrEqual(250 * 2 ** n);
    });
  });

  it('retries a read that timed out', async () => {
    const { broker } = brokerFor(fake, { settings: { requestTimeoutMs: 150 } });
    fake.plan('GET', ACCOUNT, { kind: 'hang' });
    await broker.getAccount();
    expect(fake.count('GET', ACCOUNT)).toBe(2);
  });

  it('reports a read that keeps timing out as a timeout', async () => {
    const { broker } = brokerFor(fake, { settings: { requestTimeoutMs: 150, maxRetries: 1 } });
    fake.plan('GET', ACCOUNT, { kind: 'hang' });
    fake.plan('GET', ACCOUNT, { kind: 'hang' });
    const e = await failure(broker.getAccount());
    expect(e.kind).toBe('timeout');
    expect(e.ambiguous).toBe(true);
  });

  it('retries malformed JSON, and names it when it persists', async () => {
    const { broker } = brokerFor(fake, { settings: { maxRetries: 1 } });
    fake.plan('GET', ACCOUNT, { kind: 'malformed' });
    await broker.getAccount();
    fake.plan('GET', ACCOUNT, { kind: 'malformed' });
    fake.plan('GET', ACCOUNT, { kind: 'malformed' });
    const e = await failure(broker.getAccount());
    expect(e.kind).toBe('malformed_json');
    expect(e.message).toMatch(/not JSON/);
  });

  it('a dropped connection on a read is retried', async () => {
    const { broker } = brokerFor(fake);
    fake.plan('GET', ACCOUNT, { kind: 'drop' });
    await broker.getAccount();
    expect(fake.count('GET', ACCOUNT)).toBe(2);
  });

  it('an unexpected shape is a typed error naming the field, not retried', async () => {
    const { broker } = brokerFor(fake);
    fake.plan('GET', ACCOUNT, { kind: 'shape', body: { id: 'acc-1', status: 'ACTIVE', cash: 100000, equity: '1', buying_power: '1' } });
    const e = await failure(broker.getAccount());
    expect(e.kind).toBe('schema');
    expect(e.field).toBe('cash');
    expect(e.message).toMatch(/field cash/);
    expect(fake.count('GET', ACCOUNT)).toBe(1);
  });

  it('names the nested field of a bad order in a list', async () => {
    const { broker } = brokerFor(fake);
    fake.plan('GET', /^\/v2\/orders$/, { kind: 'shape', body: [{ id: 'x', client_order_id: 'c', symbol: 'AAPL', filled_qty: 'lots', status: 'new', created_at: '2025-01-21T14:30:00Z' }] });
    const e = await failure(broker.listOpenOrders());
    expect(e.field).toBe('0.filled_qty');
  });

  it('a 401 is not retried and its error carries no secret', async () => {
    const { broker } = brokerFor(fake);
    fake.plan('GET', ACCOUNT, { kind: 'status', status: 401, body: { code: 40110000, message: `request is not authorized (key ${KEY_ID}, secret ${SECRET})` } });
    const e = await failure(broker.getAccount());
    expect(e.kind).toBe('unauthorized');
    expect(fake.count('GET', ACCOUNT)).toBe(1);
    expect(e.message).not.toContain(SECRET);
    expect(e.message).not.toContain(KEY_ID);
    expect(JSON.stringify(e.toJSON())).not.toContain(SECRET);
  });

  it('never lets more requests through than the budget in any rolling minute, counted at the server', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const queue = createAlpacaQueue(3);
    // Two brokers of one account share the one queue.
    const a = brokerFor(fake, { queue }).broker;
    const b = brokerFor(fake, { queue }).broker;
    const calls = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).getAccount());
    await until(() => fake.requests.length === 3 && queue.pending === 0, 'the first window');
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    expect(fake.requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(30_000);
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    expect(fake.requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(30_000);
    await until(() => fake.requests.length === 6 && queue.pending === 0, 'the second window');
    await vi.advanceTimersByTimeAsync(60_000);
    await until(() => fake.requests.length === 9 && queue.pending === 0, 'the third window');
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(calls);
    expect(fake.requests).toHaveLength(10);
    const times = fake.requests.map((r) => r.at).sort((x, y) => x - y);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 60_000).length;
      expect(inWindow).toBeLessThanOrEqual(3);
    }
  });

  it('without a shared queue, each broker keeps to ALPACA_REQUESTS_PER_MINUTE itself', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { broker } = brokerFor(fake, { settings: { requestsPerMinute: 2 } });
    const calls = [broker.getAccount(), broker.getAccount(), broker.getAccount()];
    await until(() => fake.requests.length === 2 && broker.http.queue.pending === 0, 'the budget');
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    expect(fake.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(calls);
    expect(fake.requests).toHaveLength(3);
  });
});
