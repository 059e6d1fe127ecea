import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mapDynamoError, transact, TransientConflict, type TxStep } from '#shared/data/dynamo.js';
import { Conflict, NotFound, ServiceUnavailable, StaleVersion } from '#shared/domain/errors.js';
import { accountEntity, accountKey } from '#shared/data/entities/account.js';
import { membershipEntity, membershipKey, type Actor, type Membership } from '#shared/data/entities/membership.js';
import { organizationEntity, organizationKey, type Organization } from '#shared/data/entities/organization.js';
import { signUpEntity } from '#shared/data/entities/sign-up.js';
import type { Store } from '#shared/data/context.js';
import { changeRole } from '#shared/usecases/members.js';
import { signUp, createSubAccount } from '#shared/usecases/organization.js';
import { BUILT_IN_PERMISSIONS } from '#shared/authz/roles.js';
import { toHex } from '#shared/authz/permission-set.js';

/* DynamoDB error paths of the administration use cases, with the document client mocked. */
process.env.TABLE_NAME ??= 'kontor-unit';
const TABLE = 'kontor-unit';
const ORG = 'org_01JTEST0000000000000000000';
const MAIN = 'acc_01JTEST0000000000000000000';
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());
const store: Store = { db, table: TABLE, now: () => new Date('2026-11-23T12:00:00Z') };

const cancelled = (...codes: string[]) => cancelledWith(codes.map((Code) => ({ Code })));
/** A cancelled transaction whose failed steps returned their item (ReturnValuesOnConditionCheckFailure ALL_OLD). */
const cancelledWith = (reasons: Array<{ Code: string; item?: Record<string, unknown> }>) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons.map(({ Code, item }) => ({ Code, ...(item ? { Item: marshall(item, { removeUndefinedValues: true }) } : {}) })),
  });
const owner: Actor = {
  userId: 'u-owner',
  organizationId: ORG,
  accountId: MAIN,
  role: 'owner',
  via: 'owner',
  permissions: BUILT_IN_PERMISSIONS.owner,
  basis: { membership: { accountId: MAIN, userId: 'u-owner', role: 'owner', version: 1 } },
};
const orgState: Organization = { organizationId: ORG, name: 'T', plan: 'free', features: [], customRoles: {}, createdAt: 'x', createdBy: 'x', version: 3 };
const org = organizationEntity.item(orgState);
const empState: Membership = { accountId: MAIN, organizationId: ORG, userId: 'u-emp', email: 'e@x', role: 'employee', createdAt: 'x', version: 2 };
const emp = membershipEntity.item(empState);
/** The wrapper's re-read of the Owner's access (organization, account, membership), from whichever table the handler names. */
const ownerAccess = (input: { RequestItems?: Record<string, unknown> }) => ({
  Responses: {
    [Object.keys(input.RequestItems ?? {})[0]!]: [
      org,
      accountEntity.item({ accountId: MAIN, organizationId: ORG, kind: 'main', name: 'M', status: 'active', createdAt: 'x', version: 1 }),
      membershipEntity.item({ accountId: MAIN, organizationId: ORG, userId: 'u-owner', email: 'o@x', role: 'owner', createdAt: 'x', version: 1 }),
    ],
  },
});

describe('transactions', () => {
  const steps: TxStep[] = [
    { item: { ConditionCheck: { TableName: TABLE, Key: accountKey(MAIN), ConditionExpression: 'attribute_exists(pk)' } }, onConditionFailed: () => new NotFound('no account') },
    { item: { ConditionCheck: { TableName: TABLE, Key: organizationKey(ORG), ConditionExpression: 'attribute_exists(pk)' } } },
  ];

  it('when a step\'s condition fails, it answers with that step\'s error', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    await expect(transact(store, steps)).rejects.toBeInstanceOf(NotFound);
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    await expect(transact(store, steps)).rejects.toBeInstanceOf(Conflict);
  });

  it('when a concurrent transaction conflicts, it is a 409 to retry; when throttled, a 503', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None'));
    await expect(transact(store, steps)).rejects.toThrow(/concurrent change/);
    await expect(transact(store, steps)).rejects.toBeInstanceOf(TransientConflict);
    ddb.on(TransactWriteCommand).rejects(cancelled('ThrottlingError', 'None'));
    await expect(transact(store, steps)).rejects.toBeInstanceOf(ServiceUnavailable);
    ddb.on(TransactWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(transact(store, steps)).rejects.toBeInstanceOf(ServiceUnavailable);
  });

  it('when the error is unknown, it is rethrown untouched (an opaque 500 upstream)', () => {
    const e = new Error('boom');
    expect(mapDynamoError(e)).toBe(e);
  });

  it('sends every step in one TransactWriteItems', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await transact(store, steps);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems).toHaveLength(2);
  });
});

