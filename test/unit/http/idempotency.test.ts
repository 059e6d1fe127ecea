import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';

process.env.TABLE_NAME ??= 'kontor-unit';

import { createApiHandler, jsonResponse, type RouteImplementation, setAccessRecheck } from '#shared/http/api.js';
import { createPersistence, IDEMPOTENCY_TTL_SECONDS, setIdempotencyPersistence } from '#shared/http/idempotency.js';
import { ValidationError } from '#shared/domain/errors.js';
import { accountEvent, context, problemOf, stubImplementations, unchangedAccess } from './events.js';

// Not about revocation: a change's re-read of the caller's access finds it as the authorizer's context says.
beforeAll(() => setAccessRecheck(unchangedAccess));
afterAll(() => setAccessRecheck());

/*
 * Idempotent creation under Idempotency-Key, over a mocked DynamoDB that keeps items and
 * honours the conditional put the way the table does (enough of it for these paths).
 */
type Item = Record<string, AttributeValue>;
const client = new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const ddb = mockClient(client);
let items: Map<string, Item>;
const keyOf = (k: Item | undefined) => `${k?.pk?.S}|${k?.sk?.S}`;

function stateful(): void {
  items = new Map();
  ddb.reset();
  ddb.on(PutItemCommand).callsFake(async (input: { Item: Item }) => {
    const old = items.get(keyOf(input.Item));
    const nowS = Date.now() / 1000;
    const free =
      !old ||
      Number(old.expiresAt?.N) < nowS ||
      (old.idempotencyStatus?.S === 'INPROGRESS' && old.inProgressExpiresAt !== undefined && Number(old.inProgressExpiresAt.N) < Date.now());
    if (!free) throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: old });
    items.set(keyOf(input.Item), input.Item);
    return {};
  });
  ddb.on(GetItemCommand).callsFake(async (input: { Key: Item }) => ({ Item: items.get(keyOf(input.Key)) }));
  ddb.on(DeleteItemCommand).callsFake(async (input: { Key: Item }) => {
    items.delete(keyOf(input.Key));
    return {};
  });
  ddb.on(UpdateItemCommand).callsFake(
    async (input: { Key: Item; UpdateExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Item }) => {
      const item = { ...(items.get(keyOf(input.Key)) ?? input.Key) };
      for (const [, name, value] of input.UpdateExpression.replace(/^SET /, '').matchAll(/(#\w+) = (:\w+)/g)) {
        item[input.ExpressionAttributeNames[name!]!] = input.ExpressionAttributeValues[value!]!;
      }
      items.set(keyOf(input.Key), item);
      return {};
    },
  );
}

beforeEach(() => {
  stateful();
  setIdempotencyPersistence(createPersistence(client));
});
afterEach(() => setIdempotencyPersistence(undefined));

let created = 0;
const createClient: RouteImplementation = async (req) => {
  created += 1;
  return jsonResponse(201, { id: `c${created}`, body: JSON.parse(req.body ?? 'null') }, { location: `/clients/c${created}` });
};
const handlerWith = (impl: RouteImplementation) => {
  const stub = stubImplementations('catalog', impl);
  return { ...stub, h: createApiHandler('catalog', stub.implementations) };
};
const post = (key: string | undefined, body: unknown, over: { userId?: string } = {}) =>
  accountEvent('POST', '/accounts/{accountId}/clients', {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) },
    context: { userId: over.userId ?? 'u-1' },
  });

