import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { createDoc, documentBody, listAll } from './helpers.js';

/*
 * Numbering per account and kind, gapless and unique under concurrency: the counter and the
 * document commit in one transaction. Rule: drafts carry no number; a document is numbered
 * when it is issued; only drafts can be deleted; an issued document is cancelled instead and
 * keeps its number.
 */
describe('document numbering over HTTP', () => {
  it('gives 50 concurrent creates the numbers 1..50: no gap, no duplicate', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager' }, { key: 'emp', role: 'employee' }] });
    const tokens = await Promise.all([org.users.owner!.token(), org.users.mgr!.token(), org.users.emp!.token()]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('POST', `/accounts/${org.mainAccountId}/invoices`, { token: tokens[i % 3]!, body: documentBody({ status: 'issued' }) }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const sequences = results.map((r) => r.body.sequence as number).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(results.map((r) => r.body.number)).size).toBe(50);
    // What was answered is what was stored.
    const stored = await listAll(tokens[0]!, `/accounts/${org.mainAccountId}/invoices?limit=17`);
    expect(stored.map((d) => d.sequence as number).sort((a, b) => a - b)).toEqual(sequences);
  }, 120_000);

  it('numbers each kind and each account separately', async () => {
    const org = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }] });
    const token = await org.users.owner!.token();
    const inv = await createDoc(token, org.mainAccountId, 'invoices', { status: 'issued' });
    const est = await createDoc(token, org.mainAccountId, 'estimates', { status: 'issued' });
    const sub = await createDoc(token, org.subAccountIds[0]!, 'invoices', { status: 'issued' });
    expect([inv.body.number, est.body.number, sub.body.number]).toEqual(['INV-000001', 'EST-000001', 'INV-000001']);
  });

  it('leaves drafts unnumbered, numbers them when issued, and never reuses or skips a number', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const token = await org.users.owner!.token();
    const base = `/accounts/${org.mainAccountId}/invoices`;
    const draft = await createDoc(token, org.mainAccountId, 'invoices');
    expect(draft.body.number).toBeNull();
    const throwaway = await createDoc(token, org.mainAccountId, 'invoices');
    expect((await call('DELETE', `${base}/${throwaway.body.id}`, { token })).status).toBe(204);
    const first = await createDoc(token, org.mainAccountId, 'invoices', { status: 'issued' });
    const issued = await call('PATCH', `${base}/${draft.body.id}`, { token, body: { version: 1, status: 'issued' } });
    expect(issued.status).toBe(200);
    expect([first.body.sequence, issued.body.sequence]).toEqual([1, 2]);
    expect(issued.body.version).toBe(2);

    // A numbered document cannot be deleted; cancelling keeps its number in the register.
    const del = await call('DELETE', `${base}/${first.body.id}`, { token });
    expect(del.status).toBe(409);
    expect(del.body.detail).toMatch(/cancel/);
    const cancelled = await call('PATCH', `${base}/${first.body.id}`, { token, body: { version: 1, status: 'cancelled' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.number).toBe('INV-000001');
    const third = await createDoc(token, org.mainAccountId, 'invoices', { status: 'issued' });
    expect(third.body.sequence).toBe(3);
  });
});

