import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createDoc, expectStatus } from '../invoicing/helpers.js';
import { bookkeepingOrg } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/upo/${name}`, import.meta.url), 'utf8');
const KSEF = fixture('ksef-upo-v4-2.xml');
const JPK = fixture('e-deklaracje-upo.xml');

describe('filings and their official receipts (UPO)', () => {
  it('records a VAT-register filing, attaches its UPO once, lists and downloads it byte for byte', async () => {
    const { base, tokens, org } = await bookkeepingOrg();
    const filed = await call('POST', `${base}/filings`, {
      token: tokens.backoffice,
      body: { subject: 'vat-register', period: '2026-03', reference: 'JPK-2026-03', filedAt: '2026-04-20' },
    });
    await expectStatus(filed, 201, 'record');
    expect(filed.body).toMatchObject({ subject: 'vat-register', period: '2026-03', receipt: null, version: 1, createdBy: org.users.backoffice!.userId });

    const attached = await call('PUT', `${base}/filings/${filed.body.id}/receipt`, {
      token: tokens.manager,
      body: { fileName: 'UPO-2026-03.xml', content: JPK, version: 1 },
    });
    await expectStatus(attached, 200, 'attach');
    expect(attached.body.receipt).toMatchObject({ fileName: 'UPO-2026-03.xml', bytes: Buffer.byteLength(JPK), referenceNumber: '1f7e4a0b2c9d3e5f6a7b8c9d0e1f2a3b' });
    expect(attached.body.version).toBe(2);
    const again = await call('PUT', `${base}/filings/${filed.body.id}/receipt`, { token: tokens.owner, body: { fileName: 'other.xml', content: JPK } });
    expect(again.status).toBe(409);

    const download = await call('GET', `${base}/filings/${filed.body.id}/receipt`, { token: tokens.accountant });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="UPO-2026-03.xml"');
    expect(download.text).toBe(JPK);

    const audit = await call('GET', `${base}/audit?target=${filed.body.id}`, { token: tokens.owner });
    expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual(['filing.receipt-attached', 'filing.recorded']);
  });

  it('files an issued e-invoice with its KSeF UPO, and refuses drafts and unknown invoices', async () => {
    const { base, tokens, org } = await bookkeepingOrg();
    const issued = await createDoc(tokens.owner, org.mainAccountId, 'invoices', { status: 'issued' });
    const draft = await createDoc(tokens.owner, org.mainAccountId, 'invoices');
    const filed = await expectStatus(
      await call('POST', `${base}/filings`, { token: tokens.owner, body: { subject: 'e-invoice', invoiceId: issued.body.id, filedAt: '2026-03-15' } }),
      201,
      'file invoice',
    );
    expect(filed.body).toMatchObject({ invoiceId: issued.body.id, invoiceNumber: issued.body.number });
    const attached = await call('PUT', `${base}/filings/${filed.body.id}/receipt`, { token: tokens.owner, body: { fileName: 'upo.xml', content: KSEF } });
    expect(attached.body.receipt.referenceNumber).toBe('5260250274-20260315-0100A0B1C2D3-E4');

    const ofDraft = await call('POST', `${base}/filings`, { token: tokens.owner, body: { subject: 'e-invoice', invoiceId: draft.body.id, filedAt: '2026-03-15' } });
    expect(ofDraft.status).toBe(409);
    const unknown = await call('POST', `${base}/filings`, {
      token: tokens.owner,
      body: { subject: 'e-invoice', invoiceId: '01J0000000000000000000000Z', filedAt: '2026-03-15' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('body.invoiceId');
  });

  it('refuses receipts that are not a UPO of the filing kind, with a DTD, or over 256 KB', async () => {
    const { base, tokens } = await bookkeepingOrg();
    const filed = await call('POST', `${base}/filings`, { token: tokens.owner, body: { subject: 'vat-register', period: '2026-02', filedAt: '2026-03-20' } });
    const attach = (content: string) => call('PUT', `${base}/filings/${filed.body.id}/receipt`, { token: tokens.owner, body: { fileName: 'upo.xml', content } });

    const wrongKind = await attach(KSEF);
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.errors).toEqual([{ field: 'body.content', message: 'the required element NumerReferencyjny is missing or empty' }]);
    const dtd = await attach(JPK.replace('<Potwierdzenie', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Potwierdzenie'));
    expect(dtd.status).toBe(400);
    expect(dtd.body.errors[0].message).toBe('DTDs and entity declarations are refused');
    expect((await attach('<Potwierdzenie><NazwaPodmiotuPrzyjmujacego>x</Potwierdzenie>')).status).toBe(400);
    const huge = await attach(JPK.replace('</Potwierdzenie>', `<!--${'x'.repeat(256 * 1024)}--></Potwierdzenie>`));
    expect(huge.status).toBe(413);
    // None of these attached anything: the filing still takes its receipt.
    expect((await call('GET', `${base}/filings/${filed.body.id}/receipt`, { token: tokens.owner })).status).toBe(404);
    await expectStatus(await attach(JPK), 200, 'valid receipt');
  });

  it('lists filings newest first, one page at a time', async () => {
    const { base, tokens } = await bookkeepingOrg();
    const ids: string[] = [];
    for (const period of ['2026-01', '2026-02', '2026-03']) {
      const res = await call('POST', `${base}/filings`, { token: tokens.owner, body: { subject: 'vat-register', period, filedAt: '2026-04-01' } });
      ids.push(res.body.id);
    }
    const first = await call('GET', `${base}/filings?limit=2`, { token: tokens.accountant });
    expect(first.body.items.map((f: { period: string }) => f.period)).toEqual(['2026-03', '2026-02']);
    const second = await call('GET', `${base}/filings?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: tokens.accountant });
    expect(second.body.items.map((f: { id: string }) => f.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('lets upo.submit holders record and attach, upo.view holders list and download, and refuses the rest', async () => {
    const { base, tokens } = await bookkeepingOrg();
    const body = { subject: 'vat-register', period: '2026-01', filedAt: '2026-02-20' };
    for (const role of ['owner', 'manager', 'backoffice'] as const) {
      expect((await call('POST', `${base}/filings`, { token: tokens[role], body })).status, role).toBe(201);
    }
    for (const role of ['accountant', 'employee'] as const) {
      expect((await call('POST', `${base}/filings`, { token: tokens[role], body })).status, role).toBe(403);
    }
    const one = (await call('GET', `${base}/filings`, { token: tokens.owner })).body.items[0].id as string;
    expect((await call('PUT', `${base}/filings/${one}/receipt`, { token: tokens.accountant, body: { fileName: 'u.xml', content: JPK } })).status).toBe(403);
    for (const role of ['owner', 'manager', 'accountant', 'backoffice'] as const) {
      expect((await call('GET', `${base}/filings`, { token: tokens[role] })).status, role).toBe(200);
      expect((await call('GET', `${base}/filings/${one}`, { token: tokens[role] })).status, role).toBe(200);
    }
    expect((await call('GET', `${base}/filings`, { token: tokens.employee })).status).toBe(403);
    expect((await call('GET', `${base}/filings/${one}/receipt`, { token: tokens.employee })).status).toBe(403);
  });
});
