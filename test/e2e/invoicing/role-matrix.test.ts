import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization, type TestOrganization } from '../../support/orgs.js';
import { createDoc, expectStatus, SEGMENTS } from './helpers.js';
import { reportsSettled } from '../../support/streams.js';

/*
 * SPEC.md section 1 over HTTP: every row of the matrix that concerns invoicing, for each
 * built-in role and a custom role, in the main account and in a sub-account (reached by a
 * granted main-account member and by the sub-account's own member). Each row states, per
 * role, what the API must answer; "no" is a 403 when the role lacks the route's permission
 * and a 404 when only the object is out of reach (an Employee and another's document).
 */
type Role = 'owner' | 'manager' | 'employee' | 'accountant' | 'clerk';

// A custom role unlike any built-in: sees every document but edits only its own, reports
// and exports, reads clients and items, changes no settings and no catalogue.
const CLERK_PERMISSIONS = [
  'documents.view.all',
  'documents.create',
  'documents.edit.own',
  'documents.delete.own',
  'clients.view',
  'products.view',
  'settings.view',
  'reports.view.all',
  'exports.export',
];

interface Actor {
  name: string;
  role: Role;
  key: string;
  account: 'main' | 'sub';
}

const ACTORS: Actor[] = [
  { name: 'Owner in the main account', role: 'owner', key: 'owner', account: 'main' },
  { name: 'Manager in the main account', role: 'manager', key: 'manager', account: 'main' },
  { name: 'Employee in the main account', role: 'employee', key: 'employee', account: 'main' },
  { name: 'Accountant in the main account', role: 'accountant', key: 'accountant', account: 'main' },
  { name: 'custom role in the main account', role: 'clerk', key: 'clerk', account: 'main' },
  { name: 'Owner in a sub-account (SPEC 3.5)', role: 'owner', key: 'owner', account: 'sub' },
  { name: 'granted main Manager in a sub-account', role: 'manager', key: 'gManager', account: 'sub' },
  { name: 'granted main Employee in a sub-account', role: 'employee', key: 'gEmployee', account: 'sub' },
  { name: 'granted main Accountant in a sub-account', role: 'accountant', key: 'gAccountant', account: 'sub' },
  { name: 'granted main custom role in a sub-account', role: 'clerk', key: 'gClerk', account: 'sub' },
  { name: "sub-account's own Manager", role: 'manager', key: 'sManager', account: 'sub' },
  { name: "sub-account's own Employee", role: 'employee', key: 'sEmployee', account: 'sub' },
  { name: "sub-account's own Accountant", role: 'accountant', key: 'sAccountant', account: 'sub' },
  { name: "sub-account's own custom role", role: 'clerk', key: 'sClerk', account: 'sub' },
];

// The matrix of SPEC.md section 1, as the API must enforce it.
const Y = true;
const N = false;
const MATRIX: Record<string, Record<Role, boolean | 'own'>> = {
  'create documents': { owner: Y, manager: Y, employee: Y, accountant: N, clerk: Y },
  'view and edit documents they created': { owner: Y, manager: Y, employee: Y, accountant: N, clerk: Y },
  'view documents created by others': { owner: Y, manager: Y, employee: N, accountant: Y, clerk: Y },
  'edit documents created by others': { owner: Y, manager: Y, employee: N, accountant: N, clerk: N },
  'change business information': { owner: Y, manager: Y, employee: N, accountant: N, clerk: N },
  'set payment methods': { owner: Y, manager: Y, employee: N, accountant: N, clerk: N },
  'change other business settings': { owner: Y, manager: Y, employee: N, accountant: N, clerk: N },
  'create and edit clients / items': { owner: Y, manager: Y, employee: Y, accountant: N, clerk: N },
  'view the full client / item lists': { owner: Y, manager: Y, employee: Y, accountant: Y, clerk: Y },
  'delete clients / items': { owner: Y, manager: Y, employee: N, accountant: N, clerk: N },
  'view reports': { owner: Y, manager: Y, employee: 'own', accountant: Y, clerk: Y },
  'export data': { owner: Y, manager: Y, employee: N, accountant: Y, clerk: Y },
};

interface Fixture {
  accountId: string;
  authorToken: () => Promise<string>;
  /** A draft invoice, an issued invoice (with its own client) a client and an item, all by the author. */
  draftId: string;
  issuedId: string;
  authorClientId: string;
  clientId: string;
  itemId: string;
}

let org: TestOrganization;
const fixtures: Record<'main' | 'sub', Fixture> = {} as never;

