import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { createDoc, expectStatus, listAll } from '../invoicing/helpers.js';
import { activateIntegration, fixture } from './helpers.js';

/*
 * Bank imports over HTTP on the local runtime. Kontor numbers invoices itself (INV-000001,
 * ...), so the real fixture statements are uploaded with the remittance text of the lines
 * under test replaced by the number Kontor gave the matching invoice; every other byte is
 * the bank's.
 */
const setup = async () => {
  const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'emp', role: 'employee' }, { key: 'acc', role: 'accountant' }] });
  const token = await org.users.owner!.token();
  return { org, token, accountId: org.mainAccountId, base: `/accounts/${org.mainAccountId}` };
};

/** An issued invoice of exactly `gross` minor units (no VAT) in `currency`. */
const invoiceOf = async (token: string, accountId: string, gross: number, currency = 'EUR') =>
  (await createDoc(token, accountId, 'invoices', { status: 'issued', currency, lines: [{ description: 'Work', quantity: 1, unitPrice: gross, vatRate: 0 }] })).body;

const upload = (token: string, base: string, body: string, contentType: string, key?: string) =>
  call('POST', `${base}/bank-imports`, { token, rawBody: body, headers: { 'content-type': contentType, ...(key ? { 'idempotency-key': key } : {}) } });

