/** Value at Risk: historical, parametric (normal, Student t, Cornish–Fisher) and Monte Carlo, with CVaR. See docs/risk-var.md. */
export { parseReturnsCsv, returnsTable, logReturnColumns, type ReturnsTable } from './returnsTable.js';
export { mean, moments, columnMeans, covarianceMatrix, linearPnlSeries, quadraticForm, type Moments } from './statistics.js';
export { normalQuantile, studentTCdf, studentTPdf, studentTQuantile } from './distributions.js';
export { checkConfidence, tailCount, minimumOutcomes, varCvarFromWorst, varCvarOfPnl, type VarCvar } from './lossQuantile.js';
export { historicalPnl, historicalVar } from './historicalVar.js';
export { normalVar, studentTVar, cornishFisherVar, checkStudentNu, type PnlMoments, type ShapedPnlMoments, type CornishFisherResult } from './parametricVar.js';
export { choleskyFactor, PIVOT_TOLERANCE, type CholeskyFactor } from './cholesky.js';
export { NormalSampler, BLOCK_PATHS } from './normalSampler.js';
export { simulateChunk, simulateChunkSorted, type ChunkTask, type McModel, type McDistribution } from './monteCarloKernel.js';
export { buildMcModel, monteCarloVar, mergeWorst, minimumPaths, runInProcess, MAX_PATHS, MIN_TAIL_PATHS, type ChunkRunner, type RunOptions, type ModelSettings } from './monteCarloVar.js';
export { weightedPortfolio, resolvePortfolio, TRADING_DAYS_PER_YEAR, type Portfolio, type StockPosition, type OptionPosition, type ResolvedPortfolio } from './portfolio.js';
export { revalueBook, allocateRevaluationScratch, type BookModel, type OptionBookColumns } from './bookRevaluation.js';
export { computeVar, minimumObservations, VAR_METHODS, MIN_OBSERVATIONS, DEFAULT_NU, type VarMethod, type VarRequest, type VarResult } from './computeVar.js';
