import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PLAN_LIST_PRICE_CENTS, type Plan } from '#shared/authz/plans.js';
import { call, tokenFor } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { as, auditAbout, auditAll, expectProblem, u } from './helpers.js';

/* Sign-up, accounts and sub-accounts, plan, features, billing and audit over HTTP (SPEC.md 3, 4, 7.2). */
const newUser = () => {
  const sub = `signup-${randomUUID()}`;
  const email = `${sub}@example.com`;
  return { sub, email, token: () => tokenFor({ sub, email, emailVerified: true }) };
};

describe('sign-up', () => {
  it('makes the caller Owner of a new free organization; a retry with the same Idempotency-Key answers the same, never a second one', async () => {
    const user = newUser();
    const key = randomUUID();
    const post = async (headers: Record<string, string> = {}) =>
      call('POST', '/organizations', { token: await user.token(), body: { name: 'Acme' }, headers });
    const first = await post({ 'Idempotency-Key': key });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ name: 'Acme', plan: 'free', features: [], role: 'owner' });
    const retry = await post({ 'Idempotency-Key': key });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const other = await post({ 'Idempotency-Key': randomUUID() });
    expectProblem(other, 409, 'conflict', 'already-signed-up');
    expect(other.body.organizationId).toBe(first.body.organizationId);
    expectProblem(await post(), 409);

    const me = await call('GET', '/me', { token: await user.token() });
    expect(me.body.memberships).toEqual([{ organizationId: first.body.organizationId, accountId: first.body.mainAccountId, role: 'owner' }]);
    const account = await call('GET', `/accounts/${first.body.mainAccountId}`, { token: await user.token() });
    expect(account.body).toMatchObject({ kind: 'main', name: 'Acme', status: 'active', version: 1 });
    const [entry] = await auditAll(user, first.body.mainAccountId);
    expect(entry).toMatchObject({ action: 'organization.created', actorId: user.sub, before: null, after: { plan: 'free' } });
  });

  it('when the e-mail claim is unverified, it stores no e-mail for the new Owner (other members never see an unverified address)', async () => {
    const sub = `signup-${randomUUID()}`;
    const token = await tokenFor({ sub, email: `${sub}@unverified.example`, emailVerified: false });
    const created = await call('POST', '/organizations', { token, body: { name: 'Unverified Ltd' } });
    expect(created.status, created.text).toBe(201);
    const self = await call('GET', `/accounts/${created.body.mainAccountId}/members/${encodeURIComponent(sub)}`, { token });
    expect(self.status, self.text).toBe(200);
    expect(self.body.email).toBe('');
    expect(JSON.stringify(self.body)).not.toContain('unverified.example');
  });

  it('lets concurrent sign-ups of one user create exactly one organization', async () => {
    const user = newUser();
    const results = await Promise.all(
      [1, 2, 3].map(async () => call('POST', '/organizations', { token: await user.token(), body: { name: 'Race' } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) expect(r.status).toBe(409);
    const me = await call('GET', '/me', { token: await user.token() });
    expect(me.body.memberships).toHaveLength(1);
  });

  it('refuses an existing Owner, a bad body and a missing token', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    expectProblem(await as(org.users.owner!, 'POST', '/organizations', { name: 'Second' }), 409, 'conflict', 'already-owner');
    const bad = await call('POST', '/organizations', { token: await newUser().token(), body: { name: '', plan: 'unlimited' } });
    expectProblem(bad, 400, 'validation-error');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body', 'body.name']);
    expectProblem(
      await call('POST', '/organizations', { token: await newUser().token(), rawBody: '{nope', headers: { 'content-type': 'application/json' } }),
      400,
      'validation-error',
    );
    expectProblem(await call('POST', '/organizations', { body: { name: 'x' } }), 401);
  });
});

