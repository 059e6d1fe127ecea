import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { z } from 'zod';
import { createApiHandler, parseJsonBody, jsonResponse } from '#shared/http/api.js';
import { Conflict } from '#shared/domain/errors.js';
import { handler as systemHandler } from '#functions/system/handler.js';

const context = { awsRequestId: 'req-1' } as Context;
const event = (over: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent =>
  ({
    httpMethod: 'GET',
    resource: '/me',
    path: '/me',
    headers: {},
    pathParameters: null,
    queryStringParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'r', authorizer: { userId: 'u1', scope: 'user', email: 'u1@x.test', emailVerified: 'true' } },
    ...over,
  }) as unknown as APIGatewayProxyEvent;

const problemOf = (body: string) => JSON.parse(body) as { type: string; status: number; errors?: unknown[]; detail: string };

describe('the API handler wrapper', () => {
  it('refuses to build a function that lacks an implementation for one of its routes', () => {
    expect(() => createApiHandler('identity', {})).toThrow(/lacks routes: getMe/);
  });

  it('passes the caller rebuilt from the authorizer context to the route', async () => {
    const h = createApiHandler('identity', { getMe: async (req) => jsonResponse(200, req.caller) });
    const res = await h(event({}), context);
    expect(JSON.parse(res.body)).toEqual({ userId: 'u1', email: 'u1@x.test', emailVerified: true });
  });

  it('answers 403 problem+json when a non-public route arrives without an authorizer context', async () => {
    const h = createApiHandler('identity', { getMe: async () => jsonResponse(200, {}) });
    const res = await h(event({ requestContext: { requestId: 'r' } as never }), context);
    expect(res.statusCode).toBe(403);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
  });

  it('maps a domain error to its problem+json with a stable type', async () => {
    const h = createApiHandler('identity', {
      getMe: async () => {
        throw new Conflict('version 3 is stale', { extensions: { currentVersion: 4 } });
      },
    });
    const res = await h(event({}), context);
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body)).toMatchObject({
      type: 'https://kontor.dev/problems/conflict',
      status: 409,
      detail: 'version 3 is stale',
      currentVersion: 4,
    });
  });

  it('hides an unexpected error behind an opaque 500', async () => {
    const h = createApiHandler('identity', {
      getMe: async () => {
        throw new Error('secret connection string postgres://admin:pw@db');
      },
    });
    const res = await h(event({}), context);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    expect(problemOf(res.body).type).toBe('https://kontor.dev/problems/internal-error');
  });

  it('names every invalid body field in a 400 problem', async () => {
    const schema = z.object({ name: z.string().min(1), lines: z.array(z.object({ quantity: z.number().nonnegative() })) });
    const h = createApiHandler('identity', {
      getMe: async (req) => jsonResponse(200, parseJsonBody(req, schema)),
    });
    const res = await h(event({ body: JSON.stringify({ name: '', lines: [{ quantity: -1 }] }) }), context);
    expect(res.statusCode).toBe(400);
    const fields = (problemOf(res.body).errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['body.lines.0.quantity', 'body.name']);
  });

  it('answers 400 naming the body when it is not JSON', async () => {
    const h = createApiHandler('identity', { getMe: async (req) => jsonResponse(200, parseJsonBody(req, z.object({}))) });
    const res = await h(event({ body: '{not json' }), context);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res.body).errors).toEqual([{ field: 'body', message: 'invalid JSON' }]);
  });

  it('answers 404 problem+json for a resource the function does not serve', async () => {
    const res = await systemHandler(event({ resource: '/nowhere', path: '/nowhere' }), context);
    expect(res.statusCode).toBe(404);
    expect(problemOf(res.body).type).toBe('https://kontor.dev/problems/not-found');
  });

  it('answers 405 for a method the path does not have', async () => {
    const res = await systemHandler(event({ httpMethod: 'DELETE', resource: '/health', path: '/health' }), context);
    expect(res.statusCode).toBe(405);
  });

  it('serves /health without any authorizer context', async () => {
    const res = await systemHandler(event({ resource: '/health', path: '/health', requestContext: {} as never }), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });
});