beforeAll(async () => {
  org = await createOrganization({
    subAccounts: 1,
    customRoles: [{ key: 'clerk', name: 'Clerk', permissions: CLERK_PERMISSIONS }],
    members: [
      { key: 'owner', role: 'owner' },
      { key: 'manager', role: 'manager' },
      { key: 'employee', role: 'employee' },
      { key: 'accountant', role: 'accountant' },
      { key: 'clerk', role: 'custom:clerk' },
      { key: 'author', role: 'manager' },
      { key: 'gManager', role: 'manager', grants: [0] },
      { key: 'gEmployee', role: 'employee', grants: [0] },
      { key: 'gAccountant', role: 'accountant', grants: [0] },
      { key: 'gClerk', role: 'custom:clerk', grants: [0] },
      { key: 'sManager', role: 'manager', account: 0 },
      { key: 'sEmployee', role: 'employee', account: 0 },
      { key: 'sAccountant', role: 'accountant', account: 0 },
      { key: 'sClerk', role: 'custom:clerk', account: 0 },
      { key: 'sAuthor', role: 'manager', account: 0 },
    ],
  });
  for (const [which, accountId, author] of [
    ['main', org.mainAccountId, org.users.author!],
    ['sub', org.subAccountIds[0]!, org.users.sAuthor!],
  ] as const) {
    const token = await author.token();
    const mk = async (path: string, body: unknown) =>
      (await expectStatus(await call('POST', `/accounts/${accountId}/${path}`, { token, body }), 201, `seed ${path}`)).body.id as string;
    const authorClientId = await mk('clients', { name: `Author's client ${which}` });
    const clientId = await mk('clients', { name: 'Shared client' });
    const itemId = await mk('items', { name: 'Hour of work', unitPrice: 12_000, currency: 'EUR', vatRate: 23 });
    const draftId = (await createDoc(token, accountId, 'invoices')).body.id as string;
    const issuedId = (await createDoc(token, accountId, 'invoices', { status: 'issued', clientId: authorClientId, issueDate: '2026-02-01' })).body.id;
    fixtures[which] = { accountId, authorToken: author.token, draftId, issuedId, authorClientId, clientId, itemId };
  }
});

const tokenOf = (a: Actor) => org.users[a.key]!.token();

/** What a denied document request must answer: 404 if the object is hidden, else 403. */
const deniedDocumentStatus = (role: Role, canViewOthers: boolean) => (role === 'accountant' || canViewOthers ? 403 : 404);

