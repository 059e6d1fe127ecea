import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { getItem, putItem, retryLostRaces, transact, TransientConflict, mapDynamoError } from '#shared/data/dynamo.js';
import { Conflict, NotFound, ServiceUnavailable, StaleVersion } from '#shared/domain/errors.js';
import { BUILT_IN_PERMISSIONS } from '#shared/authz/roles.js';
import { toHex } from '#shared/authz/permission-set.js';

/* The one DynamoDB error mapper, through every kind of call and through the API wrapper. */
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const ddb = mockClient(DynamoDBDocumentClient);
const store = { db, table: 'kontor-test', now: () => new Date() };
const key = { pk: 'P', sk: 'S' };
afterEach(() => ddb.reset());

const throttled = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
const cancelled = (reasons: Array<{ Code: string; Item?: Record<string, unknown> }>) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons.map((r) => ({ Code: r.Code, ...(r.Item ? { Item: marshall(r.Item) } : {}) })),
  });

describe('the DynamoDB error mapper', () => {
  it('when a read is throttled, it answers 503 with Retry-After', async () => {
    ddb.on(GetCommand).rejects(throttled());
    const err = await getItem(store, key).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect((err as ServiceUnavailable).headers).toEqual({ 'retry-after': '1' });
  });

  it('when DynamoDB has an internal error or the connection drops, it answers 503', async () => {
    ddb.on(GetCommand).rejects(new InternalServerError({ message: 'boom', $metadata: {} }));
    await expect(getItem(store, key)).rejects.toBeInstanceOf(ServiceUnavailable);
    ddb.reset();
    ddb.on(GetCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await expect(getItem(store, key)).rejects.toBeInstanceOf(ServiceUnavailable);
  });

  it('when a request is malformed, it keeps the error (a bug, an opaque 500), never a 503', async () => {
    const bug = Object.assign(new Error('bad expression'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(mapDynamoError(bug)).toBe(bug);
  });

  it('when a condition fails, it hands the item as it is now to the caller, without a second read', async () => {
    ddb.on(PutCommand).rejects(
      new ConditionalCheckFailedException({ message: 'no', $metadata: {}, Item: marshall({ pk: 'P', sk: 'S', version: 7 }) }),
    );
    const err = await putItem(store, { ...key, version: 3 }, { expression: '#v = :v', names: { '#v': 'version' }, values: { ':v': 2 } }, (now) =>
      now ? new StaleVersion('stale', { extensions: { currentVersion: now.version } }) : new NotFound('gone'),
    ).catch((e: unknown) => e);
    expect((err as StaleVersion).extensions).toEqual({ currentVersion: 7 });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('when a condition fails on an absent item, the caller is told it is absent', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    const err = await putItem(store, key, { expression: 'attribute_exists(pk)' }, (now) => (now ? new Conflict('x') : new NotFound('gone'))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NotFound);
  });

  it('maps a cancelled transaction to the failing step, with that step\'s current item', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { role: 'owner' } }]));
    const seen: unknown[] = [];
    const err = await transact(store, [
      { item: { Put: { TableName: 't', Item: key } }, onConditionFailed: () => new NotFound('first') },
      {
        item: { ConditionCheck: { TableName: 't', Key: key, ConditionExpression: '#r = :r' } },
        onConditionFailed: (now) => {
          seen.push(now);
          return new Conflict('second');
        },
      },
    ]).catch((e: unknown) => e);
    expect((err as Error).message).toBe('second');
    expect(seen).toEqual([{ role: 'owner' }]);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[1]!.ConditionCheck?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    // An unconditioned step is sent as it was.
    expect(items[0]!.Put).not.toHaveProperty('ReturnValuesOnConditionCheckFailure');
  });

  it('maps a transaction that lost a race to a TransientConflict (retry loops catch it) and a throttled one to 503', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }]));
    await expect(transact(store, [{ item: { Put: { TableName: 't', Item: key } } }])).rejects.toBeInstanceOf(TransientConflict);
    ddb.reset();
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'ThrottlingError' }]));
    await expect(transact(store, [{ item: { Put: { TableName: 't', Item: key } } }])).rejects.toBeInstanceOf(ServiceUnavailable);
  });
});

describe('a throttled read through the API', () => {
  const ACC = 'acc_01JTEST0000000000000000000';
  const event = {
    httpMethod: 'GET',
    resource: '/accounts/{accountId}/payments',
    path: `/accounts/${ACC}/payments`,
    headers: {},
    pathParameters: { accountId: ACC },
    queryStringParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'r',
      authorizer: {
        userId: 'u1',
        scope: 'account',
        organizationId: 'org_01JTEST0000000000000000000',
        accountId: ACC,
        role: 'owner',
        via: 'member',
        permissions: toHex(BUILT_IN_PERMISSIONS.owner),
      },
    },
  } as unknown as APIGatewayProxyEvent;

  it('answers 503 problem+json with Retry-After', async () => {
    process.env.TABLE_NAME ??= 'kontor-test';
    ddb.on(QueryCommand).rejects(throttled());
    const { handler } = await import('#functions/payments/handler.js');
    const res = await handler(event, { awsRequestId: 'req' } as Context);
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '1', 'content-type': 'application/problem+json' });
    expect(JSON.parse(res.body)).toMatchObject({ type: 'https://kontor.dev/problems/service-unavailable', status: 503 });
  });
});

describe('the one retry of lost races', () => {
  const lost = () => new TransientConflict('lost');

  it('decides again after a lost race and answers with the attempt that won', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const attempt = vi.fn().mockRejectedValueOnce(lost()).mockRejectedValueOnce(lost()).mockResolvedValue('won');
    await expect(retryLostRaces(5, () => new Conflict('gave up'), attempt)).resolves.toBe('won');
    expect(attempt).toHaveBeenCalledTimes(3);
    vi.restoreAllMocks();
  });

  it('stops at once on any other error, and answers exhausted() after the last lost race', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const refused = vi.fn().mockRejectedValue(new NotFound('gone'));
    await expect(retryLostRaces(5, () => new Conflict('gave up'), refused)).rejects.toBeInstanceOf(NotFound);
    expect(refused).toHaveBeenCalledTimes(1);
    const alwaysLost = vi.fn().mockRejectedValue(lost());
    await expect(retryLostRaces(4, () => new ServiceUnavailable('gave up'), alwaysLost)).rejects.toBeInstanceOf(ServiceUnavailable);
    expect(alwaysLost).toHaveBeenCalledTimes(4);
    vi.restoreAllMocks();
  });
});
