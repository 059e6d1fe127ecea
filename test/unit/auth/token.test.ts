import { beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import { CLOCK_SKEW_SECONDS, createTokenVerifier, InvalidToken } from '#shared/auth/token.js';

/* Token lifetimes: what the issuer's clock says, with a few seconds of skew and no more. */
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let jwk: JWK;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
});

const verify = () => createTokenVerifier({ issuer: 'https://issuer.test', audience: 'kontor', jwksUrl: 'https://issuer.test/jwks' }, createLocalJWKSet({ keys: [jwk] }));
const now = () => Math.floor(Date.now() / 1000);
const token = (claims: { iat: number; exp: number; nbf?: number }) => {
  const t = new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://issuer.test').setAudience('kontor').setSubject('u1');
  if (claims.nbf !== undefined) t.setNotBefore(claims.nbf);
  return t.setIssuedAt(claims.iat).setExpirationTime(claims.exp).sign(privateKey);
};
const outcome = (t: string) => verify()(t).then(() => 'accepted', (e: unknown) => (e instanceof InvalidToken ? e.code : String(e)));

describe('token lifetimes', () => {
  it('when iat is in the future beyond the skew, it refuses the token', async () => {
    expect(await outcome(await token({ iat: now() + 3600, exp: now() + 7200 }))).toBe('iat_in_future');
    expect(await outcome(await token({ iat: now() + CLOCK_SKEW_SECONDS + 10, exp: now() + 600 }))).toBe('iat_in_future');
  });

  it('when exp passed more than the skew ago, it refuses the token (no 30 s grace)', async () => {
    expect(await outcome(await token({ iat: now() - 600, exp: now() - CLOCK_SKEW_SECONDS - 10 }))).toBe('ERR_JWT_EXPIRED');
  });

  it('when nbf is in the future, it refuses the token', async () => {
    expect(await outcome(await token({ iat: now(), nbf: now() + 600, exp: now() + 1200 }))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('accepts a token whose clocks disagree by less than the skew', async () => {
    expect(await outcome(await token({ iat: now() + CLOCK_SKEW_SECONDS - 2, exp: now() + 600 }))).toBe('accepted');
  });
});
