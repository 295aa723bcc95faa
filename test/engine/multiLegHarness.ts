import { pino } from 'pino';
import { PaperBroker } from '../../actors/brokers/paperBroker.js';
import type { PaperBrokerConfigInput } from '../../actors/brokers/paperBrokerConfig.js';
import { PersistenceWriter } from '../../actors/persistenceWriter.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { equity, type Instrument } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { OrderIntent, Position, Side } from '../../engine/domain/orders.js';
import type { BrokerEvent } from '../../engine/domain/ports.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import { Portfolio } from '../../engine/portfolio.js';
import { TradingNode } from '../../engine/tradingNode.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';
import type { BusMessages, BusTopic } from '../../engine/bus.js';
import { tentModel } from '../actors/optionVenueHarness.js';

export { DAY, EXPIRY, EXPIRY_CLOSE, T0, contract, dec, leg, tentModel } from '../actors/optionVenueHarness.js';

const silent = pino({ enabled: false });
export const INITIAL_CASH = '1000000';

export interface NodeHarness {
  clock: SimulatedClock;
  store: InMemoryStore;
  venue: PaperBroker;
  portfolio: Portfolio;
  node: TradingNode;
  /** Broker events, in order, seen after the node booked each. */
  events: BrokerEvent[];
  /** Messages of the topics asked for in `listen`. */
  heard: Array<{ topic: BusTopic; message: unknown }>;
  step(symbol: string, ts: number, open: number, close?: number): Promise<void>;
}

/**
 * A trading node without strategies on a paper venue priced by tentModel: the
 * tests place orders straight through its OMS (node.oms.place), as a strategy's
 * approved intent would arrive.
 */
export function nodeHarness(args: {
  config?: PaperBrokerConfigInput;
  store?: InMemoryStore;
  initialCash?: string;
  initialPositions?: readonly Position[];
  portfolio?: Portfolio;
  start?: number;
  listen?: readonly BusTopic[];
} = {}): NodeHarness {
  const clock = new SimulatedClock(args.start ?? Date.UTC(2024, 0, 2, 21, 0));
  const store = args.store ?? new InMemoryStore();
  const portfolio = args.portfolio ?? new Portfolio(new Decimal(args.initialCash ?? INITIAL_CASH));
  const venue = new PaperBroker({
    clock,
    config: { slippageBps: 0, initialCash: portfolio.cash, ...args.config },
    optionPrice: tentModel,
    initialPositions: args.initialPositions ?? portfolio.allPositions(),
  });
  const node = new TradingNode({ clock, logger: silent, venue, writer: new PersistenceWriter(store, silent), marks: new OptionMarkModel(), strategies: [], portfolio, idNamespace: 'test' });
  const events: BrokerEvent[] = [];
  venue.onEvent((e) => events.push(e));
  const heard: NodeHarness['heard'] = [];
  for (const topic of args.listen ?? []) node.bus.subscribe(topic, (message: BusMessages[typeof topic]) => heard.push({ topic, message }));
  const step = async (symbol: string, ts: number, open: number, close = open): Promise<void> => {
    clock.set(Math.max(clock.now(), ts));
    const bar: Bar = { symbol, timeframe: '1d', ts, open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 10_000_000 };
    await node.onBar(bar);
    await node.idle();
  };
  return { clock, store, venue, portfolio, node, events, heard, step };
}

let seq = 0;
/** A single-instrument intent, as a strategy would send it. */
export function single(strategyId: string, instrument: Instrument, side: Side, quantity: number, limit: string | null = null): OrderIntent {
  return { strategyId, instrument, side, quantity, type: limit === null ? 'market' : 'limit', limitPrice: limit === null ? null : new Decimal(limit), reason: 'test', signalId: null };
}

export const nextSignal = (tag: string) => `${tag}-${++seq}`;
export const stock = (symbol = 'AAPL') => equity(symbol);
