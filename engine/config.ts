import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './domain/errors.js';
import { availableStrategies } from './strategies/registry.js';
import { parseAlertEnv, type AlertSettings } from '../actors/alerts/config.js';

/**
 * Configuration comes from the environment only (documented in .env.example).
 * Defaults are the safe ones: paper trading, loopback bind, embedded database.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** An http(s) URL; plain http only to a loopback host (a local identity provider in tests), never across a network. */
const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
  .refine((u) => u.startsWith('https://') || isLoopbackUrl(u), 'must use https:// (http:// only to a loopback host)');

function isLoopbackUrl(u: string): boolean {
  // zod runs refinements after a failed format check too, so the URL may not parse here.
  if (!URL.canParse(u)) return false;
  return isLoopback(new URL(u).hostname.replace(/^\[|\]$/g, ''));
}

const decimalString = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal number like 100000 or 2500.50');

export const envSchema = z.object({
  WSB_HOST: z.string().min(1).default('127.0.0.1'),
  WSB_PORT: z.coerce.number({ message: 'must be a port number' }).int('must be an integer').min(0).max(65535).default(8080),
  WSB_DATA_DIR: z.string().min(1).default('./var'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  WSB_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WSB_LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  WSB_TRADING_MODE: z.enum(['paper', 'live'], { message: 'must be paper or live' }).default('paper'),
  WSB_ENABLE_LIVE_TRADING: boolFlag.default(false),
  ALPACA_API_KEY_ID: z.string().optional(),
  ALPACA_API_SECRET_KEY: z.string().optional(),
  WSB_STRATEGIES: z
    .string()
    .default('wsb-dip-bot')
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0)),
  WSB_INITIAL_CASH: decimalString.default('100000'),
  WSB_REPLAY_PACE_MS: z.coerce.number({ message: 'must be a number of milliseconds' }).min(0).max(60_000).default(0),
  WSB_REPLAY_FROM: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').optional(),
  WSB_REPLAY_TO: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').optional(),
  WSB_SEED: z.coerce.number({ message: 'must be an integer' }).int('must be an integer').min(0).max(2 ** 31 - 1).default(42),
  WSB_SHUTDOWN_TIMEOUT_MS: z.coerce.number({ message: 'must be milliseconds' }).int().min(100).max(600_000).default(15_000),
  WSB_FLATTEN_ON_TRIP: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
  WSB_OIDC_ISSUER: httpUrl.optional(),
  WSB_OIDC_AUDIENCE: z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters').optional(),
  WSB_OIDC_JWKS_URL: httpUrl.optional(),
  WSB_OPEN_READS: boolFlag.optional(),
  WSB_INSPECTOR: boolFlag.optional(),
  WSB_VAR_PATHS: z.coerce.number({ message: 'must be an integer' }).int('must be an integer').min(1000).max(100_000_000).default(100_000),
  WSB_VAR_THREADS: z.coerce.number({ message: 'must be an integer' }).int('must be an integer').min(1).max(64).optional(),
});

export interface EngineConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly apiToken: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly tradingMode: 'paper';
  readonly strategies: readonly string[];
  readonly initialCash: string;
  readonly replayPaceMs: number;
  readonly replayFrom: string | undefined;
  readonly replayTo: string | undefined;
  readonly seed: number;
  readonly shutdownTimeoutMs: number;
  /** On a global breaker trip, close every position with market orders (after the cancels). */
  readonly flattenOnTrip: boolean;
  /** OIDC JWT verification (e.g. Auth0), besides or instead of the static token. */
  readonly oidc: OidcConfig | undefined;
  /** GET routes of the API answer without credentials; only ever true on a loopback bind. */
  readonly openReads: boolean;
  /** Serve the Stately inspector stream of every actor at /inspect (it shows actor context: off by default). */
  readonly inspector: boolean;
  /** Monte Carlo paths of each scheduled VaR report. */
  readonly varPaths: number;
  /** Worker threads of the VaR pool; undefined = min(4, cores). */
  readonly varThreads: number | undefined;
  /** Alert channels, routing and operator bots (ALERT_* variables, docs/alerts.md). */
  readonly alerts: AlertSettings;
}

