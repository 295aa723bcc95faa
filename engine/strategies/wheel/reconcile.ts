import { CONTRACT_MULTIPLIER, ZERO, type Decimal } from '../../domain/money.js';
import { parseOccSymbol, type OptionContract } from '../../domain/instrument.js';
import { expiryCloseUtc } from '../../market/expiries.js';
import { factsProblem, type WheelContext, type WheelEvent, type WheelFacts, type WheelOption } from '../../../machines/strategies/wheel.js';
import type { HeldPosition, HeldQuantity } from '../types.js';
import { wheelFactsFromPositions } from './ledger.js';

/**
 * What changed in the engine's book since the wheel machine last looked, as
 * the machine's events. Pure: the rules call it with what the view shows and
 * send the events it returns, in order.
 *
 * - An order asked for (a put or call to sell) shows up as a short position →
 *   OPENED; it ended without one → ABANDONED.
 * - An open short option is gone: after its expiry close, ASSIGNED / CALLED_AWAY
 *   when the shares moved by 100 per contract, else EXPIRED; before it, it was
 *   bought back → BOUGHT_BACK. A buy-back asked for that ended with the option
 *   still there → ABANDONED.
 * - Anything the phase cannot explain → DESYNC, then RESTORE from the
 *   positions, so the machine adopts a consistent book or stays unmanaged;
 *   while unmanaged, RESTORE as soon as the book is one a wheel can be in.
 *
 * Amounts: a put's premium is the book's entry price when `holding` shows
 * that contract (it does while no shares are held), shares move at the strike,
 * an expiry at 0; a call's premium and a buy-back's price are not in the view
 * and are estimated with `estimate` (the model price at the fill bar's open),
 * without commissions. A restart rebuilds them exactly from the trades
 * (ledger.ts).
 */

export interface ReconcileInput {
  /** Phase key: 'idle', 'assigned', 'unmanaged', 'cashSecuredPut.opening', 'coveredCall.closing', … */
  readonly phase: string;
  readonly context: WheelContext;
  readonly underlying: string;
  readonly positions: readonly HeldQuantity[];
  readonly held: HeldPosition | undefined;
  readonly working: boolean;
  readonly ts: number;
  readonly spot: Decimal;
  /** Premium per share of a contract at this bar, for what the book does not say. */
  readonly estimate: (contract: OptionContract) => Decimal;
}

interface Book {
  shares: number;
  readonly shorts: Map<string, number>;
  options: number;
}

function bookOf(positions: readonly HeldQuantity[], underlying: string): Book {
  const book: Book = { shares: 0, shorts: new Map(), options: 0 };
  for (const p of positions) {
    if (p.instrument.kind === 'equity') {
      if (p.instrument.symbol === underlying) book.shares += p.quantity;
    } else {
      book.options++;
      book.shorts.set(p.instrument.symbol, p.quantity);
    }
  }
  return book;
}

function factsNow(i: ReconcileInput): WheelFacts {
  const facts = wheelFactsFromPositions(i.underlying, i.positions, i.held, i.estimate, i.spot, i.ts);
  // Keep the cycles and realised result the machine already counted.
  return { ...facts, cycles: i.context.cycles, realized: i.context.realized };
}

function desync(i: ReconcileInput, reason: string): WheelEvent[] {
  return [{ type: 'DESYNC', ts: i.ts, reason }, { type: 'RESTORE', ts: i.ts, facts: factsNow(i) }];
}

function premiumOf(i: ReconcileInput, contractSymbol: string): Decimal {
  if (i.held !== undefined && i.held.instrument.symbol === contractSymbol) return i.held.entryPrice;
  return i.estimate(parseOccSymbol(contractSymbol));
}

