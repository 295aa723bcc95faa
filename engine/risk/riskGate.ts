import type { Clock } from '../domain/clock.js';
import { ZERO, moneyFromNumber, type Decimal } from '../domain/money.js';
import { instrumentFromSymbol, multiplierOf, underlyingOf, type Instrument } from '../domain/instrument.js';
import type { Fill, OrderIntent, OrderLeg } from '../domain/orders.js';
import type { MarkSource, Portfolio } from '../portfolio.js';
import { assessPreTrade, type PreTradeApproval, type PreTradeContext, type PreTradeDecision, type ProposedTrade } from './preTrade.js';
import { exposureOf, type ExposureSnapshot } from './preTradeCaps.js';
import { spreadAdjustments } from './spreadCover.js';
import { DEFAULT_PRE_TRADE_LIMITS, type PreTradeLimits } from './preTradeLimits.js';
import { DayTradeTracker } from './dayTrades.js';
import { LossSaleTracker } from './lossSales.js';
import { OrderActivityTracker } from './orderActivity.js';

/** Estimates portfolio VaR as a fraction of equity if `trade` were added (the risk engine provides it). */
export type VarAfterTrade = (trade: ProposedTrade) => number;

/**
 * The engine side of the pre-trade stage: builds `PreTradeContext` from the
 * book (cash, marks, exposures, what each strategy holds) and keeps the
 * histories the compliance rules read (day trades, loss sales, approved
 * orders), fed by fills and approvals. `assessPreTrade` stays pure.
 */
export class RiskGate {
  private readonly dayTrades: DayTradeTracker;
  private readonly lossSales = new LossSaleTracker();
  private readonly orderActivity = new OrderActivityTracker();
  private readonly instruments = new Map<string, Instrument>();
  private varAfterTrade: VarAfterTrade | undefined;

  constructor(
    private readonly deps: {
      readonly clock: Clock;
      readonly portfolio: Portfolio;
      readonly marks: MarkSource;
      readonly limits?: PreTradeLimits;
    },
  ) {
    // Positions held at start-up are rounds opened earlier: closing them is not a day trade.
    this.dayTrades = new DayTradeTracker(deps.portfolio.allPositions().filter((p) => p.quantity !== 0));
  }

  get limits(): PreTradeLimits {
    return this.deps.limits ?? DEFAULT_PRE_TRADE_LIMITS;
  }

  /** Wire the VaR estimator; until then the VaR cap is skipped (and says so). */
  setVarEstimator(estimator: VarAfterTrade | undefined): void {
    this.varAfterTrade = estimator;
  }

  /** Pure with respect to the histories: an approval counts only once recordApproval says the order goes out. */
  assess(intent: OrderIntent, signal: { readonly score: number; readonly confidence: number }): PreTradeDecision {
    return assessPreTrade(intent, this.context(intent, signal), this.limits);
  }

  /** The approved order is being placed: it counts toward the rate and notional limits. */
  recordApproval(approval: PreTradeApproval): void {
    this.orderActivity.record({ underlying: underlyingOf(approval.intent.instrument).toUpperCase(), notional: approval.notional ?? ZERO, ts: this.deps.clock.now() });
  }

  /** Every booked fill, with the P&L it realised and the account quantity before it. */
  onFill(fill: Fill, realized: Decimal, quantityBefore: number): void {
    this.dayTrades.record({ symbol: fill.symbol, side: fill.side, quantity: fill.quantity, ts: fill.ts });
    this.lossSales.record({ symbol: fill.symbol, side: fill.side, ts: fill.ts, realizedPnl: realized, closesLong: quantityBefore > 0 && fill.side === 'sell' });
  }

  private instrumentOf(symbol: string): Instrument {
    let i = this.instruments.get(symbol);
    if (!i) {
      i = instrumentFromSymbol(symbol);
      this.instruments.set(symbol, i);
    }
    return i;
  }

  /** Mark per share; for options the model's premium. Null when there is none. */
  private mark(instrument: Instrument, now: number): Decimal | null {
    const m = instrument.kind === 'option' ? this.deps.marks.optionMark(instrument, now) : this.deps.marks.lastPrice(instrument.symbol);
    return m === undefined || !Number.isFinite(m) || m <= 0 ? null : moneyFromNumber(m, 'mark', 4);
  }

