import { z } from 'zod';
import { InputError } from '../../../engine/domain/errors.js';
import type { Logger } from '../../../engine/logger.js';
import { loadEarningsCalendar, type EarningsEvent } from '../../../engine/market/barLoader.js';
import { normaliseSymbol } from '../../../engine/market/csvBars.js';
import { JsonHttpClient, type HttpTiming, type RateBudget, type RetryPolicy } from './http.js';
import type { Secret } from './secret.js';
import type { MarketDataProvider } from './types.js';
import { isoDate } from './wire.js';

/**
 * Earnings calendars. The default is the calendar bundled with the data set
 * (`<root>/market/earnings.csv`); Finnhub's `/api/v1/calendar/earnings` is
 * the live one, chosen because it states the report timing (`hour`:
 * bmo / amc) the earnings strategies need, and takes its key in a header
 * (`X-Finnhub-Token`).
 */

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function checkRange(from: string, to: string): void {
  if (!DATE_RE.test(from)) throw new InputError('from', `must be a date YYYY-MM-DD, got ${JSON.stringify(from)}`);
  if (!DATE_RE.test(to)) throw new InputError('to', `must be a date YYYY-MM-DD, got ${JSON.stringify(to)}`);
  if (from > to) throw new InputError('from', 'is after to');
}

const byDateThenSymbol = (a: EarningsEvent, b: EarningsEvent): number =>
  a.date < b.date ? -1 : a.date > b.date ? 1 : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;

/** The bundled calendar of a data root, read once. */
export function createBundledEarningsProvider(opts: { readonly root: string }): MarketDataProvider {
  let calendar: Promise<EarningsEvent[]> | undefined;
  async function getEarnings(from: string, to: string): Promise<EarningsEvent[]> {
    checkRange(from, to);
    calendar ??= loadEarningsCalendar(opts.root);
    try {
      return (await calendar).filter((e) => e.date >= from && e.date <= to);
    } catch (e) {
      calendar = undefined; // a file fixed on disk is read again next time
      throw e;
    }
  }
  return { name: 'bundled', getEarnings };
}

export interface FinnhubOptions extends HttpTiming {
  readonly apiKey: Secret;
  /** Default https://finnhub.io. */
  readonly baseUrl: string;
  /** Documented budget: 60 requests a minute on the free plan. */
  readonly budget: RateBudget;
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

const finnhubSchema = z.object({
  earningsCalendar: z.array(
    z.object({
      date: isoDate,
      symbol: z.string(),
      // bmo, amc, dmh (during market hours) or "" when unknown.
      hour: z.string().nullable().optional(),
    }),
  ),
});

export function createFinnhubEarningsProvider(opts: FinnhubOptions): MarketDataProvider {
  const http = new JsonHttpClient({
    provider: 'finnhub',
    baseUrl: opts.baseUrl,
    headers: { 'X-Finnhub-Token': opts.apiKey },
    budget: opts.budget,
    timeoutMs: opts.timeoutMs,
    retry: opts.retry,
    logger: opts.logger,
    fetch: opts.fetch,
    sleep: opts.sleep,
    random: opts.random,
    timeoutSignal: opts.timeoutSignal,
    now: opts.now,
  });

  async function getEarnings(from: string, to: string): Promise<EarningsEvent[]> {
    checkRange(from, to);
    const r = await http.get('/api/v1/calendar/earnings', { from, to }, finnhubSchema, {});
    const out: EarningsEvent[] = [];
    const seen = new Set<string>();
    const skipped: string[] = [];
    for (const e of r.earningsCalendar) {
      const timing = e.hour === 'bmo' ? 'BMO' : e.hour === 'amc' ? 'AMC' : undefined;
      let symbol: string;
      try {
        symbol = normaliseSymbol(e.symbol);
      } catch {
        skipped.push(`${e.symbol} ${e.date} (symbol)`);
        continue;
      }
      // Strategies trade around the close before or the open after a report;
      // a report during market hours or at an unknown time fits neither.
      if (timing === undefined) {
        skipped.push(`${symbol} ${e.date} (hour ${JSON.stringify(e.hour ?? '')})`);
        continue;
      }
      if (e.date < from || e.date > to || seen.has(`${symbol} ${e.date}`)) continue;
      seen.add(`${symbol} ${e.date}`);
      out.push({ symbol, date: e.date, timing });
    }
    if (skipped.length > 0) {
      opts.logger.info({ provider: 'finnhub', skipped: skipped.length, examples: skipped.slice(0, 5) }, 'earnings events without a usable timing or symbol left out');
    }
    return out.sort(byDateThenSymbol);
  }

  return { name: 'finnhub', getEarnings };
}
