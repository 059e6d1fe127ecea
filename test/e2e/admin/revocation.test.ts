import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, tokenFor } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, auditAll, expectProblem, u } from './helpers.js';

/*
 * Revocation takes effect at once for every change (docs/authorization.md, "Caching and
 * revocation"). Each test first calls a path with the token it keeps, so the authorizer's
 * 60 s result cache holds an allow for (that token, that path); then the caller loses
 * access; then the same token tries a change on that path inside the TTL. The gateway's
 * cached policy lets the request through: the wrapper's fresh re-read must refuse it.
 */
describe('revocation is immediate for changes', () => {
  it('when a co-Owner demoted to Manager PATCHes themself back to Owner with the same token, it refuses (403); a cached read still answers', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'co', role: 'owner' }] });
    const { owner, co } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    const self = `${A}/members/${u(co!.userId)}`;
    const token = await co!.token();
    expect((await call('GET', self, { token })).status).toBe(200);
    expect((await call('GET', `${A}/audit`, { token })).status).toBe(200);

    const demoted = await as(owner!, 'PATCH', self, { role: 'manager', version: 1 });
    expect(demoted.status, demoted.text).toBe(200);

    const back = await call('PATCH', self, { token, body: { role: 'owner', version: 2 } });
    expectProblem(back, 403, 'forbidden', 'missing-permission');
    // Reads on a cached (token, path) are still served for up to the TTL: the documented window.
    expect((await call('GET', `${A}/audit`, { token })).status).toBe(200);
    expect((await as(owner!, 'GET', self)).body).toMatchObject({ role: 'manager', version: 2 });
    const entries = await auditAbout(owner!, org.mainAccountId, co!.userId);
    expect(entries.map((e) => [e.action, e.actorId, e.after?.role])).toEqual([['member.role-changed', owner!.userId, 'manager']]);
  });

  it('when a removed Owner invites themself back as Owner with the same token, it refuses (403) and nothing is written', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'co', role: 'owner' }] });
    const { owner, co } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    const token = await co!.token();
    // Warm the authorizer cache for this token and path: the gateway would still let it through.
    expect((await call('GET', `${A}/invitations`, { token })).status).toBe(200);

    const removed = await as(owner!, 'DELETE', `${A}/members/${u(co!.userId)}`);
    expect(removed.status, removed.text).toBe(204);

    const back = await call('POST', `${A}/invitations`, { token, body: { email: co!.email, role: 'owner' } });
    expectProblem(back, 403, 'forbidden', 'not-a-member');
    expectProblem(await as(owner!, 'GET', `${A}/members/${u(co!.userId)}`), 404);
    expect((await as(owner!, 'GET', `${A}/invitations`)).body.items).toEqual([]);
    const entries = await auditAbout(owner!, org.mainAccountId, co!.userId);
    expect(entries.map((e) => e.action)).toEqual(['member.removed']);
  });

  it('when a removed member holding users.invite creates an invitation with the same token, it refuses (403) and nothing is written', async () => {
    const org = await createOrganization({
      customRoles: [{ key: 'hr', name: 'HR', permissions: ['users.view', 'users.invite', 'clients.view'] }],
      members: [{ key: 'owner', role: 'owner' }, { key: 'hr', role: 'custom:hr' }],
    });
    const { owner, hr } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    const token = await hr!.token();
    expect((await call('GET', `${A}/invitations`, { token })).status).toBe(200);

    const removed = await as(owner!, 'DELETE', `${A}/members/${u(hr!.userId)}`);
    expect(removed.status, removed.text).toBe(204);

    const inv = await call('POST', `${A}/invitations`, { token, body: { email: 'x@example.com', role: `custom:${org.roleIds.hr}` } });
    expectProblem(inv, 403, 'forbidden', 'not-a-member');
    expect((await as(owner!, 'GET', `${A}/invitations`)).body.items).toEqual([]);
    expect((await auditAll(owner!, org.mainAccountId)).map((e) => e.action)).toEqual(['member.removed']);
  });
});

