import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, tokenFor } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, expectProblem } from './helpers.js';

/* Invitations over HTTP (SPEC.md 2.4, 3.4): by e-mail, accepted with a verified matching e-mail, idempotently. */
const invitee = (name: string) => {
  const email = `${name}-${randomUUID().slice(0, 8)}@invitee.kontor.dev`;
  const sub = `idp|${email}`;
  return { email, sub, token: (over: { email?: string; emailVerified?: boolean } = {}) => tokenFor({ sub, email, emailVerified: true, ...over }) };
};

describe('invitations', () => {
  it('invites with a custom role into a sub-account; the invitee accepts once, a repeat answers the same; all audited', async () => {
    const org = await createOrganization({
      subAccounts: 1,
      customRoles: [{ key: 'int', name: 'Integrator', permissions: ['integrations.*'] }],
      members: [{ key: 'owner', role: 'owner' }],
    });
    const owner = org.users.owner!;
    const A = `/accounts/${org.mainAccountId}`;
    const who = invitee('ines');
    const created = await as(owner, 'POST', `${A}/invitations`, {
      email: who.email.toUpperCase(),
      role: `custom:${org.roleIds.int}`,
      subAccountId: org.subAccountIds[0],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ email: who.email, status: 'pending', accountId: org.subAccountIds[0], invitedBy: owner.userId });
    expect(Date.parse(created.body.expiresAt)).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
    const id: string = created.body.invitationId;

    const listed = await as(owner, 'GET', `${A}/invitations`);
    expect(listed.body.items.map((i: { invitationId: string }) => i.invitationId)).toEqual([id]);
    // The sub-account lists its own invitations.
    expect((await as(owner, 'GET', `/accounts/${org.subAccountIds[0]}/invitations`)).body.items).toHaveLength(1);

    const token = await who.token();
    const first = await call('POST', `/invitations/${id}/accept`, { token });
    expect(first.status, first.text).toBe(200);
    expect(first.body.member).toMatchObject({ userId: who.sub, accountId: org.subAccountIds[0], role: `custom:${org.roleIds.int}` });
    expect(first.body.invitation).toMatchObject({ status: 'accepted', acceptedBy: who.sub });
    const again = await call('POST', `/invitations/${id}/accept`, { token: await who.token() });
    expect(again.status).toBe(200);
    expect(again.body.member).toEqual(first.body.member);

    const entries = await auditAbout(owner, org.mainAccountId, id);
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ['invitation.accepted', who.sub],
      ['invitation.created', owner.userId],
    ]);
    // The new member works in that sub-account with the custom role.
    const me = await call('GET', '/me', { token: await who.token() });
    expect(me.body.memberships).toEqual([{ organizationId: org.organizationId, accountId: org.subAccountIds[0], role: `custom:${org.roleIds.int}` }]);
  });

  it('refuses an unverified e-mail, another e-mail, a second user after acceptance, and an unknown invitation', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const who = invitee('ivo');
    const created = await as(org.users.owner!, 'POST', `/accounts/${org.mainAccountId}/invitations`, { email: who.email, role: 'employee' });
    const id: string = created.body.invitationId;
    const accept = async (token: string) => call('POST', `/invitations/${id}/accept`, { token });
    expectProblem(await accept(await who.token({ emailVerified: false })), 403, 'forbidden', 'email-not-verified');
    expectProblem(await accept(await tokenFor({ sub: 'someone-else', email: 'else@example.com', emailVerified: true })), 403, 'forbidden', 'email-mismatch');
    expect((await accept(await who.token())).status).toBe(200);
    // Same e-mail, another subject (another identity): not the one who accepted.
    expectProblem(await accept(await tokenFor({ sub: 'twin', email: who.email, emailVerified: true })), 409, 'conflict', 'already-accepted');
    expectProblem(await call('POST', `/invitations/inv_01JDEMQ0000000000000000000_01JDEMQ0000000000000000009/accept`, { token: await who.token() }), 404);
    expectProblem(await call('POST', `/invitations/not-an-id/accept`, { token: await who.token() }), 400, 'validation-error');
    expectProblem(await call('POST', `/invitations/${id}/accept`), 401);
  });

  it('refuses bad input naming each field, archived sub-accounts, Backoffice on a free plan, and invitees already in the organization', async () => {
    const org = await createOrganization({
      subAccounts: 1,
      archived: [0],
      members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }],
    });
    const owner = org.users.owner!;
    const A = `/accounts/${org.mainAccountId}`;
    const bad = await as(owner, 'POST', `${A}/invitations`, { email: 'not-an-email', role: 'boss', extra: 1 });
    expectProblem(bad, 400, 'validation-error');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body', 'body.email', 'body.role']);
    expectProblem(await as(owner, 'POST', `${A}/invitations`, { email: 'a@example.com', role: 'employee', subAccountId: org.subAccountIds[0] }), 409, 'conflict', 'archived');
    const bo = await as(owner, 'POST', `${A}/invitations`, { email: 'a@example.com', role: 'backoffice' });
    expectProblem(bo, 409, 'plan-required');
    expect(bo.body.detail).toContain('one of the plans Small, Medium, Large, Unlimited must be activated');
    expectProblem(await as(org.users.emp!, 'POST', `${A}/invitations`, { email: 'a@example.com', role: 'employee' }), 403);

    // An invitation for someone who is already a member cannot be accepted.
    const emp = org.users.emp!;
    const inv = await as(owner, 'POST', `${A}/invitations`, { email: emp.email, role: 'manager' });
    expectProblem(await call('POST', `/invitations/${inv.body.invitationId}/accept`, { token: await tokenFor({ sub: emp.userId, email: emp.email, emailVerified: true }) }), 409, 'conflict', 'already-member');
  });

  it('refuses acceptance when the custom role of the invitation was deleted meanwhile', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const owner = org.users.owner!;
    const A = `/accounts/${org.mainAccountId}`;
    const role = await as(owner, 'POST', `${A}/roles`, { name: 'Temp', permissions: ['clients.view'] });
    const who = invitee('del');
    const inv = await as(owner, 'POST', `${A}/invitations`, { email: who.email, role: role.body.ref });
    expect(inv.status, inv.text).toBe(201);
    expect((await as(owner, 'DELETE', `${A}/roles/${role.body.roleId}`)).status).toBe(204);
    expectProblem(await call('POST', `/invitations/${inv.body.invitationId}/accept`, { token: await who.token() }), 409, 'conflict', 'role-deleted');
  });
});

