import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { createDoc, expectStatus, listAll } from '../invoicing/helpers.js';
import { activateIntegration, setIntegrationStatus } from './helpers.js';

const setup = async () => {
  const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }] });
  const token = await org.users.owner!.token();
  return { org, token, accountId: org.mainAccountId, base: `/accounts/${org.mainAccountId}` };
};

async function paidInvoice(token: string, accountId: string, base: string) {
  const inv = (await createDoc(token, accountId, 'invoices', { status: 'issued' })).body; // gross 24600
  await expectStatus(await call('POST', `${base}/payments`, { token, body: { invoiceId: inv.id, amount: 24_600, paidAt: '2026-03-20' } }), 201, 'pay');
  return inv;
}

describe('e-receipts over HTTP', () => {
  it('a paid invoice gets a receipt the buyer fetches without a login, until it is revoked', async () => {
    const { org, token, accountId, base } = await setup();
    await activateIntegration(org, 'e-receipts');
    const inv = await paidInvoice(token, accountId, base);

    const issued = await expectStatus(await call('POST', `${base}/receipts`, { token, body: { invoiceId: inv.id } }), 201, 'issue');
    expect(issued.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.body.path).toBe(`/receipts/${issued.body.token}`);

    const pub = await call('GET', issued.body.path);
    expect(pub.status).toBe(200);
    expect(pub.headers.get('cache-control')).toBe('no-store');
    expect(pub.headers.get('referrer-policy')).toBe('no-referrer');
    expect(pub.body).toMatchObject({ number: inv.number, currency: 'EUR', gross: 24_600, paid: 24_600 });
    expect(pub.body.lines).toHaveLength(1);
    // The buyer's view holds the receipt alone: no account, invoice, payment or member ids.
    expect(pub.text).not.toContain(accountId);
    expect(pub.text).not.toContain(inv.id);
    expect(pub.text).not.toContain(org.users.owner!.userId);

    // The list shows it, without its token (only the hash is stored).
    const listed = await listAll(token, `${base}/receipts`);
    expect(listed.map((r) => [r.id, r.status])).toEqual([[issued.body.id, 'active']]);
    expect(JSON.stringify(listed)).not.toContain(issued.body.token);

    // An Employee may neither revoke nor list.
    const emp = await org.users.emp!.token();
    expect((await call('DELETE', `${base}/receipts/${issued.body.id}`, { token: emp })).status).toBe(403);
    expect((await call('GET', `${base}/receipts`, { token: emp })).status).toBe(403);

    expect((await call('DELETE', `${base}/receipts/${issued.body.id}`, { token })).status).toBe(204);
    const after = await call('GET', issued.body.path);
    expect(after.status).toBe(404);
    expect(after.headers.get('cache-control')).toBe('no-store');
    expect((await call('DELETE', `${base}/receipts/${issued.body.id}`, { token })).status).toBe(204);
    expect((await listAll(token, `${base}/receipts`))[0]).toMatchObject({ status: 'revoked' });
    const audit = await call('GET', `${base}/audit?limit=20`, { token });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['receipt.issued', 'receipt.revoked']));
  });

  it('answers the same 404 for a malformed, an unknown and a one-character-off token', async () => {
    const { org, token, accountId, base } = await setup();
    await activateIntegration(org, 'e-receipts');
    const inv = await paidInvoice(token, accountId, base);
    const issued = await expectStatus(await call('POST', `${base}/receipts`, { token, body: { invoiceId: inv.id } }), 201, 'issue');
    const t: string = issued.body.token;
    const off = `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`;
    const answers = await Promise.all(['x', 'A'.repeat(43), off, `${t}x`].map((k) => call('GET', `/receipts/${k}`)));
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(a.body.type).toBe(answers[0]!.body.type);
      expect(a.body.detail).toBe(answers[0]!.body.detail);
    }
  });

  it('needs a paid invoice and an active e-receipts integration; deactivating it stops the links', async () => {
    const { org, token, accountId, base } = await setup();
    const inv = await paidInvoice(token, accountId, base);
    const none = await call('POST', `${base}/receipts`, { token, body: { invoiceId: inv.id } });
    expect(none.status).toBe(409);
    expect(none.body).toMatchObject({ reason: 'integration-inactive', kind: 'e-receipts' });
    const integrationId = await activateIntegration(org, 'e-receipts');
    const unpaid = (await createDoc(token, accountId, 'invoices', { status: 'issued' })).body;
    const refused = await call('POST', `${base}/receipts`, { token, body: { invoiceId: unpaid.id } });
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe('invoice-not-paid');

    const issued = await expectStatus(await call('POST', `${base}/receipts`, { token, body: { invoiceId: inv.id } }), 201, 'issue');
    expect((await call('GET', issued.body.path)).status).toBe(200);
    await setIntegrationStatus(org, integrationId, 'inactive');
    expect((await call('GET', issued.body.path)).status).toBe(404);
    // Revoking works whatever the integration's state: a link must always be revocable.
    expect((await call('DELETE', `${base}/receipts/${issued.body.id}`, { token })).status).toBe(204);
    await setIntegrationStatus(org, integrationId, 'active');
    expect((await call('GET', issued.body.path)).status).toBe(404);
  });
});
