import { describe, expect, it } from 'vitest';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, expectProblem, u } from './helpers.js';

/* PUT /members/{userId}/grants: the whole set of a member's sub-account grants in one change (SPEC 3.3). */
describe('replacing the set of sub-accounts a member is granted', () => {
  it('makes the grants exactly the set given, on the member version, audited with before and after; only the Owner may', async () => {
    const org = await createOrganization({
      subAccounts: 3,
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'mgr', role: 'manager' },
        { key: 'emp', role: 'employee', grants: [0, 1] },
      ],
    });
    const { owner, mgr, emp } = org.users;
    const [s0, s1, s2] = org.subAccountIds as [string, string, string];
    const path = `/accounts/${org.mainAccountId}/members/${u(emp!.userId)}/grants`;
    const before = (await as(owner!, 'GET', `/accounts/${org.mainAccountId}/members/${u(emp!.userId)}`)).body;
    expect(before.grants).toEqual([s0, s1].sort());

    // The Manager lacks sub-accounts.manage-access (owner-only): 403, nothing changes.
    expectProblem(await as(mgr!, 'PUT', path, { subAccountIds: [s2], version: before.version }), 403);
    expectProblem(await as(emp!, 'PUT', path, { subAccountIds: [s2], version: before.version }), 403);

    const res = await as(owner!, 'PUT', path, { subAccountIds: [s1, s2], version: before.version });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ grants: [s1, s2].sort(), version: before.version + 1 });
    expect((await as(owner!, 'GET', `/accounts/${org.mainAccountId}/members/${u(emp!.userId)}`)).body.grants).toEqual([s1, s2].sort());
    // The grants are what the authorizer reads: the removed sub-account is closed, the added one open.
    expectProblem(await as(emp!, 'GET', `/accounts/${s0}/invoices`), 403);
    expect((await as(emp!, 'GET', `/accounts/${s2}/invoices`)).status).toBe(200);

    // The version read is the one the change is based on: a stale one is 409 and changes nothing.
    expectProblem(await as(owner!, 'PUT', path, { subAccountIds: [], version: before.version }), 409, 'stale-version');
    // The same set again writes nothing.
    expect((await as(owner!, 'PUT', path, { subAccountIds: [s2, s1], version: before.version + 1 })).body.version).toBe(before.version + 1);

    const [entry] = (await auditAbout(owner!, org.mainAccountId, emp!.userId)).filter((e) => e.action === 'grants.replaced');
    expect(entry).toMatchObject({
      actorId: owner!.userId,
      before: { subAccountIds: [s0, s1].sort(), version: before.version },
      after: { subAccountIds: [s1, s2].sort(), version: before.version + 1 },
    });

    // An empty set revokes everything.
    const cleared = await as(owner!, 'PUT', path, { subAccountIds: [], version: before.version + 1 });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.grants).toEqual([]);
  });

  it('names sub-accounts that are not this organization’s (400), and refuses members who reach every sub-account anyway (409)', async () => {
    const org = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const other = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }] });
    const { owner, emp } = org.users;
    const path = `/accounts/${org.mainAccountId}/members/${u(emp!.userId)}/grants`;
    const foreign = other.subAccountIds[0]!;
    const bad = await as(owner!, 'PUT', path, { subAccountIds: [org.subAccountIds[0], foreign], version: 1 });
    expectProblem(bad, 400, 'validation-error', 'unknown-sub-accounts');
    expect(bad.body.subAccountIds).toEqual([foreign]);
    expectProblem(await as(owner!, 'PUT', `/accounts/${org.mainAccountId}/members/${u(owner!.userId)}/grants`, { subAccountIds: [], version: 1 }), 409, undefined, 'reaches-all');
    expectProblem(await as(owner!, 'PUT', `/accounts/${org.mainAccountId}/members/nobody/grants`, { subAccountIds: [], version: 1 }), 404);
  });

  it('20 concurrent replaces on one version: at most one commits, and the grant items are exactly its set', async () => {
    const org = await createOrganization({ subAccounts: 6, members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const { owner, emp } = org.users;
    const memberPath = `/accounts/${org.mainAccountId}/members/${u(emp!.userId)}`;
    const token = await owner!.token();
    const { version } = (await as(owner!, 'GET', memberPath)).body;
    // Twenty different non-empty sets, none the current (empty) one.
    const sets = Array.from({ length: 20 }, (_, n) => org.subAccountIds.filter((_, i) => (n >> i) % 2 === 1 || i === n % 6).sort());
    const answers = await Promise.all(sets.map((set) => as({ token: async () => token }, 'PUT', `${memberPath}/grants`, { subAccountIds: set, version })));
    for (const res of answers) expect([200, 409], res.text).toContain(res.status);
    const won = answers.flatMap((res, n) => (res.status === 200 ? [sets[n]!] : []));
    expect(won.length).toBeLessThanOrEqual(1);
    const expected = won[0] ?? [];
    const final = (await as(owner!, 'GET', memberPath)).body;
    expect(final).toMatchObject({ grants: expected, version: version + won.length });
    const entries = (await auditAbout(owner!, org.mainAccountId, emp!.userId)).filter((e) => e.action === 'grants.replaced');
    expect(entries.map((e) => e.after)).toEqual(won.map((set) => ({ subAccountIds: set, version: version + 1 })));
    // What the authorizer reads agrees: exactly the winner's sub-accounts open, every other closed.
    for (const sub of org.subAccountIds) {
      expect((await as(emp!, 'GET', `/accounts/${sub}/invoices`)).status, sub).toBe(expected.includes(sub) ? 200 : 403);
    }
    // The next replace, on the version now current, commits.
    const next = await as(owner!, 'PUT', `${memberPath}/grants`, { subAccountIds: [org.subAccountIds[5]], version: final.version });
    expect(next.status, next.text).toBe(200);
    expect(next.body.grants).toEqual([org.subAccountIds[5]]);
  }, 120_000);
});
