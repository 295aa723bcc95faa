import { pino } from 'pino';
import type { Logger } from 'pino';
import { Decimal, ZERO, moneyFromNumber, roundMoney } from '../../engine/domain/money.js';
import { InputError, errorMessage } from '../../engine/domain/errors.js';
import { TICKER_PATTERN, isOccSymbol, multiplierOf, parseOccSymbol, underlyingOf } from '../../engine/domain/instrument.js';
import type { Instrument, OptionContract } from '../../engine/domain/instrument.js';
import { TIMEFRAME_MS, assertValidBar } from '../../engine/domain/market.js';
import type { Bar } from '../../engine/domain/market.js';
import type { Fill, Order, OrderStatus, Position } from '../../engine/domain/orders.js';
import { applyFill } from '../../engine/domain/position.js';
import type { BrokerAccount, BrokerEvent, BrokerOrderState, SimulatedVenue } from '../../engine/domain/ports.js';
import type { Clock } from '../../engine/domain/clock.js';
import { createRng } from '../../engine/domain/random.js';
import { parsePaperBrokerConfig } from './paperBrokerConfig.js';
import type { PaperBrokerConfig, PaperBrokerConfigInput } from './paperBrokerConfig.js';

/** Model price of one option (per underlying share) given the underlying price; a statistic, so a number. */
export type OptionPriceFn = (contract: OptionContract, underlyingPrice: number, ts: number) => number;

export interface PaperBrokerOptions {
  readonly clock: Clock;
  readonly config?: PaperBrokerConfigInput;
  readonly optionPrice: OptionPriceFn;
  readonly logger?: Logger;
  /**
   * Positions the account already holds (after a restart the engine hands back
   * what its store booked), so closing them is not mistaken for shorting.
   */
  readonly initialPositions?: readonly Position[];
}

/** Reason codes of a paper rejection; the reason text is `<code>: <field> <detail>`. */
export type PaperRejectCode =
  | 'invalid_quantity'
  | 'invalid_side'
  | 'invalid_type'
  | 'invalid_limit_price'
  | 'unknown_instrument'
  | 'no_reference_price'
  | 'short_not_allowed'
  | 'insufficient_buying_power';

interface OrderRecord {
  readonly order: Order;
  readonly brokerOrderId: string;
  status: OrderStatus;
  filled: number;
  /** Σ price × quantity of the fills so far (per share, before the multiplier), for the average price. */
  notional: Decimal;
  commissionCharged: Decimal;
  fillSeq: number;
  /** The earliest bar start this order may fill in: it cannot trade before the venue received it. */
  readonly eligibleFrom: number;
  /** Per-unit cash a working buy holds back from later buying-power checks (estimated at submit). */
  readonly reservePerUnit: Decimal;
}

interface Holding {
  readonly instrument: Instrument;
  position: Position;
}

/**
 * A simulated venue that fills working orders against the bars it is shown.
 *
 * Fills happen at the NEXT bar's open (never in the bar that produced the signal),
 * with adverse slippage, a per-bar participation cap (so large orders fill in
 * parts), and commissions. Each fill is reported once, incrementally, with a
 * deterministic fillId, and can never take an order past its quantity.
 *
 * State is in memory only, by design: after a restart the engine reconciles its
 * persisted orders against the broker and resubmits every working order the
 * venue does not know with the same client_order_id, which submit() treats
 * idempotently, so no order is sent twice and none is lost.
 */
export class PaperBroker implements SimulatedVenue {
  readonly name = 'paper';
  readonly config: PaperBrokerConfig;
  private readonly clock: Clock;
  private readonly optionPrice: OptionPriceFn;
  private readonly log: Logger;
  private readonly orders = new Map<string, OrderRecord>();
  /** Working orders, in submission order (Map keeps insertion order), so fills are emitted in that order. */
  private readonly book = new Map<string, OrderRecord>();
  private readonly holdings = new Map<string, Holding>();
  /** Last close seen per underlying, for marking and for market-order buying-power estimates. */
  private readonly lastPrice = new Map<string, number>();
  private readonly listeners = new Set<(event: BrokerEvent) => void>();
  private cash: Decimal;
  private nextBrokerId = 1;
  /** 1 ± slippage: buys pay up, sells receive less. */
  private readonly buyFactor: Decimal;
  private readonly sellFactor: Decimal;
  private readonly participation: Decimal;

