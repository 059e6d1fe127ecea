import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler, jsonResponse, parse, parseJsonBody, setAccessRecheck } from '#shared/http/api.js';
import { StaleVersion } from '#shared/domain/errors.js';
import { handler as systemHandler } from '#functions/system/handler.js';
import { z } from 'zod';
import { accountEvent, context, problemOf, stubImplementations, unchangedAccess } from './events.js';

// Not about revocation: a change's re-read of the caller's access finds it as the authorizer's context says.
beforeAll(() => setAccessRecheck(unchangedAccess));
afterAll(() => setAccessRecheck());

/* The HTTP conventions the wrapper applies to every route (shared/http/conventions.ts). */
const CLIENT = '/accounts/{accountId}/clients/{clientId}';
const clientId = '01JCL1ENT0000000000000000A';
const MEMBER = '/accounts/{accountId}/members/{userId}';

const catalog = (impl?: Parameters<typeof stubImplementations>[1]) => {
  const stub = stubImplementations('catalog', impl);
  return { ...stub, h: createApiHandler('catalog', stub.implementations) };
};
const versionedBody = z.object({ version: z.number().int(), name: z.string().optional() }).strict();

describe('request media type', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/json; charset=latin1'])(
    'when a body comes as %s, it answers 415 problem+json and the route never runs',
    async (contentType) => {
      const { h, spy } = catalog();
      const res = await h(accountEvent('POST', '/accounts/{accountId}/clients', { body: '{"name":"x"}', headers: { 'Content-Type': contentType } }), context);
      expect(res.statusCode).toBe(415);
      expect(res.headers?.['content-type']).toBe('application/problem+json');
      expect(problemOf(res.body).type).toBe('https://kontor.dev/problems/unsupported-media-type');
      expect(res.headers?.['accept-post']).toBe('application/json');
      expect(spy).not.toHaveBeenCalled();
    },
  );

  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/merge-patch+json'])(
    'when a body comes as %s, the route runs',
    async (contentType) => {
      const { h, spy } = catalog();
      const res = await h(accountEvent('POST', '/accounts/{accountId}/clients', { body: '{"name":"x"}', headers: { 'content-type': contentType } }), context);
      expect(res.statusCode).toBe(200);
      expect(spy).toHaveBeenCalledOnce();
    },
  );

  it('when a PATCH body is not JSON, the 415 says Accept-Patch', async () => {
    const { h } = catalog();
    const res = await h(
      accountEvent('PATCH', CLIENT, { pathParameters: { clientId }, body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      context,
    );
    expect(res.statusCode).toBe(415);
    expect(res.headers?.['accept-patch']).toBe('application/json');
  });

  it('when a POST has no body at all, whatever its content type, the route runs', async () => {
    const { h, spy } = catalog();
    const res = await h(accountEvent('POST', '/accounts/{accountId}/clients', { headers: { 'content-type': 'text/plain' } }), context);
    expect(res.statusCode).toBe(200);
    expect(spy).toHaveBeenCalledOnce();
  });

  it('when a body has no content type, it is read as JSON (and a non-JSON one is a 400 naming the body)', async () => {
    const { h } = catalog(async (req) => jsonResponse(200, parseJsonBody(req, z.object({ name: z.string() }))));
    const ok = await h(accountEvent('POST', '/accounts/{accountId}/clients', { body: '{"name":"x"}' }), context);
    expect(ok.statusCode).toBe(200);
    const bad = await h(accountEvent('POST', '/accounts/{accountId}/clients', { body: 'name=x' }), context);
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad.body).errors).toEqual([{ field: 'body', message: 'invalid JSON' }]);
  });
});

