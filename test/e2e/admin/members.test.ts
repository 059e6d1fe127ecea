import { describe, expect, it } from 'vitest';
import { call, tokenFor } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, expectProblem, u } from './helpers.js';

/* Members and sub-account grants over HTTP (SPEC.md 1.2, 3.3-3.5). */
describe('members', () => {
  it('lists members with their roles and grants, page by page with an opaque cursor', async () => {
    const org = await createOrganization({
      subAccounts: 2,
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'mgr', role: 'manager', grants: [0, 1] },
        { key: 'emp', role: 'employee', grants: [1] },
        { key: 'acc', role: 'accountant' },
      ],
    });
    const { owner, mgr, emp } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    const seen: Array<{ userId: string; role: string; grants: string[] }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await as(owner!, 'GET', `${A}/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toHaveLength(4);
    expect(seen.find((m) => m.userId === mgr!.userId)).toMatchObject({ role: 'manager', grants: [...org.subAccountIds].sort() });
    expect(seen.find((m) => m.userId === emp!.userId)?.grants).toEqual([org.subAccountIds[1]]);
    // A cursor of another account's list is refused.
    expectProblem(await as(owner!, 'GET', `${A}/members?cursor=${Buffer.from('{"pk":"ACCOUNT#x","sk":"y"}').toString('base64url')}`), 400);
    expectProblem(await as(owner!, 'GET', `${A}/members?limit=0`), 400, 'validation-error');
    // users.view: an Employee does not have it (a Manager does: SPEC 1.2 only stops them changing members).
    expectProblem(await as(emp!, 'GET', `${A}/members`), 403);
    expect((await as(mgr!, 'GET', `${A}/members`)).status).toBe(200);
  });

  it('reads one member; an unknown one is 404', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const A = `/accounts/${org.mainAccountId}`;
    const res = await as(org.users.owner!, 'GET', `${A}/members/${u(org.users.owner!.userId)}`);
    expect(res.body).toMatchObject({ role: 'owner', accountId: org.mainAccountId, grants: [], version: 1 });
    expectProblem(await as(org.users.owner!, 'GET', `${A}/members/nobody`), 404);
  });

  it('enrols nobody without consent: no route adds a user by id, even for the Owner, and nothing is written (SPEC 2.4)', async () => {
    const org = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }] });
    const other = await createOrganization({ members: [{ key: 'someone', role: 'owner' }] });
    const { owner } = org.users;
    const outsider = other.users.someone!;
    for (const accountId of [org.mainAccountId, org.subAccountIds[0]!]) {
      // The gateway's answer for a method the path does not have: the same 404 as an unknown route.
      const res = await as(owner!, 'POST', `/accounts/${accountId}/members`, { userId: outsider.userId, role: 'owner' });
      expectProblem(res, 404, 'not-found');
      expectProblem(await as(owner!, 'GET', `/accounts/${accountId}/members/${u(outsider.userId)}`), 404);
    }
    // Their own organization is untouched, and they could still sign up elsewhere.
    expect((await call('GET', '/me', { token: await outsider.token() })).body.memberships).toHaveLength(1);
    expect(await auditAbout(owner!, org.mainAccountId, outsider.userId)).toEqual([]);
  });

  it('changes a role on the current version; a stale version is 409 and the audit log has before and after', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const { owner, emp } = org.users;
    const path = `/accounts/${org.mainAccountId}/members/${u(emp!.userId)}`;
    const first = await as(owner!, 'PATCH', path, { role: 'manager', version: 1 });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ role: 'manager', version: 2 });
    const stale = await as(owner!, 'PATCH', path, { role: 'accountant', version: 1 });
    expectProblem(stale, 409, 'stale-version');
    expect(stale.body.currentVersion).toBe(2);
    expectProblem(await as(owner!, 'PATCH', path, { role: 'manager' }), 400, 'validation-error');
    expectProblem(await as(owner!, 'PATCH', path, { role: 'custom:doesnotexist', version: 2 }), 400, 'validation-error', 'unknown-role');
    expect((await as(owner!, 'GET', path)).body).toMatchObject({ role: 'manager', version: 2 });
    const entries = await auditAbout(owner!, org.mainAccountId, emp!.userId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'member.role-changed',
      actorId: owner!.userId,
      before: { role: 'employee', version: 1 },
      after: { role: 'manager', version: 2 },
    });
    // The new role applies on the next uncached authorization: a Manager lists sub-accounts, an Employee cannot.
    const subs = await call('GET', `/accounts/${org.mainAccountId}/sub-accounts`, { token: await emp!.token() });
    expect(subs.status).toBe(200);
  });

  it('refuses Backoffice without plan Small+ and self-bookkeeping, saying which plans are needed', async () => {
    const free = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const path = `/accounts/${free.mainAccountId}/members/${u(free.users.emp!.userId)}`;
    const res = await as(free.users.owner!, 'PATCH', path, { role: 'backoffice', version: 1 });
    expectProblem(res, 409, 'plan-required', 'plan-required');
    expect(res.body.detail).toContain('one of the plans Small, Medium, Large, Unlimited must be activated');
    expect(res.body.requiredPlans).toEqual(['small', 'medium', 'large', 'unlimited']);

    const small = await createOrganization({ plan: 'small', members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const smallPath = `/accounts/${small.mainAccountId}/members/${u(small.users.emp!.userId)}`;
    expectProblem(await as(small.users.owner!, 'PATCH', smallPath, { role: 'backoffice', version: 1 }), 409, 'plan-required', 'feature-required');
  });

  it('removes a member with their grants; a stale version is 409; the member loses access', async () => {
    const org = await createOrganization({
      subAccounts: 1,
      members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager', grants: [0] }],
    });
    const { owner, mgr } = org.users;
    const path = `/accounts/${org.mainAccountId}/members/${u(mgr!.userId)}`;
    expectProblem(await as(owner!, 'DELETE', `${path}?version=7`), 409, 'stale-version');
    const res = await as(owner!, 'DELETE', `${path}?version=1`);
    expect(res.status, res.text).toBe(204);
    expectProblem(await as(owner!, 'GET', path), 404);
    expectProblem(await as(owner!, 'DELETE', path), 404);
    expect((await call('GET', `/accounts/${org.subAccountIds[0]}/clients`, { token: await mgr!.token() })).status).toBe(403);
    const [entry] = await auditAbout(owner!, org.mainAccountId, mgr!.userId);
    expect(entry).toMatchObject({ action: 'member.removed', before: { role: 'manager', grants: [org.subAccountIds[0]] }, after: null });
  });
});

describe('sub-account grants', () => {
  it('grants and revokes a main-account member per sub-account; access follows on a fresh token; both audited', async () => {
    const org = await createOrganization({ subAccounts: 2, members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const { owner, emp } = org.users;
    const [s0, s1] = org.subAccountIds;
    const grantPath = `/accounts/${org.mainAccountId}/members/${u(emp!.userId)}/grants/${s0}`;
    expect((await call('GET', `/accounts/${s0}/clients`, { token: await emp!.token() })).status).toBe(403);

    const put = await as(owner!, 'PUT', grantPath);
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ userId: emp!.userId, subAccountId: s0, grantedBy: owner!.userId });
    // Idempotent: the same PUT again answers the same grant and writes nothing new.
    expect((await as(owner!, 'PUT', grantPath)).body.grantedAt).toBe(put.body.grantedAt);
    expect((await call('GET', `/accounts/${s0}/clients`, { token: await emp!.token() })).status).not.toBe(403);
    expect((await call('GET', `/accounts/${s1}/clients`, { token: await emp!.token() })).status).toBe(403);

    const del = await as(owner!, 'DELETE', grantPath);
    expect(del.status, del.text).toBe(204);
    expectProblem(await as(owner!, 'DELETE', grantPath), 404);
    expect((await call('GET', `/accounts/${s0}/clients`, { token: await emp!.token() })).status).toBe(403);

    const entries = await auditAbout(owner!, org.mainAccountId, emp!.userId);
    expect(entries.map((e) => e.action)).toEqual(['grant.revoked', 'grant.created']);
  });

  it('refuses grants to sub-account-only members, to Owners, for other organizations\' sub-accounts, and from a sub-account path', async () => {
    const org = await createOrganization({
      subAccounts: 2,
      members: [{ key: 'owner', role: 'owner' }, { key: 'branch', role: 'employee', account: 0 }, { key: 'emp', role: 'employee' }],
    });
    const other = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }] });
    const { owner, branch, emp } = org.users;
    const M = `/accounts/${org.mainAccountId}/members`;
    expectProblem(await as(owner!, 'PUT', `${M}/${u(branch!.userId)}/grants/${org.subAccountIds[1]}`), 404);
    expectProblem(await as(owner!, 'PUT', `${M}/${u(owner!.userId)}/grants/${org.subAccountIds[1]}`), 409, 'conflict', 'reaches-all');
    expectProblem(await as(owner!, 'PUT', `${M}/${u(emp!.userId)}/grants/${other.subAccountIds[0]}`), 404);
    expectProblem(await as(owner!, 'PUT', `${M}/${u(emp!.userId)}/grants/${org.mainAccountId}`), 400, 'validation-error');
    expectProblem(
      await as(owner!, 'PUT', `/accounts/${org.subAccountIds[0]}/members/${u(emp!.userId)}/grants/${org.subAccountIds[1]}`),
      400,
      'validation-error',
    );
    expectProblem(await as(emp!, 'PUT', `${M}/${u(emp!.userId)}/grants/${org.subAccountIds[1]}`), 403);
  });

  it("a holder of sub-accounts.manage-access cannot hand out a sub-account they cannot reach themselves", async () => {
    const org = await createOrganization({
      subAccounts: 2,
      customRoles: [{ key: 'ops', name: 'Ops', permissions: ['sub-accounts.view', 'sub-accounts.manage-access', 'users.view', 'clients.view'] }],
      members: [{ key: 'owner', role: 'owner' }, { key: 'ops', role: 'custom:ops', grants: [0] }, { key: 'viewer', role: 'custom:ops' }],
    });
    const { ops, viewer } = org.users;
    const M = `/accounts/${org.mainAccountId}/members`;
    expectProblem(await as(ops!, 'PUT', `${M}/${u(viewer!.userId)}/grants/${org.subAccountIds[1]}`), 403, 'forbidden', 'no-own-access');
    const ok = await as(ops!, 'PUT', `${M}/${u(viewer!.userId)}/grants/${org.subAccountIds[0]}`);
    expect(ok.status, ok.text).toBe(200);
  });
});

describe('GET /me/accounts (SPEC 3.6)', () => {
  it('offers switching only to main-account users with sub-account access; Owner and Backoffice see every sub-account', async () => {
    const org = await createOrganization({
      plan: 'small',
      features: ['self-bookkeeping'],
      subAccounts: 2,
      archived: [1],
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'bo', role: 'backoffice' },
        { key: 'mgr', role: 'manager', grants: [0] },
        { key: 'emp', role: 'employee' },
        { key: 'branch', role: 'manager', account: 0 },
      ],
    });
    const [s0, s1] = org.subAccountIds;
    const ids = async (key: string) =>
      ((await as(org.users[key]!, 'GET', '/me/accounts')).body.accounts as Array<{ accountId: string }>).map((a) => a.accountId);
    expect(await ids('owner')).toEqual([org.mainAccountId, ...[s0!, s1!].sort()]); // the Owner also reaches the archived one
    expect(await ids('bo')).toEqual([org.mainAccountId, s0]);
    expect(await ids('mgr')).toEqual([org.mainAccountId, s0]);
    expect(await ids('emp')).toEqual([]);
    expect(await ids('branch')).toEqual([]);
    expectProblem(await call('GET', '/me/accounts'), 401);
    const fresh = await call('GET', '/me/accounts', { token: await tokenFor({ sub: 'nobody-at-all' }) });
    expect(fresh.body).toEqual({ accounts: [] });
  });
});