describe('invitations into sub-accounts', () => {
  it('when an inviter without access to a sub-account invites into it, it refuses (403 no-own-access), as a grant would; with a grant there, it invites', async () => {
    const org = await createOrganization({
      subAccounts: 2,
      customRoles: [{ key: 'inviter', name: 'Inviter', permissions: ['users.view', 'users.invite', 'clients.view'] }],
      members: [{ key: 'owner', role: 'owner' }, { key: 'inv', role: 'custom:inviter', grants: [1] }],
    });
    const A = `/accounts/${org.mainAccountId}`;
    const role = `custom:${org.roleIds.inviter}`;
    const [ungranted, granted] = org.subAccountIds;
    const refused = await as(org.users.inv!, 'POST', `${A}/invitations`, { email: invitee('far').email, role, subAccountId: ungranted });
    expectProblem(refused, 403, 'forbidden', 'no-own-access');
    const allowed = await as(org.users.inv!, 'POST', `${A}/invitations`, { email: invitee('near').email, role, subAccountId: granted });
    expect(allowed.status, allowed.text).toBe(201);
    // The Owner reaches every sub-account (SPEC 3.5) and may invite into any.
    const byOwner = await as(org.users.owner!, 'POST', `${A}/invitations`, { email: invitee('own').email, role, subAccountId: ungranted });
    expect(byOwner.status, byOwner.text).toBe(201);
  });
});

describe('one account per organization, under races', () => {
  it('when four invitations of one organization are accepted at once, exactly one makes a membership; the others are 409 already-member', async () => {
    const org = await createOrganization({ subAccounts: 3, members: [{ key: 'owner', role: 'owner' }] });
    const A = `/accounts/${org.mainAccountId}`;
    const person = invitee('racer');
    const ids: string[] = [];
    for (const target of [undefined, ...org.subAccountIds]) {
      const created = await as(org.users.owner!, 'POST', `${A}/invitations`, { email: person.email, role: 'employee', ...(target ? { subAccountId: target } : {}) });
      expect(created.status, created.text).toBe(201);
      ids.push(created.body.invitationId);
    }
    const token = await person.token();
    const answers = await Promise.all(ids.map((id) => call('POST', `/invitations/${id}/accept`, { token })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.reason).toBe('already-member');
    const me = await call('GET', '/me', { token });
    expect(me.body.memberships.filter((m: { organizationId: string }) => m.organizationId === org.organizationId)).toHaveLength(1);
  });
});