describe('response headers', () => {
  it('when a route answers, the answer says Cache-Control: no-store and X-Content-Type-Options: nosniff', async () => {
    const { h } = catalog();
    const res = await h(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });

  it('when a route answers with a problem, the problem says no-store and nosniff too', async () => {
    const { h } = catalog(async () => {
      throw new StaleVersion('changed');
    });
    const res = await h(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    expect(res.statusCode).toBe(409);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    const denied = await h(accountEvent('DELETE', CLIENT, { pathParameters: { clientId }, context: { role: 'employee' } }), context);
    expect(denied.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });

  it('when an unexpected error becomes a 500, it says no-store and nosniff', async () => {
    const { h } = catalog(async () => {
      throw new Error('boom');
    });
    const res = await h(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    expect(res.statusCode).toBe(500);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });

  it('when a tenant route tries to make its answer cacheable, it is still no-store', async () => {
    const { h } = catalog(async () => jsonResponse(200, {}, { 'Cache-Control': 'public, max-age=600' }));
    const res = await h(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    expect(res.headers?.['cache-control']).toBe('no-store');
    expect(res.headers?.['Cache-Control']).toBeUndefined();
  });

  it('when a public route sets its own caching, it keeps it (the OpenAPI document), with nosniff', async () => {
    const res = await systemHandler(
      { httpMethod: 'GET', resource: '/openapi.json', path: '/openapi.json', headers: {}, body: null, requestContext: {} } as never,
      context,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' });
  });
});

describe('ETag', () => {
  it('when a single-resource read answers an object with an integer version, it carries ETag "<version>"', async () => {
    const { h } = catalog(async () => jsonResponse(200, { id: 'c1', version: 7 }));
    const res = await h(accountEvent('GET', CLIENT, { pathParameters: { clientId } }), context);
    expect(res.headers?.etag).toBe('"7"');
  });

  it('when a PATCH answers the changed resource, the ETag is its new version', async () => {
    const { h } = catalog(async () => jsonResponse(200, { id: 'c1', version: 8 }));
    const res = await h(
      accountEvent('PATCH', CLIENT, { pathParameters: { clientId }, body: '{"version":7}', headers: { 'content-type': 'application/json' } }),
      context,
    );
    expect(res.headers?.etag).toBe('"8"');
  });

  it('when the answer is a list, or has no integer version, there is no ETag', async () => {
    const list = catalog(async () => jsonResponse(200, { items: [{ version: 1 }], nextCursor: null }));
    expect((await list.h(accountEvent('GET', '/accounts/{accountId}/clients'), context)).headers?.etag).toBeUndefined();
    const odd = catalog(async () => jsonResponse(200, { version: '3' }));
    expect((await odd.h(accountEvent('GET', CLIENT, { pathParameters: { clientId } }), context)).headers?.etag).toBeUndefined();
  });

  it('when a POST creates something, it carries no ETag (only reads and changes do)', async () => {
    const { h } = catalog(async () => jsonResponse(201, { id: 'c1', version: 1 }));
    const res = await h(accountEvent('POST', '/accounts/{accountId}/clients', { body: '{}', headers: { 'content-type': 'application/json' } }), context);
    expect(res.headers?.etag).toBeUndefined();
  });
});

describe('If-Match', () => {
  const patch = (headers: Record<string, string>, body: unknown) =>
    accountEvent('PATCH', CLIENT, { pathParameters: { clientId }, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

  it('when the body has no version, the version comes from If-Match', async () => {
    const { h } = catalog(async (req) => jsonResponse(200, parseJsonBody(req, versionedBody)));
    const res = await h(patch({ 'If-Match': '"4"' }, { name: 'x' }), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ name: 'x', version: 4 });
  });

  it('when If-Match is weak, W/"<n>" is read as version n', async () => {
    const { h } = catalog(async (req) => jsonResponse(200, parseJsonBody(req, versionedBody)));
    const res = await h(patch({ 'if-match': 'W/"5"' }, {}), context);
    expect(JSON.parse(res.body)).toEqual({ version: 5 });
  });

  it('when the body version and If-Match agree, the route runs as without the header', async () => {
    const { h, spy } = catalog(async (req) => jsonResponse(200, parseJsonBody(req, versionedBody)));
    const res = await h(patch({ 'if-match': '"4"' }, { version: 4 }), context);
    expect(res.statusCode).toBe(200);
    expect(spy).toHaveBeenCalledOnce();
  });

  it('when the body version and If-Match differ, it answers 412 and the route never runs', async () => {
    const { h, spy } = catalog();
    const res = await h(patch({ 'if-match': '"4"' }, { version: 3 }), context);
    expect(res.statusCode).toBe(412);
    expect(problemOf(res.body).type).toBe('https://kontor.dev/problems/precondition-failed');
    expect(spy).not.toHaveBeenCalled();
  });

  it('when If-Match is stale, it answers 412 (the stale-version conflict under a precondition)', async () => {
    const { h } = catalog(async () => {
      throw new StaleVersion('the client changed since it was read', { extensions: { currentVersion: 5 } });
    });
    const res = await h(patch({ 'if-match': '"4"' }, {}), context);
    expect(res.statusCode).toBe(412);
    expect(problemOf(res.body)).toMatchObject({ type: 'https://kontor.dev/problems/precondition-failed', currentVersion: 5 });
  });

  it('when there is no If-Match, a stale body version is still the 409 it always was', async () => {
    const { h } = catalog(async () => {
      throw new StaleVersion('the client changed since it was read');
    });
    const res = await h(patch({}, { version: 4 }), context);
    expect(res.statusCode).toBe(409);
    expect(problemOf(res.body).type).toBe('https://kontor.dev/problems/stale-version');
  });

  it('when If-Match is *, the body version decides as without the header', async () => {
    const { h } = catalog(async (req) => jsonResponse(200, parseJsonBody(req, versionedBody)));
    const res = await h(patch({ 'if-match': '*' }, { version: 2 }), context);
    expect(JSON.parse(res.body)).toEqual({ version: 2 });
  });

  it.each(['4', '"abc"', '"1", "2"', 'W/4', ''])('when If-Match is malformed (%s), it answers 400 naming header.If-Match', async (value) => {
    const { h, spy } = catalog();
    const res = await h(patch({ 'if-match': value }, { version: 4 }), context);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res.body).errors?.map((e) => e.field)).toEqual(['header.If-Match']);
    expect(spy).not.toHaveBeenCalled();
  });

  describe('on a DELETE that takes ?version=', () => {
    const members = (impl?: Parameters<typeof stubImplementations>[1]) => {
      const stub = stubImplementations('members', impl);
      return { ...stub, h: createApiHandler('members', stub.implementations) };
    };
    const remove = (headers: Record<string, string>, query?: Record<string, string>) =>
      accountEvent('DELETE', MEMBER, { pathParameters: { userId: 'u-2' }, headers, context: { role: 'owner' }, ...(query ? { query } : {}) });
    const versionQuery = z.object({ version: z.coerce.number().int().optional() });

    it('when the query has no version, it comes from If-Match', async () => {
      const { h } = members(async (req) => jsonResponse(200, parse('query', versionQuery, req.query)));
      const res = await h(remove({ 'if-match': '"6"' }), context);
      expect(JSON.parse(res.body)).toEqual({ version: 6 });
    });

    it('when the query version and If-Match differ, it answers 412', async () => {
      const { h, spy } = members();
      const res = await h(remove({ 'if-match': '"6"' }, { version: '5' }), context);
      expect(res.statusCode).toBe(412);
      expect(spy).not.toHaveBeenCalled();
    });
  });

  it('when a route has no version, If-Match is ignored (its resource carries nothing to compare)', async () => {
    const { h, spy } = catalog();
    const res = await h(
      accountEvent('DELETE', CLIENT, { pathParameters: { clientId }, headers: { 'if-match': '"3"' }, context: { role: 'owner' } }),
      context,
    );
    expect(res.statusCode).toBe(200);
    expect(spy.mock.calls[0]![0].query).toEqual({});
  });
});
