import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../engine/domain/errors.js';
import { ALPACA_LIVE_BASE_URL, ALPACA_PAPER_BASE_URL, ALPACA_PAPER_STREAM_URL, parseAlpacaEnv, resolveAlpacaEndpoints } from '../../../../actors/brokers/alpaca/config.js';

const KEYS = { ALPACA_API_KEY_ID: 'PKKEY123456', ALPACA_API_SECRET_KEY: 'very-secret-value-987' };

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('Alpaca settings from the environment', () => {
  it('is off by default: the daemon keeps the simulated paper venue', () => {
    expect(parseAlpacaEnv({})).toBeNull();
  });

  it('paper at Alpaca with keys: the paper endpoints and the documented defaults', () => {
    const s = parseAlpacaEnv({ WSB_BROKER: 'alpaca', ...KEYS })!;
    expect(s).toMatchObject({
      mode: 'paper', baseUrl: ALPACA_PAPER_BASE_URL, streamUrl: ALPACA_PAPER_STREAM_URL, requestsPerMinute: 200, requestTimeoutMs: 10_000,
      maxRetries: 4, equityTimeInForce: 'day', reconnectMaxDelayMs: 30_000, heartbeatMs: 20_000,
    });
  });

  it('live is refused without the explicit flag, and without keys, with a clear message', () => {
    const noFlag = configError(() => parseAlpacaEnv({ WSB_BROKER: 'alpaca', WSB_TRADING_MODE: 'live', ...KEYS }));
    expect(noFlag.field).toBe('WSB_TRADING_MODE');
    expect(noFlag.message).toMatch(/WSB_ENABLE_LIVE_TRADING=true/);
    const noKeys = configError(() => parseAlpacaEnv({ WSB_BROKER: 'alpaca', WSB_TRADING_MODE: 'live', WSB_ENABLE_LIVE_TRADING: 'true', ALPACA_API_KEY_ID: 'PKKEY123456' }));
    expect(noKeys.field).toBe('ALPACA_API_SECRET_KEY');
    const simulated = configError(() => parseAlpacaEnv({ WSB_TRADING_MODE: 'live', WSB_ENABLE_LIVE_TRADING: 'true', ...KEYS }));
    expect(simulated.field).toBe('WSB_BROKER');
  });

  it('live with the flag and keys goes to the live endpoint', () => {
    const s = parseAlpacaEnv({ WSB_BROKER: 'alpaca', WSB_TRADING_MODE: 'live', WSB_ENABLE_LIVE_TRADING: 'true', ...KEYS })!;
    expect(s.mode).toBe('live');
    expect(s.baseUrl).toBe(ALPACA_LIVE_BASE_URL);
  });

  it('never lets paper point at the live host, nor live at the paper host', () => {
    expect(configError(() => resolveAlpacaEndpoints({ mode: 'paper', enableLiveTrading: false, keyId: 'k', secretKey: 's', baseUrl: ALPACA_LIVE_BASE_URL })).field).toBe('ALPACA_BASE_URL');
    expect(configError(() => resolveAlpacaEndpoints({ mode: 'live', enableLiveTrading: true, keyId: 'k', secretKey: 's', streamUrl: 'wss://paper-api.alpaca.markets/stream' })).field).toBe('ALPACA_STREAM_URL');
  });

  it('names the variable that is wrong, and never echoes a secret', () => {
    expect(configError(() => parseAlpacaEnv({ WSB_BROKER: 'alpaca', ...KEYS, ALPACA_BASE_URL: 'http://example.com' })).field).toBe('ALPACA_BASE_URL');
    expect(parseAlpacaEnv({ WSB_BROKER: 'alpaca', ...KEYS, ALPACA_BASE_URL: 'http://127.0.0.1:9999/' })!.baseUrl).toBe('http://127.0.0.1:9999');
    expect(configError(() => parseAlpacaEnv({ WSB_BROKER: 'alpaca', ...KEYS, ALPACA_REQUESTS_PER_MINUTE: '500' })).field).toBe('ALPACA_REQUESTS_PER_MINUTE');
    expect(configError(() => parseAlpacaEnv({ WSB_BROKER: 'alpaca', ...KEYS, ALPACA_EQUITY_TIME_IN_FORCE: 'forever' })).field).toBe('ALPACA_EQUITY_TIME_IN_FORCE');
    const e = configError(() => parseAlpacaEnv({ WSB_BROKER: 'alpaca', WSB_TRADING_MODE: 'live', ...KEYS }));
    expect(JSON.stringify(e.toJSON()) + e.message).not.toContain(KEYS.ALPACA_API_SECRET_KEY);
  });
});
