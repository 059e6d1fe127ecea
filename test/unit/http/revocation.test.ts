import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BUILT_IN_PERMISSIONS } from '#shared/authz/roles.js';
import { createApiHandler, jsonResponse, setAccessRecheck, type AccessRecheck } from '#shared/http/api.js';
import { accountEvent, context, MAIN, ORG, problemOf, stubImplementations } from './events.js';

/*
 * Changes never trust the authorizer's context, which API Gateway may have cached for up
 * to its TTL: the wrapper re-reads the caller's access and decides on that, and a re-read
 * that fails is a 503, never the cached allow. Reads keep the cached context.
 */
process.env.TABLE_NAME ??= 'kontor-unit';
const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  ddb.reset();
  setAccessRecheck();
});

const CLIENT = '/accounts/{accountId}/clients/{clientId}';
const deleteClient = (role: 'owner' | 'manager' = 'owner') =>
  accountEvent('DELETE', CLIENT, { pathParameters: { clientId: '01JCL1ENT0000000000000000A' }, context: { role } });
const basis = { membership: { accountId: MAIN, userId: 'u-1', role: 'employee', version: 2 } };

describe('the re-read of the caller for a change', () => {
  it('when the caller was demoted since the cached authorization, a change answers 403 with the reason and the route never runs', async () => {
    const { spy, implementations } = stubImplementations('catalog');
    // Now an Employee, who may not delete clients (SPEC 1); the cached context still says Owner.
    setAccessRecheck(async (cached) => ({
      allowed: true,
      actor: { ...cached, role: 'employee', via: 'member', permissions: BUILT_IN_PERMISSIONS.employee, basis },
    }));
    const res = await createApiHandler('catalog', implementations)(deleteClient(), context);
    expect(res.statusCode).toBe(403);
    expect(problemOf(res.body)).toMatchObject({ type: 'https://kontor.dev/problems/forbidden', reason: 'missing-permission' });
    expect(spy).not.toHaveBeenCalled();
  });

  it('when the caller was removed since the cached authorization, a change answers 403 not-a-member and the route never runs', async () => {
    const { spy, implementations } = stubImplementations('catalog');
    setAccessRecheck(async () => ({ allowed: false, reason: 'not-a-member' }));
    const res = await createApiHandler('catalog', implementations)(deleteClient(), context);
    expect(res.statusCode).toBe(403);
    expect(problemOf(res.body).reason).toBe('not-a-member');
    expect(spy).not.toHaveBeenCalled();
  });

  it('when the access is unchanged, the route runs with the principal as re-read, not the cached one', async () => {
    const recheck = vi.fn<AccessRecheck>(async (cached) => ({ allowed: true, actor: { ...cached, basis } }));
    setAccessRecheck(recheck);
    const { spy, implementations } = stubImplementations('catalog', async (req) => jsonResponse(200, { actor: req.actor, same: req.principal === req.actor }));
    const res = await createApiHandler('catalog', implementations)(deleteClient(), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ same: true, actor: { userId: 'u-1', accountId: MAIN, organizationId: ORG, basis } });
    expect(recheck).toHaveBeenCalledTimes(1);
    expect(recheck.mock.calls[0]![1]).toMatchObject({ accountId: MAIN, organizationId: ORG });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('when the request is a read (GET), it is served from the cached context without a re-read', async () => {
    const recheck = vi.fn<AccessRecheck>(async () => ({ allowed: false, reason: 'not-a-member' }));
    setAccessRecheck(recheck);
    const { spy, implementations } = stubImplementations('catalog');
    const res = await createApiHandler('catalog', implementations)(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    expect(res.statusCode).toBe(200);
    expect(recheck).not.toHaveBeenCalled();
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('when the route is refused by the cached context already, it answers 403 without reading anything', async () => {
    const recheck = vi.fn<AccessRecheck>();
    setAccessRecheck(recheck);
    const { implementations } = stubImplementations('catalog');
    // A cached Manager context may delete clients; an Employee's may not, and nothing is read for it.
    const res = await createApiHandler('catalog', implementations)(
      accountEvent('DELETE', CLIENT, { pathParameters: { clientId: '01JCL1ENT0000000000000000A' }, context: { role: 'employee' } }),
      context,
    );
    expect(res.statusCode).toBe(403);
    expect(recheck).not.toHaveBeenCalled();
  });
});

describe('the re-read failing (DynamoDB mocked): fail closed', () => {
  const cases: Array<[string, () => void]> = [
    ['the read throws', () => ddb.on(BatchGetCommand).rejects(new Error('socket hang up'))],
    ['the table is throttled', () => ddb.on(BatchGetCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))],
    [
      'the batch comes back partial',
      () =>
        ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: unknown[] }> }) => {
          const [table, { Keys }] = Object.entries(input.RequestItems)[0]!;
          return { Responses: { [table]: [] }, UnprocessedKeys: { [table]: { Keys } } };
        }),
    ],
  ];
  for (const [what, arrange] of cases) {
    it(`when ${what}, a change answers 503 with Retry-After and the route never runs`, async () => {
      arrange();
      const { spy, implementations } = stubImplementations('catalog');
      const res = await createApiHandler('catalog', implementations)(deleteClient('manager'), context);
      expect(res.statusCode).toBe(503);
      expect(res.headers?.['retry-after']).toBe('1');
      expect(problemOf(res.body).type).toBe('https://kontor.dev/problems/service-unavailable');
      expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 1);
      const input = ddb.commandCalls(BatchGetCommand)[0]!.args[0].input;
      // The authorizer's own read: one strongly consistent BatchGetItem.
      expect(Object.values(input.RequestItems!)[0]!.ConsistentRead).toBe(true);
      expect(spy).not.toHaveBeenCalled();
    });
  }
});
