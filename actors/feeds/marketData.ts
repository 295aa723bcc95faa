import { InputError, errorMessage } from '../../engine/domain/errors.js';
import { TIMEFRAMES, type Bar, type Quote, type Timeframe } from '../../engine/domain/market.js';
import type { Logger } from '../../engine/logger.js';
import { normaliseSymbol } from '../../engine/market/csvBars.js';
import { assertUsableQuote, screenBars, type BarRejection } from './providers/barValidation.js';
import { MarketDataError, NoMarketDataError } from './providers/marketDataError.js';
import { barFreshness, observationIsStale, quoteIsStale } from './providers/staleness.js';
import { TtlCache } from './providers/ttlCache.js';
import type { DataKind, EarningsEvent, MarketDataProvider, MarketOptionChain, ProviderName, RiskFreeRate } from './providers/types.js';

/**
 * One front door to every market data provider. For each kind of data a
 * configured priority order is tried in turn: a provider that fails (after
 * its own retries) or answers with stale data hands over to the next. Every
 * bar is screened before it is returned: a bad one is dropped and reported
 * (provider, symbol, time, field). Fresh answers are cached per kind for a
 * configured time, in a bounded cache; identical requests in flight share
 * one call. Rate limits and retries live in each provider's HTTP client.
 */

export interface FreshnessLimits {
  /** How late a bar may be published after it closed, per timeframe, before the answer counts as stale. */
  readonly barMaxAgeMs: Readonly<Record<Timeframe, number>>;
  /** Age of a quote, at the last instant the market was open, past which it is stale. */
  readonly quoteMaxAgeMs: number;
  /** Calendar days an observation of the risk-free rate may be old. */
  readonly rateMaxAgeDays: number;
}

export interface CacheSettings {
  /** Lifetime of a cached answer per kind; 0 turns caching of that kind off. */
  readonly ttlMs: Readonly<Record<DataKind, number>>;
  readonly maxEntries: number;
}

export type MarketDataEvent =
  | ({ readonly type: 'bar-rejected' } & BarRejection)
  | { readonly type: 'provider-failed'; readonly provider: ProviderName; readonly kind: DataKind; readonly symbol?: string; readonly failure: string; readonly message: string }
  | { readonly type: 'stale'; readonly provider: ProviderName; readonly kind: DataKind; readonly symbol?: string; readonly newestTs?: number; readonly expectedTs?: number }
  | { readonly type: 'served-stale'; readonly provider: ProviderName; readonly kind: DataKind; readonly symbol?: string };

/** An answer and where it came from. `stale` is true only when no provider had fresh data (the freshest stale answer is served). */
export interface Sourced<T> {
  readonly data: T;
  readonly provider: ProviderName;
  readonly stale: boolean;
  readonly cached: boolean;
}

export interface MarketDataServiceOptions {
  readonly providers: readonly MarketDataProvider[];
  /** Provider names in the order to ask, per kind. A kind left out is served by nobody. */
  readonly priorities: Readonly<Partial<Record<DataKind, readonly ProviderName[]>>>;
  readonly freshness: FreshnessLimits;
  readonly cache: CacheSettings;
  /** The engine clock (live: real time). */
  readonly clock: { now(): number };
  readonly logger: Logger;
  /** Rejections, failures and staleness, for alerting (e.g. "data feed stale"). Must not throw. */
  readonly onEvent?: (event: MarketDataEvent) => void;
}

const METHOD: Readonly<Record<DataKind, keyof MarketDataProvider>> = {
  bars: 'getBars',
  quote: 'getQuote',
  optionChain: 'getOptionChain',
  riskFreeRate: 'getRiskFreeRate',
  earnings: 'getEarnings',
};
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Bar rejections logged one by one before the rest are only counted. */
const LOGGED_REJECTIONS = 10;

/** A provider's answer after the checks: what to return, whether it is stale, and how fresh (to pick the best stale one). */
interface Judged<T> {
  readonly data: T;
  readonly stale: boolean;
  readonly freshness: number;
  readonly newestTs?: number;
  readonly expectedTs?: number;
}

export class MarketDataService {
  readonly #byName = new Map<ProviderName, MarketDataProvider>();
  readonly #opts: MarketDataServiceOptions;
  readonly #cache: TtlCache<Sourced<unknown>>;
  readonly #inFlight = new Map<string, Promise<Sourced<unknown>>>();

