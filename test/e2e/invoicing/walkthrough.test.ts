import { describe, expect, it } from 'vitest';
import { call, tokenFor } from '../../support/http.js';
import { DEMO_CLIENT_IDS, DEMO_INVOICE_IDS, DEMO_ITEM_IDS, DEMO_MAIN_ACCOUNT_ID, DEMO_USERS } from '../../../scripts/local/demo.js';

/* docs/walkthrough-invoicing.md against the seeded demo organization. */
const token = (email: string) => {
  const u = DEMO_USERS.find((x) => x.email === email)!;
  return tokenFor({ sub: u.userId, email: u.email });
};
const base = `/accounts/${DEMO_MAIN_ACCOUNT_ID}`;

describe('the invoicing walkthrough on the demo organization', () => {
  it('creates an issued invoice with the seeded client and item and lists it', async () => {
    const manager = await token('manager@demo.kontor.dev');
    const created = await call('POST', `${base}/invoices`, {
      token: manager,
      body: {
        status: 'issued',
        clientId: DEMO_CLIENT_IDS[0],
        currency: 'EUR',
        issueDate: '2026-03-02',
        dueDate: '2026-03-16',
        lines: [{ description: 'Consulting hour', itemId: DEMO_ITEM_IDS[0], quantity: 1.5, unit: 'h', unitPrice: 12000, vatRate: 23 }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.lines[0]).toMatchObject({ net: 18000, vat: 4140, gross: 22140 });
    expect(created.body.clientName).toBe('Nordlicht GmbH');
    // The seed numbered INV-000001, so a new invoice continues the sequence.
    expect(created.body.sequence).toBeGreaterThan(1);
    const list = await call('GET', `${base}/invoices?from=2026-03-01&to=2026-03-31`, { token: manager });
    expect(list.body.items.map((d: { id: string }) => d.id)).toContain(created.body.id);
  });

  it("shows the employee her own draft and hides the manager's seeded invoice", async () => {
    const employee = await token('employee@demo.kontor.dev');
    const list = await call('GET', `${base}/invoices?limit=200`, { token: employee });
    const ids = list.body.items.map((d: { id: string }) => d.id);
    expect(ids).toContain(DEMO_INVOICE_IDS[1]);
    expect(ids).not.toContain(DEMO_INVOICE_IDS[0]);
    expect((await call('GET', `${base}/invoices/${DEMO_INVOICE_IDS[0]}`, { token: employee })).status).toBe(404);
  });
});
