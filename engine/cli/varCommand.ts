import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { InputError, errorMessage } from '../domain/errors.js';
import { Decimal, moneyFromNumber, moneyString } from '../domain/money.js';
import { parseDecimalFlag, parseIntegerFlag } from './parse.js';
import { parseReturnsCsv } from '../risk/var/returnsTable.js';
import { weightedPortfolio } from '../risk/var/portfolio.js';
import { computeVar, DEFAULT_NU, VAR_METHODS, type VarMethod, type VarResult } from '../risk/var/computeVar.js';
import { MAX_PATHS, MIN_TAIL_PATHS, minimumPaths, runInProcess } from '../risk/var/monteCarloVar.js';
import type { McDistribution } from '../risk/var/monteCarloKernel.js';
import { createVarPool, defaultVarThreads, MAX_VAR_THREADS } from '../../actors/varPool.js';

interface VarFlags {
  returns: string;
  value: string;
  weights?: number[];
  method: VarMethod[];
  confidence: number[];
  horizonDays: number;
  paths: number;
  seed: number;
  workers?: number;
  dist: McDistribution;
  nu: number;
  json?: boolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseNumberList(flag: string, check?: (n: number, raw: string) => void) {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    return parts.map((raw) => {
      const n = Number(raw);
      if (!NUMBER.test(raw) || !Number.isFinite(n)) throw new InputError(flag, `expected comma-separated numbers, got ${JSON.stringify(raw)}`);
      check?.(n, raw);
      return n;
    });
  };
}

const parseConfidences = parseNumberList('--confidence', (c, raw) => {
  if (!(c >= 0.5 && c < 1)) throw new InputError('--confidence', `each level must be at least 0.5 and below 1 (e.g. 0.99), got ${raw}`);
});

function parseMethods(value: string): VarMethod[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new InputError('--method', 'expected a method name');
  const out = new Set<VarMethod>();
  for (const name of names) {
    if (name === 'all') VAR_METHODS.forEach((m) => out.add(m));
    else if ((VAR_METHODS as readonly string[]).includes(name)) out.add(name as VarMethod);
    else throw new InputError('--method', `expected ${VAR_METHODS.join(', ')} or all (comma-separated), got ${JSON.stringify(name)}`);
  }
  return VAR_METHODS.filter((m) => out.has(m));
}

function parseDist(value: string): McDistribution {
  const v = value.trim().toLowerCase();
  if (v === 'normal' || v === 't') return v;
  throw new InputError('--dist', `expected normal or t, got ${JSON.stringify(value)}`);
}

function parseNu(value: string): number {
  const n = Number(value);
  if (!NUMBER.test(value.trim()) || !(n > 2) || !Number.isFinite(n)) throw new InputError('--nu', `Student t degrees of freedom must be a number above 2, got ${JSON.stringify(value)}`);
  return n;
}

/** VaR and CVaR leave statistics here: currency amounts as decimal strings (8 places, the money scale). */
function money(x: number, field: string): string {
  return moneyString(moneyFromNumber(x, field, 8));
}

export function varResultJson(r: VarResult): Record<string, unknown> {
  return {
    method: r.method,
    confidence: r.confidence,
    var: money(r.var, 'var'),
    cvar: money(r.cvar, 'cvar'),
    horizonDays: r.horizonDays,
    observations: r.observations,
    ...(r.dist !== undefined ? { dist: r.dist } : {}),
    ...(r.nu !== undefined ? { nu: r.nu } : {}),
    ...(r.paths !== undefined ? { paths: r.paths, seed: r.seed } : {}),
    ...(r.repairedAssets !== undefined ? { repairedAssets: r.repairedAssets } : {}),
    ...(r.warning !== undefined ? { warning: r.warning } : {}),
  };
}

