import { createRemoteJWKSet, jwtVerify, errors, type JWTVerifyGetKey } from 'jose';

/*
 * Bearer-token verification. Only asymmetric algorithms are accepted, so a token signed
 * with `none` or with the public key used as an HMAC secret (HS256) can never verify.
 * The JWKS is fetched lazily and cached by jose for 10 minutes (`cacheMaxAge`); a token whose
 * `kid` is not in the cached set refetches it at most every 30 s (`cooldownDuration`), so a
 * rotated key is picked up without a redeploy and an unknown kid cannot hammer the issuer.
 */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA', 'Ed25519',
];

export interface Identity {
  userId: string;
  email?: string | undefined;
  emailVerified: boolean;
  name?: string | undefined;
}

export interface TokenVerifierConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
}

export type TokenVerifier = (token: string) => Promise<Identity>;

export class InvalidToken extends Error {
  constructor(readonly code: string) {
    super(`invalid token: ${code}`);
    this.name = 'InvalidToken';
  }
}

/**
 * The issuer's keys could not be had (the JWKS endpoint down, slow, or answering something
 * that is not a key set): nothing can be verified, which is an outage, not a bad token. The
 * authorizer fails closed with a 503, so clients retry instead of discarding a good token.
 */
export class KeySetUnavailable extends Error {
  constructor(readonly code: string) {
    super(`signing keys unavailable: ${code}`);
    this.name = 'KeySetUnavailable';
  }
}

/**
 * The longest token verified. API Gateway caps a REST request's headers at 10 KB, so a longer
 * one can only come from elsewhere (the local runtime, a misrouted call); refusing it before
 * parsing keeps a megabyte of base64 from being decoded and hashed.
 */
export const MAX_TOKEN_LENGTH = 8_192;

/** A JWKS fetch gives up after this long: well inside the authorizer's 5 s Lambda timeout. */
export const JWKS_TIMEOUT_MS = 2_000;

/**
 * Clock skew tolerated between the issuer and Lambda, in seconds. Small on purpose: every
 * second of it extends a revoked or expired token's life, and managed clocks (NTP on the
 * identity provider, Lambda's time sync) agree to well under a second.
 */
export const CLOCK_SKEW_SECONDS = 5;

export function createTokenVerifier(config: TokenVerifierConfig, keySet?: JWTVerifyGetKey): TokenVerifier {
  const jwks = keySet ?? createRemoteJWKSet(new URL(config.jwksUrl), {
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidToken('too-large');
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: ASYMMETRIC_ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: CLOCK_SKEW_SECONDS,
      });
      // jose checks `exp` and `nbf` but accepts an `iat` in the future: a token minted ahead
      // of time (or by a misconfigured issuer) would outlive what its lifetime says.
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
        throw new InvalidToken('iat_in_future');
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) {
        throw new InvalidToken('subject');
      }
      return {
        userId: payload.sub,
        email: typeof payload.email === 'string' ? payload.email.toLowerCase() : undefined,
        emailVerified: payload.email_verified === true,
        name: typeof payload.name === 'string' ? payload.name : undefined,
      };
    } catch (e) {
      if (e instanceof InvalidToken) throw e;
      if (isKeySetFailure(e)) throw new KeySetUnavailable(e instanceof errors.JOSEError ? e.code : 'fetch-failed');
      // Only jose's error code is kept: nothing about keys or the token reaches a caller.
      throw new InvalidToken(e instanceof errors.JOSEError ? e.code : 'malformed');
    }
  };
}

/**
 * Failures of fetching the key set rather than of the token: jose's timeout and invalid-set
 * errors, its generic error about the JWKS response (not 200, not JSON), and what fetch
 * itself throws (a TypeError for a refused connection or DNS failure). An unknown `kid` is
 * the token's fault (ERR_JWKS_NO_MATCHING_KEY) and stays a 401.
 */
function isKeySetFailure(e: unknown): boolean {
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return true;
  if (e instanceof errors.JOSEError) return e.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(e.message);
  return e instanceof TypeError;
}

/** The token of an `Authorization: Bearer <token>` header, case-insensitive on both. */
export function bearerToken(headers: Record<string, string | undefined> | null | undefined): string | undefined {
  if (!headers) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'authorization' || !value) continue;
    const m = /^Bearer\s+([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*)\s*$/i.exec(value);
    return m?.[1];
  }
  return undefined;
}