  constructor(options: PaperBrokerOptions) {
    this.config = parsePaperBrokerConfig(options.config);
    this.clock = options.clock;
    this.optionPrice = options.optionPrice;
    this.log = options.logger ?? pino({ enabled: false });
    this.cash = this.config.initialCash;
    for (const p of options.initialPositions ?? []) {
      if (p.quantity === 0) continue;
      this.holdings.set(p.symbol, { instrument: isOccSymbol(p.symbol) ? parseOccSymbol(p.symbol) : { kind: 'equity', symbol: p.symbol }, position: p });
    }
    const slippage = new Decimal(String(this.config.slippageBps)).div(10_000);
    this.buyFactor = new Decimal(1).plus(slippage);
    this.sellFactor = new Decimal(1).minus(slippage);
    // Via the shortest decimal string, so 0.29 × 100 is 29 and not 28.999….
    this.participation = new Decimal(String(this.config.participation));
  }

  submit(order: Order): Promise<BrokerOrderState> {
    if (typeof order.clientOrderId !== 'string' || order.clientOrderId === '') {
      // Without a key there is nothing to be idempotent on, so this is a caller bug, not a business rejection.
      throw new InputError('clientOrderId', 'must be a non-empty string');
    }
    const known = this.orders.get(order.clientOrderId);
    if (known) {
      if (!sameOrder(known.order, order)) {
        this.log.warn({ clientOrderId: order.clientOrderId }, 'paper: resubmit with different fields ignored; returning the existing order');
      }
      return Promise.resolve(stateOf(known));
    }

    const now = this.clock.now();
    const brokerOrderId = `paper-${this.nextBrokerId++}`;
    const check = this.check(order);
    const rec: OrderRecord = {
      order,
      brokerOrderId,
      status: check.reason === null ? 'submitted' : 'rejected',
      filled: 0,
      notional: ZERO,
      commissionCharged: ZERO,
      fillSeq: 0,
      eligibleFrom: Math.max(order.createdAt, now),
      reservePerUnit: check.reservePerUnit,
    };
    this.orders.set(order.clientOrderId, rec);
    if (check.reason !== null) {
      this.log.info({ clientOrderId: order.clientOrderId, reason: check.reason }, 'paper: order rejected');
      this.emit({ type: 'rejected', clientOrderId: order.clientOrderId, reason: check.reason, ts: now });
    } else {
      this.book.set(order.clientOrderId, rec);
      this.emit({ type: 'accepted', clientOrderId: order.clientOrderId, brokerOrderId, ts: now });
    }
    return Promise.resolve(stateOf(rec));
  }

  cancel(clientOrderId: string): Promise<void> {
    const rec = this.book.get(clientOrderId);
    if (!rec) {
      const known = this.orders.get(clientOrderId);
      this.log.warn({ clientOrderId, status: known?.status ?? null }, known ? 'paper: cancel of a final order ignored' : 'paper: cancel of an unknown order ignored');
      return Promise.resolve();
    }
    rec.status = 'cancelled';
    this.book.delete(clientOrderId);
    this.emit({ type: 'cancelled', clientOrderId, reason: 'cancel_requested', ts: this.clock.now() });
    return Promise.resolve();
  }

  getOrder(clientOrderId: string): Promise<BrokerOrderState | null> {
    const rec = this.orders.get(clientOrderId);
    return Promise.resolve(rec ? stateOf(rec) : null);
  }

  listOpenOrders(): Promise<BrokerOrderState[]> {
    return Promise.resolve([...this.book.values()].map(stateOf));
  }

  getAccount(): Promise<BrokerAccount> {
    let equity = this.cash;
    for (const h of this.holdings.values()) {
      if (h.position.quantity === 0) continue;
      const mark = this.markOf(h);
      equity = equity.plus(mark.times(h.position.quantity).times(multiplierOf(h.instrument)));
    }
    return Promise.resolve({ cash: this.cash, equity, buyingPower: this.cash });
  }

