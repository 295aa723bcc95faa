import type { OptionRight } from '../../../engine/domain/instrument.js';
import type { Bar, Quote, Timeframe } from '../../../engine/domain/market.js';
import type { EarningsEvent } from '../../../engine/market/barLoader.js';

export type { EarningsEvent };

/** The providers this engine can talk to; `bundled` is the earnings calendar shipped in `data/`. */
export const PROVIDER_NAMES = ['alpaca', 'polygon', 'yahoo', 'fred', 'finnhub', 'bundled'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What a request asks for; each kind has its own priority order, cache lifetime and staleness rule. */
export const DATA_KINDS = ['bars', 'quote', 'optionChain', 'riskFreeRate', 'earnings'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

/** One contract of a provider's option chain. Fields a provider does not publish are null, never invented. */
export interface MarketOptionQuote {
  /** OCC symbol padded to 21 characters, as `engine/domain/instrument.ts` writes it. */
  readonly symbol: string;
  readonly expiry: string;
  readonly right: OptionRight;
  /** Exact decimal strike, e.g. "152.5". */
  readonly strike: string;
  readonly strikePrice: number;
  /** Calendar days from the chain's New York date to the expiry date. */
  readonly dte: number;
  readonly bid: number | null;
  readonly ask: number | null;
  /** (bid + ask) / 2 when both sides are quoted. */
  readonly mid: number | null;
  readonly iv: number | null;
  readonly delta: number | null;
  readonly gamma: number | null;
  readonly theta: number | null;
  readonly vega: number | null;
  readonly rho: number | null;
  readonly openInterest: number | null;
  readonly volume: number | null;
  /** When the quote was made, epoch ms. */
  readonly quoteTs: number | null;
}

export interface MarketChainExpiry {
  readonly expiry: string;
  readonly dte: number;
  /** The third-Friday expiry of its month. */
  readonly monthly: boolean;
  /** Ascending by strike. Unlike the synthetic chain, a strike may be listed on one side only. */
  readonly calls: readonly MarketOptionQuote[];
  readonly puts: readonly MarketOptionQuote[];
}

/**
 * A provider's option chain, grouped like the synthetic `OptionChain` of
 * `engine/market/optionChains.ts` (expiries ascending) but carrying only
 * what the provider published.
 */
export interface MarketOptionChain {
  readonly underlying: string;
  /** The instant DTE is measured from and expired contracts are left out at. */
  readonly asOf: number;
  /** New York date of `asOf`. */
  readonly date: string;
  readonly provider: ProviderName;
  /** Underlying price when the provider sends it with the chain, else null. */
  readonly spot: number | null;
  readonly expiries: readonly MarketChainExpiry[];
  /** Contracts left out because a field was unusable (each names the contract and field). */
  readonly rejected: readonly { readonly symbol: string; readonly field: string; readonly message: string }[];
}

export interface RiskFreeRate {
  /** Annualised, as a fraction (5.25 % → 0.0525). */
  readonly rate: number;
  /** The observation's date (YYYY-MM-DD). */
  readonly date: string;
  /** Where it came from, e.g. "FRED:DGS3MO". */
  readonly series: string;
}

/**
 * One interface for every market data source. A provider implements the
 * methods it supports and leaves the others undefined; the service asks only
 * providers that have the method (and, for bars, the timeframe).
 *
 * Bar bounds are epoch ms, inclusive, compared with each bar's `ts` (its
 * end, as everywhere in the engine). Earnings bounds are New York dates.
 * Every method throws `MarketDataError` naming the provider, the symbol and
 * the field when an answer cannot be used.
 */
export interface MarketDataProvider {
  readonly name: ProviderName;
  /** Timeframes `getBars` serves. */
  readonly barTimeframes?: readonly Timeframe[];
  getBars?(symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Bar[]>;
  getQuote?(symbol: string): Promise<Quote>;
  getOptionChain?(underlying: string, asOf: number): Promise<MarketOptionChain>;
  getRiskFreeRate?(): Promise<RiskFreeRate>;
  getEarnings?(from: string, to: string): Promise<EarningsEvent[]>;
}
