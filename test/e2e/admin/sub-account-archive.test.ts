import { describe, expect, it } from 'vitest';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, expectProblem } from './helpers.js';

/* Archive and restore a sub-account on their own routes, behind sub-accounts.archive (SPEC 2.2). */
describe('archiving and restoring a sub-account', () => {
  it('archives and restores on the version read, audited; the sub-account is closed to its members meanwhile; only holders of sub-accounts.archive may', async () => {
    const org = await createOrganization({
      subAccounts: 1,
      customRoles: [{ key: 'archiver', name: 'Archiver', permissions: ['sub-accounts.archive', 'settings.view'] }],
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'mgr', role: 'manager', grants: [0] },
        { key: 'archiver', role: 'custom:archiver', grants: [0] },
        { key: 'member', role: 'employee', account: 0 },
      ],
    });
    const { owner, mgr, archiver, member } = org.users;
    const sub = `/accounts/${org.subAccountIds[0]}`;
    const { version } = (await as(owner!, 'GET', sub)).body;

    // The Manager holds sub-accounts.edit's neighbours but not archive (owner-only).
    expectProblem(await as(mgr!, 'POST', `${sub}/archive`, { version }), 403);
    expectProblem(await as(member!, 'POST', `${sub}/archive`, { version }), 403);

    // A custom role holding only the archive action may archive.
    const archived = await as(archiver!, 'POST', `${sub}/archive`, { version });
    expect(archived.status, archived.text).toBe(200);
    expect(archived.body).toMatchObject({ status: 'archived', version: version + 1 });
    expectProblem(await as(member!, 'GET', `${sub}/invoices`), 403);
    // A stale version is 409.
    expectProblem(await as(owner!, 'POST', `${sub}/restore`, { version }), 409, 'stale-version');
    // Archived, only the Owner reaches it (SPEC 3.5), so only the Owner restores.
    expectProblem(await as(archiver!, 'POST', `${sub}/restore`, { version: version + 1 }), 403);
    const restored = await as(owner!, 'POST', `${sub}/restore`, { version: version + 1 });
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body).toMatchObject({ status: 'active', version: version + 2 });
    expect((await as(member!, 'GET', `${sub}/invoices`)).status).toBe(200);

    const entries = (await auditAbout(owner!, org.mainAccountId, org.subAccountIds[0]!)).filter((e) => e.action === 'account.updated');
    expect(entries.map((e) => [e.before?.status, e.after?.status])).toEqual([
      ['archived', 'active'],
      ['active', 'archived'],
    ]);
    // The main account is never archived.
    const main = (await as(owner!, 'GET', `/accounts/${org.mainAccountId}`)).body;
    expectProblem(await as(owner!, 'POST', `/accounts/${org.mainAccountId}/archive`, { version: main.version }), 409, undefined, 'main-account');
  });
});
