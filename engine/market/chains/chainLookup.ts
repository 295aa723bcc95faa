import { InputError } from '../../domain/errors.js';
import type { OptionRight } from '../../domain/instrument.js';
import type { ChainExpiry, OptionChain } from '../optionChains.js';
import type { ChainQuote } from './chainQuote.js';

/** Which expiry: an exact date, or the one whose DTE is nearest a target. */
export interface ExpiryQuery {
  readonly expiry?: string;
  readonly targetDte?: number;
}

/** "The 30-delta put about 35 DTE out", or "the 450 call of 2026-12-18". */
export interface ContractQuery extends ExpiryQuery {
  readonly right: OptionRight;
  /** |delta| to get nearest, in (0, 1]; a put's may be given as −0.30 or 0.30. */
  readonly targetDelta?: number;
  readonly targetStrike?: number;
}

/**
 * The expiry named exactly, or the one nearest `targetDte` (a tie goes to the
 * later one, as `nearestExpiry` does). undefined when the chain has none that fits.
 */
export function findExpiry(chain: OptionChain, query: ExpiryQuery): ChainExpiry | undefined {
  const { expiry, targetDte } = query;
  if ((expiry === undefined) === (targetDte === undefined)) throw new InputError('expiry', 'give exactly one of expiry or targetDte');
  if (expiry !== undefined) return chain.expiries.find((e) => e.expiry === expiry);
  if (typeof targetDte !== 'number' || !Number.isFinite(targetDte) || targetDte < 0) {
    throw new InputError('targetDte', `must be a finite number ≥ 0, got ${String(targetDte)}`);
  }
  let best: ChainExpiry | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const e of chain.expiries) {
    const gap = Math.abs(e.dte - targetDte);
    if (gap <= bestGap) {
      best = e;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * The contract of `right` in the chosen expiry whose |delta| is nearest
 * |targetDelta|, or whose strike is nearest `targetStrike`. Ties go to the
 * lower strike. undefined when no expiry fits. Throws InputError naming the
 * field for a malformed query.
 */
export function findContract(chain: OptionChain, query: ContractQuery): ChainQuote | undefined {
  const { right, targetDelta, targetStrike } = query;
  if (right !== 'C' && right !== 'P') throw new InputError('right', `must be 'C' or 'P', got ${String(right)}`);
  if ((targetDelta === undefined) === (targetStrike === undefined)) throw new InputError('targetDelta', 'give exactly one of targetDelta or targetStrike');
  if (targetDelta !== undefined && (!Number.isFinite(targetDelta) || targetDelta === 0 || Math.abs(targetDelta) > 1)) {
    throw new InputError('targetDelta', `must be a number with 0 < |delta| ≤ 1, got ${String(targetDelta)}`);
  }
  if (targetStrike !== undefined && (!Number.isFinite(targetStrike) || targetStrike <= 0)) {
    throw new InputError('targetStrike', `must be a finite price > 0, got ${String(targetStrike)}`);
  }
  const exp = findExpiry(chain, query);
  if (exp === undefined) return undefined;
  const quotes = right === 'C' ? exp.calls : exp.puts;
  const byDelta = targetDelta !== undefined;
  const target = byDelta ? Math.abs(targetDelta) : targetStrike!;
  let best: ChainQuote | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const q of quotes) {
    const gap = Math.abs((byDelta ? Math.abs(q.delta) : q.strikePrice) - target);
    if (gap < bestGap) {
      best = q;
      bestGap = gap;
    }
  }
  return best;
}
