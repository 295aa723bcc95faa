import { instrumentFromSymbol, underlyingOf, type Instrument, type OptionContract } from '../../domain/instrument.js';
import { CONTRACT_MULTIPLIER, Decimal, ZERO } from '../../domain/money.js';
import type { TradeTransaction } from '../../domain/orders.js';
import type { WheelFacts, WheelOption } from '../../../machines/strategies/wheel.js';
import type { HeldPosition, HeldQuantity } from '../types.js';

/**
 * The wheel's Decimal bookkeeping, rebuilt from what the engine stores.
 *
 * `wheelFactsFromTrades` replays the strategy's own trade rows (the book the
 * engine rebuilds positions from: order fills, and the expiry movements — an
 * option closed at 0, shares at the strike) into per-underlying facts:
 * open short options with their average premium, shares and their cost, the
 * current cycle's net premium, fees and stock P&L, and the cycles completed.
 * A cycle completes whenever the underlying is flat again. This is exact:
 * the same amounts the fills carried.
 *
 * `wheelFactsFromPositions` is the fallback when only positions are known
 * (no trades handed over): exact quantities, the premium or cost of the one
 * instrument `holding` shows, the model price for other options and spot for
 * shares whose cost it does not show.
 */

const MULT = new Decimal(CONTRACT_MULTIPLIER);

interface OpenShort {
  readonly contract: OptionContract;
  /** Signed contracts (negative = short). */
  qty: number;
  /** Σ price × contracts of the sales still open, for the average premium per share. */
  sold: Decimal;
  openedTs: number;
}

interface Acc {
  readonly options: Map<string, OpenShort>;
  shares: number;
  stockCost: Decimal;
  premium: Decimal;
  fees: Decimal;
  stockRealized: Decimal;
  cycles: number;
  realized: Decimal;
  active: boolean;
}

function newAcc(): Acc {
  return { options: new Map(), shares: 0, stockCost: ZERO, premium: ZERO, fees: ZERO, stockRealized: ZERO, cycles: 0, realized: ZERO, active: false };
}

function applyOption(acc: Acc, contract: OptionContract, t: TradeTransaction): void {
  const gross = t.price.times(MULT).times(t.quantity);
  acc.premium = t.side === 'SELL' ? acc.premium.plus(gross) : acc.premium.minus(gross);
  const pos = acc.options.get(contract.symbol) ?? { contract, qty: 0, sold: ZERO, openedTs: t.executedAt };
  if (t.side === 'SELL') {
    if (pos.qty <= 0) pos.sold = pos.sold.plus(t.price.times(t.quantity));
    if (pos.qty === 0) pos.openedTs = t.executedAt;
    pos.qty -= t.quantity;
  } else {
    // Buying back part of a short keeps the average premium of what is left.
    if (pos.qty < 0) pos.sold = pos.sold.times(Math.max(0, -pos.qty - t.quantity)).div(-pos.qty);
    pos.qty += t.quantity;
  }
  if (pos.qty === 0) acc.options.delete(contract.symbol);
  else acc.options.set(contract.symbol, pos);
}

function applyStock(acc: Acc, t: TradeTransaction): void {
  if (t.side === 'BUY') {
    acc.shares += t.quantity;
    acc.stockCost = acc.stockCost.plus(t.price.times(t.quantity));
    return;
  }
  const cost = acc.shares > 0 ? acc.stockCost.times(Math.min(t.quantity, acc.shares)).div(acc.shares) : ZERO;
  acc.stockRealized = acc.stockRealized.plus(t.price.times(t.quantity)).minus(cost);
  acc.stockCost = acc.stockCost.minus(cost);
  acc.shares -= t.quantity;
}

function closeCycleIfFlat(acc: Acc): void {
  if (!acc.active || acc.shares !== 0 || acc.options.size !== 0) return;
  acc.realized = acc.realized.plus(acc.premium).minus(acc.fees).plus(acc.stockRealized);
  acc.cycles += 1;
  acc.premium = ZERO;
  acc.fees = ZERO;
  acc.stockRealized = ZERO;
  acc.stockCost = ZERO;
  acc.active = false;
}

function shortOption(pos: OpenShort): WheelOption {
  const c = pos.contract;
  const contracts = -pos.qty;
  return {
    contractSymbol: c.symbol, right: c.right, expiry: c.expiry, strike: c.strike, contracts,
    premium: pos.sold.div(contracts), openedTs: pos.openedTs,
  };
}

