import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanEnv, Daemon, freePort, runWsb, tempDir } from './harness.js';

interface OrderJson {
  clientOrderId: string;
  status: string;
  symbol: string;
}

async function orders(d: Daemon): Promise<OrderJson[]> {
  const r = await fetch(d.url('/api/v1/orders?limit=10000'));
  expect(r.status).toBe(200);
  return ((await r.json()) as { orders: OrderJson[] }).orders;
}

describe('wsb start (the daemon as a real process)', () => {
  it('becomes ready, trades, stops cleanly on SIGTERM, and a restart on the same data dir finds every order', async () => {
    const dir = await tempDir('wsb-daemon-');
    const env = cleanEnv({ WSB_DATA_DIR: dir });
    const first = new Daemon(await freePort(), env);
    await first.ready();
    expect(await (await fetch(first.url('/healthz'))).json()).toEqual({ status: 'ok' });
    const before = await first.until('orders from the first run', async () => {
      const list = await orders(first);
      return list.length > 0 ? list : undefined;
    });
    const exit1 = await first.stop('SIGTERM');
    expect(exit1, first.stderr.slice(-2000)).toEqual({ code: 0, signal: null });
    const logs = first.logLines();
    expect(logs.some((l) => l.msg === 'database closed')).toBe(true);
    expect(logs.at(-1)).toMatchObject({ msg: 'stopped', exitCode: 0 });
    expect(logs.every((l) => typeof l.level === 'number' && typeof l.time === 'string')).toBe(true);

    const second = new Daemon(await freePort(), env);
    await second.ready();
    const after = new Map((await orders(second)).map((o) => [o.clientOrderId, o]));
    for (const o of before) {
      expect(after.has(o.clientOrderId), `order ${o.clientOrderId} from the first run`).toBe(true);
    }
    expect(second.logLines().find((l) => l.msg === 'reconciled with the broker and the store')).toMatchObject({ trades: expect.any(Number) as number });
    const exit2 = await second.stop('SIGINT');
    expect(exit2).toEqual({ code: 0, signal: null });
  });

  it('stops cleanly when SIGTERM arrives during start-up, releasing the database for the next start', async () => {
    const dir = await tempDir('wsb-daemon-early-');
    // The stop waits for the database creation in flight, which on a loaded CI machine can outlast the 15 s default.
    const env = cleanEnv({ WSB_DATA_DIR: dir, WSB_SHUTDOWN_TIMEOUT_MS: '120000' });
    const early = new Daemon(await freePort(), env);
    // The embedded database directory appears as soon as start-up begins opening it.
    await early.until('start-up to begin', () => Promise.resolve(existsSync(path.join(dir, 'pglite')) ? true : undefined));
    const exit = await early.stop('SIGTERM');
    expect(exit, early.stderr.slice(-2000)).toEqual({ code: 0, signal: null });
    expect(existsSync(path.join(dir, 'pglite.lock'))).toBe(false);
    const next = new Daemon(await freePort(), env);
    await next.ready();
    expect((await next.stop()).code).toBe(0);
  });

  it('refuses malformed configuration with a message naming the variable', async () => {
    const env = cleanEnv({ WSB_DATA_DIR: await tempDir('wsb-daemon-bad-'), WSB_PORT: 'eighty' });
    const r = await runWsb(['start'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('WSB_PORT');
    const open = await runWsb(['start'], { ...env, WSB_PORT: '0', WSB_HOST: '0.0.0.0' });
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('WSB_API_TOKEN');
    const strategies = await runWsb(['start'], { ...env, WSB_PORT: '0', WSB_STRATEGIES: 'moonshot' });
    expect(strategies.code).toBe(2);
    expect(strategies.stderr).toContain('WSB_STRATEGIES');
  });

  it('logs a corrupt data file with its line, skips that symbol, and keeps trading the others', async () => {
    const dir = await tempDir('wsb-daemon-corrupt-');
    await mkdir(path.join(dir, 'market', '1d'), { recursive: true });
    await writeFile(
      path.join(dir, 'market', '1d', 'AAPL.csv'),
      'Date,Open,High,Low,Close,Volume\n2025-01-02,100,101,99,100,1000\n2025-01-03,100,95,99,100,1000\n',
    );
    const d = new Daemon(await freePort(), cleanEnv({ WSB_DATA_DIR: dir }));
    await d.ready();
    const rejected = await d.until('the data rejection log line', () =>
      Promise.resolve(d.logLines().find((l) => l.msg === 'market data rejected; this symbol is not replayed')),
    );
    expect(rejected).toMatchObject({ symbol: 'AAPL', line: 3, field: expect.stringMatching(/high/i) as string });
    const list = await d.until('orders on other symbols', async () => {
      const l = await orders(d);
      return l.length > 0 ? l : undefined;
    });
    expect(list.every((o) => !o.symbol.startsWith('AAPL'))).toBe(true);
    expect((await d.stop()).code).toBe(0);
  });
});
