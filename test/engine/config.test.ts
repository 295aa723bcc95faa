import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadConfig } from '../../engine/config.js';
import { ConfigError } from '../../engine/domain/errors.js';

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const c = loadConfig({});
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe(path.resolve('./var'));
    expect(c.databaseUrl).toBeUndefined();
    expect(c.tradingMode).toBe('paper');
    expect(c.strategies).toEqual(['wsb-dip-bot']);
    expect(c.logLevel).toBe('info');
    expect(c.flattenOnTrip).toBe(false);
    expect(loadConfig({ WSB_FLATTEN_ON_TRIP: 'true' }).flattenOnTrip).toBe(true);
  });

  it.each([
    [{ WSB_PORT: 'eighty' }, 'WSB_PORT'],
    [{ WSB_PORT: '70000' }, 'WSB_PORT'],
    [{ WSB_PORT: '80.5' }, 'WSB_PORT'],
    [{ WSB_LOG_LEVEL: 'loud' }, 'WSB_LOG_LEVEL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ WSB_API_TOKEN: 'short' }, 'WSB_API_TOKEN'],
    [{ WSB_INITIAL_CASH: '-5' }, 'WSB_INITIAL_CASH'],
    [{ WSB_REPLAY_FROM: '2025/01/01' }, 'WSB_REPLAY_FROM'],
    [{ WSB_ENABLE_LIVE_TRADING: 'maybe' }, 'WSB_ENABLE_LIVE_TRADING'],
    [{ WSB_SEED: 'abc' }, 'WSB_SEED'],
    [{ WSB_SEED: '-1' }, 'WSB_SEED'],
    [{ WSB_STRATEGIES: 'wsb-dip-bot,moonshot' }, 'WSB_STRATEGIES'],
    [{ WSB_STRATEGIES: ' , ' }, 'WSB_STRATEGIES'],
    [{ WSB_FLATTEN_ON_TRIP: 'yes' }, 'WSB_FLATTEN_ON_TRIP'],
  ])('names the malformed variable %o', (env, field) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (e) {
      expect((e as ConfigError).field).toBe(field);
      expect((e as Error).message.startsWith(`${field}:`)).toBe(true);
    }
  });

  it('refuses live trading without the explicit flag and keys', () => {
    expect(() => loadConfig({ WSB_TRADING_MODE: 'live' })).toThrow(/WSB_ENABLE_LIVE_TRADING=true/);
    expect(() => loadConfig({ WSB_TRADING_MODE: 'live', WSB_ENABLE_LIVE_TRADING: 'true' })).toThrow(/ALPACA_API_KEY_ID/);
    expect(() =>
      loadConfig({ WSB_TRADING_MODE: 'live', WSB_ENABLE_LIVE_TRADING: 'true', ALPACA_API_KEY_ID: 'k', ALPACA_API_SECRET_KEY: 's' }),
    ).toThrow(/Alpaca broker adapter/);
  });

  it('refuses a non-loopback bind without a token', () => {
    expect(() => loadConfig({ WSB_HOST: '0.0.0.0' })).toThrow(/WSB_API_TOKEN/);
    expect(loadConfig({ WSB_HOST: '0.0.0.0', WSB_API_TOKEN: 'a-long-enough-token' }).host).toBe('0.0.0.0');
  });

  it('checks the replay window', () => {
    expect(() => loadConfig({ WSB_REPLAY_FROM: '2026-02-01', WSB_REPLAY_TO: '2026-01-01' })).toThrow(/WSB_REPLAY_FROM/);
  });
});

describe('strategy registry', () => {
  it('resolves only its own strategies, never an Object.prototype key', async () => {
    const { createStrategy, PLANNED_STRATEGIES, availableStrategies } = await import('../../engine/strategies/registry.js');
    const { OptionMarkModel } = await import('../../engine/market/optionMarks.js');
    const marks = new OptionMarkModel();
    expect(createStrategy('wsb-dip-bot', { marks }).id).toBe('wsb-dip-bot');
    for (const id of ['constructor', '__proto__', 'toString']) expect(() => createStrategy(id, { marks })).toThrow(/unknown strategy/);
    expect(() => createStrategy('wheel', { marks })).toThrow(/not available in this build yet/);
    expect(PLANNED_STRATEGIES).toHaveLength(9);
    expect(availableStrategies()).toEqual(['wsb-dip-bot']);
  });
});
