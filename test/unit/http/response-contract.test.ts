import { describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { z } from 'zod';
import { createApiHandler, jsonResponse } from '#shared/http/api.js';
import { conformResponse, ResponseContractViolation } from '#shared/http/response-contract.js';
import { FUNCTIONS, routesOf, type FunctionName, type Route } from '#shared/http/routes.js';
import { identityContracts } from '#shared/contracts/identity.js';
import { log } from '#shared/http/log.js';

/* Every answer is its contract: stripped to it, or a 500 when it breaks it otherwise. */
const route = { id: 'getThing', method: 'GET', path: '/things', fn: 'system', auth: 'public', summary: 'x' } as const satisfies Route;
const thing = z.object({ id: z.string(), lines: z.array(z.object({ n: z.number() }).strict()) }).strict();
const contract = { response: thing };
const body = (res: { body: string }) => JSON.parse(res.body) as unknown;

describe('conforming a response to its contract', () => {
  it('strips fields outside the contract, at any depth, and logs them as the bug they are', () => {
    const error = vi.spyOn(log, 'error').mockImplementation(() => undefined);
    const res = conformResponse(route, contract, jsonResponse(200, { id: 'a', pk: 'ORG#x', lines: [{ n: 1, sk: 'LINE#1' }, { n: 2 }] }));
    expect(body(res)).toEqual({ id: 'a', lines: [{ n: 1 }, { n: 2 }] });
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/stripped/), { route: 'getThing', fields: expect.arrayContaining(['pk', 'lines.0.sk']) });
    error.mockRestore();
  });

  it('refuses an answer that misses or mistypes a field: ResponseContractViolation, never sent', () => {
    expect(() => conformResponse(route, contract, jsonResponse(200, { lines: [] }))).toThrow(ResponseContractViolation);
    expect(() => conformResponse(route, contract, jsonResponse(200, { id: 1, lines: [] }))).toThrow(/getThing response breaks its contract/);
  });

  it('leaves other statuses, non-JSON answers and routes without a response schema alone', () => {
    const problem = { statusCode: 404, headers: { 'content-type': 'application/problem+json' }, body: '{"pk":"x"}' };
    expect(conformResponse(route, contract, problem)).toBe(problem);
    const csv = { statusCode: 200, headers: { 'content-type': 'text/csv' }, body: 'a;b' };
    expect(conformResponse(route, contract, csv)).toBe(csv);
    const created = jsonResponse(201, { pk: 1 });
    expect(conformResponse(route, { response: thing, status: 200 }, created)).toBe(created);
    const none = jsonResponse(200, { pk: 1 });
    expect(conformResponse(route, {}, none)).toBe(none);
  });
});

describe('the wrapper', () => {
  const event = {
    httpMethod: 'GET', resource: '/me', path: '/me', headers: {}, pathParameters: null, queryStringParameters: null, body: null, isBase64Encoded: false,
    requestContext: { requestId: 'r', authorizer: { userId: 'u1', scope: 'user', email: 'u1@x.test', emailVerified: 'true' } },
  } as unknown as APIGatewayProxyEvent;

  it('serializes a route answer through its contract: an internal field never reaches the caller', async () => {
    const h = createApiHandler('identity', { getMe: async () => jsonResponse(200, { userId: 'u1', email: 'u1@x.test', emailVerified: true, memberships: [], pk: 'USER#u1', gsi1pk: 'x' }) }, identityContracts);
    const res = await h(event, { awsRequestId: 'q' } as Context);
    expect(res.statusCode).toBe(200);
    expect(Object.keys(body(res) as object)).not.toContain('pk');
    expect(Object.keys(body(res) as object)).not.toContain('gsi1pk');
  });

  it('answers an opaque 500 when the answer breaks its contract', async () => {
    const h = createApiHandler('identity', { getMe: async () => jsonResponse(200, { hello: 'world' }) }, identityContracts);
    const res = await h(event, { awsRequestId: 'q' } as Context);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('world');
  });
});

describe('every API function', () => {
  it.each(Object.keys(FUNCTIONS) as FunctionName[])('%s serializes every one of its routes through a contract', async (fn) => {
    const module = (await import(`../../../${FUNCTIONS[fn].entry.replace(/\.ts$/, '.js')}`)) as { handler: { contracts: Record<string, unknown> } };
    const routes = routesOf(fn);
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.filter((r) => !module.handler.contracts[r.id]).map((r) => r.id)).toEqual([]);
  });
});