describe.each(ACTORS)('SPEC.md section 1 for the $name', (actor) => {
  const fx = () => fixtures[actor.account];
  const row = (name: string) => MATRIX[name]![actor.role];
  const base = () => `/accounts/${fx().accountId}`;

  it(`create documents: ${row('create documents') ? 'allowed' : 'denied'} for every document kind`, async () => {
    const token = await tokenOf(actor);
    for (const segment of SEGMENTS) {
      const res = await call('POST', `${base()}/${segment}`, { token, body: { currency: 'EUR', lines: [{ description: 'x', quantity: 1, unitPrice: 100, vatRate: 0 }] } });
      expect(res.status, segment).toBe(row('create documents') ? 201 : 403);
      if (res.status === 201) expect(res.body.createdBy).toBe(org.users[actor.key]!.userId);
    }
  });

  it(`view and edit documents they created: ${row('view and edit documents they created') ? 'allowed' : 'denied'}`, async () => {
    const token = await tokenOf(actor);
    if (!row('view and edit documents they created')) {
      // Without documents.create there is nothing of their own; and no write is let through.
      expect((await call('POST', `${base()}/estimates`, { token, body: { currency: 'EUR', lines: [{ description: 'x', quantity: 1, unitPrice: 1, vatRate: 0 }] } })).status).toBe(403);
      return;
    }
    const created = await createDoc(token, fx().accountId, 'estimates');
    const id = created.body.id;
    expect((await call('GET', `${base()}/estimates/${id}`, { token })).status).toBe(200);
    const edited = await call('PATCH', `${base()}/estimates/${id}`, { token, body: { version: 1, notes: 'edited by me' } });
    expect(edited.status).toBe(200);
    expect(edited.body.notes).toBe('edited by me');
    expect((await call('DELETE', `${base()}/estimates/${id}`, { token })).status).toBe(204);
  });

  it(`view documents created by others: ${row('view documents created by others') ? 'allowed' : 'hidden (404)'}`, async () => {
    const token = await tokenOf(actor);
    const get = await call('GET', `${base()}/invoices/${fx().issuedId}`, { token });
    const list = await call('GET', `${base()}/invoices?limit=200`, { token });
    expect(list.status).toBe(200);
    const listed = (list.body.items as Array<{ id: string }>).some((d) => d.id === fx().issuedId);
    if (row('view documents created by others')) {
      expect(get.status).toBe(200);
      expect(listed).toBe(true);
    } else {
      expect(get.status).toBe(404);
      expect(listed).toBe(false);
    }
  });

  it(`edit documents created by others: ${row('edit documents created by others') ? 'allowed' : 'denied'}`, async () => {
    const token = await tokenOf(actor);
    const authorToken = await fx().authorToken();
    const current = await call('GET', `${base()}/invoices/${fx().draftId}`, { token: authorToken });
    const patch = await call('PATCH', `${base()}/invoices/${fx().draftId}`, { token, body: { version: current.body.version, notes: `by ${actor.key}` } });
    const allowed = row('edit documents created by others');
    expect(patch.status).toBe(allowed ? 200 : deniedDocumentStatus(actor.role, row('view documents created by others') === true));
    const after = await call('GET', `${base()}/invoices/${fx().draftId}`, { token: authorToken });
    expect(after.body.version).toBe(allowed ? current.body.version + 1 : current.body.version);
    // Deleting another's document follows the edit right (documents.delete has the same scopes).
    const del = await call('DELETE', `${base()}/invoices/${fx().issuedId}`, { token });
    // Nobody deletes an issued (numbered) invoice; those who may not even see it get 404.
    expect(del.status).toBe(allowed ? 409 : deniedDocumentStatus(actor.role, row('view documents created by others') === true));
  });

  for (const [rowName, path, patch] of [
    ['change business information', 'business', { name: 'Kontor Test Ltd' }],
    ['set payment methods', 'payment-methods', { methods: [{ type: 'bank-transfer', label: 'Main account', enabled: true, iban: 'DE89370400440532013000' }] }],
    ['change other business settings', 'other', { paymentTermsDays: 30, defaultCurrency: 'PLN' }],
  ] as const) {
    it(`${rowName}: ${MATRIX[rowName]![actor.role] ? 'allowed' : 'denied'}; reading is allowed`, async () => {
      const token = await tokenOf(actor);
      const read = await call('GET', `${base()}/settings/${path}`, { token });
      expect(read.status).toBe(200);
      const res = await call('PATCH', `${base()}/settings/${path}`, { token, body: { ...patch, version: read.body.version } });
      expect(res.status).toBe(MATRIX[rowName]![actor.role] ? 200 : 403);
      if (res.status === 200) expect(res.body.version).toBe(read.body.version + 1);
    });
  }

  it(`create and edit clients / items: ${row('create and edit clients / items') ? 'allowed' : 'denied'}`, async () => {
    const token = await tokenOf(actor);
    const allowed = row('create and edit clients / items');
    const client = await call('POST', `${base()}/clients`, { token, body: { name: `Client of ${actor.key}` } });
    const item = await call('POST', `${base()}/items`, { token, body: { name: 'Widget', unitPrice: 999, currency: 'EUR', vatRate: 8 } });
    expect([client.status, item.status]).toEqual(allowed ? [201, 201] : [403, 403]);
    const editClient = await call('PATCH', `${base()}/clients/${fx().clientId}`, {
      token,
      body: { version: (await call('GET', `${base()}/clients/${fx().clientId}`, { token })).body.version, notes: actor.key },
    });
    const editItem = await call('PATCH', `${base()}/items/${fx().itemId}`, {
      token,
      body: { version: (await call('GET', `${base()}/items/${fx().itemId}`, { token })).body.version, sku: `SKU-${actor.key}` },
    });
    expect([editClient.status, editItem.status]).toEqual(allowed ? [200, 200] : [403, 403]);
  });

  it('view the full client / item lists: allowed for every role', async () => {
    const token = await tokenOf(actor);
    const clients = await call('GET', `${base()}/clients?limit=200`, { token });
    const items = await call('GET', `${base()}/items?limit=200`, { token });
    expect([clients.status, items.status]).toEqual([200, 200]);
    // The full list: the author's clients are there for everyone, Employees included.
    const ids = (clients.body.items as Array<{ id: string }>).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([fx().clientId, fx().authorClientId]));
    expect((items.body.items as Array<{ id: string }>).map((i) => i.id)).toContain(fx().itemId);
  });

  it(`delete clients / items: ${row('delete clients / items') ? 'allowed' : 'denied'}`, async () => {
    const authorToken = await fx().authorToken();
    const client = await expectStatus(await call('POST', `${base()}/clients`, { token: authorToken, body: { name: 'To delete' } }), 201, 'client');
    const item = await expectStatus(
      await call('POST', `${base()}/items`, { token: authorToken, body: { name: 'To delete', unitPrice: 1, currency: 'EUR', vatRate: 0 } }),
      201,
      'item',
    );
    const token = await tokenOf(actor);
    const allowed = row('delete clients / items');
    const delClient = await call('DELETE', `${base()}/clients/${client.body.id}`, { token });
    const delItem = await call('DELETE', `${base()}/items/${item.body.id}`, { token });
    expect([delClient.status, delItem.status]).toEqual(allowed ? [204, 204] : [403, 403]);
    const still = await call('GET', `${base()}/clients/${client.body.id}`, { token: authorToken });
    expect(still.status).toBe(allowed ? 404 : 200);
  });

  it(`view reports: ${row('view reports') === 'own' ? 'own data only' : 'the whole account'}`, async () => {
    const token = await tokenOf(actor);
    await reportsSettled();
    for (const report of ['revenue', 'outstanding', 'expenses']) {
      const res = await call('GET', `${base()}/reports/${report}?from=2026-01-01&to=2026-12-31`, { token });
      expect(res.status, report).toBe(200);
      expect(res.body.scope).toBe(row('view reports') === 'own' ? 'own' : 'all');
      if (report !== 'expenses') {
        const seesAuthor = (res.body.byClient as Array<{ clientId: string | null }>).some((c) => c.clientId === fx().authorClientId);
        expect(seesAuthor, report).toBe(row('view reports') !== 'own');
      }
    }
  });

  it(`export data: ${row('export data') ? 'allowed' : 'denied'}`, async () => {
    const token = await tokenOf(actor);
    for (const dataset of ['invoices', 'clients', 'items']) {
      const res = await call('GET', `${base()}/exports/${dataset}?format=json&limit=1000`, { token });
      expect(res.status, dataset).toBe(row('export data') ? 200 : 403);
    }
    const csv = await call('GET', `${base()}/exports/invoices`, { token });
    expect(csv.status).toBe(row('export data') ? 200 : 403);
    if (csv.status === 200) {
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.text).toContain(fx().issuedId);
    }
  });
});

