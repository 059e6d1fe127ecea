import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createDoc, expectStatus, line } from '../invoicing/helpers.js';
import { bookkeepingOrg } from './helpers.js';

const PERIOD_CLOSED = 'https://kontor.dev/problems/period-closed';

describe('ledger and VAT register of a month', () => {
  it('counts issued invoices and expenses of the month per VAT rate, and payments dated in it', async () => {
    const { org, base, tokens } = await bookkeepingOrg();
    const t = tokens.owner;
    const acc = org.mainAccountId;
    // Invoice 1: 2 x 100.00 at 23% (net 20000, VAT 4600) + 1 x 50.00 at 8% (net 5000, VAT 400).
    const inv1 = await createDoc(t, acc, 'invoices', {
      status: 'issued',
      issueDate: '2026-03-05',
      lines: [line({ quantity: 2, unitPrice: 10_000, vatRate: 23 }), line({ quantity: 1, unitPrice: 5_000, vatRate: 8 })],
    });
    // Invoice 2: 1 x 10.00 at 23% (net 1000, VAT 230).
    await createDoc(t, acc, 'invoices', { status: 'issued', issueDate: '2026-03-31', lines: [line({ quantity: 1, unitPrice: 1_000, vatRate: 23 })] });
    // Not booked: a draft, a cancelled invoice, an invoice of April, an estimate of March.
    await createDoc(t, acc, 'invoices', { issueDate: '2026-03-10' });
    const cancelled = await createDoc(t, acc, 'invoices', { status: 'issued', issueDate: '2026-03-11' });
    await expectStatus(await call('PATCH', `${base}/invoices/${cancelled.body.id}`, { token: t, body: { version: cancelled.body.version, status: 'cancelled' } }), 200, 'cancel');
    const april = await createDoc(t, acc, 'invoices', { status: 'issued', issueDate: '2026-04-01' });
    await createDoc(t, acc, 'estimates', { status: 'issued', issueDate: '2026-03-12' });
    // Expense: 1 x 30.00 at 23% (net 3000, VAT 690).
    await createDoc(t, acc, 'expenses', { status: 'issued', issueDate: '2026-03-15', lines: [line({ quantity: 1, unitPrice: 3_000, vatRate: 23 })] });
    // Payments: one dated in March (on invoice 1), one dated in April (on the April invoice).
    await expectStatus(await call('POST', `${base}/payments`, { token: t, body: { invoiceId: inv1.body.id, amount: 10_000, paidAt: '2026-03-20' } }), 201, 'pay');
    await expectStatus(await call('POST', `${base}/payments`, { token: t, body: { invoiceId: april.body.id, amount: 100, paidAt: '2026-04-02' } }), 201, 'pay');

    const vat = await expectStatus(await call('GET', `${base}/accounting/periods/2026-03/vat-register`, { token: tokens.backoffice }), 200, 'vat');
    expect(vat.body).toMatchObject({ period: '2026-03', from: '2026-03-01', to: '2026-03-31', status: 'open' });
    expect(vat.body.rows).toEqual([
      { currency: 'EUR', rate: 23, sales: { net: 21_000, vat: 4_830, gross: 25_830 }, purchases: { net: 3_000, vat: 690, gross: 3_690 } },
      { currency: 'EUR', rate: 8, sales: { net: 5_000, vat: 400, gross: 5_400 }, purchases: { net: 0, vat: 0, gross: 0 } },
    ]);
    expect(vat.body.totals).toEqual([{ currency: 'EUR', outputVat: 5_230, inputVat: 690, vatDue: 4_540 }]);

    const ledger = await expectStatus(await call('GET', `${base}/accounting/periods/2026-03/ledger`, { token: tokens.accountant }), 200, 'ledger');
    expect(ledger.body.totals).toEqual([
      {
        currency: 'EUR',
        revenue: { count: 2, net: 26_000, vat: 5_230, gross: 31_230 },
        cost: { count: 1, net: 3_000, vat: 690, gross: 3_690 },
        payments: { count: 1, amount: 10_000 },
        result: 23_000,
      },
    ]);
    expect(ledger.body.entries.map((e: { type: string; date: string }) => `${e.date} ${e.type}`)).toEqual([
      '2026-03-05 revenue',
      '2026-03-15 cost',
      '2026-03-20 payment',
      '2026-03-31 revenue',
    ]);

    const csv = await expectStatus(await call('GET', `${base}/accounting/periods/2026-03/vat-register?format=csv`, { token: tokens.accountant }), 200, 'csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')).toEqual([
      'currency,rate,salesNet,salesVat,salesGross,purchasesNet,purchasesVat,purchasesGross',
      'EUR,23,210.00,48.30,258.30,30.00,6.90,36.90',
      'EUR,8,50.00,4.00,54.00,0.00,0.00,0.00',
      '',
    ]);
    const ledgerCsv = await call('GET', `${base}/accounting/periods/2026-03/ledger?format=csv`, { token: t });
    expect(ledgerCsv.text.split('\r\n')[0]).toBe('date,type,number,counterparty,currency,net,vat,gross,documentId,sourceId');
    expect(ledgerCsv.text.split('\r\n')).toHaveLength(6);
  });

  it('answers 400 naming the period when it is not a month', async () => {
    const { base, tokens } = await bookkeepingOrg();
    const res = await call('GET', `${base}/accounting/periods/2026-13/ledger`, { token: tokens.owner });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('path.period');
  });
});

