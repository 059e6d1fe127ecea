import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { jpkFaSchemaErrors, readJpkFa } from '../../support/jpk.js';
import { createDoc, expectStatus, line } from '../invoicing/helpers.js';
import { bookkeepingOrg } from './helpers.js';

/*
 * Accounting exports over HTTP on the local runtime: a month's invoices as JPK_FA(4) XML
 * (valid against the published XSD) and its payments as CSV, for accounting.view holders,
 * while the account has an active accounting-export integration.
 */
const SELLER_CONFIG = { taxOfficeCode: '1471', voivodeship: 'mazowieckie', county: 'Warszawa', commune: 'Warszawa', street: 'Prosta', buildingNumber: '1' };

async function setup() {
  const { org, base, tokens } = await bookkeepingOrg();
  const t = tokens.owner;
  await expectStatus(
    await call('PATCH', `${base}/settings/business`, {
      token: t,
      body: { version: 0, legalName: 'Kontor Export sp. z o.o.', taxId: '526-000-12-46', address: { line1: 'ul. Prosta 1', postalCode: '00-838', city: 'Warszawa', country: 'PL' } },
    }),
    200,
    'business settings',
  );
  const client = await expectStatus(
    await call('POST', `${base}/clients`, {
      token: t,
      body: { name: 'Nabywca S.A.', taxId: 'PL 677-000-12-34', address: { line1: 'ul. Długa 5', postalCode: '31-147', city: 'Kraków', country: 'PL' } },
    }),
    201,
    'client',
  );
  // October: a PLN invoice at 23% and 8% to the client, a EUR invoice, and a draft (not booked).
  const pln = await createDoc(t, org.mainAccountId, 'invoices', {
    status: 'issued',
    currency: 'PLN',
    clientId: client.body.id,
    issueDate: '2026-10-05',
    lines: [line({ quantity: 2, unitPrice: 10_000, vatRate: 23 }), line({ description: 'Book', quantity: 1, unitPrice: 5_000, vatRate: 8 })],
  });
  const eur = await createDoc(t, org.mainAccountId, 'invoices', { status: 'issued', currency: 'EUR', issueDate: '2026-10-12', lines: [line({ quantity: 1, unitPrice: 100_000, vatRate: 23 })] });
  await createDoc(t, org.mainAccountId, 'invoices', { currency: 'PLN', issueDate: '2026-10-13' });
  // Payments: two dated in October (one with a comma in its reference), one in November.
  for (const [invoice, amount, paidAt, reference] of [
    [pln.body, 10_000, '2026-10-20', 'FV 1, part 1'],
    [eur.body, 123_000, '2026-10-25', undefined],
    [pln.body, 5_000, '2026-11-02', undefined],
  ] as const) {
    await expectStatus(
      await call('POST', `${base}/payments`, { token: t, body: { invoiceId: invoice.id, amount, paidAt, method: 'bank-transfer', ...(reference ? { reference } : {}) } }),
      201,
      'payment',
    );
  }
  const exportOf = (token: string, format: string, period = '2026-10') => call('GET', `${base}/accounting/periods/${period}/exports/${format}`, { token });
  const activate = async (config: Record<string, unknown>) =>
    (await expectStatus(await call('POST', `${base}/integrations`, { token: t, body: { kind: 'accounting-export', config } }), 201, 'activate')).body;
  return { org, base, tokens, pln: pln.body, eur: eur.body, exportOf, activate };
}

