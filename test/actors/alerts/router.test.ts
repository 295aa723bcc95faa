import { describe, expect, it } from 'vitest';
import type { AlertBatch } from '../../../actors/alerts/batch.js';
import type { AlertChannel } from '../../../actors/alerts/channels/channel.js';
import { DailyPnlTracker, type DailyPnl } from '../../../actors/alerts/dailyPnl.js';
import { AlertRouter, type AlertRouterOptions } from '../../../actors/alerts/router.js';
import { parseRoutes } from '../../../actors/alerts/routes.js';
import { MessageBus } from '../../../engine/bus.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import { equity } from '../../../engine/domain/instrument.js';
import { Decimal } from '../../../engine/domain/money.js';
import type { Fill, Order } from '../../../engine/domain/orders.js';
import { alert, captureLogs, drive } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

class RecordingChannel implements AlertChannel {
  readonly batches: AlertBatch[] = [];
  constructor(readonly name: string) {}
  send(batch: AlertBatch): Promise<void> {
    this.batches.push(batch);
    return Promise.resolve();
  }
  get entries() {
    return this.batches.flatMap((b) => b.entries);
  }
}

function setup(channels: AlertChannel[], over: Partial<AlertRouterOptions> = {}) {
  const bus = new MessageBus();
  const clock = new SimulatedClock(T0);
  const logs = captureLogs();
  const router = new AlertRouter({
    bus, channels, clock, logger: logs.logger, dedupWindowMs: 60_000, queueSize: 100,
    rate: { perMinute: 600, burst: 50 }, retry: { retries: 1, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 }, random: () => 0.5,
    ...over,
  });
  return { bus, clock, logs, router };
}

function order(status: Order['status'], id = 'ord-1'): Order {
  return {
    clientOrderId: id, strategyId: 'wsb-dip-bot', symbol: 'AAPL', instrument: equity('AAPL'), side: 'buy', quantity: 10, type: 'market', limitPrice: null,
    status, filledQuantity: 0, avgFillPrice: null, brokerOrderId: null, reason: 'dip', rejectReason: status === 'rejected' ? 'insufficient buying power' : null,
    signalId: null, createdAt: T0, updatedAt: T0,
  };
}