describe('who may read and close the books', () => {
  it('lets accounting.view holders read, accounting.edit holders close and reopen, and refuses the rest', async () => {
    const { base, tokens } = await bookkeepingOrg();
    for (const role of ['owner', 'manager', 'accountant', 'backoffice'] as const) {
      expect((await call('GET', `${base}/accounting/periods/2026-01/ledger`, { token: tokens[role] })).status, role).toBe(200);
      expect((await call('GET', `${base}/accounting/periods/2026-01/vat-register`, { token: tokens[role] })).status, role).toBe(200);
      expect((await call('GET', `${base}/accounting/periods`, { token: tokens[role] })).status, role).toBe(200);
    }
    for (const path of ['ledger', 'vat-register']) {
      expect((await call('GET', `${base}/accounting/periods/2026-01/${path}`, { token: tokens.employee })).status).toBe(403);
    }
    // The Accountant reads the books but changes nothing (SPEC 1.4); the Employee holds no accounting.
    for (const role of ['accountant', 'employee'] as const) {
      expect((await call('POST', `${base}/accounting/periods/2026-01/close`, { token: tokens[role] })).status, role).toBe(403);
    }
    for (const [i, role] of (['owner', 'manager', 'backoffice'] as const).entries()) {
      const period = `2025-0${i + 1}`;
      const closed = await call('POST', `${base}/accounting/periods/${period}/close`, { token: tokens[role] });
      expect(closed.status, role).toBe(200);
      expect(closed.body).toMatchObject({ period, status: 'closed', version: 1 });
      expect((await call('POST', `${base}/accounting/periods/${period}/reopen`, { token: tokens.accountant })).status).toBe(403);
      const reopened = await call('POST', `${base}/accounting/periods/${period}/reopen`, { token: tokens[role] });
      expect(reopened.body).toMatchObject({ status: 'open', version: 2 });
    }
  });
});

