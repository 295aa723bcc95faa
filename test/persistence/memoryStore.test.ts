import { describe, expect, it } from 'vitest';
import { PersistenceError } from '../../engine/domain/errors.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import { registerStoreContract } from './storeContract.js';
import { makeOrder, makeSignal } from './fixtures.js';

registerStoreContract('InMemoryStore', () => ({
  fresh: () => Promise.resolve(new InMemoryStore()),
  storeFor: (account) => new InMemoryStore(account),
}));

describe('InMemoryStore', () => {
  it('keeps its own copies of what it is given', async () => {
    const store = new InMemoryStore();
    const order = { ...makeOrder({ clientOrderId: 'mine' }) };
    const expected = structuredClone({ status: order.status, symbol: order.instrument.symbol });
    await store.insertOrder(order);
    (order as { status: string }).status = 'filled';
    (order.instrument as { symbol: string }).symbol = 'ZZZ';
    const got = await store.getOrder('mine');
    expect({ status: got?.status, symbol: got?.instrument.symbol }).toEqual(expected);

    const features: Record<string, number> = { rsi: 30 };
    await store.recordSignal(makeSignal({ signalId: 's', features }));
    features.rsi = 99;
    const [listed] = await store.listSignals();
    (listed?.features as Record<string, number>).rsi = 1;
    expect((await store.listSignals())[0]?.features).toEqual({ rsi: 30 });
  });

  it('is the main account unless told otherwise, and checks the name it is given', () => {
    expect(new InMemoryStore().account).toBe('main');
    expect(new InMemoryStore('backtest:42').account).toBe('backtest:42');
    expect(() => new InMemoryStore('no spaces')).toThrow(expect.objectContaining({ field: 'account' }) as Error);
  });

  it('refuses every call once closed', async () => {
    const store = new InMemoryStore();
    await store.close();
    await expect(store.getOrder('x')).rejects.toBeInstanceOf(PersistenceError);
    await expect(store.insertOrder(makeOrder({ clientOrderId: 'x' }))).rejects.toBeInstanceOf(PersistenceError);
  });
});
