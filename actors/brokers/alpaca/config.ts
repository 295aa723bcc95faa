import { z } from 'zod';
import { ConfigError } from '../../../engine/domain/errors.js';

export const ALPACA_PAPER_BASE_URL = 'https://paper-api.alpaca.markets';
export const ALPACA_LIVE_BASE_URL = 'https://api.alpaca.markets';
export const ALPACA_PAPER_STREAM_URL = 'wss://paper-api.alpaca.markets/stream';
export const ALPACA_LIVE_STREAM_URL = 'wss://api.alpaca.markets/stream';
/** Alpaca's documented Trading API budget: 200 requests per minute per account. */
export const ALPACA_REQUESTS_PER_MINUTE = 200;

export type AlpacaMode = 'paper' | 'live';
export type AlpacaEquityTimeInForce = 'day' | 'gtc' | 'opg' | 'cls' | 'ioc' | 'fok';

/** Everything the adapter needs; secrets included, so never log this object. */
export interface AlpacaSettings {
  readonly mode: AlpacaMode;
  readonly baseUrl: string;
  readonly streamUrl: string;
  readonly keyId: string;
  readonly secretKey: string;
  readonly requestTimeoutMs: number;
  readonly requestsPerMinute: number;
  /** Extra attempts after the first, for requests that may be retried. */
  readonly maxRetries: number;
  readonly equityTimeInForce: AlpacaEquityTimeInForce;
  readonly reconnectMaxDelayMs: number;
  /** 0 turns the stream heartbeat off. */
  readonly heartbeatMs: number;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

function endpoint(protocols: readonly string[], loopbackProtocols: readonly string[]) {
  return z
    .string()
    .refine((u) => URL.canParse(u), 'must be a URL')
    .refine((u) => {
      if (!URL.canParse(u)) return true;
      const url = new URL(u);
      const protocol = url.protocol.replace(/:$/, '');
      return protocols.includes(protocol) || (loopbackProtocols.includes(protocol) && LOOPBACK.test(url.hostname));
    }, `must use ${protocols.join(' or ')} (${loopbackProtocols.join(' or ')} only to a loopback host)`)
    .transform((u) => u.replace(/\/+$/, ''));
}

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(min).max(max);

/**
 * The environment variables of the Alpaca broker, keyed by name, with their
 * defaults. WSB_TRADING_MODE, WSB_ENABLE_LIVE_TRADING and the two key
 * variables are the engine's existing ones; the rest are new.
 */
export const alpacaEnvSchema = z.object({
  /** Which venue the daemon trades on: the simulated paper venue (default) or Alpaca. */
  WSB_BROKER: z.enum(['paper', 'alpaca'], { message: 'must be paper or alpaca' }).default('paper'),
  WSB_TRADING_MODE: z.enum(['paper', 'live'], { message: 'must be paper or live' }).default('paper'),
  WSB_ENABLE_LIVE_TRADING: flag.default(false),
  ALPACA_API_KEY_ID: z.string().trim().min(1, 'must not be empty').optional(),
  ALPACA_API_SECRET_KEY: z.string().trim().min(1, 'must not be empty').optional(),
  /** Overrides the REST endpoint the mode selects (a proxy, or a loopback test server). */
  ALPACA_BASE_URL: endpoint(['https'], ['http']).optional(),
  ALPACA_STREAM_URL: endpoint(['wss'], ['ws']).optional(),
  ALPACA_REQUEST_TIMEOUT_MS: int(100, 120_000).default(10_000),
  ALPACA_REQUESTS_PER_MINUTE: int(1, ALPACA_REQUESTS_PER_MINUTE).default(ALPACA_REQUESTS_PER_MINUTE),
  ALPACA_MAX_RETRIES: int(0, 10).default(4),
  ALPACA_EQUITY_TIME_IN_FORCE: z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok'], { message: 'must be one of day, gtc, opg, cls, ioc, fok' }).default('day'),
  ALPACA_RECONNECT_MAX_MS: int(1_000, 600_000).default(30_000),
  ALPACA_HEARTBEAT_MS: int(0, 300_000).default(20_000),
});

export type AlpacaEnv = z.output<typeof alpacaEnvSchema>;

/**
 * The live-trading gate, as a function: live trading only with an explicit
 * flag and keys; paper never pointed at the live endpoint (nor live at the
 * paper one). Throws ConfigError naming the variable, with a clear message.
 */
export function resolveAlpacaEndpoints(input: {
  readonly mode: AlpacaMode;
  readonly enableLiveTrading: boolean;
  readonly keyId: string | undefined;
  readonly secretKey: string | undefined;
  readonly baseUrl?: string | undefined;
  readonly streamUrl?: string | undefined;
}): { mode: AlpacaMode; baseUrl: string; streamUrl: string; keyId: string; secretKey: string } {
  if (input.mode === 'live' && !input.enableLiveTrading) {
    throw new ConfigError('WSB_TRADING_MODE', 'live trading at Alpaca is refused unless WSB_ENABLE_LIVE_TRADING=true is also set');
  }
  if (!input.keyId || !input.secretKey) {
    const missing = !input.keyId ? 'ALPACA_API_KEY_ID' : 'ALPACA_API_SECRET_KEY';
    throw new ConfigError(missing, `the Alpaca broker (${input.mode}) needs both ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY`);
  }
  const baseUrl = input.baseUrl ?? (input.mode === 'live' ? ALPACA_LIVE_BASE_URL : ALPACA_PAPER_BASE_URL);
  const streamUrl = input.streamUrl ?? (input.mode === 'live' ? ALPACA_LIVE_STREAM_URL : ALPACA_PAPER_STREAM_URL);
  const liveHost = new URL(ALPACA_LIVE_BASE_URL).hostname;
  const paperHost = new URL(ALPACA_PAPER_BASE_URL).hostname;
  for (const [name, url] of [['ALPACA_BASE_URL', baseUrl], ['ALPACA_STREAM_URL', streamUrl]] as const) {
    const host = new URL(url).hostname;
    if (input.mode === 'paper' && host === liveHost) {
      throw new ConfigError(name, `WSB_TRADING_MODE=paper must not point at the live endpoint ${liveHost}`);
    }
    if (input.mode === 'live' && host === paperHost) {
      throw new ConfigError(name, `WSB_TRADING_MODE=live must not point at the paper endpoint ${paperHost}`);
    }
  }
  return { mode: input.mode, baseUrl, streamUrl, keyId: input.keyId, secretKey: input.secretKey };
}

/**
 * Parse the Alpaca settings from the environment. Null when WSB_BROKER is not
 * `alpaca` (the daemon then uses the simulated paper venue). ConfigError names
 * the first bad variable; its message never contains a secret.
 */
export function parseAlpacaEnv(env: NodeJS.ProcessEnv = process.env): AlpacaSettings | null {
  const parsed = alpacaEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue?.path.join('.') || 'environment', issue?.message ?? 'invalid');
  }
  const e = parsed.data;
  if (e.WSB_BROKER !== 'alpaca') {
    if (e.WSB_TRADING_MODE === 'live') {
      throw new ConfigError('WSB_BROKER', 'WSB_TRADING_MODE=live needs WSB_BROKER=alpaca: the simulated paper venue cannot trade live');
    }
    return null;
  }
  const target = resolveAlpacaEndpoints({
    mode: e.WSB_TRADING_MODE,
    enableLiveTrading: e.WSB_ENABLE_LIVE_TRADING,
    keyId: e.ALPACA_API_KEY_ID,
    secretKey: e.ALPACA_API_SECRET_KEY,
    baseUrl: e.ALPACA_BASE_URL,
    streamUrl: e.ALPACA_STREAM_URL,
  });
  return {
    ...target,
    requestTimeoutMs: e.ALPACA_REQUEST_TIMEOUT_MS,
    requestsPerMinute: e.ALPACA_REQUESTS_PER_MINUTE,
    maxRetries: e.ALPACA_MAX_RETRIES,
    equityTimeInForce: e.ALPACA_EQUITY_TIME_IN_FORCE,
    reconnectMaxDelayMs: e.ALPACA_RECONNECT_MAX_MS,
    heartbeatMs: e.ALPACA_HEARTBEAT_MS,
  };
}
