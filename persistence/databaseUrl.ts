import { ConfigError } from '../engine/domain/errors.js';

export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly dbName: string;
  /** From `?sslmode=`: absent or `disable` means no TLS. */
  readonly ssl: false | { readonly rejectUnauthorized: boolean };
}

/**
 * DATABASE_URL → connection fields. Errors name the variable and never echo
 * the URL itself, because it carries the password.
 */
export function parseDatabaseUrl(databaseUrl: string, field = 'DATABASE_URL'): PostgresTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new ConfigError(field, 'not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(field, `unsupported scheme ${JSON.stringify(url.protocol)} (expected postgres:// or postgresql://)`);
  }
  if (url.hostname === '') throw new ConfigError(field, 'host is missing');
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (dbName === '' || dbName.includes('/')) throw new ConfigError(field, 'database name is missing (postgres://host/DATABASE)');
  const port = url.port === '' ? 5432 : Number(url.port);
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  let ssl: PostgresTarget['ssl'];
  switch (sslmode) {
    case 'disable':
      ssl = false;
      break;
    case 'require':
    case 'prefer':
    case 'allow':
      ssl = { rejectUnauthorized: false };
      break;
    case 'verify-ca':
    case 'verify-full':
      ssl = { rejectUnauthorized: true };
      break;
    default:
      throw new ConfigError(field, `unknown sslmode ${JSON.stringify(sslmode)}`);
  }
  return {
    // URL keeps IPv6 literals in brackets; the driver wants them bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user: url.username === '' ? 'postgres' : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    dbName,
    ssl,
  };
}

/** Where a target points, safe to log and to put in error messages: no password. */
export function describeTarget(t: Pick<PostgresTarget, 'host' | 'port' | 'user' | 'dbName'>): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `postgresql://${t.user}@${host}:${t.port}/${t.dbName}`;
}