export interface OidcConfig {
  /** The `iss` every token must carry, exactly (Auth0: `https://<tenant>.auth0.com/`, with the slash). */
  readonly issuer: string;
  /** The `aud` every token must contain (the API identifier). */
  readonly audience: string;
  /** Where the signing keys are fetched from (and cached). */
  readonly jwksUrl: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Parse and check the environment. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(field, issue?.message ?? 'invalid');
  }
  const e = parsed.data;
  if (e.WSB_TRADING_MODE === 'live') {
    if (!e.WSB_ENABLE_LIVE_TRADING) {
      throw new ConfigError('WSB_TRADING_MODE', 'live trading is refused unless WSB_ENABLE_LIVE_TRADING=true is also set');
    }
    if (!e.ALPACA_API_KEY_ID || !e.ALPACA_API_SECRET_KEY) {
      throw new ConfigError('ALPACA_API_KEY_ID', 'live trading needs ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY');
    }
    // The Alpaca adapter is a separate piece of work (issue 8); until it lands,
    // refusing is the only safe answer.
    throw new ConfigError('WSB_TRADING_MODE', 'live trading needs the Alpaca broker adapter, which this build does not include; use paper');
  }
  const oidc = oidcConfig(e);
  const loopback = isLoopback(e.WSB_HOST);
  if (!loopback && !e.WSB_API_TOKEN && !oidc) {
    throw new ConfigError('WSB_API_TOKEN', `required when the gateway binds to a non-loopback address (WSB_HOST=${e.WSB_HOST}), unless WSB_OIDC_ISSUER is set`);
  }
  if (e.WSB_OPEN_READS === true && !loopback) {
    throw new ConfigError('WSB_OPEN_READS', `may be true only when WSB_HOST is a loopback address (WSB_HOST=${e.WSB_HOST})`);
  }
  if (e.WSB_STRATEGIES.length === 0) throw new ConfigError('WSB_STRATEGIES', 'must name at least one strategy');
  for (const id of e.WSB_STRATEGIES) {
    if (!availableStrategies().includes(id)) {
      throw new ConfigError('WSB_STRATEGIES', `unknown or unavailable strategy ${JSON.stringify(id)}; available: ${availableStrategies().join(', ')}`);
    }
  }
  if (e.WSB_REPLAY_FROM && e.WSB_REPLAY_TO && e.WSB_REPLAY_FROM > e.WSB_REPLAY_TO) {
    throw new ConfigError('WSB_REPLAY_FROM', 'must not be after WSB_REPLAY_TO');
  }
  return {
    host: e.WSB_HOST,
    port: e.WSB_PORT,
    dataDir: path.resolve(e.WSB_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    apiToken: e.WSB_API_TOKEN,
    logLevel: e.WSB_LOG_LEVEL,
    tradingMode: 'paper',
    strategies: e.WSB_STRATEGIES,
    initialCash: e.WSB_INITIAL_CASH,
    replayPaceMs: e.WSB_REPLAY_PACE_MS,
    replayFrom: e.WSB_REPLAY_FROM,
    replayTo: e.WSB_REPLAY_TO,
    seed: e.WSB_SEED,
    shutdownTimeoutMs: e.WSB_SHUTDOWN_TIMEOUT_MS,
    flattenOnTrip: e.WSB_FLATTEN_ON_TRIP === 'true',
    oidc,
    // Open by default on loopback only: nothing off this machine can reach it, and commands still need credentials.
    openReads: e.WSB_OPEN_READS ?? loopback,
    inspector: e.WSB_INSPECTOR ?? false,
    varPaths: e.WSB_VAR_PATHS,
    varThreads: e.WSB_VAR_THREADS,
    alerts: parseAlertEnv(env),
  };
}

function oidcConfig(e: z.infer<typeof envSchema>): OidcConfig | undefined {
  if (!e.WSB_OIDC_ISSUER) {
    if (e.WSB_OIDC_AUDIENCE) throw new ConfigError('WSB_OIDC_AUDIENCE', 'is set but WSB_OIDC_ISSUER is not');
    if (e.WSB_OIDC_JWKS_URL) throw new ConfigError('WSB_OIDC_JWKS_URL', 'is set but WSB_OIDC_ISSUER is not');
    return undefined;
  }
  // Without an audience check, a token the same issuer minted for any other API would be accepted here.
  if (!e.WSB_OIDC_AUDIENCE) throw new ConfigError('WSB_OIDC_AUDIENCE', 'required when WSB_OIDC_ISSUER is set');
  return {
    issuer: e.WSB_OIDC_ISSUER,
    audience: e.WSB_OIDC_AUDIENCE,
    jwksUrl: e.WSB_OIDC_JWKS_URL ?? `${e.WSB_OIDC_ISSUER.replace(/\/+$/, '')}/.well-known/jwks.json`,
  };
}
