import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createGateway, policyAllows, LOCAL_API_ARN_PREFIX } from '../../../scripts/local/gateway.js';

/*
 * The API Gateway emulation with a scripted authorizer and handler: what it calls, when it
 * caches, and how it evaluates the policy. The real authorizer is exercised end to end.
 */
const ACCOUNT = 'acc_01JTEST0000000000000000000';
let now = 1_000_000;
let authorizerCalls: APIGatewayRequestAuthorizerEvent[] = [];
let handlerEvents: APIGatewayProxyEvent[] = [];
let answer: (e: APIGatewayRequestAuthorizerEvent) => APIGatewayAuthorizerResult = () => allowAll();
let handlerThrows = false;

const allowAll = (): APIGatewayAuthorizerResult => ({
  principalId: 'u1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [`${LOCAL_API_ARN_PREFIX}/local/*`] }] },
  context: { userId: 'u1', scope: 'account', emailVerified: true, count: 3 },
});

let server: Server;
let base: string;
beforeAll(async () => {
  server = createGateway({
    cacheTtlSeconds: 60,
    now: () => now,
    authorizer: async () => async (e) => {
      authorizerCalls.push(e);
      return answer(e);
    },
    handler: async () => async (e) => {
      handlerEvents.push(e);
      if (handlerThrows) throw new Error('boom: secret detail');
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  authorizerCalls = [];
  handlerEvents = [];
  answer = () => allowAll();
  handlerThrows = false;
  now += 10 * 60_000; // every test starts with an expired cache
});

const get = (path: string, token?: string, method = 'GET') =>
  fetch(`${base}${path}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} });

describe('the API Gateway emulation', () => {
  it('refuses a request without the Authorization header with 401, without calling the authorizer', async () => {
    const res = await get('/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(authorizerCalls).toHaveLength(0);
  });

  it('calls the authorizer with the REQUEST event shape and the methodArn API Gateway builds', async () => {
    await get(`/accounts/${ACCOUNT}/members?limit=5`, 't1');
    expect(authorizerCalls).toHaveLength(1);
    expect(authorizerCalls[0]).toMatchObject({
      type: 'REQUEST',
      methodArn: `${LOCAL_API_ARN_PREFIX}/local/GET/accounts/${ACCOUNT}/members`,
      resource: '/accounts/{accountId}/members',
      path: `/accounts/${ACCOUNT}/members`,
      httpMethod: 'GET',
      pathParameters: { accountId: ACCOUNT },
      queryStringParameters: { limit: '5' },
    });
  });

  it('gives the handler the proxy event with the authorizer context as strings plus principalId', async () => {
    await get(`/accounts/${ACCOUNT}/members/u%2F2`, 't1');
    expect(handlerEvents[0]).toMatchObject({
      resource: '/accounts/{accountId}/members/{userId}',
      pathParameters: { accountId: ACCOUNT, userId: 'u/2' },
      requestContext: { authorizer: { principalId: 'u1', userId: 'u1', scope: 'account', emailVerified: 'true', count: '3' } },
    });
  });

  it('caches the result per (Authorization header, path): the same token on the same path is not re-authorized', async () => {
    await get(`/accounts/${ACCOUNT}/members`, 't1');
    await get(`/accounts/${ACCOUNT}/members`, 't1');
    await get(`/accounts/${ACCOUNT}/members`, 't1', 'POST');
    expect(authorizerCalls).toHaveLength(1);
  });

  it('authorizes again for another path or another token', async () => {
    await get(`/accounts/${ACCOUNT}/members`, 't1');
    await get(`/accounts/${ACCOUNT}/invitations`, 't1');
    await get(`/accounts/${ACCOUNT}/members`, 't2');
    expect(authorizerCalls).toHaveLength(3);
  });

  it('authorizes again once the TTL has passed', async () => {
    await get(`/accounts/${ACCOUNT}/members`, 't1');
    now += 59_000;
    await get(`/accounts/${ACCOUNT}/members`, 't1');
    expect(authorizerCalls).toHaveLength(1);
    now += 2_000;
    await get(`/accounts/${ACCOUNT}/members`, 't1');
    expect(authorizerCalls).toHaveLength(2);
  });

  it('applies a cached policy to every method on the path: a cached allow for GET does not allow a denied DELETE', async () => {
    answer = () => ({
      principalId: 'u1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [`${LOCAL_API_ARN_PREFIX}/local/*/accounts/${ACCOUNT}/*`] },
          { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: [`${LOCAL_API_ARN_PREFIX}/local/DELETE/accounts/${ACCOUNT}/members/*`] },
        ],
      },
    });
    expect((await get(`/accounts/${ACCOUNT}/members/u2`, 't1')).status).toBe(200);
    const denied = await get(`/accounts/${ACCOUNT}/members/u2`, 't1', 'DELETE');
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { type: string }).type).toBe('https://kontor.dev/problems/forbidden');
    expect(authorizerCalls).toHaveLength(1);
  });

  it("turns the authorizer's Unauthorized into 401 and any other failure into 503, never calling the handler", async () => {
    answer = () => {
      throw new Error('Unauthorized');
    };
    expect((await get('/me', 't1')).status).toBe(401);
    answer = () => {
      throw new Error('DynamoDB is down');
    };
    const res = await get('/me', 't2');
    expect(res.status).toBe(503);
    // As the deployed gateway response says: retry shortly, like a handler's 503.
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.text()).not.toContain('DynamoDB');
    expect(handlerEvents).toHaveLength(0);
  });

  it('does not cache a failed authorization', async () => {
    answer = () => {
      throw new Error('DynamoDB is down');
    };
    await get('/me', 't1');
    answer = () => allowAll();
    expect((await get('/me', 't1')).status).toBe(200);
    expect(authorizerCalls).toHaveLength(2);
  });

  it('answers 502 without details when the handler throws', async () => {
    handlerThrows = true;
    const res = await get('/me', 't1');
    expect(res.status).toBe(502);
    expect(await res.text()).not.toContain('secret');
  });

  it('passes query and header names like __proto__, constructor and hasOwnProperty through as plain entries, never a 502', async () => {
    const names = ['__proto__', 'constructor', 'hasOwnProperty', 'toString'];
    const res = await fetch(`${base}/accounts/${ACCOUNT}/members?${names.map((n) => `${n}=x`).join('&')}&constructor=y`, {
      headers: { Authorization: 'Bearer t1', constructor: 'h', hasOwnProperty: 'h' },
    });
    expect(res.status).toBe(200);
    const event = handlerEvents[0]!;
    expect(Object.entries(event.queryStringParameters!)).toEqual([['__proto__', 'x'], ['constructor', 'y'], ['hasOwnProperty', 'x'], ['toString', 'x']]);
    expect(event.multiValueQueryStringParameters!.constructor).toEqual(['x', 'y']);
    expect(event.headers.hasOwnProperty).toBe('h');
    expect(authorizerCalls[0]!.queryStringParameters!.__proto__).toBe('x');
  });

  it('routes public routes without calling the authorizer', async () => {
    expect((await get('/health')).status).toBe(200);
    expect(authorizerCalls).toHaveLength(0);
  });
});

describe("API Gateway's policy evaluation", () => {
  const arn = `${LOCAL_API_ARN_PREFIX}/local/GET/accounts/${ACCOUNT}`;
  const doc = (...Statement: Array<{ Effect: 'Allow' | 'Deny'; Action: string; Resource: string[] }>): APIGatewayAuthorizerResult => ({
    principalId: 'u',
    policyDocument: { Version: '2012-10-17', Statement },
  });

  it('allows only what an Allow statement matches', () => {
    expect(policyAllows(doc({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [arn] }), arn)).toBe(true);
    expect(policyAllows(doc({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [`${arn}/x`] }), arn)).toBe(false);
  });

  it('lets an explicit Deny win over an Allow', () => {
    expect(
      policyAllows(
        doc(
          { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ['*'] },
          { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: [`${LOCAL_API_ARN_PREFIX}/local/*/accounts/*`] },
        ),
        arn,
      ),
    ).toBe(false);
  });

  it('ignores statements for other actions and denies an empty policy', () => {
    expect(policyAllows(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: ['*'] }), arn)).toBe(false);
    expect(policyAllows(doc(), arn)).toBe(false);
  });
});
