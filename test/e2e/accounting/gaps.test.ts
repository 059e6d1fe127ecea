import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { createDoc, expectStatus } from '../invoicing/helpers.js';

describe('payments as an export dataset', () => {
  it('exports the payments the caller may view, in CSV with decimal amounts or in JSON, and refuses those without exports.export', async () => {
    const org = await createOrganization({
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'accountant', role: 'accountant' },
        { key: 'employee', role: 'employee' },
      ],
    });
    const [owner, accountant, employee] = await Promise.all([org.users.owner!.token(), org.users.accountant!.token(), org.users.employee!.token()]);
    const base = `/accounts/${org.mainAccountId}`;
    const inv = await createDoc(owner, org.mainAccountId, 'invoices', { status: 'issued' });
    const paid = await expectStatus(
      await call('POST', `${base}/payments`, { token: owner, body: { invoiceId: inv.body.id, amount: 12_345, paidAt: '2026-03-20', method: 'card', reference: 'R-1' } }),
      201,
      'pay',
    );

    const csv = await expectStatus(await call('GET', `${base}/exports/payments`, { token: accountant }), 200, 'csv');
    expect(csv.text.split('\r\n').slice(0, 2)).toEqual([
      'id,invoiceId,invoiceNumber,amount,currency,paidAt,method,reference,createdBy,createdAt',
      `${paid.body.id},${inv.body.id},${inv.body.number},123.45,EUR,2026-03-20,card,R-1,${org.users.owner!.userId},${paid.body.createdAt}`,
    ]);
    const json = await call('GET', `${base}/exports/payments?format=json`, { token: owner });
    expect(json.body).toMatchObject({ dataset: 'payments', items: [{ id: paid.body.id, amount: 12_345 }], nextCursor: null });
    expect((await call('GET', `${base}/exports/payments`, { token: employee })).status).toBe(403);
  });
});