function opening(i: ReconcileInput, book: Book): WheelEvent[] {
  const plan = i.context.plan;
  if (plan === null) return desync(i, 'an order is awaited but no plan is kept');
  const q = book.shorts.get(plan.contractSymbol);
  if (q === undefined) {
    const since = i.context.pendingSince ?? i.ts;
    return !i.working && i.ts > since ? [{ type: 'ABANDONED', ts: i.ts }] : [];
  }
  if (q >= 0) return desync(i, `${plan.contractSymbol.trim()} is held long`);
  if (book.options > 1) return desync(i, 'another option is held');
  if (plan.right === 'C' && -q * CONTRACT_MULTIPLIER > book.shares) return desync(i, `a call for ${-q} contracts is not covered by ${book.shares} shares`);
  return [{ type: 'OPENED', ts: i.ts, contracts: -q, price: premiumOf(i, plan.contractSymbol), fees: ZERO }];
}

function held(i: ReconcileInput, book: Book, option: WheelOption, closing: boolean): WheelEvent[] {
  const q = book.shorts.get(option.contractSymbol);
  const expected = i.context.shares;
  if (q === -option.contracts) {
    if (book.options > 1) return desync(i, 'another option is held');
    if (book.shares !== expected) return desync(i, `shares moved to ${book.shares} while ${option.contractSymbol.trim()} is open`);
    const since = i.context.pendingSince ?? i.ts;
    return closing && !i.working && i.ts > since ? [{ type: 'ABANDONED', ts: i.ts }] : [];
  }
  if (q !== undefined) return desync(i, `${option.contractSymbol.trim()} moved to ${q} contracts`);
  if (book.options > 0) return desync(i, 'another option was opened');
  const lots = option.contracts * CONTRACT_MULTIPLIER;
  const expired = i.ts >= expiryCloseUtc(option.expiry);
  const moved = option.right === 'P' ? book.shares - expected : expected - book.shares;
  if (expired && moved === lots) {
    return [option.right === 'P'
      ? { type: 'ASSIGNED', ts: i.ts, shares: lots, price: option.strike }
      : { type: 'CALLED_AWAY', ts: i.ts, shares: lots, price: option.strike }];
  }
  if (moved !== 0) return desync(i, `shares moved by ${moved} when ${option.contractSymbol.trim()} closed`);
  if (expired) return [{ type: 'EXPIRED', ts: i.ts }];
  return [{ type: 'BOUGHT_BACK', ts: i.ts, price: i.estimate(parseOccSymbol(option.contractSymbol)), fees: ZERO }];
}

export function reconcileEvents(i: ReconcileInput): WheelEvent[] {
  const book = bookOf(i.positions, i.underlying);
  const c = i.context;
  switch (i.phase) {
    case 'idle':
      return i.positions.length === 0 ? [] : desync(i, 'positions this wheel did not open');
    case 'unmanaged': {
      // Looked at every bar while unmanaged: adopt the book as soon as it is one a wheel can be in.
      const facts = factsNow(i);
      return factsProblem(facts) === null ? [{ type: 'RESTORE', ts: i.ts, facts }] : [];
    }
    case 'cashSecuredPut.opening':
      if (book.shares !== 0) return desync(i, `${book.shares} shares held while a put is being sold`);
      return opening(i, book);
    case 'coveredCall.opening':
      if (book.shares !== c.shares) return desync(i, `shares moved to ${book.shares} while a call is being sold`);
      return opening(i, book);
    case 'cashSecuredPut.open':
    case 'cashSecuredPut.closing':
      return c.put === null ? desync(i, 'no put kept') : held(i, book, c.put, i.phase.endsWith('closing'));
    case 'coveredCall.open':
    case 'coveredCall.closing':
      return c.call === null ? desync(i, 'no call kept') : held(i, book, c.call, i.phase.endsWith('closing'));
    case 'assigned':
      return book.shares !== c.shares || book.options > 0 ? desync(i, `the book holds ${book.shares} shares and ${book.options} option(s), the wheel ${c.shares} shares`) : [];
    default:
      return [];
  }
}
