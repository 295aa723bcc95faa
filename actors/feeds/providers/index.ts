import type { Clock } from '../../../engine/domain/clock.js';
import type { Bar } from '../../../engine/domain/market.js';
import type { Logger } from '../../../engine/logger.js';
import { MarketDataService, type MarketDataEvent } from '../marketData.js';
import { createAlpacaProvider } from './alpaca.js';
import { createAlpacaBarStream, type AlpacaBarStream, type AlpacaStreamEvent } from './alpacaStream.js';
import { createBundledEarningsProvider, createFinnhubEarningsProvider } from './earnings.js';
import { createFredProvider } from './fred.js';
import type { HttpTiming } from './http.js';
import { createPolygonProvider } from './polygon.js';
import type { MarketDataSettings } from './settings.js';
import type { MarketDataProvider } from './types.js';
import { createYahooProvider } from './yahoo.js';

export type { MarketDataProvider, MarketOptionChain, MarketOptionQuote, MarketChainExpiry, RiskFreeRate, ProviderName, DataKind } from './types.js';
export { MarketDataError, NoMarketDataError } from './marketDataError.js';
export { parseMarketDataEnv, marketDataEnvSchema, type MarketDataSettings } from './settings.js';
export { Secret } from './secret.js';

const MINUTE_MS = 60_000;

export interface MarketDataDeps extends HttpTiming {
  readonly logger: Logger;
  readonly clock: Clock;
  /** The data root holding `market/earnings.csv` (the bundled calendar), e.g. `bundledDataRoot()`. */
  readonly dataRoot: string;
  readonly onEvent?: (event: MarketDataEvent) => void;
  readonly fetch?: typeof fetch;
}

export interface MarketData {
  readonly service: MarketDataService;
  readonly providers: readonly MarketDataProvider[];
  /** Alpaca's real-time five-minute bars for `symbols`; undefined when Alpaca has no keys. Call `start()` on it. */
  createBarStream(args: { symbols: readonly string[]; onBar: (bar: Bar) => void; onEvent?: (e: AlpacaStreamEvent) => void }): AlpacaBarStream | undefined;
}

/** Every configured provider and the service over them, from parsed settings. */
export function createMarketData(settings: MarketDataSettings, deps: MarketDataDeps): MarketData {
  const common = {
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    logger: deps.logger,
    fetch: deps.fetch,
    sleep: deps.sleep,
    random: deps.random,
    timeoutSignal: deps.timeoutSignal,
    now: deps.now,
  };
  const perMinute = (n: number) => ({ requests: n, perMs: MINUTE_MS });
  const providers: MarketDataProvider[] = [];
  const { alpaca, polygon, fred, finnhub, yahoo } = settings;
  if (alpaca !== undefined) {
    providers.push(
      createAlpacaProvider({ ...common, keyId: alpaca.keyId, secretKey: alpaca.secretKey, baseUrl: alpaca.dataUrl, feed: alpaca.feed, optionsFeed: alpaca.optionsFeed, budget: perMinute(alpaca.requestsPerMinute) }),
    );
  }
  if (polygon !== undefined) providers.push(createPolygonProvider({ ...common, apiKey: polygon.apiKey, baseUrl: polygon.baseUrl, budget: perMinute(polygon.requestsPerMinute) }));
  providers.push(createYahooProvider({ ...common, baseUrl: yahoo.baseUrl, budget: perMinute(yahoo.requestsPerMinute) }));
  if (fred !== undefined) providers.push(createFredProvider({ ...common, apiKey: fred.apiKey, baseUrl: fred.baseUrl, seriesId: fred.seriesId, budget: perMinute(fred.requestsPerMinute) }));
  if (finnhub !== undefined) providers.push(createFinnhubEarningsProvider({ ...common, apiKey: finnhub.apiKey, baseUrl: finnhub.baseUrl, budget: perMinute(finnhub.requestsPerMinute) }));
  providers.push(createBundledEarningsProvider({ root: deps.dataRoot }));

  const service = new MarketDataService({
    providers,
    priorities: settings.priorities,
    freshness: settings.freshness,
    cache: settings.cache,
    clock: deps.clock,
    logger: deps.logger,
    onEvent: deps.onEvent,
  });

  return {
    service,
    providers,
    createBarStream({ symbols, onBar, onEvent }) {
      if (alpaca === undefined) return undefined;
      return createAlpacaBarStream({ url: alpaca.streamUrl, keyId: alpaca.keyId, secretKey: alpaca.secretKey, symbols, onBar, onEvent, logger: deps.logger, clock: deps.clock });
    },
  };
}
