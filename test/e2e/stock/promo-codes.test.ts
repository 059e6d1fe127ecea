import { beforeAll, describe, expect, it } from 'vitest';
import type { TestOrganization } from '../../support/orgs.js';
import { as, expectOk, organizationWithEveryRole, ROLES, type RoleKey } from './helpers.js';

/*
 * Promo codes over HTTP: who may manage and apply them, the discount as the document's
 * own negative line(s), refusals (unknown 400; expired, not yet valid, exhausted, second
 * code, issued document 409), the usage limit under 50 concurrent uses, and the audit.
 */
let org: TestOrganization;
let A: string;
const user = (k: RoleKey) => org.users[k]!;
let seq = 0;
const fresh = (prefix = 'CODE') => `${prefix}${Date.now().toString(36).toUpperCase()}${++seq}`;

beforeAll(async () => {
  org = await organizationWithEveryRole();
  A = `/accounts/${org.mainAccountId}`;
});

async function createCode(over: Record<string, unknown> = {}): Promise<string> {
  const code = fresh();
  const body = { code, kind: 'percent', percent: 10, validFrom: '2020-01-01', validTo: '2099-12-31', ...over };
  expectOk(await as(user('owner'), 'POST', `${A}/promo-codes`, body), 201, 'create code');
  return (body.code as string).toUpperCase();
}

const lines = [
  { description: 'Consulting', quantity: 2, unitPrice: 10_000, vatRate: 23 },
  { description: 'Book', quantity: 1, unitPrice: 3_333, vatRate: 5 },
];
async function draft(by: RoleKey = 'owner', over: Record<string, unknown> = {}) {
  return expectOk(await as(user(by), 'POST', `${A}/invoices`, { currency: 'EUR', lines, ...over }), 201, 'draft').body;
}
const apply = (by: RoleKey, doc: { id: string; version: number }, code: string) =>
  as(user(by), 'POST', `${A}/invoices/${doc.id}/promo-code`, { code, version: doc.version });

describe('who may manage promo codes', () => {
  const MAY: Record<RoleKey, { view: boolean; write: boolean }> = {
    owner: { view: true, write: true },
    manager: { view: true, write: true },
    employee: { view: true, write: false },
    accountant: { view: true, write: false },
    backoffice: { view: false, write: false },
  };

  it.each(ROLES)('as %s: views and writes exactly as the role matrix says', async (role) => {
    const code = await createCode();
    const { view, write } = MAY[role];
    expect((await as(user(role), 'GET', `${A}/promo-codes`)).status).toBe(view ? 200 : 403);
    expect((await as(user(role), 'GET', `${A}/promo-codes/${code}`)).status).toBe(view ? 200 : 403);
    const body = { code: fresh(role.toUpperCase()), kind: 'percent', percent: 5, validFrom: '2026-01-01', validTo: '2026-12-31' };
    expect((await as(user(role), 'POST', `${A}/promo-codes`, body)).status).toBe(write ? 201 : 403);
    expect((await as(user(role), 'PATCH', `${A}/promo-codes/${code}`, { version: 1, usageLimit: 5 })).status).toBe(write ? 200 : 403);
    expect((await as(user(role), 'DELETE', `${A}/promo-codes/${code}`)).status).toBe(write ? 204 : 403);
  });

  it('applying needs the right to change the document and promo-codes.view', async () => {
    const code = await createCode();
    // Employee: her own draft yes, the Owner's no (not visible: 404).
    expect((await apply('employee', await draft('employee'), code)).status).toBe(200);
    expect((await apply('employee', await draft('owner'), code)).status).toBe(404);
    // Manager: anyone's draft. Accountant: no documents.edit. Backoffice: documents.edit but no promo-code action.
    expect((await apply('manager', await draft('owner'), code)).status).toBe(200);
    expect((await apply('accountant', await draft('owner'), code)).status).toBe(403);
    expect((await apply('backoffice', await draft('backoffice'), code)).status).toBe(403);
    expect(expectOk(await as(user('owner'), 'GET', `${A}/promo-codes/${code}`), 200, 'code').body.used).toBe(2);
  });
});