  constructor(opts: MarketDataServiceOptions) {
    this.#opts = opts;
    for (const p of opts.providers) {
      if (this.#byName.has(p.name)) throw new InputError('providers', `${p.name} is given twice`);
      this.#byName.set(p.name, p);
    }
    for (const [kind, names] of Object.entries(opts.priorities) as [DataKind, readonly ProviderName[]][]) {
      for (const name of names) {
        const p = this.#byName.get(name);
        if (p === undefined) throw new InputError(`priorities.${kind}`, `names ${name}, which is not configured`);
        if (typeof p[METHOD[kind]] !== 'function') throw new InputError(`priorities.${kind}`, `names ${name}, which does not serve ${kind}`);
      }
    }
    this.#cache = new TtlCache(opts.cache.maxEntries, () => opts.clock.now());
  }

  /**
   * Bars whose ts (end) lies in [from, to], epoch ms inclusive, screened and
   * in time order. `to` is capped at the clock's now: a bar that has not
   * closed yet (today's daily bar during the session) is never returned.
   * Shared with the cache and other callers: do not mutate.
   */
  async getBars(symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Sourced<readonly Bar[]>> {
    const sym = normaliseSymbol(symbol);
    if (!(TIMEFRAMES as readonly string[]).includes(timeframe)) throw new InputError('timeframe', `must be one of ${TIMEFRAMES.join(', ')}`);
    if (!Number.isFinite(from)) throw new InputError('from', `must be a finite epoch millisecond time, got ${String(from)}`);
    if (!Number.isFinite(to)) throw new InputError('to', `must be a finite epoch millisecond time, got ${String(to)}`);
    if (from > to) throw new InputError('from', 'is after to');
    const until = Math.max(from, Math.min(to, this.#opts.clock.now()));
    return this.#serve<readonly Bar[]>('bars', `bars|${sym}|${timeframe}|${from}|${until}`, sym, (p) => p.barTimeframes?.includes(timeframe) ?? false, async (p) => {
      const raw = await p.getBars!(sym, timeframe, from, until);
      const { bars, rejected } = screenBars({ provider: p.name, symbol: sym, timeframe, from, to: until, bars: raw });
      this.#reportRejections(rejected);
      const newestTs = bars.at(-1)?.ts;
      const f = barFreshness({ timeframe, from, to: until, now: this.#opts.clock.now(), maxAgeMs: this.#opts.freshness.barMaxAgeMs[timeframe], newestTs });
      return { data: bars, stale: f.stale, freshness: newestTs ?? Number.NEGATIVE_INFINITY, newestTs, expectedTs: f.expectedTs };
    });
  }

  async getQuote(symbol: string): Promise<Sourced<Quote>> {
    const sym = normaliseSymbol(symbol);
    return this.#serve<Quote>('quote', `quote|${sym}`, sym, () => true, async (p) => {
      const q = assertUsableQuote(p.name, await p.getQuote!(sym));
      if (q.symbol !== sym) throw new MarketDataError(p.name, 'shape', `quote is for ${q.symbol}`, { symbol: sym, field: 'symbol' });
      const stale = quoteIsStale(q.ts, this.#opts.clock.now(), this.#opts.freshness.quoteMaxAgeMs);
      return { data: q, stale, freshness: q.ts, newestTs: q.ts };
    });
  }

  /** The provider's current chain, labelled and filtered at `asOf` (pass the engine's now). */
  async getOptionChain(underlying: string, asOf: number): Promise<Sourced<MarketOptionChain>> {
    const sym = normaliseSymbol(underlying, 'underlying');
    if (!Number.isFinite(asOf)) throw new InputError('asOf', `must be a finite epoch millisecond time, got ${String(asOf)}`);
    return this.#serve<MarketOptionChain>('optionChain', `chain|${sym}|${asOf}`, sym, () => true, async (p) => {
      const chain = await p.getOptionChain!(sym, asOf);
      if (chain.rejected.length > 0) {
        this.#opts.logger.warn({ provider: p.name, symbol: sym, rejected: chain.rejected.length, examples: chain.rejected.slice(0, 3) }, 'option contracts with unusable fields left out');
      }
      if (chain.expiries.length === 0) throw new MarketDataError(p.name, 'no-data', 'the chain lists no live contract', { symbol: sym, field: 'expiries' });
      return { data: chain, stale: false, freshness: 0 };
    });
  }

  async getRiskFreeRate(): Promise<Sourced<RiskFreeRate>> {
    return this.#serve<RiskFreeRate>('riskFreeRate', 'rate', undefined, () => true, async (p) => {
      const r = await p.getRiskFreeRate!();
      const stale = observationIsStale(r.date, this.#opts.clock.now(), this.#opts.freshness.rateMaxAgeDays);
      return { data: r, stale, freshness: Date.parse(`${r.date}T00:00:00Z`) };
    });
  }