describe('an Accountant is read-only everywhere (SPEC 1.4)', () => {
  it.each(['accountant', 'gAccountant', 'sAccountant'])('%s gets 403 for every write and 200 for every read', async (key) => {
    const fx = fixtures[key === 'accountant' ? 'main' : 'sub'];
    const token = await org.users[key]!.token();
    const b = `/accounts/${fx.accountId}`;
    const writes: Array<[string, string, unknown]> = [
      ...SEGMENTS.map((s) => ['POST', `${b}/${s}`, { currency: 'EUR', lines: [{ description: 'x', quantity: 1, unitPrice: 1, vatRate: 0 }] }] as [string, string, unknown]),
      ['PATCH', `${b}/invoices/${fx.draftId}`, { version: 1, notes: 'x' }],
      ['DELETE', `${b}/invoices/${fx.draftId}`, undefined],
      ['POST', `${b}/clients`, { name: 'x' }],
      ['PATCH', `${b}/clients/${fx.clientId}`, { version: 1, name: 'x' }],
      ['DELETE', `${b}/clients/${fx.clientId}`, undefined],
      ['POST', `${b}/items`, { name: 'x', unitPrice: 1, currency: 'EUR', vatRate: 0 }],
      ['PATCH', `${b}/items/${fx.itemId}`, { version: 1, name: 'x' }],
      ['DELETE', `${b}/items/${fx.itemId}`, undefined],
      ['POST', `${b}/payments`, { invoiceId: fx.issuedId, amount: 1, paidAt: '2026-03-01' }],
      ['PATCH', `${b}/settings/business`, { version: 0, name: 'x' }],
      ['PATCH', `${b}/settings/payment-methods`, { version: 0, methods: [] }],
      ['PATCH', `${b}/settings/other`, { version: 0, paymentTermsDays: 1 }],
    ];
    for (const [method, path, body] of writes) {
      expect((await call(method, path, { token, body })).status, `${method} ${path}`).toBe(403);
    }
    for (const path of [`${b}/invoices`, `${b}/invoices/${fx.issuedId}`, `${b}/estimates`, `${b}/expenses`, `${b}/time-entries`, `${b}/clients`, `${b}/items`, `${b}/payments`, `${b}/settings/business`]) {
      expect((await call('GET', path, { token })).status, path).toBe(200);
    }
    const issued = await call('GET', `${b}/invoices/${fx.issuedId}`, { token });
    expect(issued.body.totals.paid).toBe(0);
  });
});
