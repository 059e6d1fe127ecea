import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ProvisionedThroughputExceededException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import { authorize, AuthorizerUnavailable } from '#functions/authorizer/authorize.js';
import { createTokenVerifier } from '#shared/auth/token.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { grantEntity } from '#shared/data/entities/grant.js';
import { membershipEntity } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { arnMatches } from '#shared/authz/arn.js';
import { compileCustomRole } from '#shared/authz/roles.js';

const TABLE = 'kontor-test';
const PREFIX = 'arn:aws:execute-api:eu-central-1:123456789012:api123/prod';
const ORG = 'org_01JTEST0000000000000000000';
const MAIN = 'acc_01JTEST0000000000000000000';
const SUB = `${MAIN}_01JTEST0000000000000000001`;
const OTHER_MAIN = 'acc_01JQTHER000000000000000000';

const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
);
const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());

// jose's key type, without pulling the DOM lib into the typecheck.
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let jwk: JWK;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
});

const verify = () =>
  createTokenVerifier(
    { issuer: 'https://issuer.test', audience: 'kontor', jwksUrl: 'https://issuer.test/jwks' },
    createLocalJWKSet({ keys: [jwk] }),
  );

const token = (sub: string) =>
  new SignJWT({ email: `${sub}@example.com`, email_verified: true })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject(sub)
    .setIssuer('https://issuer.test')
    .setAudience('kontor')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);

const event = (auth: string | undefined, method: string, path: string, accountId?: string): APIGatewayRequestAuthorizerEvent =>
  ({
    type: 'REQUEST',
    methodArn: `${PREFIX}/${method}${path}`,
    resource: path,
    path,
    httpMethod: method,
    headers: auth ? { Authorization: auth } : {},
    multiValueHeaders: {},
    pathParameters: accountId ? { accountId } : null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as never,
  }) as APIGatewayRequestAuthorizerEvent;

const org = organizationEntity.item({
  organizationId: ORG,
  name: 'Test',
  plan: 'free',
  features: [],
  customRoles: {},
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'u-owner',
  version: 1,
});
const main = accountEntity.item({ accountId: MAIN, organizationId: ORG, kind: 'main', name: 'Main', status: 'active', createdAt: '', version: 1 });
const sub = accountEntity.item({ accountId: SUB, organizationId: ORG, kind: 'sub', name: 'Sub', status: 'active', createdAt: '', version: 1 });
const member = (accountId: string, userId: string, role: string) =>
  membershipEntity.item({ accountId, organizationId: ORG, userId, email: `${userId}@example.com`, role, createdAt: '', version: 1 });

const allows = (result: APIGatewayAuthorizerResult, arn: string): boolean => {
  const statements = result.policyDocument.Statement as Array<{ Effect: string; Resource: string[] }>;
  const matches = (effect: string) =>
    statements.some((s) => s.Effect === effect && s.Resource.some((r) => arnMatches(r, arn)));
  return !matches('Deny') && matches('Allow');
};

