import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SignJWT, UnsecuredJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import { createHmac } from 'node:crypto';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../scripts/local/issuer.js';
import { DEMO_MAIN_ACCOUNT_ID, DEMO_ORGANIZATION_ID, DEMO_SUB_ACCOUNT_1_ID, DEMO_USERS } from '../../scripts/local/demo.js';
import { call, tokenFor } from '../support/http.js';
import { createOrganization } from '../support/orgs.js';

/*
 * The foundation over HTTP: the local runtime runs the real authorizer (jose against the
 * issuer's JWKS, one BatchGetItem) and the real handlers behind the API Gateway emulation.
 */
const owner = DEMO_USERS.find((u) => u.email === 'owner@demo.kontor.dev')!;
const privateJwk = (): JWK => JSON.parse(inject('issuerPrivateJwk')) as JWK;

const signed = async (over: { iss?: string; aud?: string; exp?: number | string; kid?: string; key?: CryptoKeyLike }) => {
  const jwk = privateJwk();
  const key = over.key ?? (await importJWK(jwk, 'ES256'));
  return new SignJWT({ email: owner.email, email_verified: true })
    .setProtectedHeader({ alg: 'ES256', kid: over.kid ?? jwk.kid! })
    .setSubject(owner.userId)
    .setIssuer(over.iss ?? LOCAL_ISSUER)
    .setAudience(over.aud ?? LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(over.exp ?? '5m')
    .sign(key);
};
type CryptoKeyLike = Awaited<ReturnType<typeof importJWK>>;

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('the local runtime over HTTP', () => {
  it('answers GET /health without a token', async () => {
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('serves the OpenAPI 3.1 document publicly', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toContain('/accounts/{accountId}/members');
  });

  it('answers GET /me with the caller and their memberships for a good token', async () => {
    const res = await call('GET', '/me', { token: await tokenFor({ sub: owner.userId, email: owner.email }) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userId: owner.userId,
      email: owner.email,
      emailVerified: true,
      memberships: [{ organizationId: DEMO_ORGANIZATION_ID, accountId: DEMO_MAIN_ACCOUNT_ID, role: 'owner' }],
    });
  });

  it('lists a sub-account-only member with that sub-account membership alone', async () => {
    const branch = DEMO_USERS.find((u) => u.email === 'branch@demo.kontor.dev')!;
    const res = await call('GET', '/me', { token: await tokenFor({ sub: branch.userId, email: branch.email }) });
    expect(res.body.memberships).toEqual([
      { organizationId: DEMO_ORGANIZATION_ID, accountId: DEMO_SUB_ACCOUNT_1_ID, role: 'manager' },
    ]);
  });

  describe('refuses every bad token with the same 401 problem, saying nothing about keys', () => {
    const badTokens: Array<[string, () => Promise<string | undefined>]> = [
      ['no token at all', async () => undefined],
      ['a malformed token', async () => 'not.a.jwt'],
      ['a token with a tampered signature', async () => (await signed({})).slice(0, -6) + 'AAAAAA'],
      ['an expired token', async () => signed({ exp: Math.floor(Date.now() / 1000) - 3600 })],
      ['a token of another issuer', async () => signed({ iss: 'https://evil.example/' })],
      ['a token for another audience', async () => signed({ aud: 'someone-else' })],
      ['a token with alg none', async () => new UnsecuredJWT({ sub: owner.userId }).setIssuer(LOCAL_ISSUER).setAudience(LOCAL_AUDIENCE).setExpirationTime('5m').encode()],
      [
        'an HS256 token keyed with the public key (algorithm confusion)',
        async () => {
          const { d: _d, ...pub } = privateJwk();
          const header = b64url({ alg: 'HS256', typ: 'JWT', kid: pub.kid });
          const payload = b64url({ sub: owner.userId, iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 });
          const sig = createHmac('sha256', JSON.stringify(pub)).update(`${header}.${payload}`).digest('base64url');
          return `${header}.${payload}.${sig}`;
        },
      ],
      [
        'a token signed by an unknown key id',
        async () => signed({ kid: 'someone-elses-key', key: (await generateKeyPair('ES256')).privateKey }),
      ],
    ];

    it.each(badTokens)('%s', async (_name, make) => {
      const token = await make();
      const res = await call('GET', '/me', token ? { headers: { authorization: `Bearer ${token}` } } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body).toEqual({
        type: 'https://kontor.dev/problems/unauthenticated',
        title: 'Authentication is required',
        status: 401,
        detail: 'A valid bearer token is required.',
        instance: '/me',
      });
    });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await call('GET', '/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.type).toBe('https://kontor.dev/problems/not-found');
  });

  it('answers a method the path does not have with a 404 problem, as API Gateway does', async () => {
    const res = await call('DELETE', '/health');
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('https://kontor.dev/problems/not-found');
  });

  it("fences organizations apart: an owner of one organization is denied every route of another's account", async () => {
    const a = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const b = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }] });
    const token = await a.users.owner!.token();
    for (const path of [
      `/accounts/${b.mainAccountId}`,
      `/accounts/${b.mainAccountId}/members`,
      `/accounts/${b.subAccountIds[0]}/invoices`,
      `/accounts/${DEMO_MAIN_ACCOUNT_ID}/clients`,
    ]) {
      const res = await call('GET', path, { token });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.body.type).toBe('https://kontor.dev/problems/forbidden');
    }
  });

  it('denies an account id that is not one, without a 500', async () => {
    const res = await call('GET', '/accounts/acc_*/members', { token: await tokenFor({ sub: owner.userId }) });
    expect(res.status).toBe(403);
  });
});