describe('changing a role', () => {
  it('when the member changed between read and write, it is a 409 stale-version naming the version the item holds now, never a lost update', async () => {
    ddb.on(QueryCommand).resolves({ Items: [emp] });
    ddb.on(GetCommand, { Key: organizationKey(ORG) }).resolves({ Item: org });
    ddb.on(TransactWriteCommand).rejects(cancelledWith([{ Code: 'ConditionalCheckFailed', item: { ...emp, version: 5 } }, { Code: 'None' }]));
    const refused = await changeRole(store, owner, 'u-emp', { role: 'manager', version: 2 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StaleVersion);
    expect(refused).toMatchObject({ status: 409, extensions: { currentVersion: 5 } });
    // The current version comes with the refusal: the member is not read again to build it.
    expect(ddb.commandCalls(GetCommand).filter((c) => c.args[0].input.Key?.sk === membershipKey(MAIN, 'u-emp').sk)).toHaveLength(0);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    const tx = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(tx[0]!.Update).toMatchObject({
      ConditionExpression: '#version = :v',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ExpressionAttributeValues: expect.objectContaining({ ':v': 2, ':role': 'manager' }),
    });
    // The audit entry is in the same transaction as the change.
    expect(tx.at(-1)!.Put!.Item).toMatchObject({ type: 'audit', action: 'member.role-changed', before: { role: 'employee', version: 2 } });
  });

  it('when a custom role is assigned, the organization version guards against its concurrent deletion', async () => {
    const withRole = { ...org, customRoles: { rol_1: toHex(BUILT_IN_PERMISSIONS.employee) } };
    ddb.on(QueryCommand).resolves({ Items: [emp] });
    ddb.on(GetCommand, { Key: organizationKey(ORG) }).resolves({ Item: withRole });
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    await expect(changeRole(store, owner, 'u-emp', { role: 'custom:rol_1', version: 2 })).rejects.toThrow(/organization changed meanwhile/);
    const tx = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(tx[1]!.Update).toMatchObject({ Key: organizationKey(ORG), ConditionExpression: '#version = :v AND attribute_exists(customRoles.#role)' });
  });

  it('when the last other Owner is demoted concurrently, the demotion of this one fails as last-owner', async () => {
    const me = membershipEntity.item({ accountId: MAIN, organizationId: ORG, userId: 'u-owner', email: 'o@x', role: 'owner', createdAt: 'x', version: 1 });
    const other = membershipEntity.item({ accountId: MAIN, organizationId: ORG, userId: 'u-owner2', email: 'o2@x', role: 'owner', createdAt: 'x', version: 1 });
    ddb.on(QueryCommand, { IndexName: 'gsi4' }).resolves({ Items: [me, other] });
    ddb.on(QueryCommand, { KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)' }).resolves({ Items: [me] });
    ddb.on(GetCommand, { Key: organizationKey(ORG) }).resolves({ Item: org });
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    await expect(changeRole(store, owner, 'u-owner', { role: 'manager', version: 1 })).rejects.toMatchObject({ status: 409, slug: 'last-owner' });
    const tx = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(tx[1]!.ConditionCheck).toMatchObject({ Key: membershipKey(MAIN, 'u-owner2'), ConditionExpression: '#role = :owner' });
  });
});

describe("the actor's own membership in a change's transaction", () => {
  it('when the actor was demoted after the re-read, the ConditionCheck on their membership cancels the change: 409 actor-changed', async () => {
    ddb.on(QueryCommand).resolves({ Items: [emp] });
    ddb.on(GetCommand, { Key: organizationKey(ORG) }).resolves({ Item: org });
    const demoted = membershipEntity.item({ accountId: MAIN, organizationId: ORG, userId: 'u-owner', email: 'o@x', role: 'manager', createdAt: 'x', version: 2 });
    ddb.on(TransactWriteCommand).rejects(cancelledWith([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', item: demoted }, { Code: 'None' }]));
    const refused = await changeRole(store, owner, 'u-emp', { role: 'manager', version: 2 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused).toMatchObject({ status: 409, slug: 'conflict', extensions: { reason: 'actor-changed' } });
    const tx = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(tx.map((i) => Object.keys(i)[0])).toEqual(['Update', 'ConditionCheck', 'Put']);
    expect(tx[1]!.ConditionCheck).toEqual({
      TableName: TABLE,
      Key: membershipKey(MAIN, 'u-owner'),
      ConditionExpression: '#actorRole = :actorRole AND #actorVersion = :actorVersion',
      ExpressionAttributeNames: { '#actorRole': 'role', '#actorVersion': 'version' },
      ExpressionAttributeValues: { ':actorRole': 'owner', ':actorVersion': 1 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it("when the change writes the actor's own membership, the check joins that step (one operation per item) and says which half failed", async () => {
    const me = membershipEntity.item({ accountId: MAIN, organizationId: ORG, userId: 'u-owner', email: 'o@x', role: 'owner', createdAt: 'x', version: 1 });
    const other = membershipEntity.item({ accountId: MAIN, organizationId: ORG, userId: 'u-owner2', email: 'o2@x', role: 'owner', createdAt: 'x', version: 1 });
    ddb.on(QueryCommand, { IndexName: 'gsi4' }).resolves({ Items: [me, other] });
    ddb.on(QueryCommand, { KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)' }).resolves({ Items: [me] });
    ddb.on(GetCommand, { Key: organizationKey(ORG) }).resolves({ Item: org });
    // Demoted by the other Owner between the re-read and the write: same version read by the use case, role gone.
    ddb.on(TransactWriteCommand).rejects(cancelledWith([{ Code: 'ConditionalCheckFailed', item: { ...me, role: 'manager', version: 2 } }, { Code: 'None' }, { Code: 'None' }]));
    await expect(changeRole(store, owner, 'u-owner', { role: 'manager', version: 1 })).rejects.toMatchObject({ status: 409, extensions: { reason: 'actor-changed' } });
    const tx = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(tx).toHaveLength(3);
    expect(tx.filter((i) => i.ConditionCheck?.Key?.sk === membershipKey(MAIN, 'u-owner').sk)).toHaveLength(0);
    expect(tx[0]!.Update).toMatchObject({
      Key: membershipKey(MAIN, 'u-owner'),
      ConditionExpression: '(#version = :v) AND (#actorRole = :actorRole AND #actorVersion = :actorVersion)',
      ExpressionAttributeValues: expect.objectContaining({ ':v': 1, ':actorRole': 'owner', ':actorVersion': 1 }),
    });
  });
});

describe('sign-up', () => {
  const caller = { userId: 'u-new', email: 'new@x.dev', emailVerified: true };

  const raced = (idempotencyKey: string) =>
    cancelledWith([
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', item: signUpEntity.item({ userId: 'u-new', organizationId: ORG, idempotencyKey, createdAt: 'x' }) },
      { Code: 'None' },
      { Code: 'None' },
    ]);
  const signUpKey = signUpEntity.key({ userId: 'u-new', organizationId: ORG, createdAt: 'x' });

  it('when a concurrent sign-up with the same Idempotency-Key won the race, it answers with that organization', async () => {
    ddb.on(GetCommand, { Key: signUpKey }).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(GetCommand, { Key: organizationKey(ORG) }).resolves({ Item: org });
    ddb.on(TransactWriteCommand).rejects(raced('k1'));
    const out = await signUp(store, caller, { name: 'Acme' }, 'k1');
    expect(out).toEqual({ organization: orgState, created: false });
    // The winner's guard came back with the refusal: it is not read again.
    expect(ddb.commandCalls(GetCommand).filter((c) => c.args[0].input.Key?.sk === 'SIGNUP')).toHaveLength(1);
  });

  it('when the race was won by a sign-up with another key, it is a 409 naming the organization, from the returned guard', async () => {
    ddb.on(GetCommand, { Key: signUpKey }).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteCommand).rejects(raced('other'));
    await expect(signUp(store, caller, { name: 'Acme' }, 'k1')).rejects.toMatchObject({ status: 409, extensions: { organizationId: ORG } });
    // Only the check before the write: no GetCommand after the refusal.
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
  });
});

describe('sub-accounts', () => {
  it('when the external id is taken, it is a 409 naming the field; the account is not written alone', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None', 'None', 'None'));
    await expect(createSubAccount(store, owner, { name: 'B', externalId: 'X-1' })).rejects.toMatchObject({
      status: 409,
      extensions: { reason: 'external-id-taken' },
      errors: [{ field: 'body.externalId', message: 'already used in this organization' }],
    });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.map((i) => Object.keys(i)[0])).toEqual([
      'Put',
      'Put',
      'ConditionCheck',
      // the actor's own membership, unchanged since the wrapper re-read it
      'ConditionCheck',
      'Put',
    ]);
  });
});

describe('the members handler', () => {
  it('answers a DynamoDB conflict as problem+json 409, and a throttled read as 503', async () => {
    const { handler } = await import('#functions/members/handler.js');
    const event = {
      httpMethod: 'PATCH',
      resource: '/accounts/{accountId}/members/{userId}',
      path: `/accounts/${MAIN}/members/u-emp`,
      headers: {},
      pathParameters: { accountId: MAIN, userId: 'u-emp' },
      queryStringParameters: null,
      body: JSON.stringify({ role: 'manager', version: 2 }),
      isBase64Encoded: false,
      requestContext: {
        requestId: 'r',
        authorizer: {
          userId: 'u-owner',
          scope: 'account',
          organizationId: ORG,
          accountId: MAIN,
          role: 'owner',
          via: 'owner',
          permissions: toHex(BUILT_IN_PERMISSIONS.owner),
        },
      },
    } as unknown as APIGatewayProxyEvent;
    ddb.on(BatchGetCommand).callsFake(ownerAccess);
    ddb.on(QueryCommand).resolves({ Items: [emp] });
    ddb.on(GetCommand).resolves({ Item: org });
    ddb.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None'));
    const res = await handler(event, { awsRequestId: 'a' } as Context);
    expect(res.statusCode).toBe(409);
    expect(res.headers?.['content-type']).toBe('application/problem+json');

    ddb.reset();
    ddb.on(BatchGetCommand).callsFake(ownerAccess);
    ddb.on(QueryCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));
    const slow = await handler(event, { awsRequestId: 'b' } as Context);
    expect(slow.statusCode).toBe(503);
  });
});

describe('the organization handler', () => {
  it('when the audit cursor was tampered with, answers a 400 problem naming query.cursor, without querying', async () => {
    const { handler } = await import('#functions/organization/handler.js');
    const event = (cursor: string) =>
      ({
        httpMethod: 'GET',
        resource: '/accounts/{accountId}/audit',
        path: `/accounts/${MAIN}/audit`,
        headers: {},
        pathParameters: { accountId: MAIN },
        queryStringParameters: { limit: '1', cursor },
        body: null,
        isBase64Encoded: false,
        requestContext: {
          requestId: 'r',
          authorizer: {
            userId: 'u-owner',
            scope: 'account',
            organizationId: ORG,
            accountId: MAIN,
            role: 'owner',
            via: 'owner',
            permissions: toHex(BUILT_IN_PERMISSIONS.owner),
          },
        },
      }) as unknown as APIGatewayProxyEvent;
    for (const cursor of ['AAAA', Buffer.alloc(64, 1).toString('base64url')]) {
      const res = await handler(event(cursor), { awsRequestId: 'a' } as Context);
      expect(res.statusCode).toBe(400);
      expect(res.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body).errors).toEqual([{ field: 'query.cursor', message: 'invalid cursor' }]);
    }
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });
});