function factsOfAcc(acc: Acc): WheelFacts {
  let put: WheelOption | null = null;
  let call: WheelOption | null = null;
  let unexpected: string | null = acc.shares < 0 ? `short ${-acc.shares} shares` : null;
  for (const pos of acc.options.values()) {
    if (pos.qty > 0) unexpected ??= `a long option ${pos.contract.symbol.trim()}`;
    else if (pos.contract.right === 'P') {
      if (put !== null) unexpected ??= 'more than one short put';
      put = shortOption(pos);
    } else {
      if (call !== null) unexpected ??= 'more than one short call';
      call = shortOption(pos);
    }
  }
  return {
    put, call, shares: acc.shares, stockCost: acc.stockCost, premium: acc.premium, fees: acc.fees,
    stockRealized: acc.stockRealized, cycles: acc.cycles, realized: acc.realized, unexpected,
  };
}

/**
 * The wheel's facts per underlying from its trade rows, in execution order.
 * Rows of one order or one expiry event (one clientOrderId, e.g. the put
 * closed at 0 and the shares it delivered) are applied together before a
 * cycle may close, so an assignment is never read as flat in between.
 */
export function wheelFactsFromTrades(trades: readonly TradeTransaction[], strategyId: string): Map<string, WheelFacts> {
  const accs = new Map<string, Acc>();
  const own = trades.filter((t) => t.strategyId === strategyId);
  own.forEach((t, i) => {
    const instrument: Instrument = instrumentFromSymbol(t.symbol);
    const u = underlyingOf(instrument);
    let acc = accs.get(u);
    if (acc === undefined) {
      acc = newAcc();
      accs.set(u, acc);
    }
    acc.active = true;
    acc.fees = acc.fees.plus(t.fees);
    if (instrument.kind === 'option') applyOption(acc, instrument, t);
    else applyStock(acc, t);
    if (own[i + 1]?.clientOrderId !== t.clientOrderId) for (const a of accs.values()) closeCycleIfFlat(a);
  });
  const out = new Map<string, WheelFacts>();
  for (const [u, acc] of accs) out.set(u, factsOfAcc(acc));
  return out;
}

/** Signed quantities of one underlying as the facts see them: shares and each short option. */
export function quantitiesOfFacts(f: WheelFacts): Map<string, number> {
  const out = new Map<string, number>();
  if (f.put !== null) out.set(f.put.contractSymbol, -f.put.contracts);
  if (f.call !== null) out.set(f.call.contractSymbol, -f.call.contracts);
  return out;
}

/** True when the positions hold exactly the shares and short options the facts do. */
export function factsMatchPositions(f: WheelFacts, positions: readonly HeldQuantity[], underlying: string): boolean {
  const want = quantitiesOfFacts(f);
  let shares = 0;
  let seen = 0;
  for (const p of positions) {
    if (p.instrument.kind === 'equity') {
      if (p.instrument.symbol === underlying) shares += p.quantity;
      continue;
    }
    if (want.get(p.instrument.symbol) !== p.quantity) return false;
    seen++;
  }
  return shares === f.shares && seen === want.size;
}

/**
 * Facts from positions alone (a restart without trades, or the book changed
 * by something other than this wheel). `price` estimates a contract's
 * premium per share where the book does not say it.
 */
export function wheelFactsFromPositions(
  underlying: string,
  positions: readonly HeldQuantity[],
  held: HeldPosition | undefined,
  price: (contract: OptionContract) => Decimal,
  spot: Decimal,
  ts: number,
): WheelFacts {
  const acc = newAcc();
  let estimatedStock = false;
  for (const p of positions) {
    const inst = p.instrument;
    if (inst.kind === 'equity') {
      if (inst.symbol !== underlying) continue;
      acc.shares += p.quantity;
      if (held?.instrument.symbol === inst.symbol) acc.stockCost = held.entryPrice.times(p.quantity);
      else estimatedStock = true;
      continue;
    }
    const premium = held?.instrument.symbol === inst.symbol ? held.entryPrice : price(inst);
    const openedTs = held?.instrument.symbol === inst.symbol ? held.entryTs : ts;
    acc.options.set(inst.symbol, { contract: inst, qty: p.quantity, sold: p.quantity < 0 ? premium.times(-p.quantity) : ZERO, openedTs });
    if (p.quantity < 0) acc.premium = acc.premium.plus(premium.times(MULT).times(-p.quantity));
  }
  const facts = factsOfAcc(acc);
  // Shares whose cost the book does not show (holding shows another instrument) are taken at spot.
  return estimatedStock && facts.shares > 0 ? { ...facts, stockCost: spot.times(facts.shares) } : facts;
}