describe('revoking an invitation', () => {
  it('when the Owner revokes an invitation, it is audited and can no longer be accepted (409 not-pending)', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const owner = org.users.owner!;
    const A = `/accounts/${org.mainAccountId}`;
    const email = `rev-${randomUUID().slice(0, 8)}@invitee.kontor.dev`;
    const invitee = () => tokenFor({ sub: `idp|${email}`, email, emailVerified: true });

    const created = await as(owner, 'POST', `${A}/invitations`, { email, role: 'employee' });
    expect(created.status, created.text).toBe(201);
    const id: string = created.body.invitationId;

    const revoked = await as(owner, 'DELETE', `${A}/invitations/${id}`);
    expect(revoked.status, revoked.text).toBe(204);
    const listed = (await as(owner, 'GET', `${A}/invitations`)).body.items;
    expect(listed.map((i: { invitationId: string; status: string }) => [i.invitationId, i.status])).toEqual([[id, 'revoked']]);

    // Accepting answers as for any invitation that is no longer pending: 409 not-pending, naming its status.
    const accept = await call('POST', `/invitations/${id}/accept`, { token: await invitee() });
    expectProblem(accept, 409, 'conflict', 'not-pending');
    expect(accept.body.detail).toBe('the invitation is revoked');
    // Revoking again changes nothing: it is already revoked.
    expectProblem(await as(owner, 'DELETE', `${A}/invitations/${id}`), 409, 'conflict', 'revoked');
    const entries = await auditAbout(owner, org.mainAccountId, id);
    expect(entries.map((e) => [e.action, e.actorId, e.before?.status, e.after?.status])).toEqual([
      ['invitation.revoked', owner.userId, 'pending', 'revoked'],
      ['invitation.created', owner.userId, undefined, undefined],
    ]);
  });

  it('when an Employee or another organization tries to revoke an invitation, it refuses and the invitation stays pending', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const other = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const A = `/accounts/${org.mainAccountId}`;
    const created = await as(org.users.owner!, 'POST', `${A}/invitations`, { email: 'keep@example.com', role: 'employee' });
    const id: string = created.body.invitationId;
    expectProblem(await as(org.users.emp!, 'DELETE', `${A}/invitations/${id}`), 403);
    expectProblem(await as(other.users.owner!, 'DELETE', `/accounts/${other.mainAccountId}/invitations/${id}`), 404);
    expect((await as(org.users.owner!, 'GET', `${A}/invitations`)).body.items.map((i: { status: string }) => i.status)).toEqual(['pending']);
  });

  it('when an inviter revokes an invitation to a role holding permissions they lack, it refuses (403) as it would changing such a member', async () => {
    const org = await createOrganization({
      customRoles: [{ key: 'inviter', name: 'Inviter', permissions: ['users.view', 'users.invite', 'clients.view'] }],
      members: [{ key: 'owner', role: 'owner' }, { key: 'inv', role: 'custom:inviter' }],
    });
    const A = `/accounts/${org.mainAccountId}`;
    const toManager = await as(org.users.owner!, 'POST', `${A}/invitations`, { email: 'mgr@example.com', role: 'manager' });
    expect(toManager.status, toManager.text).toBe(201);
    const refused = await as(org.users.inv!, 'DELETE', `${A}/invitations/${toManager.body.invitationId}`);
    expectProblem(refused, 403, 'forbidden', 'member-exceeds-own-permissions');
    // An invitation to a role within the inviter's own permissions they may revoke.
    const toPeer = await as(org.users.owner!, 'POST', `${A}/invitations`, { email: 'peer@example.com', role: `custom:${org.roleIds.inviter}` });
    expect(toPeer.status, toPeer.text).toBe(201);
    const revoked = await as(org.users.inv!, 'DELETE', `${A}/invitations/${toPeer.body.invitationId}`);
    expect(revoked.status, revoked.text).toBe(204);
    const statuses = (await as(org.users.owner!, 'GET', `${A}/invitations`)).body.items.map((i: { email: string; status: string }) => [i.email, i.status]);
    expect(statuses.sort()).toEqual([['mgr@example.com', 'pending'], ['peer@example.com', 'revoked']]);
  });
});
