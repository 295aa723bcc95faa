import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/domain/errors.js';
import { describeTarget, parseDatabaseUrl } from '../../persistence/databaseUrl.js';

describe('parseDatabaseUrl', () => {
  it('reads host, port, user, password and database, decoding escapes', () => {
    expect(parseDatabaseUrl('postgresql://trader:p%40ss%2Fw0rd@db.internal:6543/wsb_prod')).toEqual({
      host: 'db.internal',
      port: 6543,
      user: 'trader',
      password: 'p@ss/w0rd',
      dbName: 'wsb_prod',
      ssl: false,
    });
  });

  it('defaults the port to 5432 and the user to postgres, with no password', () => {
    expect(parseDatabaseUrl('postgres://localhost/test')).toMatchObject({ host: 'localhost', port: 5432, user: 'postgres', password: undefined });
  });

  it('unwraps IPv6 literals', () => {
    const t = parseDatabaseUrl('postgres://u@[::1]:5433/x');
    expect(t.host).toBe('::1');
    expect(describeTarget(t)).toBe('postgresql://u@[::1]:5433/x');
  });

  it.each([
    ['require', { rejectUnauthorized: false }],
    ['verify-full', { rejectUnauthorized: true }],
    ['disable', false],
  ])('maps sslmode=%s', (mode, ssl) => {
    expect(parseDatabaseUrl(`postgres://h/db?sslmode=${mode}`).ssl).toEqual(ssl);
  });

  it.each([
    ['not a url', 'not a valid URL'],
    ['http://h/db', 'unsupported scheme'],
    ['postgres://h', 'database name is missing'],
    ['postgres://h/', 'database name is missing'],
    ['postgres://u:pw@h/db?sslmode=sometimes', 'unknown sslmode'],
  ])('rejects %s with a ConfigError naming the field', (url, message) => {
    const err = (() => {
      try {
        parseDatabaseUrl(url);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('DATABASE_URL');
    expect((err as Error).message).toContain(message);
  });

  it('never puts the password in errors or descriptions', () => {
    const t = parseDatabaseUrl('postgres://u:topsecret@h:1/db');
    expect(describeTarget(t)).toBe('postgresql://u@h:1/db');
    expect(() => parseDatabaseUrl('ftp://u:topsecret@h/db')).toThrow(/^(?!.*topsecret)/);
  });
});
