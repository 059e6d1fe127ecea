import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization, type TestOrganization } from '../../support/orgs.js';
import { createDoc, expectStatus, listAll } from './helpers.js';
import { reportsSettled } from '../../support/streams.js';

/*
 * SPEC 1.3 and 7.1: an Employee never sees, edits, counts or learns the existence of
 * another member's document. Every way in (list, get, report, export, update, delete,
 * payments) answers as if the document did not exist; the answer for another's id is the
 * same as for an id that was never used.
 */
let org: TestOrganization;
let accountId: string;
let theirs: { invoice: string; draft: string; payment: string; clientId: string };
let mine: { invoice: string };
const NEVER_USED = '01JZZZZZZZZZZZZZZZZZZZZZZZ';

beforeAll(async () => {
  org = await createOrganization({
    customRoles: [
      // An exporter who may only see their own documents: exports must follow that scope.
      { key: 'ownExporter', name: 'Own exporter', permissions: ['documents.view.own', 'documents.create', 'exports.export', 'reports.view.own', 'payments.view.own'] },
    ],
    members: [
      { key: 'owner', role: 'owner' },
      { key: 'ewa', role: 'employee' },
      { key: 'emil', role: 'employee' },
      { key: 'exporter', role: 'custom:ownExporter' },
    ],
  });
  accountId = org.mainAccountId;
  const emil = await org.users.emil!.token();
  const owner = await org.users.owner!.token();
  const client = await expectStatus(await call('POST', `/accounts/${accountId}/clients`, { token: emil, body: { name: "Emil's client" } }), 201, 'client');
  const invoice = await createDoc(emil, accountId, 'invoices', { status: 'issued', clientId: client.body.id, issueDate: '2026-05-05' });
  const draft = await createDoc(emil, accountId, 'invoices', { issueDate: '2026-05-06' });
  const payment = await expectStatus(
    await call('POST', `/accounts/${accountId}/payments`, { token: owner, body: { invoiceId: invoice.body.id, amount: 100, paidAt: '2026-05-10' } }),
    201,
    'payment',
  );
  theirs = { invoice: invoice.body.id, draft: draft.body.id, payment: payment.body.id, clientId: client.body.id };
  const ewa = await org.users.ewa!.token();
  mine = { invoice: (await createDoc(ewa, accountId, 'invoices', { status: 'issued', issueDate: '2026-05-07' })).body.id };
  await createDoc(await org.users.exporter!.token(), accountId, 'invoices', { status: 'issued', issueDate: '2026-05-08' });
});

const ewaToken = () => org.users.ewa!.token();

describe("an Employee and another member's documents", () => {
  it('lists only their own documents (the creator index), on every page', async () => {
    const items = await listAll(await ewaToken(), `/accounts/${accountId}/invoices?limit=1`);
    expect(items.map((d) => d.id)).toEqual([mine.invoice]);
    expect(items.every((d) => d.createdBy === org.users.ewa!.userId)).toBe(true);
  });

  it("answers 404 for another's document exactly as for an id that never existed", async () => {
    const token = await ewaToken();
    const other = await call('GET', `/accounts/${accountId}/invoices/${theirs.invoice}`, { token });
    const never = await call('GET', `/accounts/${accountId}/invoices/${NEVER_USED}`, { token });
    expect(other.status).toBe(404);
    expect(never.status).toBe(404);
    expect({ ...other.body, instance: undefined }).toEqual({ ...never.body, instance: undefined });
  });

  it("cannot update or delete another's document, and it stays unchanged", async () => {
    const token = await ewaToken();
    const update = await call('PATCH', `/accounts/${accountId}/invoices/${theirs.draft}`, { token, body: { version: 1, notes: 'mine now' } });
    const cancel = await call('PATCH', `/accounts/${accountId}/invoices/${theirs.invoice}`, { token, body: { version: 1, status: 'cancelled' } });
    const del = await call('DELETE', `/accounts/${accountId}/invoices/${theirs.draft}`, { token });
    expect([update.status, cancel.status, del.status]).toEqual([404, 404, 404]);
    const owner = await org.users.owner!.token();
    const draft = await call('GET', `/accounts/${accountId}/invoices/${theirs.draft}`, { token: owner });
    expect(draft.status).toBe(200);
    expect(draft.body.notes).toBeNull();
    expect(draft.body.version).toBe(1);
  });

  it('gets reports over their own documents only: neither amounts nor counts of others', async () => {
    const token = await ewaToken();
    await reportsSettled();
    const res = await call('GET', `/accounts/${accountId}/reports/revenue?from=2026-05-01&to=2026-05-31`, { token });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('own');
    expect(res.body.totals).toEqual([{ currency: 'EUR', count: 1, net: 20_000, vat: 4_600, gross: 24_600, paid: 0, outstanding: 24_600 }]);
    // Her own aggregate partitions are read, not a filter over the account: one month x one
    // currency, and the same per client (her one client).
    expect(res.body.read.items).toBe(2);
    expect(res.body.byClient.map((c: { clientId: string | null }) => c.clientId)).not.toContain(theirs.clientId);
  });

  it('exports only what the role may view: a custom own-scope exporter gets its own documents', async () => {
    expect((await call('GET', `/accounts/${accountId}/exports/invoices`, { token: await ewaToken() })).status).toBe(403);
    const token = await org.users.exporter!.token();
    const json = await call('GET', `/accounts/${accountId}/exports/invoices?format=json`, { token });
    expect(json.status).toBe(200);
    expect(json.body.items).toHaveLength(1);
    expect(json.body.items[0].createdBy).toBe(org.users.exporter!.userId);
    const csv = await call('GET', `/accounts/${accountId}/exports/invoices`, { token });
    expect(csv.text).not.toContain(theirs.invoice);
    expect(csv.text).not.toContain(mine.invoice);
  });

  it("cannot see or pay against another's invoice, nor see its payments", async () => {
    const token = await ewaToken();
    const pay = await call('POST', `/accounts/${accountId}/payments`, { token, body: { invoiceId: theirs.invoice, amount: 1, paidAt: '2026-05-11' } });
    expect(pay.status).toBe(404);
    expect((await call('GET', `/accounts/${accountId}/payments/${theirs.payment}`, { token })).status).toBe(404);
    const list = await listAll(token, `/accounts/${accountId}/payments`);
    expect(list).toEqual([]);
    // While the invoice's creator sees the payment on their own invoice.
    const emil = await org.users.emil!.token();
    expect((await listAll(emil, `/accounts/${accountId}/payments`)).map((p) => p.id)).toEqual([theirs.payment]);
    expect((await call('GET', `/accounts/${accountId}/payments/${theirs.payment}`, { token: emil })).status).toBe(200);
  });

  it('still sees the full client list, including clients another member created', async () => {
    const clients = await listAll(await ewaToken(), `/accounts/${accountId}/clients`);
    expect(clients.map((c) => c.id)).toContain(theirs.clientId);
  });
});