describe('closing a month', () => {
  it('refuses every change to documents and payments dated in it with 409 naming the period, until it is reopened', async () => {
    const { org, base, tokens } = await bookkeepingOrg();
    const t = tokens.owner;
    const acc = org.mainAccountId;
    const draft = await createDoc(t, acc, 'invoices', { issueDate: '2026-05-10' });
    const issued = await createDoc(t, acc, 'invoices', { status: 'issued', issueDate: '2026-05-11' });
    const unpaid = await createDoc(t, acc, 'invoices', { status: 'issued', issueDate: '2026-05-12' });
    const june = await createDoc(t, acc, 'invoices', { issueDate: '2026-06-01' });
    const pay = await expectStatus(
      await call('POST', `${base}/payments`, { token: t, body: { invoiceId: issued.body.id, amount: 100, paidAt: '2026-05-12' } }),
      201,
      'pay',
    );

    const closed = await call('POST', `${base}/accounting/periods/2026-05/close`, { token: tokens.backoffice });
    expect(closed.body).toMatchObject({ status: 'closed', closedBy: org.users.backoffice!.userId });
    const again = await call('POST', `${base}/accounting/periods/2026-05/close`, { token: t });
    expect(again.status).toBe(409);

    const refused = [
      await call('POST', `${base}/invoices`, { token: t, body: { currency: 'EUR', issueDate: '2026-05-20', lines: [line()] } }),
      await call('POST', `${base}/expenses`, { token: t, body: { currency: 'EUR', status: 'issued', issueDate: '2026-05-20', lines: [line()] } }),
      await call('PATCH', `${base}/invoices/${draft.body.id}`, { token: t, body: { version: draft.body.version, notes: 'late' } }),
      await call('PATCH', `${base}/invoices/${draft.body.id}`, { token: t, body: { version: draft.body.version, status: 'issued' } }),
      await call('PATCH', `${base}/invoices/${unpaid.body.id}`, { token: t, body: { version: unpaid.body.version, status: 'cancelled' } }),
      await call('DELETE', `${base}/invoices/${draft.body.id}`, { token: t }),
      // Moving a document of an open month into the closed one is a change in the closed month too.
      await call('PATCH', `${base}/invoices/${june.body.id}`, { token: t, body: { version: june.body.version, issueDate: '2026-05-31' } }),
      await call('POST', `${base}/payments`, { token: t, body: { invoiceId: issued.body.id, amount: 100, paidAt: '2026-05-30' } }),
      await call('DELETE', `${base}/payments/${pay.body.id}`, { token: t }),
    ];
    for (const [i, res] of refused.entries()) {
      expect(res.status, `change ${i}: ${res.text.slice(0, 200)}`).toBe(409);
      expect(res.body.type, `change ${i}`).toBe(PERIOD_CLOSED);
      expect(res.body.period, `change ${i}`).toBe('2026-05');
      expect(res.body.detail).toContain('2026-05');
    }
    // Nothing was half-written: the draft is as it was, the payment still there, no new invoice in May.
    expect((await call('GET', `${base}/invoices/${draft.body.id}`, { token: t })).body.version).toBe(draft.body.version);
    expect((await call('GET', `${base}/payments/${pay.body.id}`, { token: t })).status).toBe(200);
    const may = await call('GET', `${base}/invoices?from=2026-05-01&to=2026-05-31`, { token: t });
    expect(may.body.items).toHaveLength(3);
    // Other months are untouched by the lock; a payment dated in June on the May invoice is fine.
    await expectStatus(await call('POST', `${base}/payments`, { token: t, body: { invoiceId: issued.body.id, amount: 100, paidAt: '2026-06-02' } }), 201, 'june payment');
    await createDoc(t, acc, 'invoices', { issueDate: '2026-06-15' });

    const state = await call('GET', `${base}/accounting/periods/2026-05`, { token: tokens.accountant });
    expect(state.body).toMatchObject({ status: 'closed', version: 1 });
    const reopened = await call('POST', `${base}/accounting/periods/2026-05/reopen`, { token: tokens.backoffice });
    expect(reopened.body).toMatchObject({ status: 'open', reopenedBy: org.users.backoffice!.userId, version: 2 });
    expect((await call('POST', `${base}/accounting/periods/2026-05/reopen`, { token: t })).status).toBe(409);
    await expectStatus(await call('DELETE', `${base}/invoices/${draft.body.id}`, { token: t }), 204, 'delete after reopen');
    await createDoc(t, acc, 'invoices', { issueDate: '2026-05-20' });

    const audit = await call('GET', `${base}/audit?target=${encodeURIComponent(`${acc}#2026-05`)}`, { token: t });
    expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual(['period.reopened', 'period.closed']);
    const listed = await call('GET', `${base}/accounting/periods`, { token: tokens.accountant });
    expect(listed.body.items).toEqual([expect.objectContaining({ period: '2026-05', status: 'open' })]);
  });

  it('never lets a document write into a month once its close has committed, whatever the interleaving', async () => {
    const { base, tokens } = await bookkeepingOrg();
    const t = tokens.owner;
    const writes = Array.from({ length: 24 }, (_, i) =>
      call('POST', `${base}/invoices`, {
        token: t,
        body: { currency: 'EUR', status: i % 2 ? 'issued' : 'draft', issueDate: '2026-07-15', lines: [line({ unitPrice: 1_000 })] },
      }),
    );
    // The close starts while the writes are in flight; the books read right after it committed
    // are the month's final figures, whatever the writes still running do.
    const closed = await call('POST', `${base}/accounting/periods/2026-07/close`, { token: tokens.backoffice });
    expect(closed.status).toBe(200);
    const atClose = await call('GET', `${base}/accounting/periods/2026-07/ledger`, { token: t });
    const invoicesAtClose = await call('GET', `${base}/invoices?from=2026-07-01&to=2026-07-31&limit=100`, { token: t });
    const results = await Promise.all(writes);

    for (const res of results) {
      expect([201, 409], res.text.slice(0, 200)).toContain(res.status);
      if (res.status === 409) expect(res.body).toMatchObject({ type: PERIOD_CLOSED, period: '2026-07' });
    }
    const after = await call('GET', `${base}/accounting/periods/2026-07/ledger`, { token: t });
    expect(after.body.totals).toEqual(atClose.body.totals);
    const invoicesAfter = await call('GET', `${base}/invoices?from=2026-07-01&to=2026-07-31&limit=100`, { token: t });
    expect(invoicesAfter.body.items.map((d: { id: string }) => d.id).sort()).toEqual(invoicesAtClose.body.items.map((d: { id: string }) => d.id).sort());
    // Every write that answered 201 is in the month; none that answered 409 is.
    const created = results.filter((r) => r.status === 201).map((r) => r.body.id as string);
    expect(invoicesAfter.body.items.map((d: { id: string }) => d.id).sort()).toEqual(created.sort());
  });
});
