import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler, setAccessRecheck } from '#shared/http/api.js';
import { accountEvent, context, MAIN, OTHER, problemOf, stubImplementations, unchangedAccess } from './events.js';

// Not about revocation: a change's re-read of the caller's access finds it as the authorizer's context says.
beforeAll(() => setAccessRecheck(unchangedAccess));
afterAll(() => setAccessRecheck());

/* The wrapper's own re-check of a route's permission, from the authorizer's context. */
describe('the route permission re-check in the API wrapper', () => {
  it('when the context lacks the route action, it answers 403 and the route never runs', async () => {
    const { spy, implementations } = stubImplementations('catalog');
    const h = createApiHandler('catalog', implementations);
    // An Employee may create clients but not delete them (SPEC 1).
    const res = await h(
      accountEvent('DELETE', '/accounts/{accountId}/clients/{clientId}', {
        pathParameters: { clientId: '01JCL1ENT0000000000000000A' },
        context: { role: 'employee' },
      }),
      context,
    );
    expect(res.statusCode).toBe(403);
    expect(problemOf(res.body)).toMatchObject({ type: 'https://kontor.dev/problems/forbidden', reason: 'missing-permission' });
    expect(spy).not.toHaveBeenCalled();
  });

  it('when the context holds none of the permissions, even a read is refused before the route runs', async () => {
    const { spy, implementations } = stubImplementations('catalog');
    const h = createApiHandler('catalog', implementations);
    const res = await h(accountEvent('GET', '/accounts/{accountId}/clients', { context: { permissions: ['products.view'] } }), context);
    expect(res.statusCode).toBe(403);
    expect(spy).not.toHaveBeenCalled();
  });

  it("when the context's accountId differs from the path's accountId, it answers 403 and the route never runs", async () => {
    const { spy, implementations } = stubImplementations('catalog');
    const h = createApiHandler('catalog', implementations);
    const res = await h(
      accountEvent('GET', '/accounts/{accountId}/clients', { pathParameters: { accountId: OTHER }, context: { role: 'owner', accountId: MAIN } }),
      context,
    );
    expect(res.statusCode).toBe(403);
    expect(spy).not.toHaveBeenCalled();
  });

  it('when the request is denied, the body is never parsed: invalid JSON still answers 403, not 400', async () => {
    const { spy, implementations } = stubImplementations('catalog');
    const h = createApiHandler('catalog', implementations);
    const res = await h(
      accountEvent('POST', '/accounts/{accountId}/clients', {
        body: '{not json',
        headers: { 'content-type': 'text/plain' },
        context: { role: 'accountant' },
      }),
      context,
    );
    expect(res.statusCode).toBe(403);
    expect(spy).not.toHaveBeenCalled();
  });

  it('when only the own scope of a scoped action is held, the route runs (the use case narrows to own objects)', async () => {
    const { spy, implementations } = stubImplementations('documents');
    const h = createApiHandler('documents', implementations);
    const res = await h(accountEvent('GET', '/accounts/{accountId}/invoices', { context: { permissions: ['documents.view.own'] } }), context);
    expect(res.statusCode).toBe(200);
    expect(spy).toHaveBeenCalledOnce();
  });

  it('when the context holds the route action, the route runs', async () => {
    const { spy, implementations } = stubImplementations('catalog');
    const h = createApiHandler('catalog', implementations);
    const res = await h(accountEvent('GET', '/accounts/{accountId}/clients', { context: { role: 'accountant' } }), context);
    expect(res.statusCode).toBe(200);
    expect(spy).toHaveBeenCalledOnce();
  });
});
