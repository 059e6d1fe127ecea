import { describe, expect, it } from 'vitest';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, expectProblem } from './helpers.js';

/* A sub-account carries several external identifiers, unique per organization, replaced as a set (issue 12 item 6). */
describe('external identifiers of a sub-account', () => {
  it('sets and changes several identifiers on the version read, audited; a taken one is 409 naming it, a released one can be claimed; stale is 409; a role without sub-accounts.edit is 403', async () => {
    const org = await createOrganization({
      subAccounts: 2,
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'member', role: 'employee', account: 0 },
      ],
    });
    const { owner, member } = org.users;
    const [a, b] = org.subAccountIds.map((id) => `/accounts/${id}`);
    const va = (await as(owner!, 'GET', a!)).body.version as number;
    const vb = (await as(owner!, 'GET', b!)).body.version as number;

    const set = await as(owner!, 'PATCH', a!, { externalIds: ['crm-1', 'erp:1'], version: va });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ externalIds: ['crm-1', 'erp:1'], externalId: 'crm-1', version: va + 1 });

    const changed = await as(owner!, 'PATCH', a!, { externalIds: ['erp:1', 'shop/7'], version: va + 1 });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.externalIds).toEqual(['erp:1', 'shop/7']);
    expect((await as(owner!, 'GET', a!)).body.externalIds).toEqual(['erp:1', 'shop/7']);

    // Held by the other sub-account: 409 naming it, and nothing of b changes.
    const taken = await as(owner!, 'PATCH', b!, { externalIds: ['shop/7'], version: vb });
    expectProblem(taken, 409, undefined, 'external-id-taken');
    expect(taken.body.externalId).toBe('shop/7');
    expect((await as(owner!, 'GET', b!)).body.version).toBe(vb);
    // crm-1 was released by a's change: b may claim it.
    const claimed = await as(owner!, 'PATCH', b!, { externalIds: ['crm-1'], version: vb });
    expect(claimed.status, claimed.text).toBe(200);

    expectProblem(await as(owner!, 'PATCH', a!, { externalIds: ['x'], version: va }), 409, 'stale-version');
    expectProblem(await as(member!, 'PATCH', a!, { externalIds: ['x'], version: va + 2 }), 403);
    expectProblem(await as(owner!, 'PATCH', a!, { externalIds: Array.from({ length: 11 }, (_, i) => `id-${i}`), version: va + 2 }), 400);

    const entries = (await auditAbout(owner!, org.mainAccountId, org.subAccountIds[0]!)).filter((e) => e.action === 'account.updated');
    expect(entries.map((e) => [e.before?.externalIds, e.after?.externalIds])).toEqual([
      [['crm-1', 'erp:1'], ['erp:1', 'shop/7']],
      [[expect.any(String)], ['crm-1', 'erp:1']],
    ]);
  });

  it('of two sub-accounts claiming one identifier at once, exactly one wins', async () => {
    const org = await createOrganization({ subAccounts: 2, members: [{ key: 'owner', role: 'owner' }] });
    const { owner } = org.users;
    const paths = org.subAccountIds.map((id) => `/accounts/${id}`);
    const versions = await Promise.all(paths.map(async (p) => (await as(owner!, 'GET', p)).body.version as number));
    const results = await Promise.all(paths.map((p, i) => as(owner!, 'PATCH', p, { externalIds: ['contested'], version: versions[i] })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});
