import { InputError } from '../../domain/errors.js';

/**
 * The one quantile convention of the empirical methods (historical and Monte
 * Carlo), documented in docs/risk-var.md:
 *
 * - VaR at confidence c over n equally likely outcomes is the lower empirical
 *   c-quantile of the losses L = −P&L: the smallest loss ℓ with
 *   #{L ≤ ℓ} ≥ c·n, i.e. the ⌈c·n⌉-th smallest loss, i.e. the
 *   (n − ⌈c·n⌉ + 1)-th worst outcome. For n = 100 and c = 0.95 that is the
 *   6th worst loss (the original's `sorted[floor((1−c)n)]`, 0-based).
 * - CVaR (expected shortfall) is the Rockafellar–Uryasev value
 *   VaR + Σ max(L − VaR, 0) / (n(1 − c)): the mean of the worst (1 − c)
 *   fraction of outcomes, the boundary outcome counted fractionally. When
 *   n(1 − c) is a whole number it is exactly the mean of the n(1 − c) worst
 *   losses (5 of 100 at 95 %), and it is never below VaR.
 *
 * c·n is reduced by 1e-12 relative before rounding up, so that a decimal
 * confidence such as 0.999 times 1000 counts as exactly 999.
 */

const ROUNDING_SLACK = 1 - 1e-12;

export function checkConfidence(c: number, field = 'confidence'): void {
  if (!(c >= 0.5 && c < 1)) throw new InputError(field, `must be at least 0.5 and below 1 (e.g. 0.99), got ${c}`);
}

/** How many of the worst outcomes VaR and CVaR read: n − ⌈c·n⌉ + 1. */
export function tailCount(n: number, c: number): number {
  return n - Math.ceil(c * n * ROUNDING_SLACK) + 1;
}

/**
 * Fewest outcomes for which the (1 − c) tail holds at least one whole
 * outcome, ⌈1/(1 − c)⌉: 20 at 95 %, 100 at 99 %, 1000 at 99.9 %. Below it VaR
 * and CVaR would both be the single worst loss whatever c is.
 */
export function minimumOutcomes(c: number): number {
  return Math.ceil((1 / (1 - c)) * ROUNDING_SLACK);
}

export interface VarCvar {
  /** Loss at the confidence level, positive for a loss. */
  readonly var: number;
  /** Mean loss beyond it (expected shortfall), ≥ var. */
  readonly cvar: number;
}

/**
 * VaR and CVaR from the worst outcomes of n, sorted ascending by P&L (worst
 * first). `worst` must hold at least tailCount(n, c) values; later ones are
 * not read.
 */
export function varCvarFromWorst(worst: ArrayLike<number>, n: number, c: number): VarCvar {
  checkConfidence(c);
  if (!(Number.isInteger(n) && n >= 1)) throw new InputError('n', `needs at least one outcome, got ${n}`);
  const m = tailCount(n, c);
  if (worst.length < m) throw new InputError('worst', `needs the ${m} worst of ${n} outcomes, got ${worst.length}`);
  const v = -worst[m - 1]!;
  let excess = 0;
  for (let i = 0; i < m - 1; i++) excess += -worst[i]! - v;
  const cvar = v + excess / (n * (1 - c));
  // 0 rather than −0 when nothing is at risk.
  return { var: v + 0, cvar: cvar + 0 };
}

/** VaR and CVaR of a full set of outcomes (any order; not modified). */
export function varCvarOfPnl(pnl: ArrayLike<number>, c: number): VarCvar {
  const sorted = Float64Array.from(pnl).sort();
  return varCvarFromWorst(sorted, sorted.length, c);
}
