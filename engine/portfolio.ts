import type { Decimal} from './domain/money.js';
import { ZERO, moneyFromNumber } from './domain/money.js';
import type { ExpiryChange, Fill, OptionExpiryEvent, Position, TradeTransaction } from './domain/orders.js';
import { applyFill, tradeFromFill } from './domain/position.js';
import { expiryFills } from './domain/optionExpiry.js';
import { instrumentFromSymbol, multiplierOf, underlyingOf, type Instrument } from './domain/instrument.js';
import type { HeldPosition } from './strategies/types.js';

const EMPTY_QUANTITIES: ReadonlyMap<string, number> = new Map();

/** One strategy's share of one expiry change, as booked. */
export interface ExpiryMove {
  readonly strategyId: string;
  readonly change: ExpiryChange;
  /** This strategy's signed contracts of the change. */
  readonly quantity: number;
  /** Signed shares this strategy received (+) or delivered (−) at the strike; 0 when expired worthless. */
  readonly shares: number;
  /** The option closed at 0, then the shares at the strike when exercised or assigned. */
  readonly fills: readonly Fill[];
  /** P&L realised by the option's close (its premium). */
  readonly realized: Decimal;
}

export interface ExpiryApplied {
  readonly moves: readonly ExpiryMove[];
  /** Trade rows of the moves (source 'expiry'), for the store. */
  readonly trades: readonly TradeTransaction[];
  /** The account's positions after, for every symbol moved. */
  readonly positions: readonly Position[];
  /** Changes whose account quantity differs from what the book held (the book's holders were settled). */
  readonly mismatches: ReadonlyArray<{ readonly symbol: string; readonly broker: number; readonly book: number }>;
}

/** Prices for marking positions; the option mark model provides them. */
export interface MarkSource {
  lastPrice(symbol: string): number | undefined;
  optionMark(instrument: Instrument & { kind: 'option' }, nowTs: number): number | undefined;
}

/**
 * The engine's own book: cash, account positions and what each strategy holds.
 * It is rebuilt from the store's trades at start (crash-only), and moved only by fills.
 */
export class Portfolio {
  private cashBalance: Decimal;
  private readonly positions = new Map<string, Position>();
  /** strategyId → underlying → holding */
  private readonly holdings = new Map<string, Map<string, HeldPosition>>();
  private realized = ZERO;
  /** strategyId → its own cash flows and quantities per symbol, for its P&L (the per-strategy breaker). */
  private readonly books = new Map<string, { cash: Decimal; readonly quantities: Map<string, number> }>();
  /** Parsed instruments by symbol: OCC parsing is not free and equity() runs every bar time. */
  private readonly instruments = new Map<string, Instrument>();

  constructor(initialCash: Decimal) {
    this.cashBalance = initialCash;
  }

  get cash(): Decimal {
    return this.cashBalance;
  }

  get realizedPnl(): Decimal {
    return this.realized;
  }

  position(symbol: string): Position | undefined {
    return this.positions.get(symbol);
  }

  allPositions(): Position[] {
    return [...this.positions.values()];
  }

  holding(strategyId: string, underlying: string): HeldPosition | undefined {
    return this.holdings.get(strategyId)?.get(underlying);
  }

  /** Book a fill; returns the account position after it and the P&L it realised. */
  apply(fill: Fill, strategyId: string): { position: Position; realized: Decimal } {
    const instrument = this.instrumentOf(fill.symbol);
    const mult = multiplierOf(instrument);
    const { position, realized } = applyFill(this.positions.get(fill.symbol), fill, mult);
    this.positions.set(fill.symbol, position);
    this.realized = this.realized.plus(realized);
    const gross = fill.price.times(fill.quantity).times(mult);
    this.cashBalance = (fill.side === 'buy' ? this.cashBalance.minus(gross) : this.cashBalance.plus(gross)).minus(fill.commission);
    this.applyHolding(strategyId, instrument, fill);
    let book = this.books.get(strategyId);
    if (!book) {
      book = { cash: ZERO, quantities: new Map() };
      this.books.set(strategyId, book);
    }
    book.cash = (fill.side === 'buy' ? book.cash.minus(gross) : book.cash.plus(gross)).minus(fill.commission);
    book.quantities.set(fill.symbol, (book.quantities.get(fill.symbol) ?? 0) + (fill.side === 'buy' ? fill.quantity : -fill.quantity));
    return { position, realized };
  }

  private applyHolding(strategyId: string, instrument: Instrument, fill: Fill): void {
    const underlying = underlyingOf(instrument);
    let byUnderlying = this.holdings.get(strategyId);
    if (!byUnderlying) {
      byUnderlying = new Map();
      this.holdings.set(strategyId, byUnderlying);
    }
    const held = byUnderlying.get(underlying);
    const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
    if (!held || held.instrument.symbol !== instrument.symbol) {
      if (held && held.quantity !== 0) {
        // A strategy holds one instrument per underlying in this engine; a fill on a
        // different contract replaces the view only once the old one is flat.
        return;
      }
      byUnderlying.set(underlying, { instrument, quantity: signed, entryPrice: fill.price, entryTs: fill.ts });
      return;
    }
    const qty = held.quantity + signed;
    if (qty === 0) {
      byUnderlying.delete(underlying);
      return;
    }
    const adding = Math.sign(signed) === Math.sign(held.quantity);
    const entryPrice = adding
      ? held.entryPrice.times(Math.abs(held.quantity)).plus(fill.price.times(fill.quantity)).div(Math.abs(qty))
      : held.entryPrice;
    byUnderlying.set(underlying, { instrument, quantity: qty, entryPrice, entryTs: held.entryTs });
  }

