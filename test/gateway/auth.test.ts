import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { createAuthenticator } from '../../engine/gateway/auth.js';
import type { OidcConfig } from '../../engine/config.js';
import { AUTH, TOKEN, json, startApi } from './harness.js';

/** The engine clock of these tests; tokens are minted relative to it, so nothing depends on the real time. */
const NOW = Date.UTC(2026, 0, 5, 15, 0, 0);
const AUDIENCE = 'https://wsb.example.com/api';

/** A local identity provider: a JWKS endpoint on loopback, counting how often it is fetched. */
let server: Server;
let issuer: string;
let oidc: OidcConfig;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let jwksFetches = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  oidc = { issuer, audience: AUDIENCE, jwksUrl: `${issuer}.well-known/jwks.json` };
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

interface Mint {
  sub?: string | null;
  aud?: string;
  iss?: string;
  expiresIn?: number;
  key?: CryptoKey;
}

async function mint(m: Mint = {}): Promise<string> {
  const iat = Math.floor(NOW / 1000);
  const jwt = new SignJWT({ scope: 'operator' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(m.iss ?? issuer)
    .setAudience(m.aud ?? AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (m.expiresIn ?? 3600));
  if (m.sub !== null) jwt.setSubject(m.sub ?? 'auth0|operator-1');
  return jwt.sign(m.key ?? signingKey);
}

function authenticator(settings: { apiToken?: string; oidc?: OidcConfig; openReads?: boolean } = {}) {
  const reasons: string[] = [];
  const auth = createAuthenticator(
    { apiToken: settings.apiToken, oidc: settings.oidc, openReads: settings.openReads ?? false },
    { now: () => NOW, onRejected: (r) => reasons.push(r) },
  );
  return { auth, reasons };
}

describe('static bearer token', () => {
  it('accepts exactly the configured token and nothing else', async () => {
    const { auth, reasons } = authenticator({ apiToken: TOKEN });
    expect(await auth.authenticate(`Bearer ${TOKEN}`)).toEqual({ subject: 'api-token', method: 'token' });
    expect(await auth.authenticate(`bearer ${TOKEN}`)).toEqual({ subject: 'api-token', method: 'token' });
    expect(await auth.authenticate(undefined)).toBeNull();
    expect(await auth.authenticate('')).toBeNull();
    for (const wrong of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer x${TOKEN}`, `Basic ${TOKEN}`, TOKEN, `Bearer  ${TOKEN}`, `Bearer ${'a'.repeat(9000)}`]) {
      expect(await auth.authenticate(wrong), wrong.slice(0, 40)).toBeNull();
    }
    expect(reasons).toEqual([
      'unknown_token',
      'unknown_token',
      'unknown_token',
      'malformed_authorization_header',
      'malformed_authorization_header',
      'malformed_authorization_header',
      'malformed_authorization_header',
    ]);
  });

  it('accepts no token at all when none is configured', async () => {
    const { auth } = authenticator({});
    expect(await auth.authenticate(`Bearer ${TOKEN}`)).toBeNull();
    expect(auth.openReads).toBe(false);
  });
});

describe('OIDC JWT (local JWKS)', () => {
  it('accepts a token of the issuer for the audience, with its subject, and caches the keys', async () => {
    const { auth, reasons } = authenticator({ oidc });
    const before = jwksFetches;
    expect(await auth.authenticate(`Bearer ${await mint()}`)).toEqual({ subject: 'auth0|operator-1', method: 'jwt' });
    expect(await auth.authenticate(`Bearer ${await mint({ sub: 'auth0|operator-2' })}`)).toEqual({ subject: 'auth0|operator-2', method: 'jwt' });
    expect(jwksFetches - before).toBe(1);
    expect(reasons).toEqual([]);
  });

  it.each<[string, Mint, string]>([
    ['expired', { expiresIn: -3600 }, 'ERR_JWT_EXPIRED'],
    ['for another audience', { aud: 'https://other.example.com/api' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['from another issuer', { iss: 'https://evil.example.com/' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['without a subject', { sub: null }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
  ])('refuses a token %s', async (_what, m, code) => {
    const { auth, reasons } = authenticator({ oidc });
    expect(await auth.authenticate(`Bearer ${await mint(m)}`)).toBeNull();
    expect(reasons).toEqual([code]);
  });

  it('refuses a token signed by another key, and a symmetric (HS256) token', async () => {
    const { auth, reasons } = authenticator({ oidc });
    expect(await auth.authenticate(`Bearer ${await mint({ key: strangerKey })}`)).toBeNull();
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setSubject('x')
      .setExpirationTime(Math.floor(NOW / 1000) + 60)
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    expect(await auth.authenticate(`Bearer ${hs}`)).toBeNull();
    expect(reasons).toEqual(['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JOSE_ALG_NOT_ALLOWED']);
  });

  it('still accepts the static token beside OIDC', async () => {
    const { auth } = authenticator({ apiToken: TOKEN, oidc });
    expect(await auth.authenticate(`Bearer ${TOKEN}`)).toEqual({ subject: 'api-token', method: 'token' });
    expect(await auth.authenticate(`Bearer ${await mint({ sub: 'ops' })}`)).toEqual({ subject: 'ops', method: 'jwt' });
  });
});

describe('the access rule over HTTP', () => {
  it('answers 401 with WWW-Authenticate without a token or with a wrong one, and serves the right one', async () => {
    const api = await startApi();
    const missing = await api.get('/api/v1/orders', {});
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="wsb"');
    expect(json(missing)).toMatchObject({ code: 'UNAUTHORIZED' });
    const wrong = await api.send('POST', '/api/v1/companies', { ticker: 'AAPL', name: 'Apple' }, { authorization: 'Bearer wrong-token-0123456789' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="wsb", error="invalid_token"');
    expect(await api.store.listCompanies()).toEqual([]);
    expect((await api.get('/api/v1/orders', AUTH)).statusCode).toBe(200);
    expect((await api.get('/metrics', {})).statusCode).toBe(401);
    // Refusals are counted, by reason only.
    const metrics = (await api.get('/metrics')).body;
    expect(metrics).toContain('wsb_http_auth_refusals_total{reason="missing"} 2');
    expect(metrics).toContain('wsb_http_auth_refusals_total{reason="invalid"} 1');
  });

  it('with open reads, serves reads without credentials but never writes or commands', async () => {
    const api = await startApi({ auth: { openReads: true } });
    expect((await api.get('/api/v1/orders', {})).statusCode).toBe(200);
    expect((await api.get('/metrics', {})).statusCode).toBe(200);
    expect((await api.send('POST', '/api/v1/companies', { ticker: 'AAPL', name: 'Apple' }, {})).statusCode).toBe(401);
    expect((await api.send('POST', '/api/v1/strategies/wsb-dip-bot/halt', undefined, {})).statusCode).toBe(401);
    expect(api.control.commands).toEqual([]);
    // Credentials that are sent must be right, even for a read.
    expect((await api.get('/api/v1/orders', { authorization: 'Bearer not-the-token-at-all' })).statusCode).toBe(401);
  });

  it('runs a command as the JWT subject, and refuses an expired JWT', async () => {
    const api = await startApi({ auth: { apiToken: undefined, oidc }, authOptions: { now: () => NOW } });
    const ok = await api.send('POST', '/api/v1/strategies/wsb-dip-bot/halt', { reason: 'jwt' }, { authorization: `Bearer ${await mint({ sub: 'auth0|alice' })}` });
    expect(ok.statusCode).toBe(200);
    expect(api.control.commands[0]?.by).toEqual({ subject: 'auth0|alice', method: 'jwt' });
    expect((await api.store.listEvents({ category: 'command' }))[0]?.actor).toBe('auth0|alice');
    const expired = await api.send('POST', '/api/v1/strategies/wsb-dip-bot/resume', undefined, { authorization: `Bearer ${await mint({ expiresIn: -3600 })}` });
    expect(expired.statusCode).toBe(401);
    const wrongAudience = await api.get('/api/v1/strategies', { authorization: `Bearer ${await mint({ aud: 'other' })}` });
    expect(wrongAudience.statusCode).toBe(401);
    expect(api.control.commands).toHaveLength(1);
  });

  it('leaves health, readiness and the API docs open', async () => {
    const api = await startApi();
    for (const url of ['/healthz', '/readyz', '/docs/json']) expect((await api.get(url, {})).statusCode, url).toBe(200);
  });
});