describe('applying a promo code', () => {
  it('adds one negative line per VAT rate (percent), changes the totals and audits the change', async () => {
    const code = await createCode({ percent: 12.5 });
    const doc = await draft();
    const res = expectOk(await apply('owner', doc, code), 200, 'apply');
    // 23%: net 20000 -> 2500 off, VAT 575; 5%: net 3333 -> 416.625 -> 417 off, VAT 20.85 -> 21.
    expect(res.body.lines.slice(2)).toEqual([
      { description: `Promo code ${code} (VAT 23%)`, itemId: null, quantity: 1, unit: null, unitPrice: -2500, vatRate: 23, net: -2500, vat: -575, gross: -3075 },
      { description: `Promo code ${code} (VAT 5%)`, itemId: null, quantity: 1, unit: null, unitPrice: -417, vatRate: 5, net: -417, vat: -21, gross: -438 },
    ]);
    expect(res.body.totals).toMatchObject({ net: doc.totals.net - 2917, vat: doc.totals.vat - 596, gross: doc.totals.gross - 3513 });
    expect(res.body.version).toBe(doc.version + 1);
    const audit = expectOk(await as(user('owner'), 'GET', `${A}/audit?target=${doc.id}`), 200, 'audit').body.items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'promo-code.applied',
      actorId: user('owner').userId,
      target: { type: 'document', id: doc.id },
      before: { gross: doc.totals.gross },
      after: { code, discount: { net: -2917, vat: -596, gross: -3513 } },
    });
    // Issuing keeps the discount line; the issued total is the discounted one.
    const issued = expectOk(await as(user('owner'), 'PATCH', `${A}/invoices/${doc.id}`, { version: res.body.version, status: 'issued' }), 200, 'issue');
    expect(issued.body.totals.gross).toBe(doc.totals.gross - 3513);
  });

  it('splits a fixed net amount across VAT rates in proportion, summing exactly to the amount', async () => {
    const code = await createCode({ kind: 'fixed', percent: undefined, amounts: [{ currency: 'EUR', amount: 1000 }] });
    const res = expectOk(await apply('owner', await draft(), code), 200, 'apply');
    const off = res.body.lines.slice(2) as Array<{ net: number; vatRate: number }>;
    expect(off.map((l) => [l.vatRate, l.net])).toEqual([[23, -857], [5, -143]]);
    // Over the document's net, it takes the whole net and no more.
    const big = await createCode({ kind: 'fixed', percent: undefined, amounts: [{ currency: 'EUR', amount: 999_999 }] });
    const all = expectOk(await apply('owner', await draft(), big), 200, 'apply big');
    expect(all.body.totals).toMatchObject({ net: 0, vat: 0, gross: 0 });
  });

  it('refuses unknown (400 naming it), expired, not yet valid, exhausted, a second code, an issued invoice and a missing currency (409)', async () => {
    const unknown = await apply('owner', await draft(), 'NO-SUCH-CODE');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'body.code', message: 'unknown promo code NO-SUCH-CODE' }]);
    const expired = await apply('owner', await draft(), await createCode({ validFrom: '2020-01-01', validTo: '2020-12-31' }));
    expect([expired.status, expired.body.detail]).toEqual([409, expect.stringContaining('expired on 2020-12-31')]);
    const early = await apply('owner', await draft(), await createCode({ validFrom: '2099-01-01', validTo: '2099-12-31' }));
    expect([early.status, early.body.detail]).toEqual([409, expect.stringContaining('valid from 2099-01-01')]);
    const once = await createCode({ usageLimit: 1 });
    expect((await apply('owner', await draft(), once)).status).toBe(200);
    const exhausted = await apply('owner', await draft(), once);
    expect(exhausted.status).toBe(409);
    expect(exhausted.body).toMatchObject({ code: once, used: 1, usageLimit: 1 });
    const doc = await draft();
    const first = expectOk(await apply('owner', doc, await createCode()), 200, 'first');
    expect((await apply('owner', first.body, await createCode())).status).toBe(409);
    const issued = await draft('owner', { status: 'issued' });
    expect((await apply('owner', issued, await createCode())).status).toBe(409);
    const eurOnly = await createCode({ kind: 'fixed', percent: undefined, amounts: [{ currency: 'EUR', amount: 100 }] });
    expect((await apply('owner', await draft('owner', { currency: 'USD' }), eurOnly)).status).toBe(409);
    // A stale document version is a 409 that uses nothing.
    const stale = await apply('owner', { id: (await draft()).id, version: 7 }, once);
    expect(stale.status).toBe(409);
  });

  it('under 50 concurrent uses of a code limited to 20: exactly 20 succeed, 30 are 409, used is 20 and 20 entries are audited', async () => {
    const code = await createCode({ usageLimit: 20 });
    const docs = await Promise.all(Array.from({ length: 50 }, () => draft()));
    const results = await Promise.all(docs.map((d) => apply('owner', d, code)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 409)).toHaveLength(30);
    expect(expectOk(await as(user('owner'), 'GET', `${A}/promo-codes/${code}`), 200, 'code').body).toMatchObject({ used: 20, usageLimit: 20 });
    // Exactly the 20 winners carry the discount line.
    const discounted = await Promise.all(docs.map(async (d) => (await as(user('owner'), 'GET', `${A}/invoices/${d.id}`)).body.lines.length > 2));
    expect(discounted.filter(Boolean)).toHaveLength(20);
    const audited = (await Promise.all(docs.map((d) => as(user('owner'), 'GET', `${A}/audit?target=${d.id}`)))).flatMap((r) => r.body.items);
    expect(audited.filter((e: { after: { code?: string } }) => e.after?.code === code)).toHaveLength(20);
  }, 240_000);

  it('an edit changes the window and limit but never the use count', async () => {
    const code = await createCode({ usageLimit: 3 });
    expectOk(await apply('owner', await draft(), code), 200, 'use');
    const changed = expectOk(await as(user('owner'), 'PATCH', `${A}/promo-codes/${code}`, { version: 1, usageLimit: 1, validTo: '2098-01-01' }), 200, 'edit');
    expect(changed.body).toMatchObject({ used: 1, usageLimit: 1, validTo: '2098-01-01', version: 2 });
    expect((await apply('owner', await draft(), code)).status).toBe(409);
    const unlimited = expectOk(await as(user('owner'), 'PATCH', `${A}/promo-codes/${code}`, { version: 2, usageLimit: null }), 200, 'unlimit');
    expect(unlimited.body.usageLimit).toBeNull();
    expect((await apply('owner', await draft(), code)).status).toBe(200);
    expect((await as(user('owner'), 'POST', `${A}/promo-codes`, { code: code.toLowerCase(), kind: 'percent', percent: 1, validFrom: '2026-01-01', validTo: '2026-01-02' })).status).toBe(409);
  });
});