describe('accounts and sub-accounts', () => {
  it('creates sub-accounts with an external id unique in the organization, lists them page by page', async () => {
    const org = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager' }] });
    const other = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const owner = org.users.owner!;
    const A = `/accounts/${org.mainAccountId}`;
    const made = await as(owner, 'POST', `${A}/sub-accounts`, { name: 'Berlin', externalId: 'BER-1' });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({ kind: 'sub', name: 'Berlin', externalId: 'BER-1', status: 'active', mainAccountId: org.mainAccountId });
    const dup = await as(owner, 'POST', `${A}/sub-accounts`, { name: 'Berlin 2', externalId: 'BER-1' });
    expectProblem(dup, 409, 'conflict', 'external-id-taken');
    // Another organization may use the same external id.
    expect((await as(other.users.owner!, 'POST', `/accounts/${other.mainAccountId}/sub-accounts`, { name: 'B', externalId: 'BER-1' })).status).toBe(201);
    const bad = await as(owner, 'POST', `${A}/sub-accounts`, { name: 'x', externalId: 'has space' });
    expectProblem(bad, 400, 'validation-error');
    expect(bad.body.errors[0].field).toBe('body.externalId');
    expectProblem(await as(org.users.mgr!, 'POST', `${A}/sub-accounts`, { name: 'x', externalId: 'X' }), 403);
    expectProblem(await as(owner, 'POST', `/accounts/${org.subAccountIds[0]}/sub-accounts`, { name: 'x', externalId: 'X' }), 400);

    const first = await as(owner, 'GET', `${A}/sub-accounts?limit=1`);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await as(owner, 'GET', `${A}/sub-accounts?limit=1&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map((a: { accountId: string }) => a.accountId).sort();
    expect(ids).toEqual([org.subAccountIds[0], made.body.accountId].sort());
    expect((await as(org.users.mgr!, 'GET', `${A}/sub-accounts`)).status).toBe(200);
    expect((await auditAbout(owner, org.mainAccountId, made.body.accountId)).map((e) => e.action)).toEqual(['sub-account.created']);
  });

  it('renames, archives and restores a sub-account on versions; the main account cannot be archived', async () => {
    const org = await createOrganization({
      subAccounts: 1,
      members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager', grants: [0] }],
    });
    const owner = org.users.owner!;
    const S = `/accounts/${org.subAccountIds[0]}`;
    const renamed = await as(owner, 'PATCH', S, { name: 'Renamed', version: 1 });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', version: 2 });
    expectProblem(await as(owner, 'PATCH', S, { status: 'archived', version: 1 }), 409, 'stale-version');
    expect((await as(owner, 'PATCH', S, { status: 'archived', version: 2 })).body.status).toBe('archived');
    // Archived: the granted Manager is out, the Owner still reaches it to restore it (SPEC 3.5).
    expectProblem(await call('GET', S, { token: await org.users.mgr!.token() }), 403);
    expect((await as(owner, 'PATCH', S, { status: 'active', version: 3 })).body.status).toBe('active');
    expect((await call('GET', S, { token: await org.users.mgr!.token() })).status).toBe(200);
    expectProblem(await as(owner, 'PATCH', `/accounts/${org.mainAccountId}`, { status: 'archived', version: 1 }), 409, 'conflict', 'main-account');
    expectProblem(await as(owner, 'PATCH', S, { version: 4 }), 400, 'validation-error');
    expectProblem(await as(org.users.mgr!, 'PATCH', S, { name: 'Mine', version: 4 }), 403);
    const entries = await auditAbout(owner, org.mainAccountId, org.subAccountIds[0]!);
    expect(entries.map((e) => [e.before?.status, e.after?.status])).toEqual([
      ['archived', 'active'],
      ['active', 'archived'],
      ['active', 'active'],
    ]);
  });
});

describe('plan, features, billing', () => {
  it('changes the plan (Owner only), activates self-bookkeeping (Accountant allowed), both audited; only the Owner deactivates it', async () => {
    const org = await createOrganization({
      members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager' }, { key: 'acc', role: 'accountant' }, { key: 'emp', role: 'employee' }],
    });
    const { owner, mgr, acc, emp } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    expect((await as(emp!, 'GET', `${A}/plan`)).body).toMatchObject({ plan: 'free', features: [], backoffice: { available: false } });

    const early = await as(acc!, 'PUT', `${A}/features/self-bookkeeping`);
    expectProblem(early, 409, 'plan-required');
    expect(early.body.detail).toContain('Small, Medium, Large and Unlimited');
    expectProblem(await as(mgr!, 'PUT', `${A}/plan`, { plan: 'small' }), 403);
    expectProblem(await as(owner!, 'PUT', `${A}/plan`, { plan: 'gold' }), 400, 'validation-error');
    expectProblem(await as(owner!, 'PUT', `${A}/plan`, { plan: 'small', version: 99 }), 409, 'stale-version');
    const small = await as(owner!, 'PUT', `${A}/plan`, { plan: 'small', version: 1 });
    expect(small.status, small.text).toBe(200);
    expect(small.body).toMatchObject({ plan: 'small', version: 2 });

    expectProblem(await as(emp!, 'PUT', `${A}/features/self-bookkeeping`), 403);
    expectProblem(await as(acc!, 'PUT', `${A}/features/time-travel`), 400, 'validation-error');
    const on = await as(acc!, 'PUT', `${A}/features/self-bookkeeping`);
    expect(on.status, on.text).toBe(200);
    expect(on.body).toMatchObject({ features: ['self-bookkeeping'], backoffice: { available: true } });
    expect((await as(acc!, 'PUT', `${A}/features/self-bookkeeping`)).status).toBe(200); // idempotent
    const entries = await auditAbout(owner!, org.mainAccountId, org.organizationId);
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ['feature.activated', acc!.userId],
      ['plan.changed', owner!.userId],
    ]);
    // SPEC 4.1: the Accountant may switch self-bookkeeping on but, read-only otherwise, not
    // off; nor may the Manager (the management role is the Owner). The Owner may.
    expectProblem(await as(acc!, 'DELETE', `${A}/features/self-bookkeeping`), 403);
    expectProblem(await as(mgr!, 'DELETE', `${A}/features/self-bookkeeping`), 403);
    expect((await as(owner!, 'GET', `${A}/plan`)).body).toMatchObject({ features: ['self-bookkeeping'] });
    const off = await as(owner!, 'DELETE', `${A}/features/self-bookkeeping`);
    expect(off.status, off.text).toBe(200);
    expect(off.body.features).toEqual([]);
  });

  it('refuses a downgrade below Small and feature deactivation while Backoffice users exist, naming them', async () => {
    const org = await createOrganization({
      plan: 'medium',
      features: ['self-bookkeeping'],
      members: [{ key: 'owner', role: 'owner' }, { key: 'bo', role: 'backoffice' }, { key: 'acc', role: 'accountant' }],
    });
    const { owner, bo } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    expect((await as(owner!, 'PUT', `${A}/plan`, { plan: 'small' })).status).toBe(200);
    const down = await as(owner!, 'PUT', `${A}/plan`, { plan: 'free' });
    expectProblem(down, 409, 'in-use', 'backoffice-assigned');
    expect(down.body.members).toEqual([{ userId: bo!.userId, email: bo!.email }]);
    expect(down.body.detail).toContain(bo!.email);
    const off = await as(owner!, 'DELETE', `${A}/features/self-bookkeeping`);
    expectProblem(off, 409, 'in-use');
    expect((await as(owner!, 'GET', `${A}/plan`)).body).toMatchObject({ plan: 'small', features: ['self-bookkeeping'] });

    // Once the Backoffice user has another role, the downgrade goes through and takes self-bookkeeping with it.
    expect((await as(owner!, 'PATCH', `${A}/members/${u(bo!.userId)}`, { role: 'employee', version: 1 })).status).toBe(200);
    const free = await as(owner!, 'PUT', `${A}/plan`, { plan: 'free' });
    expect(free.status, free.text).toBe(200);
    expect(free.body).toMatchObject({ plan: 'free', features: [] });
  });

  it('bills one invoice for the main account and every sub-account, the first Backoffice seat included', async () => {
    const org = await createOrganization({
      plan: 'large',
      features: ['self-bookkeeping'],
      subAccounts: 2,
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'b1', role: 'backoffice' },
        { key: 'b2', role: 'backoffice' },
        { key: 'b3', role: 'backoffice' },
        { key: 'mgr', role: 'manager' },
      ],
    });
    const A = `/accounts/${org.mainAccountId}`;
    const bill = await as(org.users.owner!, 'GET', `${A}/billing`);
    expect(bill.status, bill.text).toBe(200);
    expect(bill.body.accounts).toHaveLength(3);
    expect(bill.body.backofficeSeats).toMatchObject({ count: 3, included: 1, billable: 2, unitAmountCents: 2500, amountCents: 5000 });
    // The plan's fee line next to the seats (placeholder list prices, PLAN_LIST_PRICE_CENTS).
    expect(bill.body.lines).toEqual([
      { description: 'Plan large, monthly fee', quantity: 1, unitAmountCents: PLAN_LIST_PRICE_CENTS.large, amountCents: PLAN_LIST_PRICE_CENTS.large },
      expect.objectContaining({ quantity: 2, unitAmountCents: 2500, amountCents: 5000 }),
    ]);
    expect(bill.body).toMatchObject({ currency: 'EUR', interval: 'month', totalCents: PLAN_LIST_PRICE_CENTS.large + 5000, plan: 'large', planFee: { plan: 'large', amountCents: PLAN_LIST_PRICE_CENTS.large } });
    expectProblem(await as(org.users.mgr!, 'GET', `${A}/billing`), 403);
    expectProblem(await as(org.users.owner!, 'GET', `/accounts/${org.subAccountIds[0]}/billing`), 400);

    const none = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const empty = await as(none.users.owner!, 'GET', `/accounts/${none.mainAccountId}/billing`);
    expect(empty.body).toMatchObject({ totalCents: PLAN_LIST_PRICE_CENTS[empty.body.plan as Plan], lines: [expect.objectContaining({ quantity: 1 })], backofficeSeats: { count: 0, included: 0, billable: 0 } });
  });
});

describe('the audit log', () => {
  it('is the Owner\'s, newest first, paginated, filtered by actor and by target', async () => {
    const org = await createOrganization({
      subAccounts: 1,
      members: [{ key: 'owner', role: 'owner' }, { key: 'owner2', role: 'owner' }, { key: 'emp', role: 'employee' }, { key: 'mgr', role: 'manager' }],
    });
    const { owner, owner2, emp, mgr } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    await as(owner!, 'PATCH', `${A}/members/${u(emp!.userId)}`, { role: 'accountant', version: 1 });
    await as(owner2!, 'PUT', `${A}/members/${u(mgr!.userId)}/grants/${org.subAccountIds[0]}`);
    await as(owner!, 'PATCH', `${A}/members/${u(emp!.userId)}`, { role: 'employee', version: 2 });

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await as(owner!, 'GET', `${A}/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).toBe(200);
      pages.push(res.body.items.map((e: { action: string; after: { role?: string } }) => `${e.action}:${e.after?.role ?? ''}`));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.flat()).toEqual(['member.role-changed:employee', 'grant.created:manager', 'member.role-changed:accountant']);

    const byActor = await as(owner2!, 'GET', `${A}/audit?actor=${u(owner2!.userId)}`);
    expect(byActor.body.items.map((e: { action: string }) => e.action)).toEqual(['grant.created']);
    const byTarget = await as(owner!, 'GET', `${A}/audit?target=${u(emp!.userId)}`);
    expect(byTarget.body.items.map((e: { after: { role: string } }) => e.after.role)).toEqual(['employee', 'accountant']);
    const both = await as(owner!, 'GET', `${A}/audit?actor=${u(owner!.userId)}&target=${u(mgr!.userId)}`);
    expect(both.body.items).toEqual([]);

    expectProblem(await as(mgr!, 'GET', `${A}/audit`), 403);
    expectProblem(await as(owner!, 'GET', `${A}/audit?limit=500`), 400, 'validation-error');
    expectProblem(await as(owner!, 'GET', `${A}/audit?cursor=garbage`), 400, 'validation-error');
  });
});