  private instrumentOf(symbol: string): Instrument {
    let i = this.instruments.get(symbol);
    if (!i) {
      i = instrumentFromSymbol(symbol);
      this.instruments.set(symbol, i);
    }
    return i;
  }

  /**
   * Settle an expiry the broker reported: every strategy holding a changed
   * contract has its share closed at 0 and, when exercised or assigned, the
   * shares at the strike, all in this one call (never half an event). A
   * contract the book no longer holds is skipped, so an event seen again
   * (a restart that replays it) moves nothing.
   */
  applyExpiry(event: OptionExpiryEvent): ExpiryApplied {
    const moves: ExpiryMove[] = [];
    const trades: TradeTransaction[] = [];
    const touched = new Set<string>();
    const mismatches: Array<{ symbol: string; broker: number; book: number }> = [];
    event.changes.forEach((change, k) => {
      const holders = [...this.books.entries()]
        .map(([strategyId, book]) => ({ strategyId, quantity: book.quantities.get(change.symbol) ?? 0 }))
        .filter((h) => h.quantity !== 0)
        .sort((a, b) => (a.strategyId < b.strategyId ? -1 : a.strategyId > b.strategyId ? 1 : 0));
      const held = holders.reduce((acc, h) => acc + h.quantity, 0);
      if (held !== change.quantity) mismatches.push({ symbol: change.symbol, broker: change.quantity, book: held });
      for (const h of holders) {
        const fills = expiryFills(event, change, h.quantity, `${event.eventId}:${h.strategyId}:${k}`);
        let realized = ZERO;
        fills.forEach((fill, i) => {
          const r = this.apply(fill, h.strategyId);
          if (i === 0) realized = r.realized;
          touched.add(fill.symbol);
          trades.push({ ...tradeFromFill(fill, h.strategyId, multiplierOf(this.instrumentOf(fill.symbol))), source: 'expiry' });
        });
        const shares = fills[1] === undefined ? 0 : fills[1].side === 'buy' ? fills[1].quantity : -fills[1].quantity;
        moves.push({ strategyId: h.strategyId, change, quantity: h.quantity, shares, fills, realized });
      }
    });
    const positions = [...touched].map((symbol) => this.positions.get(symbol)).filter((p): p is Position => p !== undefined);
    return { moves, trades, positions, mismatches };
  }

  /** Rebuild from booked trades (in execution order), e.g. at start-up. */
  static fromTrades(initialCash: Decimal, trades: readonly TradeTransaction[]): Portfolio {
    const p = new Portfolio(initialCash);
    for (const t of trades) {
      p.apply(
        { fillId: t.fillId, clientOrderId: t.clientOrderId, symbol: t.symbol, side: t.side === 'BUY' ? 'buy' : 'sell', quantity: t.quantity, price: t.price, commission: t.fees, ts: t.executedAt },
        t.strategyId,
      );
    }
    return p;
  }

  /** Cash plus every position at its mark; a position without a mark counts at cost. */
  equity(marks: MarkSource, nowTs: number): Decimal {
    let total = this.cashBalance;
    for (const pos of this.positions.values()) {
      if (pos.quantity === 0) continue;
      total = total.plus(this.marketValue(pos.symbol, pos.quantity, marks, nowTs));
    }
    return total;
  }

  /** What one strategy holds, by symbol (signed; exact, unlike the one-instrument `holding` view). */
  strategyQuantities(strategyId: string): ReadonlyMap<string, number> {
    return this.books.get(strategyId)?.quantities ?? EMPTY_QUANTITIES;
  }

  /**
   * One strategy's book value: the cash its fills moved (negative after buying)
   * plus what it holds at the marks. Its change over a day is its P&L that day.
   */
  strategyValue(strategyId: string, marks: MarkSource, nowTs: number): Decimal {
    const book = this.books.get(strategyId);
    if (!book) return ZERO;
    let total = book.cash;
    for (const [symbol, qty] of book.quantities) {
      if (qty !== 0) total = total.plus(this.marketValue(symbol, qty, marks, nowTs));
    }
    return total;
  }

  private marketValue(symbol: string, quantity: number, marks: MarkSource, nowTs: number): Decimal {
    const instrument = this.instrumentOf(symbol);
    const mark = instrument.kind === 'option' ? marks.optionMark(instrument, nowTs) : marks.lastPrice(symbol);
    const price = mark === undefined || !Number.isFinite(mark) ? (this.positions.get(symbol)?.avgCost ?? ZERO) : moneyFromNumber(mark, 'mark', 4);
    return price.times(quantity).times(multiplierOf(instrument));
  }
}
