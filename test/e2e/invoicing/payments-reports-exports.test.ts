import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { clientKeys } from '#shared/data/entities/client.js';
import { localDb } from '../../support/dynamodb.js';
import { call } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { reportsSettled } from '../../support/streams.js';
import { createDoc, expectStatus, listAll } from './helpers.js';

const ownerOrg = async () => {
  const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager' }] });
  const token = await org.users.owner!.token();
  return { org, token, accountId: org.mainAccountId, base: `/accounts/${org.mainAccountId}` };
};

describe('payments over HTTP', () => {
  it('moves an invoice to partially paid, then paid, and back when a payment is deleted', async () => {
    const { token, accountId, base } = await ownerOrg();
    const inv = await createDoc(token, accountId, 'invoices', { status: 'issued' }); // gross 24600
    const pay = (amount: number) => call('POST', `${base}/payments`, { token, body: { invoiceId: inv.body.id, amount, paidAt: '2026-03-20', method: 'bank-transfer' } });
    const first = await pay(10_000);
    expect(first.status).toBe(201);
    expect(first.body.invoice).toMatchObject({ status: 'partially-paid', paid: 10_000, outstanding: 14_600, version: 2 });
    const over = await pay(14_601);
    expect(over.status).toBe(409);
    expect(over.body.outstanding).toBe(14_600);
    const second = await pay(14_600);
    expect(second.body.invoice).toMatchObject({ status: 'paid', outstanding: 0 });
    expect((await pay(1)).status).toBe(409);
    // Cancelling a paid invoice is not allowed: the payments must go first.
    expect((await call('PATCH', `${base}/invoices/${inv.body.id}`, { token, body: { version: 3, status: 'cancelled' } })).status).toBe(409);

    expect((await call('DELETE', `${base}/payments/${second.body.id}`, { token })).status).toBe(204);
    const after = await call('GET', `${base}/invoices/${inv.body.id}`, { token });
    expect(after.body.status).toBe('partially-paid');
    expect(after.body.totals).toMatchObject({ paid: 10_000, outstanding: 14_600 });
    expect((await listAll(token, `${base}/payments`)).map((p) => p.id)).toEqual([first.body.id]);
  });

  it('refuses payments on drafts, in another currency, of zero, or against an estimate', async () => {
    const { token, accountId, base } = await ownerOrg();
    const draft = await createDoc(token, accountId, 'invoices');
    const res = await call('POST', `${base}/payments`, { token, body: { invoiceId: draft.body.id, amount: 1, paidAt: '2026-03-20' } });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe('https://kontor.dev/problems/illegal-transition');
    const issued = await createDoc(token, accountId, 'invoices', { status: 'issued' });
    const currency = await call('POST', `${base}/payments`, { token, body: { invoiceId: issued.body.id, amount: 1, currency: 'USD', paidAt: '2026-03-20' } });
    expect(currency.body.errors[0].field).toBe('body.currency');
    const zero = await call('POST', `${base}/payments`, { token, body: { invoiceId: issued.body.id, amount: 0, paidAt: '2026-03-20' } });
    expect(zero.body.errors[0].field).toBe('body.amount');
    const estimate = await createDoc(token, accountId, 'estimates', { status: 'issued' });
    // Only invoices take payments: an estimate's id is not an invoice.
    expect((await call('POST', `${base}/payments`, { token, body: { invoiceId: estimate.body.id, amount: 1, paidAt: '2026-03-20' } })).status).toBe(404);
  });

  it('counts two concurrent payments against the same outstanding amount only once', async () => {
    const { token, accountId, base } = await ownerOrg();
    const inv = await createDoc(token, accountId, 'invoices', { status: 'issued' }); // 24600
    const results = await Promise.all(
      [15_000, 15_000].map((amount) => call('POST', `${base}/payments`, { token, body: { invoiceId: inv.body.id, amount, paidAt: '2026-03-20' } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const after = await call('GET', `${base}/invoices/${inv.body.id}`, { token });
    expect(after.body.totals.paid).toBe(15_000);
  });
});

describe('reports over HTTP', () => {
  it('sums revenue, outstanding and expenses by period and client, reading only the period', async () => {
    const { token, accountId, base } = await ownerOrg();
    const client = await expectStatus(await call('POST', `${base}/clients`, { token, body: { name: 'ACME' } }), 201, 'client');
    const inJan = await createDoc(token, accountId, 'invoices', { status: 'issued', issueDate: '2026-01-15', clientId: client.body.id });
    await createDoc(token, accountId, 'invoices', { status: 'issued', issueDate: '2026-02-28' });
    await createDoc(token, accountId, 'invoices', { issueDate: '2026-02-01' }); // a draft: read, not counted
    await createDoc(token, accountId, 'invoices', { status: 'issued', issueDate: '2026-03-01' }); // outside the period
    await createDoc(token, accountId, 'invoices', { status: 'issued', issueDate: '2025-12-31' }); // outside the period
    await createDoc(token, accountId, 'invoices', { status: 'issued', issueDate: '2026-01-20', currency: 'JPY', lines: [{ description: 'x', quantity: 1, unitPrice: 5000, vatRate: 10 }] });
    await createDoc(token, accountId, 'expenses', { status: 'issued', issueDate: '2026-01-10' });
    await call('POST', `${base}/payments`, { token, body: { invoiceId: inJan.body.id, amount: 4_600, paidAt: '2026-01-30' } });
    await reportsSettled();

    const revenue = await call('GET', `${base}/reports/revenue?from=2026-01-01&to=2026-02-28`, { token });
    expect(revenue.status).toBe(200);
    // Aggregates, not documents: Jan EUR, Jan JPY, Feb EUR per currency, and the same three per client.
    expect(revenue.body.read.items).toBe(6);
    expect(revenue.body.totals).toEqual([
      { currency: 'EUR', count: 2, net: 40_000, vat: 9_200, gross: 49_200, paid: 4_600, outstanding: 44_600 },
      { currency: 'JPY', count: 1, net: 5_000, vat: 500, gross: 5_500, paid: 0, outstanding: 5_500 },
    ]);
    expect(revenue.body.byPeriod.map((r: { period: string; currency: string; gross: number }) => [r.period, r.currency, r.gross])).toEqual([
      ['2026-01', 'EUR', 24_600],
      ['2026-01', 'JPY', 5_500],
      ['2026-02', 'EUR', 24_600],
    ]);
    const acme = revenue.body.byClient.find((c: { clientId: string | null }) => c.clientId === client.body.id);
    expect(acme).toMatchObject({ clientName: 'ACME', gross: 24_600, paid: 4_600 });

    const outstanding = await call('GET', `${base}/reports/outstanding?from=2026-01-01&to=2026-01-31`, { token });
    expect(outstanding.body.totals.find((t: { currency: string }) => t.currency === 'EUR')).toMatchObject({ count: 1, outstanding: 20_000 });
    const expenses = await call('GET', `${base}/reports/expenses?from=2026-01-01&to=2026-12-31`, { token });
    expect(expenses.body.totals).toEqual([{ currency: 'EUR', count: 1, net: 20_000, vat: 4_600, gross: 24_600, paid: 0, outstanding: 24_600 }]);
    expect(expenses.body.read.items).toBe(2); // one month x one currency, per currency and per client
  });

  it('refuses an unknown report and an inverted period with 400', async () => {
    const { token, base } = await ownerOrg();
    expect((await call('GET', `${base}/reports/profit`, { token })).body.errors[0].field).toBe('path.report');
    expect((await call('GET', `${base}/reports/revenue?from=2026-02-01&to=2026-01-01`, { token })).body.errors[0].field).toBe('query.to');
  });
});

describe('exports over HTTP', () => {
  it('pages through a dataset with a cursor; the CSV pages concatenate into one file with one header', async () => {
    const { token, accountId, base } = await ownerOrg();
    for (let i = 0; i < 7; i++) await createDoc(token, accountId, 'invoices', { status: 'issued', issueDate: `2026-04-0${i + 1}` });
    let cursor: string | null = null;
    let csv = '';
    let pages = 0;
    do {
      const res = await call('GET', `${base}/exports/invoices?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
      expect(res.status).toBe(200);
      csv += res.text;
      cursor = res.headers.get('x-next-cursor');
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^id,number,status,issueDate/);
    expect(rows.filter((r) => r.startsWith('id,'))).toHaveLength(1);
    expect(rows.slice(1).map((r) => r.split(',')[1])).toEqual(Array.from({ length: 7 }, (_, i) => `INV-00000${i + 1}`));
    // Amounts are decimals of the currency in CSV.
    expect(rows[1]).toContain(',EUR,200.00,46.00,246.00,0.00,246.00,');

    const json = await call('GET', `${base}/exports/invoices?format=json&limit=5`, { token });
    expect(json.body.items).toHaveLength(5);
    const rest = await call('GET', `${base}/exports/invoices?format=json&limit=5&cursor=${encodeURIComponent(json.body.nextCursor)}`, { token });
    expect(rest.body.items).toHaveLength(2);
    expect(rest.body.items[0].gross).toBe(24_600);
  });

  it('escapes CSV and defuses formulas in client-supplied text', async () => {
    const { token, base } = await ownerOrg();
    for (const name of ['=HYPERLINK("http://evil","x")', '+1+1', '-2', '@SUM(A1)']) {
      await expectStatus(await call('POST', `${base}/clients`, { token, body: { name } }), 201, 'client');
    }
    // A name is one line; notes may have several.
    await expectStatus(await call('POST', `${base}/clients`, { token, body: { name: 'Smith, "Jr" Ltd', notes: 'two\nlines' } }), 201, 'client');
    const res = await call('GET', `${base}/exports/clients`, { token });
    expect(res.text).toContain(`,"'=HYPERLINK(""http://evil"",""x"")",`);
    expect(res.text).toContain(",'+1+1,");
    expect(res.text).toContain(",'-2,");
    expect(res.text).toContain(",'@SUM(A1),");
    expect(res.text).toContain(',"Smith, ""Jr"" Ltd",');
    expect(res.text).toContain(',"two\nlines",');
  });

  it('refuses control characters and bidi controls in a name with a 400 naming the field', async () => {
    const { token, base } = await ownerOrg();
    for (const name of ['Acme\u0000', 'Acme\r\nX-Injected: 1', 'Acme \u202egnp.exe', 'Acme\u2066']) {
      const res = await call('POST', `${base}/clients`, { token, body: { name } });
      expect(res.status, res.text).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.name']);
    }
    const notes = await call('POST', `${base}/items`, { token, body: { name: 'W', unitPrice: 1, currency: 'EUR', vatRate: 23, description: 'ok\u0007' } });
    expect(notes.body.errors?.map((e: { field: string }) => e.field)).toEqual(['body.description']);
  });

  it('neutralises control characters of a value stored before input refused them, in the CSV export', async () => {
    const { token, base, accountId } = await ownerOrg();
    const made = await expectStatus(await call('POST', `${base}/clients`, { token, body: { name: 'Legacy' } }), 201, 'client');
    // Written straight to the table, as data stored before the contracts refused such text.
    await localDb().send(
      new UpdateCommand({
        TableName: inject('tableName'),
        Key: clientKeys.entry(accountId, made.body.id),
        UpdateExpression: 'SET #n = :n, notes = :notes',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':n': 'Legacy\u0000\u202eA;=1+1', ':notes': 'x\u001b[2J\u0085y' },
      }),
    );
    const res = await call('GET', `${base}/exports/clients`, { token });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain(`,"Legacy\ufffd\ufffdA;'=1+1",`);
    expect(res.text).toContain(',x\ufffd[2J\ufffdy,');
    const left = [...res.text].filter((c) => (/\p{Cc}/u.test(c) && !'\r\n'.includes(c)) || /[\u202a-\u202e\u2066-\u2069]/.test(c));
    expect(left).toEqual([]);
  });

  it('defuses a formula after a separator inside a cell, which a semicolon locale would split off', async () => {
    const { token, base } = await ownerOrg();
    for (const name of ["Acme;=cmd|' /C calc'!A0", 'Beta,+1+1', 'Gamma; @SUM(A1)']) {
      await expectStatus(await call('POST', `${base}/clients`, { token, body: { name } }), 201, 'client');
    }
    const res = await call('GET', `${base}/exports/clients`, { token });
    expect(res.text).toContain(`,"Acme;'=cmd|' /C calc'!A0",`);
    expect(res.text).toContain(`,"Beta,'+1+1",`);
    expect(res.text).toContain(`,"Gamma; '@SUM(A1)",`);
  });

  it('refuses an unknown dataset and a cursor of another dataset with 400', async () => {
    const { token, accountId, base } = await ownerOrg();
    expect((await call('GET', `${base}/exports/secrets`, { token })).body.errors[0].field).toBe('path.dataset');
    for (let i = 0; i < 3; i++) await createDoc(token, accountId, 'invoices');
    const page = await call('GET', `${base}/exports/invoices?format=json&limit=1`, { token });
    const replay = await call('GET', `${base}/exports/estimates?format=json&cursor=${encodeURIComponent(page.body.nextCursor)}`, { token });
    expect(replay.status).toBe(400);
    expect(replay.body.errors[0].field).toBe('query.cursor');
  });
});

describe('settings over HTTP', () => {
  it('reads defaults at version 0, patches on a version, and refuses a stale one with 409', async () => {
    const { org, token, base } = await ownerOrg();
    const read = await call('GET', `${base}/settings/other`, { token });
    expect(read.body).toMatchObject({ section: 'other', version: 0, settings: { defaultCurrency: 'EUR', paymentTermsDays: 14 } });
    const saved = await call('PATCH', `${base}/settings/other`, {
      token,
      body: { version: 0, defaultCurrency: 'PLN', invoiceTemplate: 'modern', reminders: { enabled: true, daysBeforeDue: [3], daysAfterDue: [1, 7] } },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ version: 1, settings: { defaultCurrency: 'PLN', paymentTermsDays: 14, invoiceTemplate: 'modern' } });
    const mgr = await org.users.mgr!.token();
    const stale = await call('PATCH', `${base}/settings/other`, { token: mgr, body: { version: 0, paymentTermsDays: 30 } });
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(1);
    const bad = await call('PATCH', `${base}/settings/other`, { token, body: { version: 1, defaultCurrency: 'ABC', paymentTermsDays: -1 } });
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.defaultCurrency', 'body.paymentTermsDays']);
    const iban = await call('PATCH', `${base}/settings/payment-methods`, { token, body: { version: 0, methods: [{ type: 'bank-transfer', label: 'x', enabled: true, iban: 'not an iban' }] } });
    expect(iban.body.errors[0].field).toBe('body.methods.0.iban');
  });
});

describe('clients and items over HTTP', () => {
  it('edits with optimistic locking and clears a field with null', async () => {
    const { token, base } = await ownerOrg();
    const c = await expectStatus(await call('POST', `${base}/clients`, { token, body: { name: 'ACME', email: 'a@acme.test' } }), 201, 'client');
    const edited = await call('PATCH', `${base}/clients/${c.body.id}`, { token, body: { version: 1, email: null, name: 'ACME Ltd' } });
    expect(edited.body).toMatchObject({ name: 'ACME Ltd', email: null, version: 2 });
    const stale = await call('PATCH', `${base}/clients/${c.body.id}`, { token, body: { version: 1, name: 'Old' } });
    expect(stale.status).toBe(409);
    expect((await call('DELETE', `${base}/clients/${c.body.id}`, { token })).status).toBe(204);
    expect((await call('DELETE', `${base}/clients/${c.body.id}`, { token })).status).toBe(404);
    const item = await call('POST', `${base}/items`, { token, body: { name: 'x', unitPrice: -1, currency: 'EUR', vatRate: 0 } });
    expect(item.body.errors[0].field).toBe('body.unitPrice');
  });
});
