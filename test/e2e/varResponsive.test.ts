import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { equity, optionContract, type Instrument } from '../../engine/domain/instrument.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Order } from '../../engine/domain/orders.js';
import { addDays } from '../../engine/domain/session.js';
import { openDatabase } from '../../persistence/database.js';
import { cleanEnv, Daemon, freePort, REPO, tempDir } from './harness.js';

/**
 * The proof that heavy VaR stays off the event loop: while a large
 * Monte Carlo run (WSB_VAR_PATHS paths, in the Piscina pool) is under way
 * in the real daemon, GET /healthz is answered, and answered before the
 * run's own response arrives. Completion order only, no durations.
 *
 * The strategy closes its positions the day after it opens them, so the book
 * is usually empty when a replay ends and a run would be instant; the test
 * gives the account a book of its own instead: trades booked in the data
 * directory before start-up, which the daemon rebuilds its portfolio from.
 */

const TOKEN = 'var-responsive-test-token-0123456789';
const PATHS = 2_000_000;
/** Daily bars replayed: enough for the VaR's 31 closes, few enough that the scheduled runs before ours are few. */
const REPLAY_DAYS = 36;
const MIN_HEALTH_ANSWERS_DURING_RUN = 5;

async function replayWindow(): Promise<{ from: string; last: string; lastClose: number }> {
  const text = await readFile(path.join(REPO, 'data', 'market', '1d', 'AAPL.csv'), 'utf8');
  const rows = text.trim().split('\n').slice(1).map((l) => l.split(','));
  const last = rows.at(-1)!;
  return { from: rows.at(-REPLAY_DAYS)![0]!, last: last[0]!, lastClose: Number(last[4]) };
}

/** Book a filled buy of `quantity` `instrument` at `price`, as the engine would have. */
async function bookBuy(store: Awaited<ReturnType<typeof openDatabase>>['store'], id: string, instrument: Instrument, quantity: number, price: Decimal, ts: number): Promise<void> {
  const multiplier = instrument.kind === 'option' ? 100 : 1;
  const order: Order = {
    clientOrderId: id, strategyId: 'operator-book', symbol: instrument.symbol, instrument, side: 'buy', quantity, type: 'market', limitPrice: null,
    status: 'filled', filledQuantity: quantity, avgFillPrice: price, brokerOrderId: null, reason: 'test book', rejectReason: null, signalId: null, createdAt: ts, updatedAt: ts,
  };
  await store.insertOrder(order);
  await store.recordFill(
    { fillId: `${id}-f1`, clientOrderId: id, symbol: instrument.symbol, side: 'buy', quantity, price, commission: new Decimal(0), ts },
    order,
    { symbol: instrument.symbol, quantity, avgCost: price, realizedPnl: new Decimal(0), updatedAt: ts },
    { fillId: `${id}-f1`, clientOrderId: id, strategyId: 'operator-book', symbol: instrument.symbol, side: 'BUY', quantity, price, fees: new Decimal(0), grossAmount: price.times(quantity).times(multiplier), executedAt: ts },
  );
}

describe('VaR in the daemon (a real process)', () => {
  it('answers /healthz while a large Monte Carlo run is under way, before the run answers', { timeout: 300_000 }, async () => {
    const dir = await tempDir('wsb-var-responsive-');
    const { from, last, lastClose } = await replayWindow();
    const bookedAt = Date.parse(`${addDays(from, -7)}T15:00:00Z`);
    const db = await openDatabase({ dataDir: dir, migrate: true });
    try {
      await bookBuy(db.store, 'book-aapl', equity('AAPL'), 100, new Decimal(lastClose), bookedAt);
      const call = optionContract({ underlying: 'AAPL', expiry: addDays(last, 60), right: 'C', strike: Math.round(lastClose * 1.05) });
      await bookBuy(db.store, 'book-aapl-call', call, 2, new Decimal(5), bookedAt);
    } finally {
      await db.close();
    }

    const d = new Daemon(
      await freePort(),
      cleanEnv({ WSB_DATA_DIR: dir, WSB_API_TOKEN: TOKEN, WSB_VAR_PATHS: String(PATHS), WSB_REPLAY_FROM: from, WSB_SHUTDOWN_TIMEOUT_MS: '120000' }),
    );
    try {
      await d.ready();
      await d.until('the replay to finish', () => Promise.resolve(d.logLines().some((l) => l.msg === 'replay complete; daemon idle') ? true : undefined));
      const auth = { authorization: `Bearer ${TOKEN}` };
      const positions = (await (await fetch(d.url('/api/v1/positions'), { headers: auth })).json()) as { positions: Array<{ symbol: string }> };
      expect(positions.positions.map((p) => p.symbol)).toEqual(expect.arrayContaining(['AAPL']));

      // Joins (and so waits out) any scheduled run still in flight: the next run is ours alone.
      const warm = await fetch(d.url('/api/v1/var/run'), { method: 'POST', headers: auth });
      expect(warm.status, await warm.clone().text()).toBe(200);
      const report = (await (await fetch(d.url('/api/v1/var'), { headers: auth })).json()) as { results: Array<{ method: string; var: string }> };
      expect(report.results.some((r) => r.method === 'montecarlo' && Number(r.var) > 0), JSON.stringify(report)).toBe(true);

      const completed: string[] = [];
      let runSettled = false;
      const run = fetch(d.url('/api/v1/var/run'), { method: 'POST', headers: auth }).finally(() => {
        completed.push('run');
        runSettled = true;
      });
      const health: number[] = [];
      while (!runSettled) {
        const r = await fetch(d.url('/healthz'));
        health.push(r.status);
        await r.text();
        if (!runSettled) completed.push('healthz');
      }
      const answer = await run;
      expect(answer.status, await answer.clone().text()).toBe(200);
      expect(await answer.json()).toMatchObject({ ok: true, result: { results: expect.any(Number) as number } });
      expect(health.every((s) => s === 200)).toBe(true);
      // Health checks, each sent once the one before it was answered, kept being answered while the
      // run was in flight. A run on the event loop holds every request until its simulation ends; only
      // the command's own tail (the audit write) lets one or two through before its answer (seen when
      // the runner was switched to the main thread to check this test), against hundreds with the pool.
      expect(completed.indexOf('run'), completed.join(' ')).toBeGreaterThanOrEqual(MIN_HEALTH_ANSWERS_DURING_RUN);
    } finally {
      const exit = await d.stop();
      expect(exit, d.stderr.slice(-3000)).toEqual({ code: 0, signal: null });
    }
  });
});
