import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization, type TestOrganization } from '../../support/orgs.js';
import { ROUTES, type Route } from '#shared/http/routes.js';
import { as, auditAll, expectProblem, u } from './helpers.js';

/*
 * Every administration route refuses a caller without its permission (403 problem+json)
 * and a caller without a token (401), and a refused request changes nothing: the
 * organization's audit log stays empty.
 */
const ADMIN_ROUTES = (ROUTES as readonly Route[]).filter((r) => r.fn === 'organization' || r.fn === 'members');

describe('route-level refusals of the administration API', () => {
  let org: TestOrganization;
  const pathOf = (route: Route, accountId: string) =>
    route.path
      .replace('{accountId}', accountId)
      .replace('{userId}', u(org.users.owner!.userId))
      .replace('{subAccountId}', org.subAccountIds[0]!)
      .replace('{roleId}', 'rol_x')
      .replace('{feature}', 'self-bookkeeping')
      .replace('{invitationId}', 'inv_01JDEMQ0000000000000000000_01JDEMQ0000000000000000009');
  const bodies: Record<string, unknown> = {
    updateMember: { role: 'manager', version: 1 },
    createInvitation: { email: 'x@example.com', role: 'employee' },
    createRole: { name: 'x', permissions: ['clients.view'] },
    updateRole: { name: 'y', version: 1 },
    changePlan: { plan: 'small' },
    updateAccount: { name: 'x', version: 1 },
    createSubAccount: { name: 'x', externalId: 'X' },
    createOrganization: { name: 'x' },
  };

  it('answers 401 without a token on every administration route', async () => {
    org = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }] });
    for (const route of ADMIN_ROUTES) {
      const res = await call(route.method, pathOf(route, org.mainAccountId), { body: bodies[route.id] });
      expect(res.status, `${route.id}`).toBe(401);
    }
  });

  it('answers 403 to a member whose role lacks the route permission, and to an outsider, changing nothing', async () => {
    org = await createOrganization({
      subAccounts: 1,
      members: [{ key: 'owner', role: 'owner' }, { key: 'nobody', role: 'custom:none' }],
      customRoles: [{ key: 'none', name: 'Nothing', permissions: ['clients.view'] }],
    });
    const outsider = (await createOrganization({ members: [{ key: 'owner', role: 'owner' }] })).users.owner!;
    const accountRoutes = ADMIN_ROUTES.filter((r) => r.path.startsWith('/accounts/'));
    expect(accountRoutes.length).toBe(28);
    for (const route of accountRoutes) {
      const path = pathOf(route, org.mainAccountId);
      expectProblem(await as(org.users.nobody!, route.method, path, bodies[route.id]), 403);
      expectProblem(await as(outsider, route.method, path, bodies[route.id]), 403);
    }
    expect(await auditAll(org.users.owner!, org.mainAccountId)).toEqual([]);
  });
});

describe('optimistic locking under concurrency', () => {
  it('when two role changes race on the same version, exactly one wins and the other is 409', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const path = `/accounts/${org.mainAccountId}/members/${u(org.users.emp!.userId)}`;
    const results = await Promise.all(
      ['manager', 'accountant', 'manager', 'accountant'].map((role) => as(org.users.owner!, 'PATCH', path, { role, version: 1 })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(3);
    const winner = results.find((r) => r.status === 200)!.body.role;
    expect((await as(org.users.owner!, 'GET', path)).body).toMatchObject({ role: winner, version: 2 });
    const entries = (await auditAll(org.users.owner!, org.mainAccountId)).filter((e) => e.action === 'member.role-changed');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.after?.role).toBe(winner);
  });

  it('when two Owners demote each other at once, one Owner always remains', async () => {
    const org = await createOrganization({ members: [{ key: 'a', role: 'owner' }, { key: 'b', role: 'owner' }] });
    const { a, b } = org.users;
    const M = `/accounts/${org.mainAccountId}/members`;
    const [ra, rb] = await Promise.all([
      as(a!, 'PATCH', `${M}/${u(b!.userId)}`, { role: 'manager', version: 1 }),
      as(b!, 'PATCH', `${M}/${u(a!.userId)}`, { role: 'manager', version: 1 }),
    ]);
    expect([ra.status, rb.status].filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    const roles = await Promise.all([a!, b!].map(async (x) => (await as(x, 'GET', `${M}/${u(x.userId)}`)).body.role));
    expect(roles.filter((r) => r === 'owner').length).toBeGreaterThanOrEqual(1);
  });

  it('when an invitation is accepted twice at once, one membership results and both answers agree', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const email = `race-${Date.now()}@example.com`;
    const inv = await as(org.users.owner!, 'POST', `/accounts/${org.mainAccountId}/invitations`, { email, role: 'employee' });
    const { tokenFor } = await import('../../support/http.js');
    const token = await tokenFor({ sub: `race|${email}`, email, emailVerified: true });
    const results = await Promise.all([1, 2].map(() => call('POST', `/invitations/${inv.body.invitationId}/accept`, { token })));
    for (const r of results.filter((x) => x.status !== 200)) expect(r.status).toBe(409);
    expect(results.some((r) => r.status === 200)).toBe(true);
    const members = await as(org.users.owner!, 'GET', `/accounts/${org.mainAccountId}/members`);
    expect(members.body.items.filter((m: { email: string }) => m.email === email)).toHaveLength(1);
  });
});
