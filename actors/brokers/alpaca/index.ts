export { AlpacaBroker } from './alpacaBroker.js';
export type { AlpacaBrokerOptions, AlpacaConnection } from './alpacaBroker.js';
export {
  ALPACA_LIVE_BASE_URL, ALPACA_LIVE_STREAM_URL, ALPACA_PAPER_BASE_URL, ALPACA_PAPER_STREAM_URL, ALPACA_REQUESTS_PER_MINUTE,
  alpacaEnvSchema, parseAlpacaEnv, resolveAlpacaEndpoints,
} from './config.js';
export type { AlpacaEnv, AlpacaMode, AlpacaSettings } from './config.js';
export { AlpacaError } from './errors.js';
export type { AlpacaErrorKind } from './errors.js';
export { createAlpacaQueue } from './http.js';
export type { AlpacaBracket, AlpacaOrderOptions, AlpacaOrderType, AlpacaReplace } from './orderRequest.js';
export { reconcileAlerts, reconcileAlpaca } from './reconcile.js';
export type { ReconcileDifference, ReconcileOptions, ReconcileReport, ReconcileStore } from './reconcile.js';