  /** Net mark per share of one spread (bought legs minus sold), or null when a leg has no mark. */
  private spreadMark(legs: readonly OrderLeg[], now: number): Decimal | null {
    let net = ZERO;
    for (const leg of legs) {
      const m = this.mark(leg.instrument, now);
      if (m === null) return null;
      net = leg.side === 'buy' ? net.plus(m.times(leg.ratio)) : net.minus(m.times(leg.ratio));
    }
    return net;
  }

  private exposure(symbol: string, quantity: number, now: number): Decimal {
    const instrument = this.instrumentOf(symbol);
    const price = this.mark(instrument, now) ?? this.deps.portfolio.position(symbol)?.avgCost ?? ZERO;
    return exposureOf(instrument, quantity, price);
  }

  private context(intent: OrderIntent, signal: { readonly score: number; readonly confidence: number }): PreTradeContext {
    const { portfolio } = this.deps;
    const now = this.deps.clock.now();
    const symbol = intent.instrument.symbol;
    const underlying = underlyingOf(intent.instrument);
    const own = portfolio.strategyQuantities(intent.strategyId);

    let gross = ZERO;
    let name = ZERO;
    let reserved = ZERO;
    let openPositions = 0;
    for (const p of portfolio.allPositions()) {
      if (p.quantity === 0) continue;
      openPositions++;
      const e = this.exposure(p.symbol, p.quantity, now);
      gross = gross.plus(e);
      const instrument = this.instrumentOf(p.symbol);
      if (underlyingOf(instrument) === underlying) name = name.plus(e);
      if (p.quantity < 0 && instrument.kind === 'option' && instrument.right === 'P') {
        reserved = reserved.plus(instrument.strike.times(multiplierOf(instrument)).times(-p.quantity));
      }
    }
    let strategy = ZERO;
    let position = ZERO;
    let underlyingShares = 0;
    let shortCallContracts = 0;
    for (const [s, q] of own) {
      if (q === 0) continue;
      const e = this.exposure(s, q, now);
      strategy = strategy.plus(e);
      const instrument = this.instrumentOf(s);
      if (underlyingOf(instrument) !== underlying) continue;
      position = position.plus(e);
      if (instrument.kind === 'equity') underlyingShares += q;
      else if (instrument.right === 'C' && q < 0) shortCallContracts += -q;
    }
    // Spreads held: a short put protected by a long put reserves and weighs only its width; a short
    // call protected by a long call weighs its width (spreadCover.ts).
    const account = spreadAdjustments(portfolio.allPositions().map((p) => ({ instrument: this.instrumentOf(p.symbol), quantity: p.quantity })));
    for (const [u, adj] of account) {
      reserved = reserved.minus(adj.relief);
      gross = gross.minus(adj.relief).plus(adj.added);
      if (u === underlying) name = name.minus(adj.relief).plus(adj.added);
    }
    const mine = spreadAdjustments([...own].map(([s, q]) => ({ instrument: this.instrumentOf(s), quantity: q })));
    for (const [u, adj] of mine) {
      strategy = strategy.minus(adj.relief).plus(adj.added);
      if (u === underlying) position = position.minus(adj.relief).plus(adj.added);
    }
    const exposure: ExposureSnapshot = { position, strategy, name, gross };
    const legs = intent.legs;
    const spread = legs === undefined ? {} : { legHeld: legs.map((l) => own.get(l.instrument.symbol) ?? 0), spreadMark: this.spreadMark(legs, now) };
    return {
      ...spread,
      now,
      equity: portfolio.equity(this.deps.marks, now),
      cash: portfolio.cash,
      reservedBuyingPower: reserved,
      mark: this.mark(intent.instrument, now),
      heldQuantity: own.get(symbol) ?? 0,
      accountQuantity: portfolio.position(symbol)?.quantity ?? 0,
      underlyingShares,
      shortCallContracts,
      exposure,
      openPositions,
      score: signal.score,
      confidence: signal.confidence,
      ...(this.varAfterTrade ? { varAfterTrade: this.varAfterTrade } : {}),
      dayTrades: this.dayTrades,
      lossSales: this.lossSales,
      orderActivity: this.orderActivity,
    };
  }
}