describe('the authorizer', () => {
  it('rejects a request without a bearer token as Unauthorized, without reading DynamoDB', async () => {
    await expect(authorize({ verify: verify(), db, table: TABLE }, event(undefined, 'GET', '/me'))).rejects.toThrow(
      /^Unauthorized$/,
    );
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
  });

  it('rejects a token it cannot verify as Unauthorized, saying nothing about why', async () => {
    const bad = (await token('u1')).slice(0, -4) + 'AAAA';
    const err = await authorize({ verify: verify(), db, table: TABLE }, event(`Bearer ${bad}`, 'GET', '/me')).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('Unauthorized');
  });

  it('when the issuer\'s keys cannot be fetched, fails closed as unavailable (the gateway\'s 503), not Unauthorized (401)', async () => {
    const unreachable = createTokenVerifier({ issuer: 'https://issuer.test', audience: 'kontor', jwksUrl: 'http://127.0.0.1:9/jwks.json' });
    const err = await authorize({ verify: unreachable, db, table: TABLE }, event(`Bearer ${await token('u1')}`, 'GET', '/me')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(AuthorizerUnavailable);
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
  });

  it('allows the user routes for a valid token on a path without an account, with no DynamoDB read', async () => {
    const result = await authorize(
      { verify: verify(), db, table: TABLE },
      event(`Bearer ${await token('u1')}`, 'GET', '/me'),
    );
    expect(result.principalId).toBe('u1');
    expect(allows(result, `${PREFIX}/GET/me`)).toBe(true);
    expect(result.context).toMatchObject({ userId: 'u1', scope: 'user', emailVerified: true });
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
  });

  // Two requests sent together: [keys, ConsistentRead] of each, in any order.
  const requests = () =>
    ddb
      .commandCalls(BatchGetCommand)
      .map((c) => [c.args[0].input.RequestItems?.[TABLE]?.Keys?.map((k) => `${String(k.pk)} ${String(k.sk)}`), c.args[0].input.RequestItems?.[TABLE]?.ConsistentRead] as const);

  it('loads a main-account principal with the membership strongly consistent, the organization and account eventually, together', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [org, main, member(MAIN, 'u1', 'owner')] } });
    const result = await authorize(
      { verify: verify(), db, table: TABLE },
      event(`Bearer ${await token('u1')}`, 'GET', `/accounts/${MAIN}`, MAIN),
    );
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(requests()).toEqual(
      expect.arrayContaining([
        [[`${org.pk} ${org.sk}`, `${main.pk} ${main.sk}`], false],
        [[`${member(MAIN, 'u1', 'owner').pk} ${member(MAIN, 'u1', 'owner').sk}`], true],
      ]),
    );
    expect(result.context).toMatchObject({ scope: 'account', accountId: MAIN, organizationId: ORG, role: 'owner', via: 'owner' });
    expect(typeof result.context?.permissions).toBe('string');
  });

  it('loads a sub-account principal from five keys: both memberships and the grant strongly consistent, org and account eventually', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        [TABLE]: [
          org,
          sub,
          member(MAIN, 'u2', 'manager'),
          grantEntity.item({ organizationId: ORG, mainAccountId: MAIN, subAccountId: SUB, userId: 'u2', grantedBy: 'u-owner', grantedAt: '' }),
        ],
      },
    });
    const result = await authorize(
      { verify: verify(), db, table: TABLE },
      event(`Bearer ${await token('u2')}`, 'GET', `/accounts/${SUB}`, SUB),
    );
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(requests().map(([keys, consistent]) => [keys?.length, consistent]).sort()).toEqual([
      [2, false],
      [3, true],
    ]);
    expect(result.context).toMatchObject({ accountId: SUB, role: 'manager', via: 'grant' });
  });

  it('denies a member of one organization every route of another organization\'s account', async () => {
    // The other organization's items do not carry this user's membership: nothing comes back for it.
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    const result = await authorize(
      { verify: verify(), db, table: TABLE },
      event(`Bearer ${await token('u1')}`, 'GET', `/accounts/${OTHER_MAIN}`, OTHER_MAIN),
    );
    expect(allows(result, `${PREFIX}/GET/accounts/${OTHER_MAIN}`)).toBe(false);
    expect(allows(result, `${PREFIX}/DELETE/accounts/${OTHER_MAIN}/members/u9`)).toBe(false);
    expect(result.context).toMatchObject({ scope: 'denied', reason: 'unknown-account' });
  });

  it('denies an account id that is not one, without reading DynamoDB', async () => {
    const result = await authorize(
      { verify: verify(), db, table: TABLE },
      event(`Bearer ${await token('u1')}`, 'GET', '/accounts/acc_*', 'acc_*'),
    );
    expect(allows(result, `${PREFIX}/GET/accounts/acc_*`)).toBe(false);
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
  });

  it('allows the owner their account when the path percent-encodes its id: the methodArn\'s raw segment, decoded once', async () => {
    // API Gateway gives the Lambdas the decoded parameter, but the methodArn keeps the raw path.
    for (const raw of [`%61${MAIN.slice(1)}`, MAIN.replace('_', '%5F'), MAIN.replace('_', '%5f')]) {
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [org, main, member(MAIN, 'u1', 'owner')] } });
      const result = await authorize(
        { verify: verify(), db, table: TABLE },
        { ...event(`Bearer ${await token('u1')}`, 'GET', `/accounts/${raw}`, MAIN), pathParameters: { accountId: MAIN } },
      );
      expect(result.context, raw).toMatchObject({ scope: 'account', accountId: MAIN });
      expect(allows(result, `${PREFIX}/GET/accounts/${raw}`), raw).toBe(true);
      expect(allows(result, `${PREFIX}/GET/accounts/${raw}/clients`), raw).toBe(true);
      // ...and nothing of any other account, encoded or not.
      expect(allows(result, `${PREFIX}/GET/accounts/${OTHER_MAIN}`)).toBe(false);
      expect(allows(result, `${PREFIX}/GET/accounts/%61${OTHER_MAIN.slice(1)}`)).toBe(false);
    }
  });

  it('denies, without reading DynamoDB, a raw segment that does not decode once to the path parameter or to an account id', async () => {
    const cases: Array<[string, string | undefined]> = [
      [`%2561${MAIN.slice(1)}`, `%61${MAIN.slice(1)}`], // double encoding: one decode is not an id
      [`%61${OTHER_MAIN.slice(1)}`, MAIN], // the raw path and the parameter name different accounts
      [`${MAIN}%2Fclients`, `${MAIN}/clients`], // an encoded slash
      ['acc_%2A', 'acc_*'],
      ['%E0%A4%A', '%E0%A4%A'], // not decodable
    ];
    for (const [raw, param] of cases) {
      const result = await authorize(
        { verify: verify(), db, table: TABLE },
        { ...event(`Bearer ${await token('u1')}`, 'GET', `/accounts/${raw}`), pathParameters: param === undefined ? null : { accountId: param } },
      );
      expect(result.context?.scope, raw).toBe('denied');
      expect(allows(result, `${PREFIX}/GET/accounts/${raw}`), raw).toBe(false);
    }
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
  });

  it.each([
    ['a throttling error', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })],
    ['a missing table', new ResourceNotFoundException({ message: 'no table', $metadata: {} })],
    ['a network error', new Error('socket hang up')],
  ])('turns %s into AuthorizerUnavailable (a 503), never an allow', async (_name, error) => {
    ddb.on(BatchGetCommand).rejects(error);
    await expect(
      authorize({ verify: verify(), db, table: TABLE }, event(`Bearer ${await token('u1')}`, 'GET', `/accounts/${MAIN}`, MAIN)),
    ).rejects.toBeInstanceOf(AuthorizerUnavailable);
  });

  it('refuses to decide on a partial BatchGetItem answer (unprocessed keys): 503, never an allow', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: { [TABLE]: [org, main] },
      UnprocessedKeys: { [TABLE]: { Keys: [{ pk: 'x', sk: 'y' }] } },
    });
    await expect(
      authorize({ verify: verify(), db, table: TABLE }, event(`Bearer ${await token('u1')}`, 'GET', `/accounts/${MAIN}`, MAIN)),
    ).rejects.toBeInstanceOf(AuthorizerUnavailable);
  });
});

