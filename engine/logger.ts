import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths redacted in every log line. Anything that could carry a credential is
 * listed here once, so no call site has to remember it.
 */
export const REDACT_PATHS = [
  'token',
  'apiToken',
  'password',
  'secret',
  'authorization',
  'databaseUrl',
  // Adapter credentials (Alpaca, market data providers, alert channels and bots).
  'apiKey',
  'secretKey',
  'keyId',
  'webhookUrl',
  'botToken',
  '*.apiKey',
  '*.secretKey',
  '*.keyId',
  '*.webhookUrl',
  '*.botToken',
  '*.token',
  '*.apiToken',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.databaseUrl',
  'req.headers.authorization',
  'config.apiToken',
  'config.databaseUrl',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'wsb-engine' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options, pino.destination({ fd: 2, sync: true }));
}

/** Logs a URL without its password (for "connected to …" lines). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
