import { logReturnColumns, type ReturnsTable } from './returnsTable.js';
import type { ResolvedPortfolio } from './portfolio.js';
import { allocateRevaluationScratch, revalueBook } from './bookRevaluation.js';
import { linearPnlSeries } from './statistics.js';
import { varCvarOfPnl, type VarCvar } from './lossQuantile.js';

/**
 * Historical simulation: each observed day is one equally likely scenario.
 * Over h days every daily return is scaled by √h (the square-root-of-time
 * rule, applied to the scenarios rather than to the final figure, so a book
 * with options is revalued at the scaled move). For a linear portfolio that
 * is exactly √h × the 1-day VaR. Quantile and CVaR follow lossQuantile.ts.
 *
 * A linear portfolio makes Σ vₐ·rₐ on a day of simple returns r. A book is
 * revalued at prices, so its scenario for asset a is the log return
 * √h·ln(1 + rₐ): at h = 1 the underlying moves to exactly S₀(1 + rₐ).
 */

const SCENARIO_BLOCK = 1024;

/** The P&L of every historical scenario, in row order. */
export function historicalPnl(table: ReturnsTable, portfolio: ResolvedPortfolio, horizonDays: number): Float64Array {
  const root = Math.sqrt(horizonDays);
  if (portfolio.book === null) return linearPnlSeries(table.columns, portfolio.exposure).map((x) => x * root);
  const n = table.dates.length;
  const d = table.assets.length;
  const out = new Float64Array(n);
  const scratch = allocateRevaluationScratch(d, SCENARIO_BLOCK);
  const returns = Array.from({ length: d }, () => new Float64Array(SCENARIO_BLOCK));
  const pnl = new Float64Array(SCENARIO_BLOCK);
  const logColumns = logReturnColumns(table);
  for (let start = 0; start < n; start += SCENARIO_BLOCK) {
    const m = Math.min(SCENARIO_BLOCK, n - start);
    for (let a = 0; a < d; a++) {
      const col = logColumns[a]!;
      const r = returns[a]!;
      for (let t = 0; t < m; t++) r[t] = col[start + t]! * root;
    }
    pnl.fill(0, 0, m);
    revalueBook(portfolio.book, portfolio.exposure, returns, m, scratch, pnl);
    out.set(pnl.subarray(0, m), start);
  }
  return out;
}

/** Historical VaR and CVaR at each confidence. */
export function historicalVar(table: ReturnsTable, portfolio: ResolvedPortfolio, confidences: readonly number[], horizonDays = 1): VarCvar[] {
  const pnl = historicalPnl(table, portfolio, horizonDays);
  return confidences.map((c) => varCvarOfPnl(pnl, c));
}
