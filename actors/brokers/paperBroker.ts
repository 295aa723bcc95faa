import { pino } from 'pino';
import type { Logger } from 'pino';
import { CONTRACT_MULTIPLIER, Decimal, ZERO, moneyFromNumber, roundMoney } from '../../engine/domain/money.js';
import { InputError, errorMessage } from '../../engine/domain/errors.js';
import { instrumentFromSymbol, isOccSymbol, multiplierOf, parseOccSymbol, underlyingOf } from '../../engine/domain/instrument.js';
import type { Instrument, OptionContract } from '../../engine/domain/instrument.js';
import { TIMEFRAME_MS, assertValidBar } from '../../engine/domain/market.js';
import type { Bar } from '../../engine/domain/market.js';
import type { Fill, Order, OrderStatus, Position } from '../../engine/domain/orders.js';
import { applyFill } from '../../engine/domain/position.js';
import { legContracts, netPrice } from '../../engine/domain/optionLegs.js';
import type { BrokerAccount, BrokerEvent, BrokerOrderState, SimulatedVenue } from '../../engine/domain/ports.js';
import type { Clock } from '../../engine/domain/clock.js';
import { createRng } from '../../engine/domain/random.js';
import { parsePaperBrokerConfig } from './paperBrokerConfig.js';
import { adverseOf, checkSpread, commissionOf, spreadFills, type SpreadVenue } from './multiLegOrders.js';
import { matchSpread } from './multiLegPricing.js';
import { optionRequirement, withChanges } from './optionMargin.js';
import { instrumentProblem, sameOrder } from './paperOrders.js';
import { closeOf, settleDueExpiries, type ExpiringVenue } from './optionExpiry.js';
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
  | 'insufficient_buying_power'
  | 'invalid_legs'
  | 'uncovered_short';

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
  /** Per-unit cash a working order holds back from later buying-power checks (estimated at submit). */
  readonly reservePerUnit: Decimal;
  /** A multi-leg order: fills all-or-none through matchSpread. */
  readonly spread: boolean;
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
 * Multi-leg orders fill all-or-none at a net price (multiLegPricing.ts), with
 * buying power per multiLegOrders.ts, and options held are settled at the close
 * of their expiry day (optionExpiry.ts), reported as one 'expiry' event per
 * underlying and date. Cash is held back for short options (optionMargin.ts).
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
  /** See earliestExpiryClose; reset whenever holdings or working orders change. */
  private expiryWatch: number | undefined;

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
      spread: order.legs !== undefined,
    };
    this.orders.set(order.clientOrderId, rec);
    if (check.reason !== null) {
      this.log.info({ clientOrderId: order.clientOrderId, reason: check.reason }, 'paper: order rejected');
      this.emit({ type: 'rejected', clientOrderId: order.clientOrderId, reason: check.reason, ts: now });
    } else {
      this.book.set(order.clientOrderId, rec);
      this.expiryWatch = undefined;
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
    this.expiryWatch = undefined;
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
    return Promise.resolve({ cash: this.cash, equity, buyingPower: this.cash.minus(this.requirement()) });
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
    // Expiries that passed before this bar opened settle at the last price seen before it.
    const before = this.lastPrice.get(bar.symbol);
    if (before !== undefined && this.earliestExpiryClose() <= barStart) settleDueExpiries(this.expiringVenue(), bar.symbol, barStart, before);
    for (const rec of this.book.values()) {
      if (underlyingOf(rec.order.instrument) !== bar.symbol) continue;
      // `<=`: a daily bar opens exactly at the previous close, when an order raised on that close
      // was created; it must fill there (the next bar), never in the bar that produced the signal.
      if (rec.eligibleFrom > barStart) continue;
      if (rec.spread) this.tryFillSpread(rec, bar, barStart);
      else this.tryFill(rec, bar, barStart);
    }
    this.lastPrice.set(bar.symbol, bar.close);
    if (this.earliestExpiryClose() <= bar.ts) settleDueExpiries(this.expiringVenue(), bar.symbol, bar.ts, bar.close);
  }

  // ---- expiry ---------------------------------------------------------------

  /** Earliest expiry close of any option held or in a working order (cached: the bar path asks it every bar). */
  private earliestExpiryClose(): number {
    if (this.expiryWatch !== undefined) return this.expiryWatch;
    let next = Number.POSITIVE_INFINITY;
    for (const h of this.holdings.values()) if (h.position.quantity !== 0 && h.instrument.kind === 'option') next = Math.min(next, closeOf(h.instrument.expiry));
    for (const rec of this.book.values()) {
      for (const c of rec.spread ? legContracts(rec.order) : rec.order.instrument.kind === 'option' ? [rec.order.instrument] : []) next = Math.min(next, closeOf(c.expiry));
    }
    this.expiryWatch = next;
    return next;
  }

  private expiringVenue(): ExpiringVenue {
    return {
      threshold: this.config.exerciseThreshold,
      held: () => this.heldInstruments(),
      working: () =>
        [...this.book.values()].map((rec) => ({
          clientOrderId: rec.order.clientOrderId,
          underlying: underlyingOf(rec.order.instrument),
          contracts: rec.spread ? legContracts(rec.order) : rec.order.instrument.kind === 'option' ? [rec.order.instrument] : [],
        })),
      expireOrder: (clientOrderId, ts) => {
        const rec = this.book.get(clientOrderId);
        if (!rec) return;
        rec.status = 'expired';
        this.book.delete(clientOrderId);
        this.expiryWatch = undefined;
        this.emit({ type: 'expired', clientOrderId, ts });
      },
      bookFill: (fill) => this.bookToAccount(fill, this.holdings.get(fill.symbol)?.instrument ?? instrumentFromSymbol(fill.symbol)),
      report: (event) => {
        this.log.info({ eventId: event.eventId, changes: event.changes.length }, 'paper: options expired');
        this.emit({ type: 'expiry', event });
      },
    };
  }

  /** Cash and the holding move by one fill (its commission included). */
  private bookToAccount(fill: Fill, instrument: Instrument): void {
    const multiplier = multiplierOf(instrument);
    const gross = fill.price.times(fill.quantity).times(multiplier);
    this.cash = (fill.side === 'buy' ? this.cash.minus(gross) : this.cash.plus(gross)).minus(fill.commission);
    this.holdings.set(fill.symbol, { instrument, position: applyFill(this.holdings.get(fill.symbol)?.position, fill, multiplier).position });
    this.expiryWatch = undefined;
  }

  // ---- matching -------------------------------------------------------------

  /** All legs or none, the whole quantity, at the net price matchSpread finds (multiLegPricing.ts). */
  private tryFillSpread(rec: OrderRecord, bar: Bar, fillTs: number): void {
    const { order } = rec;
    const legs = order.legs ?? [];
    const model = (c: OptionContract, s: number) => this.optionPrice(c, s, fillTs);
    const input = { legs, model, adverse: adverseOf(this.config, order, rec.fillSeq + 1), dp: this.config.priceDecimals.option };
    const priced = matchSpread(input, bar, order.type === 'limit' ? order.limitPrice : null);
    if (priced === null) return;
    rec.fillSeq += 1;
    const fills = spreadFills(order, priced.prices, fillTs, this.config);
    for (const fill of fills) {
      this.bookToAccount(fill, legs.find((l) => l.instrument.symbol === fill.symbol)?.instrument as OptionContract);
      rec.commissionCharged = rec.commissionCharged.plus(fill.commission);
    }
    const net = netPrice(legs, priced.prices);
    rec.filled = order.quantity;
    rec.notional = net.times(order.quantity);
    rec.status = 'filled';
    this.book.delete(order.clientOrderId);
    this.emit({ type: 'fillGroup', clientOrderId: order.clientOrderId, groupId: fills[0]?.groupId ?? '', spreads: order.quantity, netPrice: net, fills, ts: fillTs });
  }

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
    if (order.side === 'sell' && !this.config.allowShort && inst.kind !== 'option') {
      // Submit already reserved the shares; this guards the invariant "never short stock" regardless.
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
    this.expiryWatch = undefined;

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
    // Legs, side, a signed net limit and quantity are checked there.
    if (order.legs !== undefined) return checkSpread(order, this.spreadVenue());
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
      const free = this.heldQuantity(order.symbol) - this.workingSellQuantity(order.symbol);
      // Short stock needs allowShort. A short option does not: it is opened when the book covers it (a call
      // by 100 shares per contract) or the cash secures it (a put, strike × 100), as the requirement measures.
      if (!this.config.allowShort && q > free && inst.kind !== 'option') {
        return reject('short_not_allowed', `quantity ${q} exceeds the ${Math.max(0, free)} ${order.symbol} held and not already being sold`);
      }
      if (inst.kind !== 'option' || q <= Math.max(0, free)) return { reason: null, reservePerUnit: ZERO };
      // Opening a short option: hold back what it adds to the requirement, less its proceeds when limited.
      const held = this.heldInstruments();
      const added = optionRequirement(withChanges(held, [{ instrument: inst, quantity: -q }])).minus(optionRequirement(held));
      if (!this.config.allowShort && inst.right === 'C' && added.gt(0)) {
        return reject('uncovered_short', `short ${q} ${order.symbol} is not covered by ${CONTRACT_MULTIPLIER} shares per contract held (needs allowShort)`);
      }
      const proceeds = order.type === 'limit' ? (order.limitPrice as Decimal).times(multiplier).times(q) : ZERO;
      const reserve = Decimal.max(added.minus(proceeds), ZERO);
      const available = this.cash.minus(this.reservedForBuys()).minus(this.requirement());
      if (reserve.gt(available)) {
        return reject('insufficient_buying_power', `short ${q} ${order.symbol} needs about ${roundMoney(reserve).toFixed(2)} held back but ${roundMoney(available).toFixed(2)} is available`);
      }
      return { reason: null, reservePerUnit: reserve.div(q) };
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
    const available = this.cash.minus(this.reservedForBuys()).minus(this.requirement());
    if (cost.gt(available)) {
      return reject('insufficient_buying_power', `quantity ${q} ${order.symbol} needs about ${roundMoney(cost).toFixed(2)} but ${roundMoney(available).toFixed(2)} is available`);
    }
    return { reason: null, reservePerUnit };
  }

  /** Cash that working orders are expected to spend or hold back (their remaining quantity and commission). */
  private reservedForBuys(): Decimal {
    let total = ZERO;
    for (const rec of this.book.values()) {
      if (rec.order.side !== 'buy' && !rec.spread && rec.reservePerUnit.isZero()) continue;
      const fullCommission = rec.spread ? commissionOf(this.config, rec.order.legs ?? [], rec.order.quantity) : this.commissionFor(rec.order.instrument, rec.order.quantity);
      const remainingCommission = rec.order.side === 'buy' || rec.spread ? fullCommission.minus(rec.commissionCharged) : ZERO;
      total = total.plus(rec.reservePerUnit.times(rec.order.quantity - rec.filled)).plus(Decimal.max(remainingCommission, ZERO));
    }
    return total;
  }

  /** What the options held require (optionMargin.ts). */
  private requirement(): Decimal {
    return optionRequirement(this.heldInstruments());
  }

  private heldInstruments(): Array<{ instrument: Instrument; quantity: number }> {
    return [...this.holdings.values()].map((h) => ({ instrument: h.instrument, quantity: h.position.quantity }));
  }

  private spreadVenue(): SpreadVenue {
    const now = this.clock.now();
    return {
      config: this.config,
      held: (symbol) => this.heldQuantity(symbol),
      heldInstruments: () => this.heldInstruments(),
      lastUnderlying: (u) => this.lastPrice.get(u),
      model: (c, s) => this.optionPrice(c, s, now),
      available: () => this.cash.minus(this.reservedForBuys()).minus(this.requirement()),
      workingSells: (symbol) => this.workingSellQuantity(symbol),
    };
  }

  private workingSellQuantity(symbol: string): number {
    let total = 0;
    for (const rec of this.book.values()) {
      const remaining = rec.order.quantity - rec.filled;
      if (rec.spread) {
        for (const leg of rec.order.legs ?? []) if (leg.side === 'sell' && leg.instrument.symbol === symbol) total += remaining * leg.ratio;
      } else if (rec.order.side === 'sell' && rec.order.symbol === symbol) {
        total += remaining;
      }
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
