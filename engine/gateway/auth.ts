import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { OidcConfig } from '../config.js';
import type { Authenticator, Principal } from './control.js';

/** What the authenticator needs from the configuration. */
export interface AuthSettings {
  readonly apiToken: string | undefined;
  readonly oidc: OidcConfig | undefined;
  readonly openReads: boolean;
}

export interface AuthenticatorOptions {
  /** Where a refused credential is noted: the reason code only, never the credential. */
  readonly onRejected?: (reason: string) => void;
  /** Clock for JWT expiry checks (tests); default the real time. */
  readonly now?: () => number;
  /** Signing keys (tests); default the issuer's JWKS, fetched and cached by jose. */
  readonly jwks?: JWTVerifyGetKey;
}

/** Asymmetric algorithms only: an HS256 token "signed" with a public key must never verify. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Clock skew allowed between us and the identity provider. */
const CLOCK_TOLERANCE_SECONDS = 30;
/** RFC 6750 b64token, bounded so a huge header costs nothing. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]{1,8192}=*)$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Bearer authentication: the static token from configuration, compared in
 * constant time (both sides hashed to equal-length digests first, so neither
 * the content nor the length leaks through timing), or an OIDC JWT (e.g. from
 * Auth0) verified against the issuer's JWKS with issuer and audience checked.
 */
export function createAuthenticator(settings: AuthSettings, opts: AuthenticatorOptions = {}): Authenticator {
  const tokenDigest = settings.apiToken === undefined ? undefined : sha256(settings.apiToken);
  const oidc = settings.oidc;
  const jwks = oidc ? (opts.jwks ?? createRemoteJWKSet(new URL(oidc.jwksUrl))) : undefined;
  const rejected = opts.onRejected ?? (() => undefined);

  const verifyJwt = async (token: string): Promise<Principal | null> => {
    if (!oidc || !jwks) return null;
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: oidc.issuer,
        audience: oidc.audience,
        algorithms: JWT_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp'],
        ...(opts.now ? { currentDate: new Date(opts.now()) } : {}),
      });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
        rejected('jwt_without_subject');
        return null;
      }
      return { subject: payload.sub, method: 'jwt' };
    } catch (e) {
      // jose's codes (ERR_JWT_EXPIRED, ERR_JWT_CLAIM_VALIDATION_FAILED, ERR_JWKS_TIMEOUT…) say why without the token.
      rejected(e instanceof joseErrors.JOSEError ? e.code : 'jwt_unverifiable');
      return null;
    }
  };

  return {
    openReads: settings.openReads,
    async authenticate(header: string | undefined): Promise<Principal | null> {
      if (header === undefined || header.length === 0) return null;
      const match = BEARER.exec(header);
      const token = match?.[1];
      if (token === undefined) {
        rejected('malformed_authorization_header');
        return null;
      }
      if (tokenDigest !== undefined && timingSafeEqual(sha256(token), tokenDigest)) return { subject: 'api-token', method: 'token' };
      if (oidc && JWT_SHAPE.test(token)) return verifyJwt(token);
      rejected('unknown_token');
      return null;
    },
  };
}