  /** Open positions (non-zero), for reconciliation. Not part of the Broker port. */
  listPositions(): Promise<Position[]> {
    return Promise.resolve([...this.holdings.values()].map((h) => h.position).filter((p) => p.quantity !== 0));
  }

  onEvent(listener: (event: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  onBar(bar: Bar): void {
    assertValidBar(bar);
    const barStart = bar.ts - TIMEFRAME_MS[bar.timeframe];
    for (const rec of this.book.values()) {
      if (underlyingOf(rec.order.instrument) !== bar.symbol) continue;
      // `<=`: a daily bar opens exactly at the previous close, when an order raised on that close
      // was created; it must fill there (the next bar), never in the bar that produced the signal.
      if (rec.eligibleFrom > barStart) continue;
      this.tryFill(rec, bar, barStart);
    }
    this.lastPrice.set(bar.symbol, bar.close);
  }

  // ---- matching -------------------------------------------------------------

  private tryFill(rec: OrderRecord, bar: Bar, fillTs: number): void {
    const { order } = rec;
    const inst = order.instrument;
    const range = this.priceRange(inst, bar, fillTs);
    if (range === null) return;

    let base: Decimal;
    if (order.type === 'market') {
      base = range.open;
    } else {
      const limit = order.limitPrice as Decimal; // validated at submit
      if (order.side === 'buy') {
        if (range.low.gt(limit)) return;
        base = Decimal.min(range.open, limit);
      } else {
        if (range.high.lt(limit)) return;
        base = Decimal.max(range.open, limit);
      }
    }

    const dp = inst.kind === 'option' ? this.config.priceDecimals.option : this.config.priceDecimals.equity;
    const tick = new Decimal(10).pow(-dp);
    let slipped = base.times(order.side === 'buy' ? this.buyFactor : this.sellFactor);
    if (this.config.slippageJitterBps > 0) {
      // Seeded per order and fill, so the draw does not depend on the order fills are processed in;
      // keyed by the signal where there is one, so runs whose client ids are namespaced apart draw alike.
      const key = `${order.signalId ?? order.clientOrderId}:${rec.fillSeq + 1}`;
      const extraBps = createRng(this.config.seed, key).uniform() * this.config.slippageJitterBps;
      const jitter = new Decimal(extraBps.toFixed(6)).div(10_000);
      slipped = slipped.times(order.side === 'buy' ? new Decimal(1).plus(jitter) : new Decimal(1).minus(jitter));
    }
    let price = Decimal.max(roundMoney(slipped, dp), tick);
    // Slippage never takes a limit order through its limit: a limit is a promise of that price or better.
    if (order.type === 'limit') {
      const limit = order.limitPrice as Decimal;
      price = order.side === 'buy' ? Decimal.min(price, limit) : Decimal.max(price, limit);
    }

    const cap = inst.kind === 'option' ? this.config.maxContractsPerBar : new Decimal(bar.volume).times(this.participation).floor().toNumber();
    let quantity = Math.min(order.quantity - rec.filled, cap);
    if (order.side === 'sell' && !this.config.allowShort) {
      // Submit already reserved the shares; this guards the invariant "never short" regardless.
      quantity = Math.min(quantity, Math.max(0, this.heldQuantity(order.symbol)));
    }
    if (quantity <= 0) return;

    const cumulativeCommission = this.commissionFor(inst, rec.filled + quantity);
    const commission = cumulativeCommission.minus(rec.commissionCharged);
    rec.fillSeq += 1;
    const fill: Fill = {
      fillId: `${order.clientOrderId}-f${rec.fillSeq}`,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      quantity,
      price,
      commission,
      ts: fillTs,
    };

    const multiplier = multiplierOf(inst);
    const gross = price.times(quantity).times(multiplier);
    this.cash = order.side === 'buy' ? this.cash.minus(gross).minus(commission) : this.cash.plus(gross).minus(commission);
    const holding = this.holdings.get(order.symbol);
    const { position } = applyFill(holding?.position, fill, multiplier);
    this.holdings.set(order.symbol, { instrument: inst, position });

    rec.filled += quantity;
    rec.notional = rec.notional.plus(price.times(quantity));
    rec.commissionCharged = cumulativeCommission;
    rec.status = rec.filled === order.quantity ? 'filled' : 'partially_filled';
    if (rec.status === 'filled') this.book.delete(order.clientOrderId);
    this.emit({ type: 'fill', fill });
  }

  /** Open/high/low of what the order trades: the bar itself, or the option valued at the underlying's open, high and low. */
  private priceRange(inst: Instrument, bar: Bar, ts: number): { open: Decimal; high: Decimal; low: Decimal } | null {
    if (inst.kind === 'equity') {
      return { open: moneyFromNumber(bar.open, 'open'), high: moneyFromNumber(bar.high, 'high'), low: moneyFromNumber(bar.low, 'low') };
    }
    const values = [bar.open, bar.high, bar.low].map((s) => this.optionPrice(inst, s, ts));
    const [open, a, b] = values as [number, number, number];
    if (!values.every((v) => Number.isFinite(v) && v >= 0)) {
      this.log.warn({ symbol: inst.symbol, values }, 'paper: option model gave no usable price; order stays working');
      return null;
    }
    return {
      open: moneyFromNumber(open, 'optionPrice'),
      high: moneyFromNumber(Math.max(open, a, b), 'optionPrice'),
      low: moneyFromNumber(Math.min(open, a, b), 'optionPrice'),
    };
  }

  // ---- submit checks --------------------------------------------------------

  private check(order: Order): { reason: string | null; reservePerUnit: Decimal } {
    const reject = (code: PaperRejectCode, detail: string) => ({ reason: `${code}: ${detail}`, reservePerUnit: ZERO });
    const q = order.quantity;
    if (typeof q !== 'number' || !Number.isSafeInteger(q) || q <= 0) return reject('invalid_quantity', `quantity must be a positive integer, got ${String(q)}`);
    if (order.side !== 'buy' && order.side !== 'sell') return reject('invalid_side', `side must be 'buy' or 'sell', got ${JSON.stringify(order.side)}`);
    if (order.type !== 'market' && order.type !== 'limit') return reject('invalid_type', `type must be 'market' or 'limit', got ${JSON.stringify(order.type)}`);
    if (order.type === 'limit') {
      const lp = order.limitPrice;
      if (!(lp instanceof Decimal) || !lp.isFinite() || lp.lte(0)) {
        return reject('invalid_limit_price', `limitPrice must be a positive decimal for a limit order, got ${lp === null ? 'null' : String(lp)}`);
      }
    }
    const instProblem = instrumentProblem(order);
    if (instProblem !== null) return reject('unknown_instrument', instProblem);

    const inst = order.instrument;
    const multiplier = multiplierOf(inst);
    if (order.side === 'sell') {
      if (!this.config.allowShort) {
        const free = this.heldQuantity(order.symbol) - this.workingSellQuantity(order.symbol);
        if (q > free) return reject('short_not_allowed', `quantity ${q} exceeds the ${Math.max(0, free)} ${order.symbol} held and not already being sold`);
      }
      return { reason: null, reservePerUnit: ZERO };
    }

    let unitPrice: Decimal;
    if (order.type === 'limit') {
      unitPrice = order.limitPrice as Decimal;
    } else {
      const ref = this.referencePrice(inst);
      if (ref === null) return reject('no_reference_price', `instrument ${order.symbol}: no bar seen for ${underlyingOf(inst)}, so a market buy cannot be checked against buying power`);
      unitPrice = ref.times(this.buyFactor);
    }
    const reservePerUnit = unitPrice.times(multiplier);
    const cost = reservePerUnit.times(q).plus(this.commissionFor(inst, q));
    const available = this.cash.minus(this.reservedForBuys());
    if (cost.gt(available)) {
      return reject('insufficient_buying_power', `quantity ${q} ${order.symbol} needs about ${roundMoney(cost).toFixed(2)} but ${roundMoney(available).toFixed(2)} is available`);
    }
    return { reason: null, reservePerUnit };
  }

  /** Cash that working buys are expected to spend (their remaining quantity and commission). */
  private reservedForBuys(): Decimal {
    let total = ZERO;
    for (const rec of this.book.values()) {
      if (rec.order.side !== 'buy') continue;
      const remainingCommission = this.commissionFor(rec.order.instrument, rec.order.quantity).minus(rec.commissionCharged);
      total = total.plus(rec.reservePerUnit.times(rec.order.quantity - rec.filled)).plus(Decimal.max(remainingCommission, ZERO));
    }
    return total;
  }

  private workingSellQuantity(symbol: string): number {
    let total = 0;
    for (const rec of this.book.values()) {
      if (rec.order.side === 'sell' && rec.order.symbol === symbol) total += rec.order.quantity - rec.filled;
    }
    return total;
  }

  private heldQuantity(symbol: string): number {
    return this.holdings.get(symbol)?.position.quantity ?? 0;
  }

  /**
   * Total commission of an order once `quantity` of it has filled. Fills are charged the
   * difference, so the equity minimum is paid once per order however many parts it fills in.
   */
  private commissionFor(inst: Instrument, quantity: number): Decimal {
    if (inst.kind === 'option') return roundMoney(this.config.commissionPerContract.times(quantity));
    return roundMoney(Decimal.max(this.config.commissionPerShare.times(quantity), this.config.minCommissionPerOrder));
  }

  /** Last known price per share of an instrument (options via the model at the last underlying close). */
  private referencePrice(inst: Instrument): Decimal | null {
    const underlying = this.lastPrice.get(underlyingOf(inst));
    if (underlying === undefined) return null;
    if (inst.kind === 'equity') return moneyFromNumber(underlying, 'lastPrice');
    const v = this.optionPrice(inst, underlying, this.clock.now());
    return Number.isFinite(v) && v >= 0 ? moneyFromNumber(v, 'optionPrice') : null;
  }

  private markOf(h: Holding): Decimal {
    const ref = this.referencePrice(h.instrument);
    if (ref === null) {
      this.log.warn({ symbol: h.position.symbol }, 'paper: no mark price; valuing the position at its average cost');
      return h.position.avgCost;
    }
    return ref;
  }

  private emit(event: BrokerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        // A failing subscriber must not leave the venue half-updated or starve the other subscribers.
        this.log.error({ err: errorMessage(e), event: event.type }, 'paper: broker event listener threw');
      }
    }
  }
}

