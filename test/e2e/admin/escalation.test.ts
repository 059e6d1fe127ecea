import { describe, expect, it } from 'vitest';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, auditAll, expectProblem, u } from './helpers.js';

/*
 * Escalation attempts (SPEC.md 7.1-7.2). Each test fails if the attempt succeeds:
 * it checks the refusal, that nothing changed, and that the audit log shows no change.
 */
describe('escalation attempts', () => {
  it('when a Manager tries to make themself Owner, it refuses (403) and nothing changes', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager' }] });
    const { mgr, owner } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    const res = await as(mgr!, 'PATCH', `${A}/members/${u(mgr!.userId)}`, { role: 'owner', version: 1 });
    expectProblem(res, 403);
    const after = await as(owner!, 'GET', `${A}/members/${u(mgr!.userId)}`);
    expect(after.body).toMatchObject({ role: 'manager', version: 1 });
    expect(await auditAbout(owner!, org.mainAccountId, mgr!.userId)).toEqual([]);
  });

  it('when a custom-role holder with users.change-roles makes themself Owner, it refuses: only an Owner assigns Owner', async () => {
    const org = await createOrganization({
      customRoles: [{ key: 'hr', name: 'HR', permissions: ['users.view', 'users.invite', 'users.change-roles'] }],
      members: [{ key: 'owner', role: 'owner' }, { key: 'hr', role: 'custom:hr' }],
    });
    const { hr, owner } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    const res = await as(hr!, 'PATCH', `${A}/members/${u(hr!.userId)}`, { role: 'owner', version: 1 });
    expectProblem(res, 403, 'forbidden', 'only-owner-assigns-owner');
    expect((await as(owner!, 'GET', `${A}/members/${u(hr!.userId)}`)).body.role).toBe(`custom:${org.roleIds.hr}`);
    expect(await auditAbout(owner!, org.mainAccountId, hr!.userId)).toEqual([]);
  });

  it('when a custom-role holder grants users permissions they lack, it refuses naming them (role, assignment, invitation)', async () => {
    const org = await createOrganization({
      customRoles: [{ key: 'hr', name: 'HR', permissions: ['users.view', 'users.invite', 'users.change-roles'] }],
      members: [{ key: 'owner', role: 'owner' }, { key: 'hr', role: 'custom:hr' }, { key: 'emp', role: 'employee' }],
    });
    const { hr, owner, emp } = org.users;
    const A = `/accounts/${org.mainAccountId}`;

    // A role with users.remove, which the holder does not have.
    const role = await as(hr!, 'POST', `${A}/roles`, { name: 'Admin', permissions: ['users.*'] });
    expectProblem(role, 403, 'forbidden', 'exceeds-own-permissions');
    expect(role.body.missing).toEqual(['users.remove']);
    // Their own role given to an Employee is fine; Manager (documents, settings, …) is not theirs to give.
    const mgr = await as(hr!, 'PATCH', `${A}/members/${u(emp!.userId)}`, { role: 'manager', version: 1 });
    expectProblem(mgr, 403, 'forbidden', 'member-exceeds-own-permissions');
    const inv = await as(hr!, 'POST', `${A}/invitations`, { email: 'x@example.com', role: 'accountant' });
    expectProblem(inv, 403, 'forbidden', 'exceeds-own-permissions');

    expect((await as(owner!, 'GET', `${A}/roles`)).body.items).toEqual([]);
    expect((await as(owner!, 'GET', `${A}/invitations`)).body.items).toEqual([]);
    expect(await auditAll(owner!, org.mainAccountId)).toEqual([]);
  });

  it('when a sub-account member with users.invite invites into the main account, it refuses', async () => {
    const org = await createOrganization({
      subAccounts: 2,
      customRoles: [{ key: 'lead', name: 'Branch lead', permissions: ['users.view', 'users.invite', 'documents.*', 'clients.*', 'products.*', 'payments.*', 'settings.view', 'price-lists.view', 'promo-codes.view', 'reports.*', 'crm.*'] }],
      members: [{ key: 'owner', role: 'owner' }, { key: 'lead', role: 'custom:lead', account: 0 }],
    });
    const { lead, owner } = org.users;
    const [sub0, sub1] = org.subAccountIds;
    // Through the main account's path: the authorizer denies, the lead is not a member there (SPEC 3.4).
    expectProblem(await as(lead!, 'POST', `/accounts/${org.mainAccountId}/invitations`, { email: 'a@example.com', role: 'employee' }), 403);
    // Through their own sub-account, naming the other sub-account.
    expectProblem(
      await as(lead!, 'POST', `/accounts/${sub0}/invitations`, { email: 'a@example.com', role: 'employee', subAccountId: sub1 }),
      403,
      'forbidden',
      'other-account',
    );
    // Owner is no role for a sub-account member.
    expectProblem(await as(lead!, 'POST', `/accounts/${sub0}/invitations`, { email: 'a@example.com', role: 'owner' }), 400, 'validation-error');
    expect((await as(owner!, 'GET', `/accounts/${org.mainAccountId}/invitations`)).body.items).toEqual([]);
    expect(await auditAll(owner!, org.mainAccountId)).toEqual([]);

    // Into their own sub-account, with a role within their own permissions, it works.
    const ok = await as(lead!, 'POST', `/accounts/${sub0}/invitations`, { email: 'a@example.com', role: 'employee' });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.accountId).toBe(sub0);
  });

  it('when the last Owner is removed or demoted, it refuses (409 last-owner); with a second Owner it works', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager' }] });
    const { owner, mgr } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    expectProblem(await as(owner!, 'PATCH', `${A}/members/${u(owner!.userId)}`, { role: 'manager', version: 1 }), 409, 'last-owner');
    expectProblem(await as(owner!, 'DELETE', `${A}/members/${u(owner!.userId)}`), 409, 'last-owner');
    expect((await as(owner!, 'GET', `${A}/members/${u(owner!.userId)}`)).body).toMatchObject({ role: 'owner', version: 1 });
    expect(await auditAbout(owner!, org.mainAccountId, owner!.userId)).toEqual([]);

    // A second Owner: now the first may step down, and the audit log says so.
    const promote = await as(owner!, 'PATCH', `${A}/members/${u(mgr!.userId)}`, { role: 'owner', version: 1 });
    expect(promote.status, promote.text).toBe(200);
    const demote = await as(owner!, 'PATCH', `${A}/members/${u(owner!.userId)}`, { role: 'manager', version: 1 });
    expect(demote.status, demote.text).toBe(200);
    // And the remaining Owner is the last one again.
    expectProblem(await as(mgr!, 'DELETE', `${A}/members/${u(mgr!.userId)}`), 409, 'last-owner');
    const entries = await auditAbout(mgr!, org.mainAccountId, owner!.userId);
    expect(entries.map((e) => [e.action, e.before?.role, e.after?.role])).toEqual([['member.role-changed', 'owner', 'manager']]);
  });

  it('when an Employee changes roles, it refuses (403) and nothing changes', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }, { key: 'acc', role: 'accountant' }] });
    const { owner, emp, acc } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    expectProblem(await as(emp!, 'PATCH', `${A}/members/${u(emp!.userId)}`, { role: 'manager', version: 1 }), 403);
    expectProblem(await as(emp!, 'PATCH', `${A}/members/${u(acc!.userId)}`, { role: 'employee', version: 1 }), 403);
    expectProblem(await as(emp!, 'POST', `${A}/roles`, { name: 'x', permissions: ['clients.view'] }), 403);
    expectProblem(await as(emp!, 'DELETE', `${A}/members/${u(acc!.userId)}`), 403);
    expect((await as(owner!, 'GET', `${A}/members/${u(emp!.userId)}`)).body.role).toBe('employee');
    expect(await auditAll(owner!, org.mainAccountId)).toEqual([]);
  });

  it("when a member of organization A uses organization B's ids, nothing of B is read or changed", async () => {
    const a = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const b = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const attacker = a.users.owner!;
    const victim = b.users.emp!;
    // B's account in the path: the authorizer denies.
    expectProblem(await as(attacker, 'GET', `/accounts/${b.mainAccountId}/members`), 403);
    expectProblem(await as(attacker, 'PATCH', `/accounts/${b.mainAccountId}/members/${u(victim.userId)}`, { role: 'owner', version: 1 }), 403);
    expectProblem(await as(attacker, 'DELETE', `/accounts/${b.mainAccountId}/members/${u(victim.userId)}`), 403);
    // A's account in the path with B's ids: keys come from A's account, so B's items are not found.
    const A = `/accounts/${a.mainAccountId}`;
    expectProblem(await as(attacker, 'GET', `${A}/members/${u(victim.userId)}`), 404);
    expectProblem(await as(attacker, 'PATCH', `${A}/members/${u(victim.userId)}`, { role: 'owner', version: 1 }), 404);
    expectProblem(await as(attacker, 'DELETE', `${A}/members/${u(victim.userId)}`), 404);
    expectProblem(await as(attacker, 'PUT', `${A}/members/${u(attacker.userId)}/grants/${b.subAccountIds[0]}`), 404);
    expectProblem(
      await as(attacker, 'POST', `${A}/invitations`, { email: 'x@example.com', role: 'employee', subAccountId: b.subAccountIds[0] }),
      404,
    );
    expect((await as(b.users.owner!, 'GET', `/accounts/${b.mainAccountId}/members/${u(victim.userId)}`)).body).toMatchObject({
      role: 'employee',
      version: 1,
    });
    expect(await auditAll(b.users.owner!, b.mainAccountId)).toEqual([]);
  });
});
