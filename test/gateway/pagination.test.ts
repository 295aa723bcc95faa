import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCursor, encodeCursor } from '../../engine/gateway/routes/orders.js';
import { T0, makeOrder } from '../persistence/fixtures.js';
import { json, startApi } from './harness.js';

interface Page {
  orders: Array<{ clientOrderId: string }>;
  count: number;
  nextCursor: string | null;
}

describe('order pagination over HTTP', () => {
  it('pages through every order exactly once, ending with a null cursor (property)', async () => {
    const api = await startApi();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ id: fc.string({ unit: fc.constantFrom(...'aAbZ0_-.'.split('')), minLength: 1, maxLength: 3 }), dt: fc.integer({ min: 0, max: 2 }), filled: fc.boolean() }), {
          selector: (r) => r.id,
          maxLength: 15,
        }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (rows, limit, onlyFilled) => {
          // Each run has its own strategy, so the runs sharing one store never mix.
          const strategy = `run-${run++}`;
          for (const r of rows) {
            await api.store.insertOrder(makeOrder({ clientOrderId: `${strategy}.${r.id}`, strategyId: strategy, createdAt: T0 + r.dt, status: r.filled ? 'filled' : 'submitted' }));
          }
          const filter = `strategy=${strategy}${onlyFilled ? '&status=filled' : ''}`;
          const expected = (await api.store.listOrders({ strategyId: strategy, ...(onlyFilled ? { status: ['filled' as const] } : {}) })).map((o) => o.clientOrderId);
          const seen: string[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const res = await api.get(`/api/v1/orders?${filter}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
            expect(res.statusCode).toBe(200);
            const page = json<Page>(res);
            expect(page.count).toBe(page.orders.length);
            expect(page.count).toBeLessThanOrEqual(limit);
            seen.push(...page.orders.map((o) => o.clientOrderId));
            cursor = page.nextCursor;
            pages++;
            // A page that announces a next one is full; the last page says null, never a cursor to an empty page.
            if (cursor !== null) expect(page.count).toBe(limit);
          } while (cursor !== null && pages <= rows.length + 1);
          expect(seen).toEqual(expected);
          expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps a page boundary stable while new orders arrive, and round-trips the cursor', async () => {
    const api = await startApi();
    for (const id of ['a', 'b', 'c']) await api.store.insertOrder(makeOrder({ clientOrderId: id, createdAt: T0 }));
    const first = json<Page>(await api.get('/api/v1/orders?limit=2'));
    expect(first.orders.map((o) => o.clientOrderId)).toEqual(['a', 'b']);
    // An order created after the first page was read sorts after it: the next page shows it, nothing repeats.
    await api.store.insertOrder(makeOrder({ clientOrderId: 'd', createdAt: T0 + 1 }));
    const second = json<Page>(await api.get(`/api/v1/orders?limit=2&cursor=${first.nextCursor ?? ''}`));
    expect(second.orders.map((o) => o.clientOrderId)).toEqual(['c', 'd']);
    expect(second.nextCursor).toBeNull();

    expect(decodeCursor(encodeCursor({ createdAt: T0, clientOrderId: 'wsb-1 x' }))).toEqual({ createdAt: T0, clientOrderId: 'wsb-1 x' });
    for (const bad of ['', '!!', Buffer.from('[1]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1.5,"x"]').toString('base64url')]) {
      expect(() => decodeCursor(bad), bad).toThrow(expect.objectContaining({ field: 'cursor' }) as Error);
    }
  });
});
