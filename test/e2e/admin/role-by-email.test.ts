import { describe, expect, it } from 'vitest';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, expectProblem } from './helpers.js';

/* SPEC 2.4: an existing member's role can be changed by their e-mail address as well as by their id. */
describe("changing a member's role by e-mail", () => {
  it('changes the role of the member with that e-mail (any case), on their version, audited; only holders of users.change-roles may', async () => {
    const org = await createOrganization({
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'mgr', role: 'manager' },
        { key: 'emp', role: 'employee' },
      ],
    });
    const { owner, mgr, emp } = org.users;
    const path = `/accounts/${org.mainAccountId}/members/by-email`;
    const body = { email: emp!.email.toUpperCase(), role: 'accountant', version: 1 };

    expectProblem(await as(mgr!, 'PATCH', path, body), 403);
    expectProblem(await as(emp!, 'PATCH', path, body), 403);

    const res = await as(owner!, 'PATCH', path, body);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ userId: emp!.userId, role: 'accountant', version: 2 });
    expect((await as(owner!, 'GET', `/accounts/${org.mainAccountId}/members/${emp!.userId}`)).body.role).toBe('accountant');
    const [entry] = await auditAbout(owner!, org.mainAccountId, emp!.userId);
    expect(entry).toMatchObject({ action: 'member.role-changed', before: { role: 'employee' }, after: { role: 'accountant' } });

    // The same rules as by id: a stale version is 409, an address nobody here has is 404, a bad one 400.
    expectProblem(await as(owner!, 'PATCH', path, { ...body, role: 'manager' }), 409, 'stale-version');
    expectProblem(await as(owner!, 'PATCH', path, { email: 'nobody@example.com', role: 'manager', version: 1 }), 404);
    expectProblem(await as(owner!, 'PATCH', path, { email: 'not-an-address', role: 'manager', version: 1 }), 400, 'validation-error');
  });

  it('finds only members of the account in the path: a member of another organization with that e-mail is 404', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const other = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const res = await as(org.users.owner!, 'PATCH', `/accounts/${org.mainAccountId}/members/by-email`, {
      email: other.users.emp!.email,
      role: 'manager',
      version: 1,
    });
    expectProblem(res, 404);
  });
});