describe('AlertRouter: events become alerts', () => {
  it('sends one trip alert when the engine announces a trip twice in a tick (state + alert.raised)', async () => {
    const ch = new RecordingChannel('discord');
    const { bus, clock, router } = setup([ch]);
    bus.publish('breaker.state', { scope: 'global', state: 'open', reason: 'daily_loss' });
    bus.publish('alert.raised', alert('CIRCUIT_BREAKER_TRIPPED', 'critical', 'global', 'global circuit breaker tripped (daily_loss): -6.1%'));
    await drive(clock, router);
    expect(ch.entries.map((e) => [e.type, e.first.message])).toEqual([['CIRCUIT_BREAKER_TRIPPED', 'global circuit breaker tripped (daily_loss): -6.1%']]);
  });

  it('raises the trip from breaker.state alone, and the reset on close', async () => {
    const ch = new RecordingChannel('discord');
    const { bus, clock, router } = setup([ch]);
    bus.publish('breaker.state', { scope: 'wsb-dip-bot', state: 'open', reason: 'consecutive_errors' });
    await Promise.resolve();
    bus.publish('breaker.state', { scope: 'wsb-dip-bot', state: 'halfOpen', reason: null });
    bus.publish('breaker.state', { scope: 'wsb-dip-bot', state: 'closed', reason: null });
    await drive(clock, router);
    expect(ch.entries.map((e) => [e.type, e.severity, e.scope])).toEqual([
      ['CIRCUIT_BREAKER_TRIPPED', 'critical', 'wsb-dip-bot'],
      ['CIRCUIT_BREAKER_RESET', 'warning', 'wsb-dip-bot'],
    ]);
    expect(ch.entries[0]!.first.message).toContain('consecutive_errors');
    // Half-open is info: logged, not sent.
    expect(router.stats().logOnly).toBe(1);
  });

  it('alerts a rejected order once, ignores other statuses, and logs fills (info) without sending them', async () => {
    const ch = new RecordingChannel('slack');
    const { bus, clock, router, logs } = setup([ch]);
    bus.publish('order.updated', order('submitted'));
    bus.publish('order.updated', order('rejected'));
    bus.publish('order.updated', order('rejected'));
    const fill: Fill = { fillId: 'f1', clientOrderId: 'ord-2', symbol: 'AAPL', side: 'buy', quantity: 10, price: new Decimal('187.23'), commission: new Decimal(0), ts: T0 };
    bus.publish('fill.booked', { fill, order: order('filled', 'ord-2'), position: { symbol: 'AAPL', quantity: 10, avgCost: new Decimal('187.23'), realizedPnl: new Decimal(0), updatedAt: T0 } });
    await drive(clock, router);
    expect(ch.entries.map((e) => e.type)).toEqual(['ORDER_REJECTED']);
    expect(ch.entries[0]!.first.message).toBe('buy 10 AAPL rejected: insufficient buying power (order ord-1)');
    expect(logs.text()).toContain('alert (log only): BUY 10 AAPL @ 187.23 (wsb-dip-bot, order ord-2)');
  });

  it('sends fills where a route asks for info', async () => {
    const ch = new RecordingChannel('telegram');
    const { bus, clock, router } = setup([ch], { routes: { telegram: { minSeverity: 'info', alwaysTypes: [] } } });
    const fill: Fill = { fillId: 'f1', clientOrderId: 'ord-2', symbol: 'AAPL', side: 'sell', quantity: 5, price: new Decimal('190.5'), commission: new Decimal('0.65'), ts: T0 };
    bus.publish('fill.booked', { fill, order: order('filled', 'ord-2'), position: { symbol: 'AAPL', quantity: 5, avgCost: new Decimal('187.23'), realizedPnl: new Decimal('15.7'), updatedAt: T0 } });
    await drive(clock, router);
    expect(ch.entries.map((e) => [e.type, e.severity, e.first.message])).toEqual([['FILL', 'info', 'SELL 5 AAPL @ 190.5 (wsb-dip-bot, order ord-2)']]);
  });

  it('covers signal degradation, daily P&L, actor failure, reconciliation and stale data', async () => {
    const ch = new RecordingChannel('discord');
    const { bus, clock, router } = setup([ch]);
    bus.publish('alert.raised', alert('SIGNAL_VALIDATION_DEGRADATION', 'warning', 'wsb-dip-bot', 'wsb-dip-bot: signal validation degraded'));
    router.dailySummary({ date: '2026-01-05', startEquity: new Decimal('100000'), endEquity: new Decimal('101234.5'), realized: new Decimal('800'), unrealized: new Decimal('434.5') });
    router.actorFailed('persistence', new Error('connect to postgres://wsb:db-SeCrEt-pw@db:5432/wsb refused'), 5);
    router.reconciliationDifference({ kind: 'unknown_broker_order', scope: 'AAPL', message: 'broker order b-77 has no client_order_id known here' });
    router.feedStale({ feed: 'alpaca', staleForMs: 180_000, lastTs: T0 - 180_000 });
    await drive(clock, router);
    const byType = new Map(ch.entries.map((e) => [e.type, e]));
    expect([...byType.keys()]).toEqual(['SIGNAL_VALIDATION_DEGRADATION', 'DAILY_PNL_SUMMARY', 'ACTOR_FAILED', 'RECONCILIATION_DIFFERENCE', 'DATA_FEED_STALE']);
    expect(byType.get('DAILY_PNL_SUMMARY')!.first.message).toBe('2026-01-05 P&L +1234.50 (+1.23%): equity 101234.50 (start 100000.00), realized +800.00, unrealized +434.50');
    expect(byType.get('ACTOR_FAILED')!.severity).toBe('critical');
    expect(byType.get('ACTOR_FAILED')!.first.message).toBe('actor persistence failed past its restart budget (5 restarts): connect to postgres://wsb:[redacted]@db:5432/wsb refused');
    expect(byType.get('RECONCILIATION_DIFFERENCE')!.scope).toBe('AAPL');
    expect(byType.get('DATA_FEED_STALE')!.first.message).toContain('nothing for 180 s');
  });
});

