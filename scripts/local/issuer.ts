import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/*
 * The local identity provider: one ES256 signing key, made at first start and kept in
 * .kontor/ so that printed tokens survive restarts. The local runtime serves its public
 * half at /.well-known/jwks.json and the real authorizer fetches it from there, exactly as
 * it fetches an identity provider's JWKS in AWS.
 */
export const LOCAL_ISSUER = 'https://issuer.kontor.local/';
export const LOCAL_AUDIENCE = 'kontor-api';
const ALG = 'ES256';

export interface TokenClaims {
  sub: string;
  email?: string | undefined;
  emailVerified?: boolean | undefined;
  name?: string | undefined;
}

export interface LocalIssuer {
  issuer: string;
  audience: string;
  /** The private key as a JWK (with its kid), for tests that mint tokens in other processes. */
  privateJwk: JWK;
  jwks: { keys: JWK[] };
  sign(claims: TokenClaims, options?: { expiresIn?: string }): Promise<string>;
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `local-${randomUUID().slice(0, 8)}`, alg: ALG, use: 'sig' };
}

/** The key in `keyFile` (created on first use), or a fresh in-memory key when no file is given. */
export async function loadSigningKey(keyFile?: string): Promise<JWK> {
  if (!keyFile) return newPrivateJwk();
  if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
  const jwk = await newPrivateJwk();
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  return jwk;
}

export async function createIssuer(privateJwk: JWK): Promise<LocalIssuer> {
  const key = await importJWK(privateJwk, ALG);
  const { d: _private, ...publicJwk } = privateJwk;
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    privateJwk,
    jwks: { keys: [publicJwk] },
    sign: (claims, options) => {
      const payload: Record<string, unknown> = {};
      if (claims.email !== undefined) {
        payload.email = claims.email;
        payload.email_verified = claims.emailVerified ?? true;
      }
      if (claims.name !== undefined) payload.name = claims.name;
      return new SignJWT(payload)
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid!, typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        // A unique id per token: two tokens for the same user never share a cache entry.
        .setJti(randomUUID())
        .setExpirationTime(options?.expiresIn ?? '24h')
        .sign(key);
    },
  };
}
