import { DataError, InputError } from '../../domain/errors.js';
import type { ReturnsTable } from './returnsTable.js';
import { resolvePortfolio, type Portfolio, type ResolvedPortfolio } from './portfolio.js';
import { linearPnlSeries, moments } from './statistics.js';
import { checkConfidence, minimumOutcomes, varCvarOfPnl, type VarCvar } from './lossQuantile.js';
import { cornishFisherVar, checkStudentNu, normalVar, studentTVar } from './parametricVar.js';
import { historicalPnl } from './historicalVar.js';
import { buildMcModel, monteCarloVar, type ChunkRunner } from './monteCarloVar.js';
import type { McDistribution } from './monteCarloKernel.js';

/**
 * One VaR report: every requested method at every confidence level, for a
 * portfolio and a table of daily returns. The figures are currency amounts
 * over the horizon, VaR and CVaR positive for a loss.
 */

export const VAR_METHODS = ['historical', 'parametric', 'cornish-fisher', 'montecarlo'] as const;
export type VarMethod = (typeof VAR_METHODS)[number];

/** Fewest return rows any method accepts (the original needed 30 and zero-padded shorter series; here it is an error). */
export const MIN_OBSERVATIONS = 30;
export const DEFAULT_NU = 5;

export interface VarRequest {
  readonly table: ReturnsTable;
  readonly portfolio: Portfolio;
  readonly methods: readonly VarMethod[];
  readonly confidences: readonly number[];
  readonly horizonDays: number;
  /** Distribution of `parametric` and `montecarlo`. */
  readonly dist: McDistribution;
  /** Student t degrees of freedom (> 2). */
  readonly nu: number;
  readonly paths: number;
  readonly seed: number;
  readonly chunkPaths?: number;
  readonly runner?: ChunkRunner;
  /** Names the data in errors (the CSV path). */
  readonly source?: string;
}

export interface VarResult {
  readonly method: VarMethod;
  readonly confidence: number;
  readonly var: number;
  readonly cvar: number;
  readonly horizonDays: number;
  readonly observations: number;
  /** Distribution assumed (parametric and montecarlo). */
  readonly dist?: McDistribution;
  readonly nu?: number;
  readonly paths?: number;
  readonly seed?: number;
  /** Assets the Cholesky repair treated as combinations of earlier ones (montecarlo). */
  readonly repairedAssets?: readonly string[];
  readonly warning?: string;
}

/** The fewest return rows `method` accepts at confidence c. */
export function minimumObservations(method: VarMethod, c: number): number {
  return method === 'historical' ? Math.max(MIN_OBSERVATIONS, minimumOutcomes(c)) : MIN_OBSERVATIONS;
}

function checkRequest(req: VarRequest): void {
  if (req.methods.length === 0) throw new InputError('method', 'at least one method is needed');
  if (req.confidences.length === 0) throw new InputError('confidence', 'at least one confidence level is needed');
  req.confidences.forEach((c) => checkConfidence(c));
  if (!(Number.isInteger(req.horizonDays) && req.horizonDays >= 1)) throw new InputError('horizonDays', `must be a whole number of days ≥ 1, got ${req.horizonDays}`);
  if (req.dist !== 'normal' && req.dist !== 't') throw new InputError('dist', `must be normal or t, got ${String(req.dist)}`);
  if (req.dist === 't') checkStudentNu(req.nu);
}

/** Every (method, confidence) needs enough rows; the error names the strictest unmet minimum. */
function checkObservations(req: VarRequest): void {
  const n = req.table.dates.length;
  let worst: { method: VarMethod; c: number; min: number } | undefined;
  for (const method of req.methods) {
    for (const c of req.confidences) {
      const min = minimumObservations(method, c);
      if (n < min && (worst === undefined || min > worst.min)) worst = { method, c, min };
    }
  }
  if (worst === undefined) return;
  const why = worst.min > MIN_OBSERVATIONS ? ` (at least 1/(1 − c) rows so the tail holds a whole observation; every method needs ${MIN_OBSERVATIONS})` : '';
  throw new DataError(`${n} return rows; ${worst.method} VaR at confidence ${worst.c} needs at least ${worst.min}${why}`, {
    file: req.source,
    
  });
}

export async function computeVar(req: VarRequest): Promise<VarResult[]> {
  checkRequest(req);
  const table = req.table;
  const h = req.horizonDays;
  const resolved = resolvePortfolio(req.portfolio, table.assets, h);
  const n = table.dates.length;
  const common = { horizonDays: h, observations: n };
  if (resolved.empty) {
    // Nothing held: nothing at risk, whatever the data.
    return req.methods.flatMap((method) => req.confidences.map((confidence) => ({ method, confidence, var: 0, cvar: 0, ...common, ...distFields(method, req) })));
  }
  checkObservations(req);
  if (resolved.book !== null && req.methods.some((m) => m === 'parametric' || m === 'cornish-fisher')) {
    throw new InputError('method', 'parametric and cornish-fisher VaR assume a linear portfolio; a book with options is revalued in full by historical or montecarlo');
  }

  const results: VarResult[] = [];
  for (const method of req.methods) {
    const figures = await runMethod(method, req, resolved);
    req.confidences.forEach((confidence, i) => {
      const f = figures.results[i]!;
      results.push({ method, confidence, var: f.var, cvar: f.cvar, ...common, ...distFields(method, req), ...figures.extra, ...(f.warning ? { warning: f.warning } : {}) });
    });
  }
  return results;
}

function distFields(method: VarMethod, req: VarRequest): Partial<VarResult> {
  if (method === 'parametric') return req.dist === 't' ? { dist: 't', nu: req.nu } : { dist: 'normal' };
  if (method === 'montecarlo') return { ...(req.dist === 't' ? { dist: 't' as const, nu: req.nu } : { dist: 'normal' as const }), paths: req.paths, seed: req.seed };
  return {};
}

interface MethodFigures {
  readonly results: ReadonlyArray<VarCvar & { warning?: string }>;
  readonly extra: Partial<VarResult>;
}

async function runMethod(method: VarMethod, req: VarRequest, resolved: ResolvedPortfolio): Promise<MethodFigures> {
  const { table, confidences, horizonDays: h } = req;
  switch (method) {
    case 'historical': {
      const pnl = historicalPnl(table, resolved, h);
      return { results: confidences.map((c) => varCvarOfPnl(pnl, c)), extra: {} };
    }
    case 'parametric': {
      const m = moments(linearPnlSeries(table.columns, resolved.exposure));
      return { results: confidences.map((c) => (req.dist === 't' ? studentTVar(m, req.nu, c, h) : normalVar(m, c, h))), extra: {} };
    }
    case 'cornish-fisher': {
      const m = moments(linearPnlSeries(table.columns, resolved.exposure));
      return { results: confidences.map((c) => cornishFisherVar(m, c, h)), extra: {} };
    }
    case 'montecarlo': {
      const model = buildMcModel(table, resolved, { horizonDays: h, dist: req.dist, nu: req.nu, seed: req.seed });
      const results = await monteCarloVar(model, { paths: req.paths, confidences, chunkPaths: req.chunkPaths, runner: req.runner });
      const repaired = model.zeroedPivots.map((i) => table.assets[i]!);
      return { results, extra: repaired.length > 0 ? { repairedAssets: repaired } : {} };
    }
  }
}