  /** Reports dated in [from, to], New York dates inclusive. */
  async getEarnings(from: string, to: string): Promise<Sourced<readonly EarningsEvent[]>> {
    if (!DATE_RE.test(from)) throw new InputError('from', `must be a date YYYY-MM-DD, got ${JSON.stringify(from)}`);
    if (!DATE_RE.test(to)) throw new InputError('to', `must be a date YYYY-MM-DD, got ${JSON.stringify(to)}`);
    if (from > to) throw new InputError('from', 'is after to');
    return this.#serve<readonly EarningsEvent[]>('earnings', `earnings|${from}|${to}`, undefined, () => true, async (p) => {
      const events = await p.getEarnings!(from, to);
      return { data: events, stale: false, freshness: 0 };
    });
  }

  /** Drops every cached answer (e.g. after a configuration change). */
  clearCache(): void {
    this.#cache.clear();
  }

  #emit(event: MarketDataEvent): void {
    try {
      this.#opts.onEvent?.(event);
    } catch (e) {
      this.#opts.logger.error({ err: errorMessage(e), event: event.type }, 'market data event handler threw');
    }
  }

  #reportRejections(rejected: readonly BarRejection[]): void {
    rejected.forEach((r, i) => {
      if (i < LOGGED_REJECTIONS) {
        this.#opts.logger.warn({ provider: r.provider, symbol: r.symbol, time: Number.isFinite(r.ts) ? new Date(r.ts).toISOString() : String(r.ts), field: r.field, reason: r.message }, 'bar rejected');
      }
      this.#emit({ type: 'bar-rejected', ...r });
    });
    if (rejected.length > LOGGED_REJECTIONS) {
      this.#opts.logger.warn({ provider: rejected[0]!.provider, symbol: rejected[0]!.symbol, more: rejected.length - LOGGED_REJECTIONS }, 'further bars rejected');
    }
  }

  #candidates(kind: DataKind, accepts: (p: MarketDataProvider) => boolean): MarketDataProvider[] {
    const names = this.#opts.priorities[kind] ?? [];
    return names.map((n) => this.#byName.get(n)!).filter((p) => typeof p[METHOD[kind]] === 'function' && accepts(p));
  }

  #serve<T>(
    kind: DataKind,
    key: string,
    symbol: string | undefined,
    accepts: (p: MarketDataProvider) => boolean,
    ask: (p: MarketDataProvider) => Promise<Judged<T>>,
  ): Promise<Sourced<T>> {
    const hit = this.#cache.get(key) as Sourced<T> | undefined;
    if (hit !== undefined) return Promise.resolve({ ...hit, cached: true });
    const pending = this.#inFlight.get(key) as Promise<Sourced<T>> | undefined;
    if (pending !== undefined) return pending;
    const run = this.#tryInOrder(kind, key, symbol, accepts, ask).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, run);
    return run;
  }

  async #tryInOrder<T>(
    kind: DataKind,
    key: string,
    symbol: string | undefined,
    accepts: (p: MarketDataProvider) => boolean,
    ask: (p: MarketDataProvider) => Promise<Judged<T>>,
  ): Promise<Sourced<T>> {
    const attempts: { provider: ProviderName; reason: string }[] = [];
    let best: { provider: ProviderName; judged: Judged<T> } | undefined;
    const where = symbol === undefined ? {} : { symbol };
    for (const p of this.#candidates(kind, accepts)) {
      let judged: Judged<T>;
      try {
        judged = await ask(p);
      } catch (e) {
        const failure = e instanceof MarketDataError ? e.failure : 'error';
        const message = errorMessage(e);
        attempts.push({ provider: p.name, reason: message });
        this.#opts.logger.warn({ provider: p.name, kind, ...where, failure, reason: message }, 'market data provider failed; trying the next');
        this.#emit({ type: 'provider-failed', provider: p.name, kind, ...where, failure, message });
        continue;
      }
      if (!judged.stale) {
        const answer: Sourced<T> = { data: judged.data, provider: p.name, stale: false, cached: false };
        this.#cache.set(key, answer, this.#opts.cache.ttlMs[kind]);
        return answer;
      }
      attempts.push({ provider: p.name, reason: 'stale data' });
      const detail = {
        ...(judged.newestTs === undefined ? {} : { newestTs: judged.newestTs }),
        ...(judged.expectedTs === undefined ? {} : { expectedTs: judged.expectedTs }),
      };
      this.#opts.logger.warn({ provider: p.name, kind, ...where, ...detail }, 'market data provider answered with stale data; trying the next');
      this.#emit({ type: 'stale', provider: p.name, kind, ...where, ...detail });
      if (best === undefined || judged.freshness > best.judged.freshness) best = { provider: p.name, judged };
    }
    if (best !== undefined) {
      // Stale data beats none, but it is never cached and always flagged.
      this.#opts.logger.warn({ provider: best.provider, kind, ...where }, 'no provider had fresh data; serving the freshest stale answer');
      this.#emit({ type: 'served-stale', provider: best.provider, kind, ...where });
      return { data: best.judged.data, provider: best.provider, stale: true, cached: false };
    }
    throw new NoMarketDataError(kind, attempts, where);
  }
}
