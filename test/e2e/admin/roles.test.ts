import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { MAX_CUSTOM_ROLES } from '#shared/authz/roles.js';
import { as, auditAbout, auditAll, expectProblem, u } from './helpers.js';

/* Custom roles over HTTP (SPEC.md 2). */
describe('custom roles', () => {
  it('creates, lists, reads, renames and re-permissions a role, on versions, each change audited', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const owner = org.users.owner!;
    const A = `/accounts/${org.mainAccountId}`;
    const created = await as(owner, 'POST', `${A}/roles`, { name: 'Integrator', description: 'Shops and banks', permissions: ['integrations.*'] });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ name: 'Integrator', permissions: ['integrations.view', 'integrations.manage'], version: 1 });
    const id: string = created.body.roleId;
    expect(created.body.ref).toBe(`custom:${id}`);

    expect((await as(owner, 'GET', `${A}/roles`)).body.items.map((r: { roleId: string }) => r.roleId)).toEqual([id]);
    expect((await as(owner, 'GET', `${A}/roles/${id}`)).body.name).toBe('Integrator');
    expectProblem(await as(owner, 'GET', `${A}/roles/rol_nope`), 404);

    const renamed = await as(owner, 'PATCH', `${A}/roles/${id}`, { name: 'Integrations', permissions: ['integrations.view'], version: 1 });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Integrations', permissions: ['integrations.view'], version: 2 });
    expectProblem(await as(owner, 'PATCH', `${A}/roles/${id}`, { name: 'Stale', version: 1 }), 409, 'stale-version');
    expectProblem(await as(owner, 'PATCH', `${A}/roles/${id}`, { version: 2 }), 400, 'validation-error');

    const entries = await auditAbout(owner, org.mainAccountId, id);
    expect(entries.map((e) => e.action)).toEqual(['role.updated', 'role.created']);
    expect(entries[0]).toMatchObject({ before: { name: 'Integrator', version: 1 }, after: { name: 'Integrations', version: 2 } });
  });

  it("refuses a custom role beyond the organization's limit with a 409, writing nothing", async () => {
    const org = await createOrganization({
      members: [{ key: 'owner', role: 'owner' }],
      customRoles: Array.from({ length: MAX_CUSTOM_ROLES - 1 }, (_, i) => ({ key: `r${i}`, name: `Role ${i}`, permissions: ['clients.view'] })),
    });
    const owner = org.users.owner!;
    const A = `/accounts/${org.mainAccountId}`;
    const last = await as(owner, 'POST', `${A}/roles`, { name: 'The last one', permissions: ['clients.view'] });
    expect(last.status, last.text).toBe(201);
    const over = await as(owner, 'POST', `${A}/roles`, { name: 'One too many', permissions: ['clients.view'] });
    expectProblem(over, 409, 'conflict');
    expect(over.body).toMatchObject({ reason: 'custom-role-limit', limit: MAX_CUSTOM_ROLES });
    const names = (await as(owner, 'GET', `${A}/roles?limit=100`)).body.items.map((r: { name: string }) => r.name);
    expect(names).not.toContain('One too many');
    // Only the role that fitted was audited (the seeded ones were written directly).
    expect((await auditAll(owner, org.mainAccountId)).filter((e) => e.action === 'role.created')).toHaveLength(1);
  });

  it('refuses unknown permission names with a 400 naming each one', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const res = await as(org.users.owner!, 'POST', `/accounts/${org.mainAccountId}/roles`, {
      name: 'Bad',
      permissions: ['clients.view', 'clients.fly', 'teleport.*'],
    });
    expectProblem(res, 400, 'validation-error');
    expect(res.body.errors).toEqual([
      { field: 'body.permissions.1', message: 'unknown permission "clients.fly"' },
      { field: 'body.permissions.2', message: 'unknown permission "teleport.*"' },
    ]);
    const empty = await as(org.users.owner!, 'POST', `/accounts/${org.mainAccountId}/roles`, { name: '', permissions: [] });
    expect(empty.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.name', 'body.permissions']);
  });

  it('refuses to delete a role while it is assigned, naming the members (main and sub-accounts); then deletes it', async () => {
    const org = await createOrganization({
      subAccounts: 1,
      customRoles: [{ key: 'int', name: 'Integrator', permissions: ['integrations.*'] }],
      members: [{ key: 'owner', role: 'owner' }, { key: 'a', role: 'custom:int' }, { key: 'b', role: 'custom:int', account: 0 }],
    });
    const owner = org.users.owner!;
    const A = `/accounts/${org.mainAccountId}`;
    // The role made through the API, assigned to the two members.
    const role = await as(owner, 'POST', `${A}/roles`, { name: 'Shop', permissions: ['integrations.view'] });
    const ref: string = role.body.ref;
    const a = await as(owner, 'PATCH', `${A}/members/${u(org.users.a!.userId)}`, { role: ref, version: 1 });
    expect(a.status, a.text).toBe(200);
    const b = await as(owner, 'PATCH', `/accounts/${org.subAccountIds[0]}/members/${u(org.users.b!.userId)}`, { role: ref, version: 1 });
    expect(b.status, b.text).toBe(200);

    const refused = await as(owner, 'DELETE', `${A}/roles/${role.body.roleId}`);
    expectProblem(refused, 409, 'in-use');
    expect(refused.body.members.map((m: { userId: string }) => m.userId).sort()).toEqual([org.users.a!.userId, org.users.b!.userId].sort());
    expect(refused.body.detail).toContain(org.users.a!.email);
    expect((await as(owner, 'GET', `${A}/roles/${role.body.roleId}`)).status).toBe(200);

    await as(owner, 'PATCH', `${A}/members/${u(org.users.a!.userId)}`, { role: 'employee', version: 2 });
    await as(owner, 'DELETE', `/accounts/${org.subAccountIds[0]}/members/${u(org.users.b!.userId)}`);
    expectProblem(await as(owner, 'DELETE', `${A}/roles/${role.body.roleId}?version=9`), 409, 'stale-version');
    expect((await as(owner, 'DELETE', `${A}/roles/${role.body.roleId}`)).status).toBe(204);
    expectProblem(await as(owner, 'GET', `${A}/roles/${role.body.roleId}`), 404);
    expect((await auditAbout(owner, org.mainAccountId, role.body.roleId)).map((e) => e.action)).toEqual(['role.deleted', 'role.created']);
  });

  it("applies a role's new permissions to every holder on their next uncached authorization", async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'c', role: 'employee' }] });
    const owner = org.users.owner!;
    const holder = org.users.c!;
    const A = `/accounts/${org.mainAccountId}`;
    const role = await as(owner, 'POST', `${A}/roles`, { name: 'Clerk', permissions: ['clients.view'] });
    await as(owner, 'PATCH', `${A}/members/${u(holder.userId)}`, { role: role.body.ref, version: 1 });
    expect((await call('GET', `${A}/sub-accounts`, { token: await holder.token() })).status).toBe(403);
    const changed = await as(owner, 'PATCH', `${A}/roles/${role.body.roleId}`, { permissions: ['clients.view', 'sub-accounts.view'], version: 1 });
    expect(changed.status, changed.text).toBe(200);
    expect((await call('GET', `${A}/sub-accounts`, { token: await holder.token() })).status).toBe(200);
  });

  it('refuses role writes from a sub-account path and from members without users.change-roles', async () => {
    const org = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager' }] });
    expectProblem(await as(org.users.owner!, 'POST', `/accounts/${org.subAccountIds[0]}/roles`, { name: 'x', permissions: ['clients.view'] }), 400, 'validation-error');
    expectProblem(await as(org.users.mgr!, 'POST', `/accounts/${org.mainAccountId}/roles`, { name: 'x', permissions: ['clients.view'] }), 403);
    // Reading roles needs users.view, which a Manager has.
    expect((await as(org.users.mgr!, 'GET', `/accounts/${org.mainAccountId}/roles`)).status).toBe(200);
  });
});