describe('accounting exports of a month', () => {
  it('serve the invoices as JPK_FA(4) valid against the published schema, to Accountant and Backoffice, with the sums of the books', async () => {
    const { tokens, pln, eur, exportOf, activate } = await setup();
    await activate(SELLER_CONFIG);
    for (const role of ['accountant', 'backoffice'] as const) {
      const res = await expectStatus(await exportOf(tokens[role], 'jpk-fa'), 200, `jpk-fa as ${role}`);
      expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="JPK_FA-2026-10.xml"');
      expect(await jpkFaSchemaErrors(res.text)).toEqual([]);
      const read = readJpkFa(res.text);
      expect(read.header).toMatchObject({ DataOd: '2026-10-01', DataDo: '2026-10-31', KodUrzedu: '1471' });
      expect(read.seller).toMatchObject({ IdentyfikatorPodmiotu: { NIP: '5260001246', PelnaNazwa: 'Kontor Export sp. z o.o.' } });
      expect(read.invoices).toEqual([
        expect.objectContaining({ KodWaluty: 'PLN', P_2A: pln.number, P_3A: 'Nabywca S.A.', P_3B: 'ul. Długa 5, 31-147 Kraków, PL', P_5B: '6770001234', P_13_1: '200.00', P_14_1: '46.00', P_13_2: '50.00', P_14_2: '4.00', P_15: '300.00' }),
        expect.objectContaining({ KodWaluty: 'EUR', P_2A: eur.number, P_13_1: '1000.00', P_14_1: '230.00', P_15: '1230.00' }),
      ]);
      expect(read.invoiceCtrl).toEqual({ LiczbaFaktur: '2', WartoscFaktur: '1530.00' });
      expect(read.lineCtrl).toEqual({ LiczbaWierszyFaktur: '3', WartoscWierszyFaktur: '1250.00' });
    }
  });

  it('serve the payments dated in the month as CSV, oldest first, amounts in decimals of their currency', async () => {
    const { org, tokens, pln, eur, exportOf, activate } = await setup();
    await activate(SELLER_CONFIG);
    const res = await expectStatus(await exportOf(tokens.accountant, 'payments-csv'), 200, 'payments-csv');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="payments-2026-10.csv"');
    const rows = res.text.split('\r\n');
    expect(rows[0]).toBe('paidAt,paymentId,invoiceId,invoiceNumber,currency,amount,method,reference,recordedBy,recordedAt');
    expect(rows).toHaveLength(4); // header, two payments, the empty string after the last CRLF
    const owner = org.users.owner!.userId;
    expect(rows[1]).toMatch(new RegExp(`^2026-10-20,[0-9A-Z]{26},${pln.id},${pln.number},PLN,100.00,bank-transfer,"FV 1, part 1",${owner},\\d{4}-`));
    expect(rows[2]).toMatch(new RegExp(`^2026-10-25,[0-9A-Z]{26},${eur.id},${eur.number},EUR,1230.00,bank-transfer,,${owner},\\d{4}-`));
  });

  it('are refused to an Employee (no accounting.view) and need an active accounting-export integration', async () => {
    const { base, tokens, exportOf, activate } = await setup();
    for (const format of ['jpk-fa', 'payments-csv']) {
      const none = await exportOf(tokens.accountant, format);
      expect(none.status).toBe(409);
      expect(none.body).toMatchObject({ reason: 'integration-inactive', kind: 'accounting-export' });
    }
    const integration = await activate(SELLER_CONFIG);
    expect((await exportOf(tokens.employee, 'jpk-fa')).status).toBe(403);
    expect((await exportOf(tokens.employee, 'payments-csv')).status).toBe(403);
    expect((await exportOf(tokens.owner, 'payments-csv')).status).toBe(200);
    await expectStatus(await call('POST', `${base}/integrations/${integration.id}/deactivate`, { token: tokens.owner, body: { version: integration.version } }), 200, 'deactivate');
    const after = await exportOf(tokens.backoffice, 'jpk-fa');
    expect(after.status).toBe(409);
    expect(after.body.reason).toBe('integration-inactive');
  });

  it('name what the JPK_FA file still needs when the integration lacks seller data, and refuse a month without invoices', async () => {
    const { base, tokens, exportOf, activate } = await setup();
    const integration = await activate({});
    const incomplete = await exportOf(tokens.accountant, 'jpk-fa');
    expect(incomplete.status).toBe(409);
    expect(incomplete.body.reason).toBe('export-settings-incomplete');
    expect(incomplete.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'integration.config.taxOfficeCode',
      'integration.config.voivodeship',
      'integration.config.county',
      'integration.config.commune',
      'integration.config.buildingNumber',
    ]);
    // The payments CSV needs no seller data.
    expect((await exportOf(tokens.accountant, 'payments-csv')).status).toBe(200);
    await expectStatus(await call('PATCH', `${base}/integrations/${integration.id}`, { token: tokens.owner, body: { version: integration.version, config: SELLER_CONFIG } }), 200, 'configure');
    expect((await exportOf(tokens.accountant, 'jpk-fa')).status).toBe(200);
    const empty = await exportOf(tokens.accountant, 'jpk-fa', '2026-09');
    expect(empty.status).toBe(409);
    expect(empty.body.reason).toBe('nothing-to-export');
  });

  it('answer 400 naming the format or the period when it is not one', async () => {
    const { tokens, exportOf } = await setup();
    const format = await exportOf(tokens.accountant, 'saf-t');
    expect(format.status).toBe(400);
    expect(format.body.errors[0].field).toBe('path.format');
    const period = await exportOf(tokens.accountant, 'jpk-fa', '2026-13');
    expect(period.status).toBe(400);
    expect(period.body.errors[0].field).toBe('path.period');
  });
});
