import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PLAN_LIST_PRICE_CENTS } from '#shared/authz/plans.js';
import { call, tokenFor } from '../../support/http.js';

/*
 * The administration walk-through, step by step, exactly as docs/walkthrough-admin.md does it with
 * curl: a new user signs up, shapes the organization, and sees every step in the audit log.
 */
const run = randomUUID().slice(0, 8);
const person = (name: string) => {
  const email = `${name}-${run}@walk.kontor.dev`;
  const sub = `local|${email}`;
  return { email, sub, token: () => tokenFor({ sub, email, emailVerified: true }) };
};

describe('the administration walk-through', () => {
  it('signs up, builds the organization, bills EUR 25.00 a month for seats and audits every step', async () => {
    const founder = person('founder');
    const manager = person('manager');
    const employee = person('employee');
    const accountant = person('accountant');
    const branch = person('branch');
    const bo1 = person('bookkeeper1');
    const bo2 = person('bookkeeper2');
    const as = async (who: { token: () => Promise<string> }, method: string, path: string, body?: unknown) =>
      call(method, path, { token: await who.token(), ...(body === undefined ? {} : { body }) });

    // 1. Sign up.
    const signUp = await as(founder, 'POST', '/organizations', { name: 'Walk-through Ltd' });
    expect(signUp.status).toBe(201);
    const { organizationId, mainAccountId } = signUp.body;
    expect(signUp.body.role).toBe('owner');
    const A = `/accounts/${mainAccountId}`;

    // 2. Two sub-accounts.
    const north = await as(founder, 'POST', `${A}/sub-accounts`, { name: 'North branch', externalId: 'NORTH-1' });
    const south = await as(founder, 'POST', `${A}/sub-accounts`, { name: 'South branch', externalId: 'SOUTH-1' });
    expect([north.status, south.status]).toEqual([201, 201]);
    const northId: string = north.body.accountId;
    const southId: string = south.body.accountId;

    // 3. Invite a Manager, an Employee, an Accountant and a sub-account-only user; each accepts.
    const invite = async (who: { email: string }, role: string, subAccountId?: string) => {
      const res = await as(founder, 'POST', `${A}/invitations`, { email: who.email, role, ...(subAccountId ? { subAccountId } : {}) });
      expect(res.status).toBe(201);
      return res.body.invitationId as string;
    };
    const accept = async (who: ReturnType<typeof person>, invitationId: string) => {
      const res = await as(who, 'POST', `/invitations/${invitationId}/accept`);
      expect(res.status).toBe(200);
      return res.body.member;
    };
    await accept(manager, await invite(manager, 'manager'));
    await accept(employee, await invite(employee, 'employee'));
    await accept(accountant, await invite(accountant, 'accountant'));
    const branchMember = await accept(branch, await invite(branch, 'employee', northId));
    expect(branchMember.accountId).toBe(northId);

    // 4. Give the Manager access to one sub-account.
    const grant = await as(founder, 'PUT', `${A}/members/${encodeURIComponent(manager.sub)}/grants/${southId}`);
    expect(grant.status).toBe(200);
    const mgrAccounts = await as(manager, 'GET', '/me/accounts');
    expect(mgrAccounts.body.accounts.map((a: { accountId: string }) => a.accountId)).toEqual([mainAccountId, southId]);

    // 5. A custom role with "integrations and add-ons".
    const role = await as(founder, 'POST', `${A}/roles`, { name: 'Integrator', permissions: ['integrations.*', 'clients.view'] });
    expect(role.status).toBe(201);
    expect(role.body.permissions).toEqual(expect.arrayContaining(['integrations.view', 'integrations.manage']));

    // 6. Plan Small.
    const plan = await as(founder, 'PUT', `${A}/plan`, { plan: 'small' });
    expect(plan.status).toBe(200);
    expect(plan.body.plan).toBe('small');

    // 7. The Accountant activates self-bookkeeping (SPEC 4.1).
    const feature = await as(accountant, 'PUT', `${A}/features/self-bookkeeping`);
    expect(feature.status).toBe(200);
    expect(feature.body.backoffice.available).toBe(true);

    // 8. Two Backoffice users.
    await accept(bo1, await invite(bo1, 'backoffice'));
    await accept(bo2, await invite(bo2, 'backoffice'));

    // 9. The billing summary: one invoice for the main account and both sub-accounts, one seat billed.
    const bill = await as(founder, 'GET', `${A}/billing`);
    expect(bill.status).toBe(200);
    expect(bill.body.plan).toBe('small');
    expect(bill.body.currency).toBe('EUR');
    expect(bill.body.accounts.map((a: { accountId: string }) => a.accountId).sort()).toEqual([mainAccountId, northId, southId].sort());
    expect(bill.body.backofficeSeats).toMatchObject({ count: 2, included: 1, billable: 1, unitAmountCents: 2500, amountCents: 2500 });
    expect(bill.body.totalCents).toBe(PLAN_LIST_PRICE_CENTS.small + 2500);

    // 10. Each step in the audit log, newest first.
    const audit = await as(founder, 'GET', `${A}/audit?limit=200`);
    expect(audit.status).toBe(200);
    const actions = (audit.body.items as Array<{ action: string }>).map((e) => e.action).reverse();
    expect(actions).toEqual([
      'organization.created',
      'sub-account.created',
      'sub-account.created',
      'invitation.created',
      'invitation.accepted',
      'invitation.created',
      'invitation.accepted',
      'invitation.created',
      'invitation.accepted',
      'invitation.created',
      'invitation.accepted',
      'grant.created',
      'role.created',
      'plan.changed',
      'feature.activated',
      'invitation.created',
      'invitation.accepted',
      'invitation.created',
      'invitation.accepted',
    ]);
    const planEntry = audit.body.items.find((e: { action: string }) => e.action === 'plan.changed');
    expect(planEntry).toMatchObject({ before: { plan: 'free' }, after: { plan: 'small' }, target: { type: 'organization', id: organizationId } });
    const featureEntry = audit.body.items.find((e: { action: string }) => e.action === 'feature.activated');
    expect(featureEntry.actorId).toBe(accountant.sub);
  });
});