describe('Idempotency-Key on a creating POST', () => {
  it('when a request first uses a key, the route runs once and its answer is stored for 24 hours in its own partition', async () => {
    const { h, spy } = handlerWith(createClient);
    const res = await h(post('k-1', { name: 'Acme' }), context);
    expect(res.statusCode).toBe(201);
    expect(spy).toHaveBeenCalledOnce();
    const put = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put.TableName).toBe(process.env.TABLE_NAME);
    expect(put.Item!.pk!.S).toMatch(/^IDEMPOTENCY#[A-Za-z0-9+/=]{44}$/);
    expect(put.Item!.sk!.S).toBe('IDEMPOTENCY');
    const expiresAt = Number(put.Item!.expiresAt!.N);
    expect(Math.abs(expiresAt - (Date.now() / 1000 + IDEMPOTENCY_TTL_SECONDS))).toBeLessThan(5);
    const [stored] = [...items.values()];
    expect(stored!.idempotencyStatus!.S).toBe('COMPLETED');
    expect(stored!.response!.M!.statusCode!.N).toBe('201');
  });

  it('when a request is retried with the same key and body, the first answer is replayed and the route does not run again', async () => {
    const { h, spy } = handlerWith(createClient);
    const first = await h(post('k-1', { name: 'Acme' }), context);
    const retry = await h(post('k-1', { name: 'Acme' }), context);
    expect(spy).toHaveBeenCalledOnce();
    expect(retry.statusCode).toBe(201);
    expect(retry.body).toBe(first.body);
    expect(retry.headers).toMatchObject({ location: first.headers!.location, 'idempotent-replayed': 'true', 'cache-control': 'no-store' });
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('when the retried body has the same JSON in another key order, it is the same request', async () => {
    const { h, spy } = handlerWith(createClient);
    await h(post('k-1', { name: 'Acme', email: 'a@x.test' }), context);
    const retry = await h(post('k-1', { email: 'a@x.test', name: 'Acme' }), context);
    expect(retry.statusCode).toBe(201);
    expect(spy).toHaveBeenCalledOnce();
  });

  it('when the same key comes with a different body, it answers 422 idempotency-key-reused and the route does not run', async () => {
    const { h, spy } = handlerWith(createClient);
    await h(post('k-1', { name: 'Acme' }), context);
    const other = await h(post('k-1', { name: 'Other' }), context);
    expect(other.statusCode).toBe(422);
    expect(problemOf(other.body).type).toBe('https://kontor.dev/problems/idempotency-key-reused');
    expect(spy).toHaveBeenCalledOnce();
  });

  it('when another user sends the same key, it is an independent request', async () => {
    const { h, spy } = handlerWith(createClient);
    const mine = await h(post('k-1', { name: 'Acme' }), context);
    const theirs = await h(post('k-1', { name: 'Acme' }, { userId: 'u-2' }), context);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(theirs.headers?.['idempotent-replayed']).toBeUndefined();
    expect(JSON.parse(theirs.body).id).not.toBe(JSON.parse(mine.body).id);
    expect(new Set(ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item!.pk!.S)).size).toBe(2);
  });

  it('when the route fails with a 4xx, the key is released and a corrected retry with it runs', async () => {
    let fail = true;
    const { h, spy } = handlerWith(async (req) => {
      if (fail) throw new ValidationError('bad', { errors: [{ field: 'body.name', message: 'required' }] });
      return createClient(req);
    });
    const bad = await h(post('k-1', { name: 'Acme' }), context);
    expect(bad.statusCode).toBe(400);
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(1);
    fail = false;
    const ok = await h(post('k-1', { name: 'Acme' }), context);
    expect(ok.statusCode).toBe(201);
    expect(ok.headers?.['idempotent-replayed']).toBeUndefined();
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('when the route answers a non-2xx without throwing, that answer is not stored', async () => {
    let status = 409;
    const { h, spy } = handlerWith(async () => jsonResponse(status, { n: status }));
    expect((await h(post('k-1', {}), context)).statusCode).toBe(409);
    status = 201;
    expect((await h(post('k-1', {}), context)).statusCode).toBe(201);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('when two requests with the same key race, the second waits for the first and replays its answer: one effect', async () => {
    const { h, spy } = handlerWith(async (req) => {
      await new Promise((r) => setTimeout(r, 250));
      return createClient(req);
    });
    const [a, b] = await Promise.all([h(post('k-race', { name: 'Acme' }), context), h(post('k-race', { name: 'Acme' }), context)]);
    expect(spy).toHaveBeenCalledOnce();
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.body).toBe(b.body);
    expect([a, b].filter((r) => r.headers?.['idempotent-replayed'] === 'true')).toHaveLength(1);
  });

  it('when the first request is still running after the wait, it answers 409 idempotency-in-progress with Retry-After', async () => {
    let release: () => void = () => {};
    const { h, spy } = handlerWith(async (req) => {
      await new Promise<void>((r) => (release = r));
      return createClient(req);
    });
    // Little time left in this invocation: the wait is cut short.
    const short = { ...context, getRemainingTimeInMillis: () => 2_500 } as Context;
    const first = h(post('k-slow', { name: 'Acme' }), context);
    await new Promise((r) => setTimeout(r, 20));
    const second = await h(post('k-slow', { name: 'Acme' }), short);
    expect(second.statusCode).toBe(409);
    expect(problemOf(second.body).type).toBe('https://kontor.dev/problems/idempotency-in-progress');
    expect(second.headers?.['retry-after']).toBe('1');
    release();
    expect((await first).statusCode).toBe(201);
    expect(spy).toHaveBeenCalledOnce();
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
  ])('when the key is %s, it answers 400 naming header.Idempotency-Key', async (_what, key) => {
    const { h, spy } = handlerWith(createClient);
    const res = await h(post(key, { name: 'Acme' }), context);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res.body).errors?.map((e) => e.field)).toEqual(['header.Idempotency-Key']);
    expect(spy).not.toHaveBeenCalled();
  });

  it('when the key is a quoted structured-field string, it is the same key as the bare one', async () => {
    const { h, spy } = handlerWith(createClient);
    await h(post('k-q', { name: 'Acme' }), context);
    const retry = await h(post('"k-q"', { name: 'Acme' }), context);
    expect(retry.headers?.['idempotent-replayed']).toBe('true');
    expect(spy).toHaveBeenCalledOnce();
  });

  it('when the idempotency store is unavailable, it answers 503 with Retry-After and the route does not run', async () => {
    ddb.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    const { h, spy } = handlerWith(createClient);
    const res = await h(post('k-1', { name: 'Acme' }), context);
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(spy).not.toHaveBeenCalled();
  });

  it('when there is no key, the route runs without touching the idempotency store', async () => {
    const { h, spy } = handlerWith(createClient);
    await h(post(undefined, { name: 'Acme' }), context);
    await h(post(undefined, { name: 'Acme' }), context);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('when a route is not idempotent, its Idempotency-Key header is ignored', async () => {
    const { h, spy } = handlerWith(async () => jsonResponse(200, { version: 2 }));
    const patch = accountEvent('PATCH', '/accounts/{accountId}/clients/{clientId}', {
      pathParameters: { clientId: '01JCL1ENT0000000000000000A' },
      body: '{"version":1}',
      headers: { 'content-type': 'application/json', 'idempotency-key': '' },
    });
    expect((await h(patch, context)).statusCode).toBe(200);
    expect(spy).toHaveBeenCalledOnce();
    expect(ddb.calls()).toHaveLength(0);
  });
});