export function formatVarTable(results: readonly VarResult[], value: Decimal, assets: readonly string[]): string {
  const first = results[0];
  const head = `Value at Risk of ${moneyString(value)} in ${assets.join(', ')}${first ? ` over ${first.horizonDays} day(s), ${first.observations} return rows` : ''}`;
  const label = (r: VarResult) => {
    if (r.method === 'montecarlo') return `montecarlo (${r.dist === 't' ? `t, ν=${r.nu}` : 'normal'}, ${r.paths} paths, seed ${r.seed})`;
    if (r.method === 'parametric') return `parametric (${r.dist === 't' ? `t, ν=${r.nu}` : 'normal'})`;
    return r.method;
  };
  const rows = results.map((r) => [label(r), `${(r.confidence * 100).toPrecision(4).replace(/\.?0+$/, '')} %`, moneyFromNumber(r.var, 'var', 2).toFixed(2), moneyFromNumber(r.cvar, 'cvar', 2).toFixed(2)]);
  const header = ['method', 'confidence', 'VaR', 'CVaR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`;
  const notes = results.flatMap((r) => [
    ...(r.warning ? [`  note (${label(r)}, ${r.confidence}): ${r.warning}`] : []),
    ...(r.repairedAssets && r.confidence === results.find((x) => x.method === r.method)?.confidence
      ? [`  note: covariance is singular; ${r.repairedAssets.join(', ')} treated as combinations of earlier assets (Cholesky repair)`]
      : []),
  ]);
  return `${head}\n${line(header)}\n${rows.map(line).join('\n')}\n${notes.length > 0 ? `${notes.join('\n')}\n` : ''}  VaR and CVaR are losses in currency (positive = loss).\n`;
}

export function registerVarCommand(program: Command): void {
  program
    .command('var')
    .description('Value at Risk and CVaR of a portfolio from a CSV of daily returns: historical, parametric (normal or t), Cornish–Fisher, Monte Carlo')
    .requiredOption('--returns <file.csv>', 'CSV: header "date,<ASSET>,…", one row per date (YYYY-MM-DD), simple daily returns (0.01 = +1 %)')
    .requiredOption('--value <V>', 'portfolio value in currency, ≥ 0', parseDecimalFlag('--value'))
    .option('--weights <w1,w2,…>', 'weight per return column, in column order (default equal); exposure = V × weight, may be negative', parseNumberList('--weights'))
    .addOption(new Option('--method <name>', `${VAR_METHODS.join(', ')} or all; comma-separated for several`).argParser(parseMethods).default([...VAR_METHODS], 'all'))
    .addOption(new Option('--confidence <c1,c2,…>', 'confidence levels, each in [0.5, 1)').argParser(parseConfidences).default([0.95, 0.99], '0.95,0.99'))
    .option('--horizon-days <D>', 'horizon in trading days (see docs/risk-var.md for how each method scales)', parseIntegerFlag('--horizon-days', 1, 252), 1)
    .option('--paths <N>', 'Monte Carlo paths', parseIntegerFlag('--paths', 1, MAX_PATHS), 100_000)
    .option('--seed <S>', 'Monte Carlo seed; same seed, same figures, whatever --workers', parseIntegerFlag('--seed', 0, 2 ** 31 - 1), 42)
    .option('--workers <W>', `Monte Carlo worker threads (0 = on the main thread; default ${defaultVarThreads()})`, parseIntegerFlag('--workers', 0, MAX_VAR_THREADS))
    .option('--dist <normal|t>', 'distribution of parametric and montecarlo', parseDist, 'normal' as McDistribution)
    .option('--nu <ν>', 'Student t degrees of freedom (> 2) for --dist t', parseNu, DEFAULT_NU)
    .option('--json', 'print exactly one JSON object {"results":[{method, confidence, var, cvar, …}]} on stdout')
    .addHelpText(
      'after',
      '\nConventions: VaR and CVaR are positive losses in currency over the horizon; historical and Monte Carlo use the\n' +
        'lower empirical quantile (the ⌈c·n⌉-th smallest loss) and Rockafellar–Uryasev CVaR; see docs/risk-var.md.\n' +
        'Example: wsb var --returns returns.csv --value 1000000 --weights 0.6,0.4 --method all --confidence 0.95,0.99 --json',
    )
    .action(async (flags: VarFlags) => {
      let text: string;
      try {
        text = await readFile(flags.returns, 'utf8');
      } catch (e) {
        throw new InputError('--returns', `cannot read ${flags.returns}: ${errorMessage(e)}`);
      }
      const table = parseReturnsCsv(text, flags.returns);
      const value = new Decimal(flags.value);
      if (flags.weights !== undefined && flags.weights.length !== table.assets.length) {
        throw new InputError('--weights', `${flags.weights.length} weights for ${table.assets.length} return columns (${table.assets.join(', ')})`);
      }
      const portfolio = weightedPortfolio(table.assets, value.toNumber(), flags.weights);
      if (flags.method.includes('montecarlo')) {
        for (const c of flags.confidence) {
          const min = minimumPaths(c);
          if (flags.paths < min) throw new InputError('--paths', `Monte Carlo VaR at ${c} needs at least ${min} paths (${MIN_TAIL_PATHS} beyond the VaR), got ${flags.paths}`);
        }
      }
      const wantsPool = flags.method.includes('montecarlo') && flags.workers !== 0;
      const pool = wantsPool ? createVarPool({ threads: flags.workers ?? defaultVarThreads() }) : undefined;
      let results: VarResult[];
      try {
        results = await computeVar({
          table,
          portfolio,
          methods: flags.method,
          confidences: flags.confidence,
          horizonDays: flags.horizonDays,
          dist: flags.dist,
          nu: flags.nu,
          paths: flags.paths,
          seed: flags.seed,
          runner: pool?.run ?? runInProcess,
          source: flags.returns,
        });
      } finally {
        await pool?.close();
      }
      process.stdout.write(flags.json ? `${JSON.stringify({ results: results.map(varResultJson) })}\n` : formatVarTable(results, value, table.assets));
    });
}
