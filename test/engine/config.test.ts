import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { envSchema, loadConfig } from '../../engine/config.js';
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
    [{ WSB_OPEN_READS: 'sometimes' }, 'WSB_OPEN_READS'],
    [{ WSB_OIDC_ISSUER: 'not a url', WSB_OIDC_AUDIENCE: 'api' }, 'WSB_OIDC_ISSUER'],
    [{ WSB_OIDC_ISSUER: 'ftp://idp.example.com/', WSB_OIDC_AUDIENCE: 'api' }, 'WSB_OIDC_ISSUER'],
    [{ WSB_OIDC_ISSUER: 'http://idp.example.com/', WSB_OIDC_AUDIENCE: 'api' }, 'WSB_OIDC_ISSUER'],
    [{ WSB_OIDC_ISSUER: 'https://idp.example.com/' }, 'WSB_OIDC_AUDIENCE'],
    [{ WSB_OIDC_AUDIENCE: 'api' }, 'WSB_OIDC_AUDIENCE'],
    [{ WSB_OIDC_JWKS_URL: 'https://idp.example.com/keys' }, 'WSB_OIDC_JWKS_URL'],
    [{ WSB_OIDC_ISSUER: 'https://idp.example.com/', WSB_OIDC_AUDIENCE: 'api', WSB_OIDC_JWKS_URL: 'http://idp.example.com/keys' }, 'WSB_OIDC_JWKS_URL'],
    [{ WSB_HOST: '0.0.0.0', WSB_API_TOKEN: 'a-long-enough-token', WSB_OPEN_READS: 'true' }, 'WSB_OPEN_READS'],
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
    expect(() => loadConfig({ WSB_HOST: '0.0.0.0' })).toThrow(/WSB_API_TOKEN.*WSB_OIDC_ISSUER/);
    expect(loadConfig({ WSB_HOST: '0.0.0.0', WSB_API_TOKEN: 'a-long-enough-token' }).host).toBe('0.0.0.0');
  });

  it('accepts an OIDC issuer as the auth of a non-loopback bind, with the JWKS URL defaulting under the issuer', () => {
    const c = loadConfig({ WSB_HOST: '0.0.0.0', WSB_OIDC_ISSUER: 'https://tenant.auth0.com/', WSB_OIDC_AUDIENCE: 'https://wsb.example.com/api' });
    expect(c.oidc).toEqual({
      issuer: 'https://tenant.auth0.com/',
      audience: 'https://wsb.example.com/api',
      jwksUrl: 'https://tenant.auth0.com/.well-known/jwks.json',
    });
    expect(c.apiToken).toBeUndefined();
    expect(c.openReads).toBe(false);
    const explicit = loadConfig({ WSB_OIDC_ISSUER: 'https://idp.example.com', WSB_OIDC_AUDIENCE: 'api', WSB_OIDC_JWKS_URL: 'https://keys.example.com/jwks' });
    expect(explicit.oidc?.jwksUrl).toBe('https://keys.example.com/jwks');
    expect(loadConfig({ WSB_OIDC_ISSUER: 'https://idp.example.com', WSB_OIDC_AUDIENCE: 'api' }).oidc?.jwksUrl).toBe('https://idp.example.com/.well-known/jwks.json');
    // Plain http only to a local identity provider.
    expect(loadConfig({ WSB_OIDC_ISSUER: 'http://127.0.0.1:9999/', WSB_OIDC_AUDIENCE: 'api' }).oidc?.issuer).toBe('http://127.0.0.1:9999/');
    expect(loadConfig({}).oidc).toBeUndefined();
  });

  it('opens reads by default on loopback only, and lets an operator close them', () => {
    expect(loadConfig({}).openReads).toBe(true);
    expect(loadConfig({ WSB_HOST: '::1' }).openReads).toBe(true);
    expect(loadConfig({ WSB_OPEN_READS: 'false' }).openReads).toBe(false);
    expect(loadConfig({ WSB_HOST: '0.0.0.0', WSB_API_TOKEN: 'a-long-enough-token' }).openReads).toBe(false);
    expect(loadConfig({ WSB_HOST: '0.0.0.0', WSB_API_TOKEN: 'a-long-enough-token', WSB_OPEN_READS: 'false' }).openReads).toBe(false);
    expect(() => loadConfig({ WSB_HOST: '10.0.0.5', WSB_API_TOKEN: 'a-long-enough-token', WSB_OPEN_READS: 'true' })).toThrow(/loopback/);
  });

  it('documents every variable in .env.example and docs/configuration.md', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of Object.keys(envSchema.shape)) {
      expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
      expect(doc, name).toContain(`\`${name}\``);
    }
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
    for (const id of PLANNED_STRATEGIES) expect(() => createStrategy(id, { marks })).toThrow(/not available in this build yet/);
    // Every id is either available or planned, never both.
    const { STRATEGY_IDS } = await import('../../engine/market/universes.js');
    expect([...availableStrategies(), ...PLANNED_STRATEGIES].sort()).toEqual([...STRATEGY_IDS].sort());
    for (const id of availableStrategies()) expect(createStrategy(id, { marks }).id).toBe(id);
    expect(availableStrategies()).toContain('wsb-dip-bot');
  });
});