describe('bank imports over HTTP', () => {
  it('a CAMT.053 statement marks the matching invoices paid, once, however often it is uploaded', async () => {
    const { org, token, accountId, base } = await setup();
    await activateIntegration(org, 'bank-import');
    const a = await invoiceOf(token, accountId, 442_525); // the 2016-08-15 credit
    const b = await invoiceOf(token, accountId, 298_299); // the 2016-09-28 credit
    const other = await invoiceOf(token, accountId, 451_668); // amount of the 2016-10-11 credit, number never named
    const xml = fixture('rabobank-nl.camt053.001.02.xml')
      .replace('<Ustrd>2016Q3-0004</Ustrd>', `<Ustrd>${a.number}</Ustrd>`)
      .replace('<Ustrd>2016Q3-0005</Ustrd>', `<Ustrd>Factuur ${a.number.replace('-', ' ')} en ${b.number}</Ustrd>`);

    const first = await expectStatus(await upload(token, base, xml, 'application/xml'), 201, 'import');
    expect(first.body).toMatchObject({ format: 'camt053', created: true });
    expect(first.body.statements).toHaveLength(132);
    // 9 booked entries: 4 credits (2 name an invoice, 2 do not) and 5 debits.
    expect(first.body.counts).toEqual({ transactions: 9, new: 9, alreadyImported: 0, matched: 2, unmatched: 2, ambiguous: 0, outgoing: 5 });

    for (const inv of [a, b]) {
      const now = await call('GET', `${base}/invoices/${inv.id}`, { token });
      expect(now.body.status).toBe('paid');
    }
    expect((await call('GET', `${base}/invoices/${other.id}`, { token })).body.status).toBe('issued');
    const payments = await listAll(token, `${base}/payments`);
    expect(payments.map((p) => [p.invoiceId, p.amount, p.paidAt, p.method]).sort()).toEqual(
      [
        [a.id, 442_525, '2016-08-15', 'bank-transfer'],
        [b.id, 298_299, '2016-09-28', 'bank-transfer'],
      ].sort(),
    );
    // The 2016-10-11 credit names no invoice: the one invoice of that amount is a suggestion, not a payment.
    const open = await listAll(token, `${base}/bank-transactions`);
    expect(open.map((t) => [t.bookingDate, t.amount, t.status, t.candidates])).toEqual([
      ['2016-10-11', 451_668, 'unmatched', [other.id]],
      ['2016-07-26', 582_383, 'unmatched', []],
    ]);

    // The same file again: 200, nothing new; a file overlapping it (two of its statements): nothing new either.
    const again = await expectStatus(await upload(token, base, xml, 'application/xml'), 200, 're-import');
    expect(again.body).toMatchObject({ id: first.body.id, created: false });
    const stmts = xml.match(/<Stmt>[\s\S]*?<\/Stmt>/g)!;
    const overlapping = xml.replace(/<Stmt>[\s\S]*<\/Stmt>/, stmts.filter((s) => s.includes('2016Q3-0006') || s.includes(a.number)).join('\n'));
    const partial = await expectStatus(await upload(token, base, overlapping, 'text/xml'), 201, 'overlapping import');
    expect(partial.body.counts).toMatchObject({ transactions: 2, new: 0, alreadyImported: 2, matched: 0 });
    expect(await listAll(token, `${base}/payments`)).toHaveLength(2);
    expect(await listAll(token, `${base}/bank-transactions?status=all`)).toHaveLength(9);
    const audit = await call('GET', `${base}/audit?limit=50`, { token });
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions.filter((x: string) => x === 'bank-statement.imported')).toHaveLength(2);
    expect(actions.filter((x: string) => x === 'bank-transaction.matched')).toHaveLength(2);
  });

  it('an MT940 statement (CRLF) marks the matching invoice paid; an ambiguous line is listed and resolved by a person', async () => {
    const { org, token, accountId, base } = await setup();
    await activateIntegration(org, 'bank-import');
    // mBank's three credits of PLN 0.01: invoices of 1 grosz each.
    const [x, y, z] = [await invoiceOf(token, accountId, 1, 'PLN'), await invoiceOf(token, accountId, 1, 'PLN'), await invoiceOf(token, accountId, 1, 'PLN')];
    const eur = await invoiceOf(token, accountId, 1, 'EUR');
    const sta = fixture('mbank-pl.mt940.sta')
      .replace('ID IPH: XX000000000001', `ID IPH: ${x.number}`)
      .replace('ID IPH: XX000000000002', `ID IPH: ${eur.number}`)
      .replace(/\n/g, '\r\n');
    const res = await expectStatus(await upload(token, base, sta, 'text/plain; charset=utf-8'), 201, 'import');
    // Line 1 pays x; line 2 names an EUR invoice (another currency: no match) and, like line 3,
    // could be y or z by amount alone: ambiguous, never paid on the amount alone.
    expect(res.body.counts).toEqual({ transactions: 3, new: 3, alreadyImported: 0, matched: 1, unmatched: 0, ambiguous: 2, outgoing: 0 });
    expect((await call('GET', `${base}/invoices/${x.id}`, { token })).body.status).toBe('paid');
    expect((await call('GET', `${base}/invoices/${eur.id}`, { token })).body.status).toBe('issued');

    const open = await listAll(token, `${base}/bank-transactions`);
    expect(open).toHaveLength(2);
    for (const t of open) expect(new Set(t.candidates as string[])).toEqual(new Set([y.id, z.id]));
    const [first, second] = open as Array<{ id: string; version: number }>;

    // An Employee holds no integrations.view; an Accountant neither manages integrations.
    expect((await call('GET', `${base}/bank-transactions`, { token: await org.users.emp!.token() })).status).toBe(403);
    const assign = (t: { id: string; version: number }, invoiceId: string, tok = token) =>
      call('POST', `${base}/bank-transactions/${t.id}/resolution`, { token: tok, body: { action: 'assign', invoiceId, version: t.version } });
    expect((await assign(first!, y.id, await org.users.acc!.token())).status).toBe(403);
    // Another currency is refused; nothing moves.
    expect((await assign(first!, eur.id)).status).toBe(409);
    const assigned = await expectStatus(await assign(first!, y.id), 200, 'assign');
    expect(assigned.body.transaction).toMatchObject({ status: 'assigned', invoiceId: y.id, version: 2 });
    expect(assigned.body.invoice).toMatchObject({ id: y.id, status: 'paid', outstanding: 0 });
    // Stale version, and a second resolution of the same line, are refused.
    expect((await assign(first!, z.id)).status).toBe(409);
    expect((await assign({ ...first!, version: 2 }, z.id)).status).toBe(409);

    const dismissed = await expectStatus(
      await call('POST', `${base}/bank-transactions/${second!.id}/resolution`, { token, body: { action: 'dismiss', note: 'refund of a deposit', version: 1 } }),
      200,
      'dismiss',
    );
    expect(dismissed.body.transaction).toMatchObject({ status: 'dismissed', note: 'refund of a deposit', paymentId: null });
    expect(await listAll(token, `${base}/bank-transactions`)).toEqual([]);
    expect((await call('GET', `${base}/invoices/${z.id}`, { token })).body.status).toBe('issued');
    const audit = await call('GET', `${base}/audit?limit=50`, { token });
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['bank-transaction.assigned', 'bank-transaction.dismissed', 'bank-transaction.matched', 'bank-statement.imported']));

    // Re-importing the same statement (as LF this time: another file, the same transactions) changes nothing.
    const again = await expectStatus(await upload(token, base, sta.replace(/\r\n/g, '\n'), 'text/plain'), 201, 're-import');
    expect(again.body.counts).toMatchObject({ new: 0, alreadyImported: 3 });
    expect(await listAll(token, `${base}/payments`)).toHaveLength(2);
  });

  it('a statement that does not parse is a 400 naming line and field, and nothing is written', async () => {
    const { org, token, base } = await setup();
    await activateIntegration(org, 'bank-import');
    const broken = fixture('abnamro-nl.mt940.sta').replace(':61:1105210523D11,59N426NONREF', ':61:1105210523D11,599N426NONREF');
    const res = await upload(token, base, broken, 'text/plain');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ line: 12, field: ':61:' });
    expect(res.body.errors[0].field).toBe('body.line.12.:61:');
    const xxe = await upload(token, base, '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<Document>&e;</Document>', 'application/xml');
    expect(xxe.status).toBe(400);
    expect(xxe.body).toMatchObject({ line: 2, field: 'DOCTYPE' });
    expect(await listAll(token, `${base}/bank-transactions?status=all`)).toEqual([]);
  });

  it('needs an active bank-import integration, integrations.manage, a statement media type, and at most 1 MiB', async () => {
    const { org, token, base } = await setup();
    const sta = fixture('ing-nl.mt940.mta');
    const none = await upload(token, base, sta, 'text/plain');
    expect(none.status).toBe(409);
    expect(none.body).toMatchObject({ reason: 'integration-inactive', kind: 'bank-import' });
    await activateIntegration(org, 'bank-import', 'inactive');
    expect((await upload(token, base, sta, 'text/plain')).status).toBe(409);
    await activateIntegration(org, 'bank-import');
    expect((await upload(await org.users.acc!.token(), base, sta, 'text/plain')).status).toBe(403);
    const wrongType = await upload(token, base, sta, 'application/pdf');
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('accept-post')).toContain('text/plain');
    // Another route still takes JSON only.
    expect((await call('POST', `${base}/payments`, { token, rawBody: sta, headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await upload(token, base, `${sta}\n${'x'.repeat(1024 * 1024)}`, 'text/plain')).status).toBe(413);
    const ok = await expectStatus(await upload(token, base, sta, 'text/plain'), 201, 'import');
    expect(ok.body.counts).toEqual({ transactions: 3, new: 3, alreadyImported: 0, matched: 0, unmatched: 2, ambiguous: 0, outgoing: 1 });
  });
});