describe('AlertRouter: routing from configuration', () => {
  it('sends each alert only where its route accepts it', async () => {
    const email = new RecordingChannel('email');
    const slack = new RecordingChannel('slack');
    const routes = parseRoutes('{"email":{"minSeverity":"critical"},"slack":{"minSeverity":"info","types":["FILL","ORDER_REJECTED"]}}');
    const { bus, clock, router } = setup([email, slack], { routes });
    bus.publish('alert.raised', alert('CIRCUIT_BREAKER_TRIPPED', 'critical', 'global'));
    bus.publish('alert.raised', alert('ORDER_REJECTED', 'warning', 'x'));
    bus.publish('alert.raised', alert('FILL', 'info', 'x'));
    bus.publish('alert.raised', alert('DATA_FEED_STALE', 'warning', 'alpaca'));
    await drive(clock, router);
    expect(email.entries.map((e) => e.type)).toEqual(['CIRCUIT_BREAKER_TRIPPED']);
    expect(slack.entries.map((e) => e.type)).toEqual(['ORDER_REJECTED', 'FILL']);
  });
});

describe('AlertRouter: deduplication', () => {
  it('lets a more severe repeat through at once', async () => {
    const ch = new RecordingChannel('discord');
    const { bus, clock, router } = setup([ch]);
    bus.publish('alert.raised', alert('DATA_FEED_STALE', 'warning', 'alpaca'));
    bus.publish('alert.raised', alert('DATA_FEED_STALE', 'warning', 'alpaca'));
    bus.publish('alert.raised', alert('DATA_FEED_STALE', 'critical', 'alpaca'));
    await drive(clock, router);
    expect(ch.entries.map((e) => [e.severity, e.count])).toEqual([['warning', 1], ['critical', 1]]);
    clock.advance(60_000);
    await drive(clock, router);
    expect(ch.entries.at(-1)).toMatchObject({ type: 'DATA_FEED_STALE', count: 1, repeat: true });
  });

  it('emits the open windows as summaries on close, within the grace period', async () => {
    const ch = new RecordingChannel('discord');
    const { bus, router } = setup([ch]);
    for (let i = 0; i < 4; i++) bus.publish('alert.raised', alert('ORDER_REJECTED', 'warning', 'wsb-dip-bot'));
    await router.close(1000);
    expect(ch.entries.map((e) => [e.type, e.count, e.repeat === true])).toEqual([['ORDER_REJECTED', 1, false], ['ORDER_REJECTED', 3, true]]);
    bus.publish('alert.raised', alert('ORDER_REJECTED', 'critical', 'late'));
    expect(router.stats().raised).toBe(4);
  });
});

describe('DailyPnlTracker', () => {
  it('reports a New York day when the first snapshot of the next day arrives', () => {
    const reports: DailyPnl[] = [];
    const t = new DailyPnlTracker((d) => reports.push(d));
    const snap = (iso: string, equityValue: string, realized: string) => ({ ts: Date.parse(iso), equity: new Decimal(equityValue), cash: new Decimal(0), realized: new Decimal(realized), unrealized: new Decimal(5) });
    t.observe(snap('2026-01-05T14:30:00Z', '100000', '0'));
    t.observe(snap('2026-01-05T21:00:00Z', '100500', '300'));
    // 04:00 UTC on the 6th is still the 5th in New York.
    t.observe(snap('2026-01-06T04:00:00Z', '100600', '300'));
    expect(reports).toHaveLength(0);
    t.observe(snap('2026-01-06T14:30:00Z', '100700', '350'));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.date).toBe('2026-01-05');
    expect(reports[0]!.startEquity.toString()).toBe('100000');
    expect(reports[0]!.endEquity.toString()).toBe('100600');
    expect(reports[0]!.realized!.toString()).toBe('300');
  });
});
