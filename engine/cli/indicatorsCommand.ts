import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { DataError, errorMessage } from '../domain/errors.js';
import type { Timeframe } from '../domain/market.js';
import { nyParts } from '../domain/session.js';
import { parseBarsCsv } from '../market/csvBars.js';
import type { IndicatorSnapshot, PatternFlags } from '../market/indicatorSnapshot.js';
import { indicatorSnapshots, SNAPSHOT_PERIODS } from '../market/indicatorSnapshot.js';
import { parseIntegerFlag } from './parse.js';

export const DEFAULT_TEXT_TAIL = 20;

export type IndicatorRow = { readonly time: string } & IndicatorSnapshot;

/**
 * parseBarsCsv wants a symbol and a timeframe only to stamp bars and name
 * them in errors: the symbol is the file's name where that is a valid ticker
 * (AAPL.csv → AAPL), and the timeframe follows the time column (Date → 1d,
 * Datetime → 5m), so any file `wsb data import` accepts is read here too.
 */
function symbolOf(file: string): string {
  const name = path.basename(file).replace(/\.csv$/i, '').toUpperCase();
  return /^[A-Z0-9][A-Z0-9.-]{0,14}$/.test(name) ? name : 'BARS';
}

function timeframeOf(text: string): Timeframe {
  const header = (text.split('\n', 1)[0] ?? '').toLowerCase().split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  return header.includes('datetime') ? '5m' : '1d';
}

function timeText(ts: number, timeframe: Timeframe): string {
  if (timeframe === '1d') return nyParts(ts).date;
  const iso = new Date(ts).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** Reads and validates the CSV (DataError naming the file, line and field) and computes every row. */
export async function indicatorRows(file: string): Promise<{ symbol: string; timeframe: Timeframe; rows: IndicatorRow[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read: ${errorMessage(e)}`, { file });
  }
  const symbol = symbolOf(file);
  const timeframe = timeframeOf(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const bars = parseBarsCsv(text, { symbol, timeframe, file });
  const rows = indicatorSnapshots(bars).map((s) => ({ time: timeText(s.ts, timeframe), ...s }));
  return { symbol, timeframe, rows };
}

const PATTERN_NAMES: ReadonlyArray<keyof PatternFlags> = [
  'doji', 'spinningTop', 'hammer', 'shootingStar', 'engulfing', 'harami', 'star', 'threeWhiteSoldiers', 'threeBlackCrows',
];

/** The patterns present, signed: "+hammer −engulfing doji" (neutral ones unsigned). */
export function patternText(p: PatternFlags): string {
  const parts: string[] = [];
  for (const name of PATTERN_NAMES) {
    const v = p[name];
    if (v === null || v === 0) continue;
    const neutral = name === 'doji' || name === 'spinningTop';
    const label = name === 'star' ? (v > 0 ? 'morningStar' : 'eveningStar') : name;
    parts.push(neutral ? label : `${v > 0 ? '+' : '−'}${label}`);
  }
  return parts.join(' ');
}

const COLUMNS: ReadonlyArray<readonly [string, (r: IndicatorRow) => number | null, number]> = [
  ['close', (r) => r.close, 2],
  ['sma20', (r) => r.sma20, 2],
  ['sma50', (r) => r.sma50, 2],
  ['sma200', (r) => r.sma200, 2],
  ['ema12', (r) => r.ema12, 2],
  ['ema26', (r) => r.ema26, 2],
  ['rsi14', (r) => r.rsi14, 2],
  ['macd', (r) => r.macd.line, 4],
  ['signal', (r) => r.macd.signal, 4],
  ['bb.lower', (r) => r.bollinger.lower, 2],
  ['bb.upper', (r) => r.bollinger.upper, 2],
  ['atr14', (r) => r.atr14, 4],
  ['vwap', (r) => r.vwap, 2],
  ['vol20', (r) => r.volatility20, 4],
  ['pivot', (r) => r.pivots?.classic.pivot ?? null, 2],
];

/** A readable table of the last rows: the main values; `--json` has every value. */
export function formatIndicatorTable(symbol: string, timeframe: Timeframe, rows: readonly IndicatorRow[], total: number): string {
  const header = ['time', ...COLUMNS.map(([name]) => name), 'patterns'];
  const body = rows.map((r) => [r.time, ...COLUMNS.map(([, get, digits]) => get(r)?.toFixed(digits) ?? '—'), patternText(r.patterns)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const p = SNAPSHOT_PERIODS;
  const title =
    `Indicators for ${symbol} (${timeframe}; ${rows.length === total ? `all ${total}` : `last ${rows.length} of ${total}`} bars; — = not warm yet)\n` +
    `RSI and ATR Wilder ${p.rsi}; MACD ${p.macd.fast}/${p.macd.slow}/${p.macd.signal}; Bollinger ${p.bollinger.period}, ${p.bollinger.k}σ; ` +
    `vol20 annualised (√252); pivot classic from the prior bar. --json prints every value.\n`;
  return `${title}${[line(header), ...body.map(line)].join('\n')}\n`;
}

export function registerIndicatorsCommand(program: Command): void {
  program
    .command('indicators')
    .description('every indicator and candlestick pattern, per bar, of a CSV of bars (the format of `wsb data import`)')
    .requiredOption('--input <file>', 'CSV with Date or Datetime, Open, High, Low, Close, Volume (Adj Close ignored)')
    .option('--tail <n>', `only the last n bars (computed over the whole file); text output defaults to ${DEFAULT_TEXT_TAIL}, --json to all`, parseIntegerFlag('--tail', 1))
    .option('--json', 'print exactly one JSON object {"bars": [...]} on stdout')
    .addHelpText(
      'after',
      '\nPeriods: SMA 20/50/200, EMA 12/26, Wilder RSI 14, MACD 12/26/9, Bollinger 20 with 2 population σ, Wilder ATR 14, ' +
        'session VWAP (reset each New York date), volatility of 20 log returns annualised by √252, pivot points ' +
        '(classic, fibonacci, woodie, camarilla) from the prior bar. Values not warm yet are null. ' +
        'Pattern flags: +1 bullish, −1 bearish, 0 none, null until enough bars; doji and spinningTop are 1 when present (no direction).',
    )
    .action(async (flags: { input: string; tail?: number; json?: boolean }) => {
      const { symbol, timeframe, rows } = await indicatorRows(flags.input);
      const tail = flags.tail ?? (flags.json ? rows.length : DEFAULT_TEXT_TAIL);
      const shown = rows.slice(Math.max(0, rows.length - tail));
      process.stdout.write(flags.json ? `${JSON.stringify({ bars: shown })}\n` : formatIndicatorTable(symbol, timeframe, shown, rows.length));
    });
}
