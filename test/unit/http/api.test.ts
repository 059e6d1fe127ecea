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

  it('answers a handler that ran out of time (middy\'s early timeout, an SDK time-out) with 503 and Retry-After, not 500', async () => {
    const h = createApiHandler('identity', {
      getMe: async () => {
        throw Object.assign(new Error('[AbortError]: The operation was aborted.'), { name: 'TimeoutError' });
      },
    });
    const res = await h(event({}), context);
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(problemOf(res.body).type).toBe('https://kontor.dev/problems/service-unavailable');
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

  it('caps a 400 at the first 20 field errors, counting the rest in moreErrors', async () => {
    const h = createApiHandler('identity', { getMe: async (req) => jsonResponse(200, parseJsonBody(req, z.array(z.number()))) });
    const res = await h(event({ body: JSON.stringify(Array.from({ length: 100 }, () => 'x')) }), context);
    expect(res.statusCode).toBe(400);
    const p = problemOf(res.body) as ReturnType<typeof problemOf> & { moreErrors?: number };
    expect(p.errors).toHaveLength(20);
    expect(p.moreErrors).toBe(80);
    expect(p.detail).toBe('100 invalid fields');
  });

  it('keeps a 400 for 80,000 unknown keys small (100,000 are over 1 MiB, a 413): each message and field name is bounded', async () => {
    const h = createApiHandler('identity', { getMe: async (req) => jsonResponse(200, parseJsonBody(req, z.object({}).strict())) });
    const keys = Object.fromEntries(Array.from({ length: 80_000 }, (_, i) => [`k${i}`, 1]));
    const res = await h(event({ body: JSON.stringify(keys) }), context);
    expect(res.statusCode).toBe(400);
    expect(res.body.length).toBeLessThan(4_096);
    const [e] = problemOf(res.body).errors as Array<{ field: string; message: string }>;
    expect(e!.message.length).toBeLessThanOrEqual(200);
    const long = await createApiHandler('identity', {
      getMe: async (req) => jsonResponse(200, parseJsonBody(req, z.record(z.string(), z.number()))),
    })(event({ body: JSON.stringify({ ['k'.repeat(10_000)]: 'x' }) }), context);
    expect((problemOf(long.body).errors as Array<{ field: string }>)[0]!.field.length).toBeLessThanOrEqual(200);
  });

  it('answers 413 payload-too-large for a body over 1 MiB, before parsing it', async () => {
    let parsed = false;
    const h = createApiHandler('identity', {
      getMe: async (req) => {
        parsed = true;
        return jsonResponse(200, parseJsonBody(req, z.unknown()));
      },
    });
    const over = await h(event({ httpMethod: 'GET', body: JSON.stringify('x'.repeat(1024 * 1024)) }), context);
    expect(over.statusCode).toBe(413);
    expect(problemOf(over.body).type).toBe('https://kontor.dev/problems/payload-too-large');
    expect(parsed).toBe(false);
    // Counted in bytes of UTF-8, as API Gateway counts: 400,000 three-byte characters are over.
    expect((await h(event({ body: JSON.stringify('€'.repeat(400_000)) }), context)).statusCode).toBe(413);
    expect((await h(event({ body: JSON.stringify('x'.repeat(1024 * 1024 - 2)) }), context)).statusCode).toBe(200);
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
