import { describe, expect, it } from 'vitest';
import { call, tokenFor, type ApiResponse } from '../support/http.js';
import { createOrganization } from '../support/orgs.js';
import { as, auditAbout, u } from './admin/helpers.js';
import { createDoc, listAll } from './invoicing/helpers.js';

/*
 * Storms: 100 identical or competing requests at once against the local runtime, then the
 * invariants checked by reading everything back. Whatever the interleaving: no lost update,
 * no duplicate, no overpayment, and every loser gets a 409 (or 412), never a 5xx.
 */
const STORM = 100;
const storm = (make: (i: number) => Promise<ApiResponse>) => Promise.all(Array.from({ length: STORM }, (_, i) => make(i)));
const statuses = (results: ApiResponse[]) =>
  results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

describe(`${STORM}-way races`, () => {
  it('role changes of one member on one version: exactly one wins, the rest are 409, one audit entry', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
    const { owner, emp } = org.users;
    const A = `/accounts/${org.mainAccountId}`;
    const token = await owner!.token();
    const roles = ['manager', 'accountant'] as const;
    const results = await storm((i) => call('PATCH', `${A}/members/${u(emp!.userId)}`, { token, body: { role: roles[i % 2], version: 1 } }));
    const counts = statuses(results);
    expect(counts[200], JSON.stringify(counts)).toBe(1);
    expect(counts[409], JSON.stringify(counts)).toBe(STORM - 1);
    const winner = results.find((r) => r.status === 200)!;
    const member = await as(owner!, 'GET', `${A}/members/${u(emp!.userId)}`);
    expect(member.body).toMatchObject({ role: winner.body.role, version: 2 });
    const entries = await auditAbout(owner!, org.mainAccountId, emp!.userId);
    expect(entries.map((e) => [e.action, e.after?.role])).toEqual([['member.role-changed', winner.body.role]]);
  }, 180_000);

  it('acceptances of one invitation by its invitee: one membership, every answer 200 or 409', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const email = `storm-${Date.now()}@example.com`;
    const inv = await as(org.users.owner!, 'POST', `/accounts/${org.mainAccountId}/invitations`, { email, role: 'employee' });
    expect(inv.status, inv.text).toBe(201);
    const token = await tokenFor({ sub: `storm|${email}`, email, emailVerified: true });
    const results = await storm(() => call('POST', `/invitations/${inv.body.invitationId}/accept`, { token }));
    const counts = statuses(results);
    expect(Object.keys(counts).map(Number).every((s) => s === 200 || s === 409), JSON.stringify(counts)).toBe(true);
    expect(counts[200] ?? 0).toBeGreaterThanOrEqual(1);
    const members = await listAll(await org.users.owner!.token(), `/accounts/${org.mainAccountId}/members`);
    expect(members.filter((m) => m.email === email)).toHaveLength(1);
    expect((await call('GET', '/me', { token })).body.memberships).toHaveLength(1);
  }, 180_000);

  it('payments against one invoice: never more than its gross, and the invoice paid exactly when they sum to it', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const token = await org.users.owner!.token();
    const A = `/accounts/${org.mainAccountId}`;
    // Gross 24,600 (2 × 10,000 + 23 % VAT); 100 payments of 492 would be 49,200: at most 50 fit.
    const inv = await createDoc(token, org.mainAccountId, 'invoices', { status: 'issued' });
    const gross = inv.body.totals?.gross ?? 24_600;
    const share = gross / 50;
    const results = await storm(() => call('POST', `${A}/payments`, { token, body: { invoiceId: inv.body.id, amount: share, paidAt: '2026-03-20' } }));
    const counts = statuses(results);
    expect(Object.keys(counts).map(Number).every((s) => s === 201 || s === 409), JSON.stringify(counts)).toBe(true);
    expect(counts[201] ?? 0).toBeLessThanOrEqual(50);
    const payments = (await listAll(token, `${A}/payments`)).filter((p) => p.invoiceId === inv.body.id);
    expect(payments).toHaveLength(counts[201] ?? 0);
    const paid = payments.reduce((sum, p) => sum + (p.amount as number), 0);
    expect(paid).toBeLessThanOrEqual(gross);
    const after = await call('GET', `${A}/invoices/${inv.body.id}`, { token });
    if (paid === gross) expect(after.body.status).toBe('paid');
    else expect(after.body.status).not.toBe('paid');
    // Losers of the race are told to retry (409), never half-written: at least one went in.
    expect(counts[201] ?? 0).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('issues of one draft: one number is taken, one answer 200, the others 409 or 412', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const token = await org.users.owner!.token();
    const A = `/accounts/${org.mainAccountId}`;
    const draft = await createDoc(token, org.mainAccountId, 'invoices');
    const results = await storm(() => call('PATCH', `${A}/invoices/${draft.body.id}`, { token, body: { status: 'issued', version: draft.body.version } }));
    const counts = statuses(results);
    expect(counts[200], JSON.stringify(counts)).toBe(1);
    expect(Object.keys(counts).map(Number).every((s) => s === 200 || s === 409 || s === 412), JSON.stringify(counts)).toBe(true);
    const issued = (await listAll(token, `${A}/invoices`)).filter((d) => d.status === 'issued');
    expect(issued).toHaveLength(1);
    expect(issued[0]!.sequence).toBe(1);
    // The next invoice issued takes number 2: the storm consumed no number it did not use.
    const next = await createDoc(token, org.mainAccountId, 'invoices', { status: 'issued' });
    expect(next.body.sequence).toBe(2);
  }, 180_000);
});
