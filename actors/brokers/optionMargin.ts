import { Decimal, ZERO, CONTRACT_MULTIPLIER } from '../../engine/domain/money.js';
import type { Instrument, OptionContract } from '../../engine/domain/instrument.js';

/**
 * What the paper account holds back for its short options, so cash received
 * for a credit spread or a short put cannot be spent twice.
 *
 * Per underlying, the account's options and long shares are valued at
 * expiry, every option at its intrinsic value: value(S) = shares × S +
 * Σ contracts × 100 × intrinsic(S). The requirement is the most that value can
 * fall below zero over every underlying price S ≥ 0, so:
 * - a debit spread or a long option needs nothing (its value is never negative);
 * - a credit vertical needs its width × 100 (its cash credit is already in the account,
 *   so its buying-power cost is width − credit, its max loss);
 * - a short put needs strike × 100 (cash secured); a call covered by 100 shares needs nothing.
 * Valuing a later-expiring long at intrinsic ignores its time value: on the safe side.
 * Naked short calls (only with allowShort) have no bounded loss; they are held
 * to the loss at NAKED_CALL_STRESS × the highest strike, a stand-in, not a Reg-T rule.
 * Short stock is not margined here (the venue refuses it unless allowShort).
 */
export const NAKED_CALL_STRESS = 2;

export interface HeldInstrument {
  readonly instrument: Instrument;
  readonly quantity: number;
}

interface Book {
  shares: number;
  readonly options: Array<{ contract: OptionContract; quantity: number }>;
}

function intrinsic(c: OptionContract, s: Decimal): Decimal {
  return c.right === 'C' ? Decimal.max(s.minus(c.strike), ZERO) : Decimal.max(c.strike.minus(s), ZERO);
}

function valueAt(book: Book, s: Decimal): Decimal {
  let v = s.times(book.shares);
  for (const o of book.options) v = v.plus(intrinsic(o.contract, s).times(o.quantity * CONTRACT_MULTIPLIER));
  return v;
}

function requirementOf(book: Book): Decimal {
  if (!book.options.some((o) => o.quantity < 0)) return ZERO;
  const strikes = book.options.map((o) => o.contract.strike);
  const points = [ZERO, ...strikes];
  const slope = book.shares + book.options.reduce((acc, o) => acc + (o.contract.right === 'C' ? o.quantity * CONTRACT_MULTIPLIER : 0), 0);
  if (slope < 0) points.push(Decimal.max(...strikes).times(NAKED_CALL_STRESS));
  let min = ZERO;
  for (const s of points) {
    const v = valueAt(book, s);
    if (v.lt(min)) min = v;
  }
  return min.neg();
}

/** The account's requirement for what it holds (see above); ≥ 0. */
export function optionRequirement(held: Iterable<HeldInstrument>): Decimal {
  const books = new Map<string, Book>();
  const bookOf = (u: string): Book => {
    let b = books.get(u);
    if (!b) {
      b = { shares: 0, options: [] };
      books.set(u, b);
    }
    return b;
  };
  for (const h of held) {
    if (h.quantity === 0) continue;
    if (h.instrument.kind === 'option') bookOf(h.instrument.underlying).options.push({ contract: h.instrument, quantity: h.quantity });
    else if (h.quantity > 0) bookOf(h.instrument.symbol).shares += h.quantity;
  }
  let total = ZERO;
  for (const b of books.values()) total = total.plus(requirementOf(b));
  return total;
}

/** The holdings after adding signed quantities (by symbol) to them, for a what-if requirement. */
export function withChanges(held: Iterable<HeldInstrument>, changes: readonly HeldInstrument[]): HeldInstrument[] {
  const out = new Map<string, HeldInstrument>();
  for (const h of held) out.set(h.instrument.symbol, h);
  for (const c of changes) {
    const before = out.get(c.instrument.symbol);
    out.set(c.instrument.symbol, { instrument: c.instrument, quantity: (before?.quantity ?? 0) + c.quantity });
  }
  return [...out.values()];
}