describe('document lifecycle and bad input over HTTP', () => {
  const setup = async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const token = await org.users.owner!.token();
    return { token, base: `/accounts/${org.mainAccountId}/invoices`, accountId: org.mainAccountId };
  };

  it('computes totals on the server in minor units, per line, half-up', async () => {
    const { token, accountId } = await setup();
    const res = await createDoc(token, accountId, 'invoices', {
      currency: 'EUR',
      lines: [
        { description: 'a', quantity: 1.5, unitPrice: 1001, vatRate: 23 }, // 1501.5 -> 1502; VAT 345.46 -> 345
        { description: 'b', quantity: 3, unitPrice: 50, vatRate: 5 }, // 150; VAT 7.5 -> 8 (half-up)
      ],
      net: 1, // not accepted: strict body
    }).catch((e: Error) => e);
    expect(res).toBeInstanceOf(Error);
    const ok = await createDoc(token, accountId, 'invoices', {
      lines: [
        { description: 'a', quantity: 1.5, unitPrice: 1001, vatRate: 23 },
        { description: 'b', quantity: 3, unitPrice: 50, vatRate: 5 },
      ],
    });
    expect(ok.body.lines.map((l: { net: number; vat: number; gross: number }) => [l.net, l.vat, l.gross])).toEqual([
      [1502, 345, 1847],
      [150, 8, 158],
    ]);
    expect(ok.body.totals).toEqual({ net: 1652, vat: 353, gross: 2005, paid: 0, outstanding: 0 });
  });

  it.each([
    ['a negative quantity', { lines: [{ description: 'x', quantity: -1, unitPrice: 1, vatRate: 0 }] }, 'body.lines.0.quantity'],
    ['a quantity with 4 decimals', { lines: [{ description: 'x', quantity: 1.0001, unitPrice: 1, vatRate: 0 }] }, 'body.lines.0.quantity'],
    ['a fractional unit price', { lines: [{ description: 'x', quantity: 1, unitPrice: 1.5, vatRate: 0 }] }, 'body.lines.0.unitPrice'],
    ['a VAT rate over 100', { lines: [{ description: 'x', quantity: 1, unitPrice: 1, vatRate: 101 }] }, 'body.lines.0.vatRate'],
    ['an unknown currency', { currency: 'XYZ' }, 'body.currency'],
    ['a lower-case currency', { currency: 'eur' }, 'body.currency'],
    ['a due date before the issue date', { issueDate: '2026-03-10', dueDate: '2026-03-09' }, 'body.dueDate'],
    ['an impossible date', { issueDate: '2026-02-30' }, 'body.issueDate'],
    ['a line amount that overflows', { lines: [{ description: 'x', quantity: 1000, unitPrice: Number.MAX_SAFE_INTEGER, vatRate: 0 }] }, 'body.lines.0'],
    [
      'a document total that overflows',
      { lines: [1, 2].map(() => ({ description: 'x', quantity: 1, unitPrice: Number.MAX_SAFE_INTEGER - 10, vatRate: 0 })) },
      'body.lines',
    ],
    ['a status other than draft or issued', { status: 'paid' }, 'body.status'],
    ['an unknown field', { total: 5 }, 'body'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_name, over, field) => {
    const { token, base } = await setup();
    const res = await call('POST', base, { token, body: documentBody(over) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await call('GET', base, { token })).body.items).toEqual([]);
  });

  it('refuses a malformed document id, limit and date range in path and query with 400', async () => {
    const { token, base } = await setup();
    const bad = await call('GET', `${base}/not-an-id`, { token });
    expect(bad.body.errors?.[0]?.field).toBe('path.documentId');
    const q = await call('GET', `${base}?limit=0&from=2026-02-01&to=2026-01-01`, { token });
    expect(q.status).toBe(400);
    expect(q.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['query.limit', 'query.to']);
    const cursor = await call('GET', `${base}?cursor=Zm9v`, { token });
    expect(cursor.body.errors?.[0]?.field).toBe('query.cursor');
  });

  it('refuses a malformed account id on invoicing routes as on administration routes, before any handler runs', async () => {
    const { token, accountId } = await setup();
    for (const bad of [`${accountId}x`, 'acc_not-an-id', 'a'.repeat(100)]) {
      const admin = await call('GET', `/accounts/${bad}/plan`, { token });
      expect(admin.status).toBe(403);
      for (const path of ['invoices', 'clients', 'items', 'payments', 'reports/revenue', 'exports/clients', 'settings/other']) {
        expect((await call('GET', `/accounts/${bad}/${path}`, { token })).status, path).toBe(admin.status);
      }
    }
  });

  it.each([
    ['paid', 'issued', 409],
    ['partially-paid', 'issued', 409],
    ['draft', 'issued', 409],
    ['paid', 'draft', 409],
  ])('refuses a manual move to %s from %s with 409 and a reason', async (to, from, status) => {
    const { token, base, accountId } = await setup();
    const doc = await createDoc(token, accountId, 'invoices', { status: from });
    const res = await call('PATCH', `${base}/${doc.body.id}`, { token, body: { version: 1, status: to } });
    expect(res.status).toBe(status);
    expect(res.body.type).toBe('https://kontor.dev/problems/illegal-transition');
    expect(res.body).toMatchObject({ from, to });
  });

  it('refuses a stale version with 409 and the current version, and changes only drafts', async () => {
    const { token, base, accountId } = await setup();
    const doc = await createDoc(token, accountId, 'invoices');
    expect((await call('PATCH', `${base}/${doc.body.id}`, { token, body: { version: 1, notes: 'one' } })).status).toBe(200);
    const stale = await call('PATCH', `${base}/${doc.body.id}`, { token, body: { version: 1, notes: 'two' } });
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(2);
    const issued = await call('PATCH', `${base}/${doc.body.id}`, {
      token,
      body: { version: 2, status: 'issued', lines: [{ description: 'final', quantity: 1, unitPrice: 500, vatRate: 0 }] },
    });
    expect(issued.status).toBe(200);
    expect(issued.body.totals.gross).toBe(500);
    const change = await call('PATCH', `${base}/${doc.body.id}`, { token, body: { version: 3, notes: 'too late' } });
    expect(change.status).toBe(409);
  });

  it('refuses an unknown client for a document with 400 on body.clientId', async () => {
    const { token, base } = await setup();
    const res = await call('POST', base, { token, body: documentBody({ clientId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('body.clientId');
  });
});
