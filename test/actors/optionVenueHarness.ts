import { pino } from 'pino';
import { PaperBroker, type OptionPriceFn } from '../../actors/brokers/paperBroker.js';
import type { PaperBrokerConfigInput } from '../../actors/brokers/paperBrokerConfig.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { optionContract, type OptionRight } from '../../engine/domain/instrument.js';
import type { Bar } from '../../engine/domain/market.js';
import { Decimal } from '../../engine/domain/money.js';
import type { Fill, Order, OrderLeg, Position, Side } from '../../engine/domain/orders.js';
import type { BrokerEvent } from '../../engine/domain/ports.js';

export const DAY = 86_400_000;
/** 2024-01-02 16:00 New York (EST): a daily close. */
export const T0 = Date.UTC(2024, 0, 2, 21, 0);
export const EXPIRY = '2024-02-16';
/** 16:00 New York on EXPIRY. */
export const EXPIRY_CLOSE = Date.UTC(2024, 1, 16, 21, 0);

export const dec = (s: string | number) => new Decimal(s);

export const contract = (right: OptionRight, strike: number, expiry = EXPIRY, underlying = 'AAPL') => optionContract({ underlying, expiry, right, strike });
export const leg = (side: Side, right: OptionRight, strike: number, expiry = EXPIRY): OrderLeg => ({ instrument: contract(right, strike, expiry), side, ratio: 1 });

/**
 * Intrinsic plus a time value that falls 0.10 per dollar away from the strike, from 3.00 at the money:
 * simple, on the cent grid for whole-dollar prices, and it gives OTM spreads a real net.
 */
export const tentModel: OptionPriceFn = (c, s) => {
  const k = c.strike.toNumber();
  const intrinsic = c.right === 'C' ? Math.max(s - k, 0) : Math.max(k - s, 0);
  return Math.round((intrinsic + Math.max(0, 3 - 0.1 * Math.abs(s - k))) * 100) / 100;
};

export interface VenueHarness {
  clock: SimulatedClock;
  broker: PaperBroker;
  events: BrokerEvent[];
  warnings: string[];
}

export function venue(config: PaperBrokerConfigInput = {}, model: OptionPriceFn = tentModel, initialPositions: readonly Position[] = []): VenueHarness {
  const clock = new SimulatedClock(T0);
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
  const broker = new PaperBroker({ clock, config: { slippageBps: 0, ...config }, optionPrice: model, logger, initialPositions });
  const events: BrokerEvent[] = [];
  broker.onEvent((e) => events.push(e));
  return { clock, broker, events, warnings };
}

export function bar(symbol: string, ts: number, open: number, high = open, low = open, close = open): Bar {
  return { symbol, timeframe: '1d', ts, open, high, low, close, volume: 1_000_000 };
}

let seq = 0;
/** A multi-leg order as the OMS builds it: symbol the underlying, instrument the first leg. */
export function spreadOrder(h: VenueHarness, legs: readonly OrderLeg[], fields: Partial<Order> = {}): Order {
  const first = legs[0]!;
  const limit = fields.limitPrice === undefined ? dec('5') : fields.limitPrice;
  return {
    clientOrderId: `sp-${++seq}`,
    strategyId: 'test',
    symbol: first.instrument.underlying,
    instrument: first.instrument,
    side: limit === null || limit.gt(0) ? 'buy' : 'sell',
    quantity: 1,
    type: limit === null ? 'market' : 'limit',
    limitPrice: limit,
    status: 'pending_submit',
    filledQuantity: 0,
    avgFillPrice: null,
    brokerOrderId: null,
    reason: 'test',
    rejectReason: null,
    signalId: null,
    createdAt: h.clock.now(),
    updatedAt: h.clock.now(),
    legs,
    ...fields,
  };
}

export const fillsOf = (h: VenueHarness): Fill[] =>
  h.events.flatMap((e) => (e.type === 'fill' ? [e.fill] : e.type === 'fillGroup' ? [...e.fills] : []));

export const groupsOf = (h: VenueHarness) => h.events.flatMap((e) => (e.type === 'fillGroup' ? [e] : []));