function stateOf(rec: OrderRecord): BrokerOrderState {
  return {
    clientOrderId: rec.order.clientOrderId,
    brokerOrderId: rec.brokerOrderId,
    status: rec.status,
    filledQuantity: rec.filled,
    avgFillPrice: rec.filled === 0 ? null : rec.notional.div(rec.filled).toDecimalPlaces(8),
  };
}

function sameOrder(a: Order, b: Order): boolean {
  const limitsEqual = a.limitPrice === null || b.limitPrice === null ? a.limitPrice === b.limitPrice : a.limitPrice.eq(b.limitPrice);
  return a.symbol === b.symbol && a.side === b.side && a.quantity === b.quantity && a.type === b.type && limitsEqual;
}

/** Why the order's instrument is not one this venue can trade, or null. */
function instrumentProblem(order: Order): string | null {
  const inst = order.instrument as Instrument | undefined;
  if (inst === undefined || inst === null) return 'instrument is missing';
  if (inst.symbol !== order.symbol) return `instrument.symbol ${JSON.stringify(inst.symbol)} does not match symbol ${JSON.stringify(order.symbol)}`;
  if (inst.kind === 'equity') {
    return TICKER_PATTERN.test(inst.symbol) ? null : `instrument.symbol ${JSON.stringify(inst.symbol)} is not a ticker`;
  }
  if (inst.kind === 'option') {
    if (!isOccSymbol(inst.symbol)) return `instrument.symbol ${JSON.stringify(inst.symbol)} is not an OCC option symbol`;
    const parsed = parseOccSymbol(inst.symbol);
    return parsed.underlying === inst.underlying ? null : `instrument.underlying ${JSON.stringify(inst.underlying)} does not match the OCC symbol`;
  }
  return `instrument.kind ${JSON.stringify((inst as { kind?: unknown }).kind)} is not equity or option`;
}
