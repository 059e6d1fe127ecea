import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { createTokenVerifier, InvalidToken, JWKS_TIMEOUT_MS, KeySetUnavailable, MAX_TOKEN_LENGTH } from '#shared/auth/token.js';

/*
 * The token attacks of the security review, against the real verifier fetching a real JWKS
 * over HTTP from a local issuer (node:http): forged algorithms, keys smuggled in the header,
 * wrong issuer or audience, lifetimes, size, and an issuer that is down or slow. Every
 * attack is refused as an invalid token (the authorizer's 401); an unreachable key set is an
 * outage (KeySetUnavailable, the authorizer's 503), never an allow.
 */
const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'kontor';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let other: Awaited<ReturnType<typeof generateKeyPair>>;
let publicJwk: JWK;
let server: Server;
let jwksUrl: string;
let mode: 'ok' | 'down' | 'slow' | 'html' | 'not-a-key-set' = 'ok';
let fetches = 0;

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  other = await generateKeyPair('RS256', { extractable: true });
  publicJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    fetches++;
    if (mode === 'down') return res.writeHead(503).end('unavailable');
    if (mode === 'slow') return void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })), JWKS_TIMEOUT_MS + 1_000);
    if (mode === 'html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    if (mode === 'not-a-key-set') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"none"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  mode = 'ok';
});

// A fresh verifier per case: jose caches the key set per verifier.
const verifier = () => createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl });
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

async function signed(over: { header?: Record<string, unknown>; claims?: Record<string, unknown>; key?: SigningKey } = {}) {
  return new SignJWT({ email: 'a@example.com', ...over.claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...over.header } as { alg: string })
    .setIssuer(typeof over.claims?.iss === 'string' ? over.claims.iss : ISSUER)
    .setAudience(typeof over.claims?.aud === 'string' ? over.claims.aud : AUDIENCE)
    .setSubject('u1')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(over.key ?? (rsa.privateKey));
}

/** 'accepted', the InvalidToken code, or 'unavailable: <code>'. */
const outcome = (token: string) =>
  verifier()(token).then(
    () => 'accepted',
    (e: unknown) => (e instanceof InvalidToken ? `invalid: ${e.code}` : e instanceof KeySetUnavailable ? `unavailable: ${e.code}` : `other: ${String(e)}`),
  );

describe('forged tokens', () => {
  it('accepts the genuine token (the baseline every attack below differs from)', async () => {
    expect(await outcome(await signed())).toBe('accepted');
  });

  it('refuses alg "none" with an empty signature', async () => {
    const [header, payload] = (await signed()).split('.');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    expect(header).toBeDefined();
    expect(await outcome(none)).toMatch(/^invalid: /);
  });

  it('refuses HS256 signed with the issuer\'s public key as the HMAC secret (algorithm confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    for (const secret of [new TextEncoder().encode(pem), new TextEncoder().encode(JSON.stringify(publicJwk))]) {
      const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('u1').setIssuedAt().setExpirationTime('10m').sign(secret);
      expect(await outcome(forged)).toMatch(/^invalid: /);
    }
  });

  it('ignores a key embedded in the header (jwk, jku, x5u, x5c): signed by the attacker\'s key, it is refused', async () => {
    const attackerJwk = { ...(await exportJWK(other.publicKey)), kid: 'k1', alg: 'RS256' };
    const headers = [
      { jwk: attackerJwk },
      { jku: 'https://attacker.example/jwks.json' },
      { x5u: 'https://attacker.example/cert.pem' },
      { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
    ];
    for (const header of headers) {
      expect({ header: Object.keys(header)[0], got: await outcome(await signed({ header, key: other.privateKey })) }).toMatchObject({ got: expect.stringMatching(/^invalid: /) });
    }
  });

  it('refuses an unknown kid (after at most one refetch of the key set) and a token signed by another key under the known kid', async () => {
    expect(await outcome(await signed({ header: { kid: 'k-unknown' } }))).toBe('invalid: ERR_JWKS_NO_MATCHING_KEY');
    expect(await outcome(await signed({ key: other.privateKey }))).toBe('invalid: ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('refuses a wrong issuer and a wrong audience', async () => {
    expect(await outcome(await signed({ claims: { iss: 'https://evil.test/' } }))).toBe('invalid: ERR_JWT_CLAIM_VALIDATION_FAILED');
    expect(await outcome(await signed({ claims: { aud: 'someone-else' } }))).toBe('invalid: ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('refuses an expired token, and nbf or iat in the future', async () => {
    const at = (claims: Record<string, number>) =>
      new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('u1').sign(rsa.privateKey);
    expect(await outcome(await at({ iat: now() - 3600, exp: now() - 60 }))).toBe('invalid: ERR_JWT_EXPIRED');
    expect(await outcome(await at({ iat: now(), nbf: now() + 600, exp: now() + 1200 }))).toBe('invalid: ERR_JWT_CLAIM_VALIDATION_FAILED');
    expect(await outcome(await at({ iat: now() + 600, exp: now() + 1200 }))).toBe('invalid: iat_in_future');
    // Required: a token without exp never expires.
    expect(await outcome(await at({ iat: now() }))).toMatch(/^invalid: /);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await signed()).split('.');
    const tampered = `${header}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'owner-of-everything', iat: now(), exp: now() + 600 })}.${signature}`;
    expect(await outcome(tampered)).toBe('invalid: ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('refuses an oversized token before parsing it, and an empty or absurd subject', async () => {
    expect(await outcome(await signed({ claims: { pad: 'x'.repeat(1_000_000) } }))).toBe('invalid: too-large');
    expect(await outcome(await signed({ claims: { pad: 'x'.repeat(MAX_TOKEN_LENGTH) } }))).toBe('invalid: too-large');
    expect(await outcome(await signed({ claims: { pad: 'x'.repeat(2_000) } }))).toBe('accepted');
    const withSubject = (sub: string) =>
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(rsa.privateKey);
    expect(await outcome(await withSubject('u'.repeat(257)))).toBe('invalid: subject');
    expect(await outcome(await withSubject(''))).toMatch(/^invalid: /);
    expect(await outcome('a'.repeat(100_000))).toMatch(/^invalid: /);
  });
});

describe('an issuer that is down or slow', () => {
  it('when the JWKS endpoint answers 503, HTML or a malformed set, the key set is unavailable (503), never an allow or a 401', async () => {
    const token = await signed();
    for (const m of ['down', 'html', 'not-a-key-set'] as const) {
      mode = m;
      expect({ m, got: await outcome(token) }).toMatchObject({ m, got: expect.stringMatching(/^unavailable: /) });
    }
  });

  it('when the JWKS endpoint is slower than the timeout, it gives up within it: unavailable', async () => {
    mode = 'slow';
    const started = fetches;
    expect(await outcome(await signed())).toBe('unavailable: ERR_JWKS_TIMEOUT');
    expect(fetches).toBe(started + 1);
  }, JWKS_TIMEOUT_MS * 3);

  it('when nothing listens at the JWKS URL, the key set is unavailable', async () => {
    const closed = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'http://127.0.0.1:9/jwks.json' });
    const got = await closed(await signed()).then(
      () => 'accepted',
      (e: unknown) => (e instanceof KeySetUnavailable ? 'unavailable' : String(e)),
    );
    expect(got).toBe('unavailable');
  });
});