describe('the authorizer on the rules of SPEC.md 3 and 4', () => {
  const call = async (userId: string, accountId: string, items: object[]) => {
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: items as Array<Record<string, unknown>> } });
    return authorize(
      { verify: verify(), db, table: TABLE },
      event(`Bearer ${await token(userId)}`, 'GET', `/accounts/${accountId}/invoices`, accountId),
    );
  };
  const archived = { ...sub, status: 'archived' };
  const grant = (userId: string) =>
    grantEntity.item({ organizationId: ORG, mainAccountId: MAIN, subAccountId: SUB, userId, grantedBy: 'u-owner', grantedAt: '' });

  it('when the sub-account is archived, it denies a granted manager and still allows the Owner', async () => {
    const denied = await call('u2', SUB, [org, archived, member(MAIN, 'u2', 'manager'), grant('u2')]);
    expect(denied.context).toMatchObject({ scope: 'denied', reason: 'account-archived' });
    expect(allows(denied, `${PREFIX}/GET/accounts/${SUB}/invoices`)).toBe(false);

    const owner = await call('u1', SUB, [org, archived, member(MAIN, 'u1', 'owner')]);
    expect(owner.context).toMatchObject({ scope: 'account', role: 'owner', via: 'owner' });
    expect(allows(owner, `${PREFIX}/GET/accounts/${SUB}/invoices`)).toBe(true);
  });

  it('when the grant is gone, it denies the main-account member in that sub-account', async () => {
    const result = await call('u2', SUB, [org, sub, member(MAIN, 'u2', 'manager')]);
    expect(result.context).toMatchObject({ scope: 'denied', reason: 'not-a-member' });
  });

  it('allows Backoffice in a sub-account without a grant when the plan and the feature allow it, whatever shape the features come in', async () => {
    // The DocumentClient returns a DynamoDB string set as a Set, a list as an array: both count.
    for (const features of [['self-bookkeeping'], new Set(['self-bookkeeping'])]) {
      const result = await call('u3', SUB, [{ ...org, plan: 'small', features }, sub, member(MAIN, 'u3', 'backoffice')]);
      expect(result.context).toMatchObject({ scope: 'account', role: 'backoffice', via: 'backoffice' });
    }
  });

  it('denies Backoffice on the Free plan, or when self-bookkeeping is off', async () => {
    for (const o of [{ ...org, plan: 'free', features: ['self-bookkeeping'] }, { ...org, plan: 'large', features: [] }]) {
      const result = await call('u3', MAIN, [o, main, member(MAIN, 'u3', 'backoffice')]);
      expect(result.context).toMatchObject({ scope: 'denied', reason: 'backoffice-unavailable' });
    }
  });

  it('when the organization item holds malformed features or custom roles, it denies and never throws', async () => {
    for (const bad of [{ features: 'self-bookkeeping' }, { customRoles: 'x' }, { customRoles: { r1: 42 } }, { customRoles: null }]) {
      const result = await call('u4', MAIN, [{ ...org, plan: 'small', ...bad }, main, member(MAIN, 'u4', 'custom:r1')]);
      expect(result.context).toMatchObject({ scope: 'denied', reason: 'unknown-role' });
    }
  });

  it('resolves a custom role from the compiled form on the organization item, in the same round trip', async () => {
    const result = await call('u4', MAIN, [
      { ...org, customRoles: { r1: compileCustomRole(['documents.view.own']).hex } },
      main,
      member(MAIN, 'u4', 'custom:r1'),
    ]);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(result.context).toMatchObject({ scope: 'account', role: 'custom:r1', permissions: compileCustomRole(['documents.view.own']).hex });
    expect(allows(result, `${PREFIX}/GET/accounts/${MAIN}/invoices`)).toBe(true);
    expect(allows(result, `${PREFIX}/POST/accounts/${MAIN}/invoices`)).toBe(false);
  });
});
