import { pino } from 'pino';
import type { Logger } from 'pino';
import { AlpacaBroker } from '../../../../actors/brokers/alpaca/alpacaBroker.js';
import type { AlpacaBrokerOptions, AlpacaConnection } from '../../../../actors/brokers/alpaca/alpacaBroker.js';
import { equity, isOccSymbol } from '../../../../engine/domain/instrument.js';
import type { Clock } from '../../../../engine/domain/clock.js';
import { applyFill, tradeFromFill } from '../../../../engine/domain/position.js';
import { OrderManager } from '../../../../engine/oms.js';
import { MessageBus } from '../../../../engine/bus.js';
import { PersistenceWriter } from '../../../../actors/persistenceWriter.js';
import { InMemoryStore } from '../../../../persistence/memoryStore.js';
import type { Instrument } from '../../../../engine/domain/instrument.js';
import { Decimal } from '../../../../engine/domain/money.js';
import type { Fill, Order } from '../../../../engine/domain/orders.js';
import type { Broker, BrokerEvent } from '../../../../engine/domain/ports.js';
import { REDACT_PATHS } from '../../../../engine/logger.js';
import { KEY_ID, SECRET } from './loopbackAlpaca.js';
import type { LoopbackAlpaca } from './loopbackAlpaca.js';

export const T0 = Date.UTC(2025, 0, 21, 14, 30);

/** A debug-level pino logger configured like the engine's, writing into `lines`. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

export function settingsFor(fake: LoopbackAlpaca, overrides: Partial<AlpacaConnection> = {}): AlpacaConnection {
  return {
    baseUrl: fake.baseUrl, streamUrl: fake.streamUrl, keyId: KEY_ID, secretKey: SECRET, requestTimeoutMs: 2_000, requestsPerMinute: 200, maxRetries: 3,
    equityTimeInForce: 'day', reconnectMaxDelayMs: 30_000, heartbeatMs: 0, ...overrides,
  };
}

/** A broker on the loopback server whose back-off waits are recorded, not slept. */
export function brokerFor(fake: LoopbackAlpaca, extra: Partial<Omit<AlpacaBrokerOptions, 'settings'>> & { settings?: Partial<AlpacaConnection> } = {}) {
  const delays: number[] = [];
  const events: BrokerEvent[] = [];
  const { settings, ...rest } = extra;
  const broker = new AlpacaBroker({
    settings: settingsFor(fake, settings),
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
    jitterSeed: 7,
    ...rest,
  });
  broker.onEvent((e) => events.push(e));
  return { broker, delays, events };
}

let nextId = 1;

export function engineOrder(overrides: Partial<Order> & { instrument?: Instrument } = {}): Order {
  const instrument = overrides.instrument ?? equity('AAPL');
  return {
    clientOrderId: `wsb-test-${nextId++}`, strategyId: 's1', symbol: instrument.symbol, instrument, side: 'buy', quantity: 10, type: 'market',
    limitPrice: null, status: 'pending_submit', filledQuantity: 0, avgFillPrice: null, brokerOrderId: null, reason: 'test', rejectReason: null,
    signalId: null, createdAt: T0, updatedAt: T0, ...overrides,
  };
}

/** Wait (without timers) until `done` holds: yields to I/O between checks. */
export async function until(done: () => boolean, what = 'condition', limitMs = 10_000): Promise<void> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export const dec = (v: string | number): Decimal => new Decimal(v);

/** An OrderManager on `broker` whose fills are booked into an InMemoryStore, as the trading node books them. */
export function omsOn(broker: Broker, clock: Clock, store = new InMemoryStore()) {
  const silent = pino({ enabled: false });
  const fills: Fill[] = [];
  const terminal: Order[] = [];
  const errors: string[] = [];
  let booking: Promise<unknown> = Promise.resolve();
  const oms = new OrderManager({
    broker, writer: new PersistenceWriter(store, silent), bus: new MessageBus(), clock, logger: silent, idNamespace: 'alpaca-test',
    hooks: {
      onFill: (fill, order) => {
        fills.push(fill);
        booking = booking.then(() => bookFill(store, fill, order));
      },
      onTerminal: (o) => terminal.push(o),
      onError: (source, message) => errors.push(`${source}: ${message}`),
    },
  });
  return { oms, store, fills, terminal, errors, settled: () => booking.then(() => undefined) };
}

export async function bookFill(store: InMemoryStore, fill: Fill, order: Order): Promise<void> {
  const before = (await store.listPositions()).find((p) => p.symbol === fill.symbol);
  const multiplier = isOccSymbol(fill.symbol) ? 100 : 1;
  const { position } = applyFill(before, fill, multiplier);
  await store.recordFill(fill, order, position, tradeFromFill(fill, order.strategyId, multiplier));
}
