import { describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { createOrganization } from '../support/orgs.js';

/*
 * What the authorizer's result cache (60 s, keyed by Authorization header + path) means for
 * revocation, through the real authorizer and handlers: docs/authorization.md states it.
 */
describe('the authorizer cache and revocation', () => {
  it('keeps a revoked grant working only for the exact (token, path) already cached, until the TTL', async () => {
    const org = await createOrganization({
      subAccounts: 1,
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'mgr', role: 'manager', grants: [0] },
      ],
    });
    const sub = org.subAccountIds[0]!;
    const token = await org.users.mgr!.token();
    expect((await call('GET', `/accounts/${sub}/clients`, { token })).status).toBe(200);

    const revoked = await call('DELETE', `/accounts/${org.mainAccountId}/members/${org.users.mgr!.userId}/grants/${sub}`, {
      token: await org.users.owner!.token(),
    });
    expect(revoked.status).toBe(204);

    // The cached policy for (token, this path) still answers: the documented revocation delay.
    expect((await call('GET', `/accounts/${sub}/clients`, { token })).status).toBe(200);
    // Any other path is a new cache key: the authorizer reads the revocation at once.
    expect((await call('GET', `/accounts/${sub}/items`, { token })).status).toBe(403);
    // So is any other token of the same user.
    expect((await call('GET', `/accounts/${sub}/clients`, { token: await org.users.mgr!.token() })).status).toBe(403);
  });

  it('never lets a policy cached for one account answer for another account of the same caller', async () => {
    const org = await createOrganization({
      subAccounts: 2,
      members: [{ key: 'mgr', role: 'manager', grants: [0] }],
    });
    const token = await org.users.mgr!.token();
    expect((await call('GET', `/accounts/${org.subAccountIds[0]}/clients`, { token })).status).toBe(200);
    expect((await call('GET', `/accounts/${org.subAccountIds[1]}/clients`, { token })).status).toBe(403);
  });
});
