import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { Decimal } from '../../engine/domain/money.js';
import { InputError } from '../../engine/domain/errors.js';
import { optionContract, type OptionRight } from '../../engine/domain/instrument.js';
import type { Fill, OptionExpiryEvent, Order, OrderLeg, Position, Side, TradeTransaction } from '../../engine/domain/orders.js';
import type { ExpiryBooking, LegExecution, TradingStore } from '../../engine/domain/ports.js';
import { applyFill, tradeFromFill } from '../../engine/domain/position.js';
import { MIGRATIONS_DIR } from '../../persistence/database.js';
import { T0, makeOrder } from './fixtures.js';
import type { StoreHarness } from './storeContract.js';
import { snapshot } from './storeContract.js';

const EXP = '2025-01-17';
const leg = (side: Side, right: OptionRight, strike: string | number, expiry = EXP): OrderLeg => ({
  instrument: optionContract({ underlying: 'SPY', expiry, right, strike }),
  side,
  ratio: 1,
});
export const BULL_CALL = [leg('buy', 'C', '590.5'), leg('sell', 'C', 600)];
const IRON_CONDOR = [leg('buy', 'P', 560), leg('sell', 'P', 570), leg('sell', 'C', 610), leg('buy', 'C', 625)];
const CALENDAR = [leg('sell', 'P', 570, '2024-12-20'), leg('buy', 'P', 570)];
const MIGRATIONS = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^Migration.*\.ts$/.test(f) && !f.endsWith('.d.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const LEGS_MIGRATION = MIGRATIONS.find((m) => m.endsWith('_OptionLegsAndExpiries')) ?? '';

/** A multi-leg order as the OMS writes it: symbol the underlying, instrument the first leg. */
export function spreadRow(clientOrderId: string, legs: readonly OrderLeg[], limit: string, overrides: Partial<Order> = {}): Order {
  const first = legs[0]!;
  return makeOrder({
    clientOrderId,
    strategyId: 'debit_spreads',
    symbol: first.instrument.underlying,
    instrument: first.instrument,
    side: new Decimal(limit).gt(0) ? 'buy' : 'sell',
    quantity: 2,
    limitPrice: new Decimal(limit),
    legs,
    ...overrides,
  });
}

/** Every leg of one all-or-none execution of `order`, booked with the domain's own position math. */
export function groupExecution(order: Order, prices: readonly string[], ts: number, before: readonly Position[] = []): { order: Order; executions: LegExecution[] } {
  const groupId = `${order.clientOrderId}-g1`;
  const executions = (order.legs ?? []).map((l, i) => {
    const fill: Fill = {
      fillId: `${groupId}-l${i + 1}`,
      clientOrderId: order.clientOrderId,
      symbol: l.instrument.symbol,
      side: l.side,
      quantity: order.quantity,
      price: new Decimal(prices[i]!),
      commission: new Decimal('1.30'),
      ts,
      groupId,
    };
    const { position } = applyFill(before.find((p) => p.symbol === fill.symbol), fill, 100);
    return { fill, position, trade: tradeFromFill(fill, order.strategyId, 100) };
  });
  const net = (order.legs ?? []).reduce((acc, l, i) => acc.plus(new Decimal(prices[i]!).times(l.side === 'buy' ? 1 : -1)), new Decimal(0));
  const filled: Order = { ...order, status: 'filled', filledQuantity: order.quantity, avgFillPrice: net, brokerOrderId: `b-${order.clientOrderId}`, updatedAt: ts };
  return { order: filled, executions };
}

/** A short put assigned: the put closed at 0 and 100 shares bought at the strike. */
export function assignment(eventId = 'expiry:2025-01-17:SPY'): ExpiryBooking {
  const put = optionContract({ underlying: 'SPY', expiry: EXP, right: 'P', strike: '570.5' });
  const ts = Date.UTC(2025, 0, 17, 21, 0);
  const event: OptionExpiryEvent = {
    eventId,
    underlying: 'SPY',
    expiry: EXP,
    settlementPrice: new Decimal('561.25'),
    ts,
    changes: [{ symbol: put.symbol, quantity: -1, outcome: 'assigned', strike: put.strike, intrinsic: new Decimal('9.25'), shares: 100 }],
  };
  const trade = (fillId: string, symbol: string, side: 'BUY' | 'SELL', quantity: number, price: string, mult: number): TradeTransaction => ({
    fillId,
    clientOrderId: eventId,
    strategyId: 'wheel',
    symbol,
    side,
    quantity,
    price: new Decimal(price),
    fees: new Decimal(0),
    grossAmount: new Decimal(price).times(quantity).times(mult),
    executedAt: ts,
    source: 'expiry',
  });
  return {
    event,
    trades: [trade(`${eventId}:wheel:0`, put.symbol, 'BUY', 1, '0', 100), trade(`${eventId}:wheel:0:shares`, 'SPY', 'BUY', 100, '570.5', 1)],
    positions: [
      { symbol: put.symbol, quantity: 0, avgCost: new Decimal(0), realizedPnl: new Decimal('212'), updatedAt: ts },
      { symbol: 'SPY', quantity: 100, avgCost: new Decimal('570.5'), realizedPnl: new Decimal(0), updatedAt: ts },
    ],
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** Multi-leg orders, fill groups and expiries: what every TradingStore promises about them. */
export function registerOptionsContract(harness: () => StoreHarness, opts: { database?: boolean } = {}): void {
  describe('multi-leg orders', () => {
    it('round-trips a vertical, an iron condor and a calendar with their legs, listed under the underlying', async () => {
      const store = await harness().fresh();
      const orders = [spreadRow('v', BULL_CALL, '4.2'), spreadRow('ic', IRON_CONDOR, '-3.1', { createdAt: T0 + 1 }), spreadRow('cal', CALENDAR, '2', { createdAt: T0 + 2 })];
      for (const o of orders) await store.insertOrder(o);
      for (const o of orders) expect(await store.getOrder(o.clientOrderId)).toEqual(o);
      expect((await store.getOrder('ic'))?.legs?.map((l) => [l.instrument.symbol, l.side, l.ratio, l.instrument.strike.toFixed()])).toEqual(
        IRON_CONDOR.map((l) => [l.instrument.symbol, l.side, 1, l.instrument.strike.toFixed()]),
      );
      expect(await store.listOrders({ symbol: 'SPY' })).toEqual(orders);
      // A single-instrument order has no legs key at all.
      await store.insertOrder(makeOrder({ clientOrderId: 'plain' }));
      expect(Object.keys((await store.getOrder('plain')) ?? {})).not.toContain('legs');
    });

    it('refuses a malformed multi-leg order with an InputError naming the field, storing nothing', async () => {
      const store = await harness().fresh();
      const bad: Array<[Order, string]> = [
        [spreadRow('r2', [BULL_CALL[0]!, { ...BULL_CALL[1]!, ratio: 2 }], '4.2'), 'order.legs[1].ratio'],
        [spreadRow('one', [BULL_CALL[0]!], '4.2'), 'order.legs'],
        [spreadRow('sym', BULL_CALL, '4.2', { symbol: 'QQQ' }), 'order.symbol'],
        [spreadRow('inst', BULL_CALL, '4.2', { instrument: BULL_CALL[1]!.instrument }), 'order.instrument'],
        [spreadRow('sign', BULL_CALL, '4.2', { limitPrice: new Decimal('-4.2'), side: 'buy' }), 'order.limitPrice'],
      ];
      for (const [order, field] of bad) {
        const err = await rejection(store.insertOrder(order));
        expect(err, field).toBeInstanceOf(InputError);
        expect((err as InputError).field, field).toBe(field);
      }
      expect(await store.listOrders()).toEqual([]);
    });

    it('books every leg of a fill group at once, with the order id on each trade, and only once', async () => {
      const store = await harness().fresh();
      const o = spreadRow('grp', BULL_CALL, '4.2');
      await store.insertOrder(o);
      const g = groupExecution(o, ['7.15', '3.05'], T0 + 60_000);
      expect(await store.recordFillGroup(g.order, g.executions)).toBe(true);
      expect(await store.getOrder('grp')).toEqual(g.order);
      expect((await store.getOrder('grp'))?.avgFillPrice?.toFixed()).toBe('4.1');
      expect(await store.listFills('grp')).toEqual(g.executions.map((x) => x.fill));
      expect(await store.listTrades()).toEqual(g.executions.map((x) => x.trade));
      expect((await store.listTrades()).map((t) => [t.clientOrderId, t.symbol, t.side])).toEqual([
        ['grp', BULL_CALL[0]!.instrument.symbol, 'BUY'],
        ['grp', BULL_CALL[1]!.instrument.symbol, 'SELL'],
      ]);
      expect((await store.listPositions()).map((p) => [p.symbol, p.quantity])).toEqual([
        [BULL_CALL[0]!.instrument.symbol, 2],
        [BULL_CALL[1]!.instrument.symbol, -2],
      ]);
      const before = await snapshot(store);
      expect(await store.recordFillGroup(g.order, g.executions)).toBe(false);
      expect(await snapshot(store)).toEqual(before);
    });

    it('refuses a group that is not every leg, or mixes groups, and books nothing of it', async () => {
      const store = await harness().fresh();
      const o = spreadRow('half', BULL_CALL, '4.2');
      await store.insertOrder(o);
      const g = groupExecution(o, ['7.15', '3.05'], T0 + 60_000);
      const before = await snapshot(store);
      expect(await rejection(store.recordFillGroup(g.order, g.executions.slice(0, 1)))).toMatchObject({ field: 'executions' });
      const mixed = [g.executions[0]!, { ...g.executions[1]!, fill: { ...g.executions[1]!.fill, groupId: 'other' } }];
      expect(await rejection(store.recordFillGroup(g.order, mixed))).toMatchObject({ field: 'fill.groupId' });
      const plain = makeOrder({ clientOrderId: 'plain-g' });
      expect(await rejection(store.recordFillGroup(plain, g.executions))).toMatchObject({ field: 'order.legs' });
      expect(await snapshot(store)).toEqual(before);
    });
  });

  describe('option expiries', () => {
    it('books an expiry with its trades and positions, lists it back exactly, and books it only once', async () => {
      const store = await harness().fresh();
      const b = assignment();
      expect(await store.recordExpiry(b)).toBe(true);
      expect(await store.listExpiries()).toEqual([b.event]);
      expect(await store.listTrades()).toEqual(b.trades);
      expect(await store.listTrades('SPY')).toEqual([b.trades[1]]);
      expect(await store.listPositions()).toEqual([...b.positions].sort((x, y) => (x.symbol < y.symbol ? -1 : 1)));
      const before = await snapshot(store);
      expect(await store.recordExpiry(b)).toBe(false);
      expect(await snapshot(store)).toEqual(before);
      expect(await store.listExpiries()).toHaveLength(1);
    });

    it('refuses an inconsistent booking, naming the field, and changes nothing', async () => {
      const store = await harness().fresh();
      const b = assignment();
      const cases: Array<[ExpiryBooking, string]> = [
        [{ ...b, positions: b.positions.slice(0, 1) }, 'positions'],
        [{ ...b, trades: [{ ...b.trades[0]!, clientOrderId: 'other' }, b.trades[1]!] }, 'trades[0].clientOrderId'],
        [{ ...b, trades: [{ ...b.trades[0]!, source: undefined }, b.trades[1]!] }, 'trades[0].source'],
        [{ ...b, event: { ...b.event, changes: [{ ...b.event.changes[0]!, symbol: 'SPY' }] } }, 'event.changes[0].symbol'],
        [{ ...b, event: { ...b.event, changes: [] } }, 'event.changes'],
        [{ ...b, event: { ...b.event, eventId: 'e'.repeat(65) } }, 'event.eventId'],
      ];
      for (const [booking, field] of cases) {
        const err = await rejection(store.recordExpiry(booking));
        expect(err, field).toBeInstanceOf(InputError);
        expect((err as InputError).field, field).toBe(field);
      }
      expect(await store.listExpiries()).toEqual([]);
      expect(await snapshot(store)).toEqual({ orders: [], fills: [], positions: [], trades: [] });
    });

    it('keeps each account\'s expiries apart: the same event id books once per account', async () => {
      const main = await harness().fresh();
      const other = harness().storeFor('backtest:expiry');
      const b = assignment();
      expect(await main.recordExpiry(b)).toBe(true);
      expect(await other.listExpiries()).toEqual([]);
      expect(await other.recordExpiry({ ...b, trades: b.trades.map((t) => ({ ...t, strategyId: 'wheel2' })) })).toBe(true);
      expect(await main.listTrades()).toEqual(b.trades);
      expect((await other.listTrades()).map((t) => t.strategyId)).toEqual(['wheel2', 'wheel2']);
    });
  });

  if (opts.database) registerOptionsDatabaseContract(harness);
}

function registerOptionsDatabaseContract(harness: () => StoreHarness): void {
  describe('multi-leg orders and expiries in the database', () => {
    it('keeps a trade from exactly one source: a fill or an expiry', async () => {
      const store: TradingStore = await harness().fresh();
      await store.recordExpiry(assignment());
      const em = harness().db!.current().orm.em.fork();
      const err = await rejection(
        em.execute(
          "insert into trade_transactions (account, strategy_id, symbol, side, quantity, price, fees, gross_amount, executed_at) values ('main', 's', 'SPY', 'BUY', 1, 1, 0, 1, now())",
        ),
      );
      expect(String((err as Error | undefined)?.message)).toMatch(/trade_transactions_source_check/);
    });

    it(`${LEGS_MIGRATION} refuses to revert while a multi-leg order is stored, then reverts and re-applies`, async () => {
      const store = await harness().fresh();
      const db = harness().db!.current();
      await store.insertOrder(spreadRow('keep-legs', BULL_CALL, '4.2'));
      await store.insertOrder(makeOrder({ clientOrderId: 'plain-keep' }));
      const migrator = db.orm.getMigrator();
      await expect(migrator.down({ to: LEGS_MIGRATION })).rejects.toThrow(/multi-leg orders or option expiries are stored/);
      expect((await migrator.getExecutedMigrations()).map((m) => m.name)).toContain(LEGS_MIGRATION);
      expect(await store.getOrder('keep-legs')).toEqual(spreadRow('keep-legs', BULL_CALL, '4.2'));
      await db.orm.em.fork().execute('delete from orders where legs is not null');
      // `to` is inclusive: this migration and every later one are reverted.
      await migrator.down({ to: LEGS_MIGRATION });
      expect((await migrator.getExecutedMigrations()).map((m) => m.name)).not.toContain(LEGS_MIGRATION);
      expect(await db.migrate()).toEqual(MIGRATIONS.slice(MIGRATIONS.indexOf(LEGS_MIGRATION)));
      expect(await store.getOrder('plain-keep')).toEqual(makeOrder({ clientOrderId: 'plain-keep' }));
      expect((await db.orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
    });
  });
}
