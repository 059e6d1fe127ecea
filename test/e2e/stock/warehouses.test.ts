import { beforeAll, describe, expect, it } from 'vitest';
import type { TestOrganization } from '../../support/orgs.js';
import { as, createItem, createWarehouse, expectOk, organizationWithEveryRole, ROLES, stockOf, type RoleKey } from './helpers.js';

/*
 * Warehouses, warehouse documents and stock over HTTP: who may do what (the built-in
 * matrix of docs/authorization.md), movements in one transaction, stock that never goes
 * negative unless the warehouse allows it, also under 50 concurrent writes, reversal by
 * deletion, the goods issue of an invoice and the stock report as of a date.
 */
let org: TestOrganization;
let A: string;
const user = (k: RoleKey) => org.users[k]!;

beforeAll(async () => {
  org = await organizationWithEveryRole();
  A = `/accounts/${org.mainAccountId}`;
});

const doc = (kind: string, warehouseId: string, lines: Array<{ itemId: string; quantity: number }>, over: Record<string, unknown> = {}) => ({
  kind,
  warehouseId,
  date: '2026-03-10',
  lines,
  ...over,
});

describe('who may use warehouses and warehouse documents', () => {
  // Owner and Manager hold every action; the Accountant only the two views; Employee and Backoffice none.
  const MAY: Record<RoleKey, { view: boolean; write: boolean }> = {
    owner: { view: true, write: true },
    manager: { view: true, write: true },
    employee: { view: false, write: false },
    accountant: { view: true, write: false },
    backoffice: { view: false, write: false },
  };

  it.each(ROLES)('as %s: views and writes exactly as the role matrix says', async (role) => {
    const itemId = await createItem(user('owner'), org.mainAccountId);
    const warehouseId = await createWarehouse(user('owner'), org.mainAccountId);
    const received = expectOk(await as(user('owner'), 'POST', `${A}/warehouse-documents`, doc('received', warehouseId, [{ itemId, quantity: 5 }])), 201, 'receive');
    const { view, write } = MAY[role];
    const viewStatus = view ? 200 : 403;
    expect((await as(user(role), 'GET', `${A}/warehouses`)).status).toBe(viewStatus);
    expect((await as(user(role), 'GET', `${A}/warehouses/${warehouseId}`)).status).toBe(viewStatus);
    expect((await as(user(role), 'GET', `${A}/warehouses/${warehouseId}/stock`)).status).toBe(viewStatus);
    expect((await as(user(role), 'GET', `${A}/warehouse-documents`)).status).toBe(viewStatus);
    expect((await as(user(role), 'GET', `${A}/warehouse-documents/${received.body.id}`)).status).toBe(viewStatus);

    const created = await as(user(role), 'POST', `${A}/warehouses`, { name: `By ${role}` });
    expect(created.status).toBe(write ? 201 : 403);
    const patched = await as(user(role), 'PATCH', `${A}/warehouses/${warehouseId}`, { version: 1, name: 'Renamed' });
    expect(patched.status).toBe(write ? 200 : 403);
    const issued = await as(user(role), 'POST', `${A}/warehouse-documents`, doc('issued', warehouseId, [{ itemId, quantity: 1 }]));
    expect(issued.status).toBe(write ? 201 : 403);
    const noted = await as(user(role), 'PATCH', `${A}/warehouse-documents/${received.body.id}`, { version: 1, note: 'checked' });
    expect(noted.status).toBe(write ? 200 : 403);
    if (write) {
      expect((await as(user(role), 'DELETE', `${A}/warehouse-documents/${issued.body.id}`)).status).toBe(204);
      expect((await as(user(role), 'DELETE', `${A}/warehouses/${created.body.id}`)).status).toBe(204);
    } else {
      expect((await as(user(role), 'DELETE', `${A}/warehouse-documents/${received.body.id}`)).status).toBe(403);
      expect((await as(user(role), 'DELETE', `${A}/warehouses/${warehouseId}`)).status).toBe(403);
    }
    // A refused write moved nothing.
    expect(await stockOf(user('owner'), org.mainAccountId, warehouseId)).toEqual({ [itemId]: 5 });
  });
});

describe('warehouse documents move stock', () => {
  it('receives, issues and transfers, each document moving every line at once', async () => {
    const owner = user('owner');
    const [a, b] = [await createItem(owner, org.mainAccountId), await createItem(owner, org.mainAccountId, { name: 'Bolt' })];
    const [w1, w2] = [await createWarehouse(owner, org.mainAccountId), await createWarehouse(owner, org.mainAccountId, { name: 'Branch' })];
    expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('received', w1, [{ itemId: a, quantity: 10 }, { itemId: b, quantity: 2.5 }])), 201, 'PZ');
    expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('issued', w1, [{ itemId: a, quantity: 3 }])), 201, 'WZ');
    const mm = expectOk(
      await as(owner, 'POST', `${A}/warehouse-documents`, doc('transfer', w1, [{ itemId: a, quantity: 4 }, { itemId: b, quantity: 0.5 }], { toWarehouseId: w2 })),
      201,
      'MM',
    );
    expect(mm.body).toMatchObject({ kind: 'transfer', warehouseId: w1, toWarehouseId: w2, lines: [{ itemId: a, itemName: 'Widget', quantity: 4 }, { itemId: b, quantity: 0.5 }] });
    expect(await stockOf(owner, org.mainAccountId, w1)).toEqual({ [a]: 3, [b]: 2 });
    expect(await stockOf(owner, org.mainAccountId, w2)).toEqual({ [a]: 4, [b]: 0.5 });
  });

  it('refuses stock that would go negative with 409 naming item and warehouse, moving none of the lines', async () => {
    const owner = user('owner');
    const [a, b] = [await createItem(owner, org.mainAccountId, { name: 'Anvil' }), await createItem(owner, org.mainAccountId, { name: 'Bucket' })];
    const w = await createWarehouse(owner, org.mainAccountId, { name: 'Strict' });
    expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('received', w, [{ itemId: a, quantity: 5 }, { itemId: b, quantity: 1 }])), 201, 'PZ');
    const res = await as(owner, 'POST', `${A}/warehouse-documents`, doc('issued', w, [{ itemId: a, quantity: 2 }, { itemId: b, quantity: 2 }]));
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain(b);
    expect(res.body.detail).toContain('Bucket');
    expect(res.body.detail).toContain(w);
    expect(res.body).toMatchObject({ itemId: b, warehouseId: w, available: 1, requested: 2 });
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({ [a]: 5, [b]: 1 });
    // The same issue from a transfer's source is refused the same way.
    const w2 = await createWarehouse(owner, org.mainAccountId);
    const mm = await as(owner, 'POST', `${A}/warehouse-documents`, doc('transfer', w, [{ itemId: a, quantity: 6 }], { toWarehouseId: w2 }));
    expect(mm.status).toBe(409);
    expect(await stockOf(owner, org.mainAccountId, w2)).toEqual({});
  });

  it('lets a warehouse that allows negative stock go below zero', async () => {
    const owner = user('owner');
    const a = await createItem(owner, org.mainAccountId);
    const w = await createWarehouse(owner, org.mainAccountId, { allowNegative: true });
    expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('issued', w, [{ itemId: a, quantity: 2 }])), 201, 'WZ');
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({ [a]: -2 });
    // Switching the flag off refuses further issues (the movement checks the warehouse as it is now).
    expectOk(await as(owner, 'PATCH', `${A}/warehouses/${w}`, { version: 1, allowNegative: false }), 200, 'flag off');
    expect((await as(owner, 'POST', `${A}/warehouse-documents`, doc('issued', w, [{ itemId: a, quantity: 1 }]))).status).toBe(409);
  });

  it('answers 400 naming unknown items and warehouses', async () => {
    const owner = user('owner');
    const a = await createItem(owner, org.mainAccountId);
    const w = await createWarehouse(owner, org.mainAccountId);
    const ghostItem = '01JZZZZZZZZZZZZZZZZZZZZZZ1';
    const ghostWarehouse = '01JZZZZZZZZZZZZZZZZZZZZZZ2';
    const items = await as(owner, 'POST', `${A}/warehouse-documents`, doc('received', w, [{ itemId: a, quantity: 1 }, { itemId: ghostItem, quantity: 1 }]));
    expect(items.status).toBe(400);
    expect(items.body.detail).toContain(ghostItem);
    expect(items.body.errors).toEqual([{ field: 'body.lines.1.itemId', message: `unknown item ${ghostItem}` }]);
    const wh = await as(owner, 'POST', `${A}/warehouse-documents`, doc('transfer', w, [{ itemId: a, quantity: 1 }], { toWarehouseId: ghostWarehouse }));
    expect(wh.status).toBe(400);
    expect(wh.body.errors).toEqual([{ field: 'body.toWarehouseId', message: `unknown warehouse ${ghostWarehouse}` }]);
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({});
  });

  it('deleting a document reverses its movements, and is refused once the goods it received were issued', async () => {
    const owner = user('owner');
    const a = await createItem(owner, org.mainAccountId);
    const w = await createWarehouse(owner, org.mainAccountId);
    const pz = expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('received', w, [{ itemId: a, quantity: 5 }])), 201, 'PZ');
    const wz = expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('issued', w, [{ itemId: a, quantity: 4 }])), 201, 'WZ');
    const refused = await as(owner, 'DELETE', `${A}/warehouse-documents/${pz.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ itemId: a, warehouseId: w });
    expect((await as(owner, 'GET', `${A}/warehouse-documents/${pz.body.id}`)).status).toBe(200);
    expect((await as(owner, 'DELETE', `${A}/warehouse-documents/${wz.body.id}`)).status).toBe(204);
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({ [a]: 5 });
    expect((await as(owner, 'DELETE', `${A}/warehouse-documents/${pz.body.id}`)).status).toBe(204);
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({});
    // The history forgets the reversed documents too.
    expect(await stockOf(owner, org.mainAccountId, w, '2026-03-10')).toEqual({});
    expect((await as(owner, 'GET', `${A}/warehouse-documents/${pz.body.id}`)).status).toBe(404);
  });

  it('refuses to delete a warehouse that still holds stock, naming the items', async () => {
    const owner = user('owner');
    const a = await createItem(owner, org.mainAccountId);
    const w = await createWarehouse(owner, org.mainAccountId);
    expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('received', w, [{ itemId: a, quantity: 1 }])), 201, 'PZ');
    const res = await as(owner, 'DELETE', `${A}/warehouses/${w}`);
    expect(res.status).toBe(409);
    expect(res.body.items).toEqual([{ itemId: a, quantity: 1 }]);
  });
});

describe('stock under 50 concurrent writes', () => {
  it('50 concurrent issues of 1 from a stock of 30: exactly 30 succeed, 20 are 409, and the stock ends at 0', async () => {
    const owner = user('owner');
    const a = await createItem(owner, org.mainAccountId);
    const w = await createWarehouse(owner, org.mainAccountId);
    expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('received', w, [{ itemId: a, quantity: 30 }])), 201, 'PZ');
    const results = await Promise.all(
      Array.from({ length: 50 }, () => as(owner, 'POST', `${A}/warehouse-documents`, doc('issued', w, [{ itemId: a, quantity: 1 }]))),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.filter((s) => s === 409)).toHaveLength(20);
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({});
    const issued = results.filter((r) => r.status === 201).length;
    expect(issued).toBe(30);
  });

  it('50 concurrent receipts and transfers keep exact totals in both warehouses', async () => {
    const owner = user('owner');
    const a = await createItem(owner, org.mainAccountId);
    const [w1, w2] = [await createWarehouse(owner, org.mainAccountId), await createWarehouse(owner, org.mainAccountId)];
    expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('received', w1, [{ itemId: a, quantity: 100 }])), 201, 'PZ');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        as(owner, 'POST', `${A}/warehouse-documents`, i % 2 === 0 ? doc('received', w1, [{ itemId: a, quantity: 1 }]) : doc('transfer', w1, [{ itemId: a, quantity: 3 }], { toWarehouseId: w2 })),
      ),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    expect(await stockOf(owner, org.mainAccountId, w1)).toEqual({ [a]: 100 + 25 - 75 });
    expect(await stockOf(owner, org.mainAccountId, w2)).toEqual({ [a]: 75 });
  });
});

describe('stock as of a date', () => {
  it('sums the movements up to the end of the date, whatever order the documents were written in', async () => {
    const owner = user('owner');
    const a = await createItem(owner, org.mainAccountId);
    const w = await createWarehouse(owner, org.mainAccountId);
    const post = (kind: string, date: string, quantity: number) =>
      as(owner, 'POST', `${A}/warehouse-documents`, doc(kind, w, [{ itemId: a, quantity }], { date })).then((r) => expectOk(r, 201, `${kind} ${date}`));
    await post('received', '2026-02-01', 10);
    await post('issued', '2026-02-10', 4);
    await post('received', '2026-03-05', 7);
    await post('received', '2026-02-05', 1); // booked late, dated earlier
    const at = (date: string) => stockOf(owner, org.mainAccountId, w, date);
    expect(await at('2026-01-31')).toEqual({});
    expect(await at('2026-02-01')).toEqual({ [a]: 10 });
    expect(await at('2026-02-09')).toEqual({ [a]: 11 });
    expect(await at('2026-02-10')).toEqual({ [a]: 7 });
    expect(await at('2026-03-31')).toEqual({ [a]: 14 });
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({ [a]: 14 });
    const report = await as(owner, 'GET', `${A}/warehouses/${w}/stock?date=2026-02-10`);
    // Read: one stored movement per day with a movement up to the date, nothing else.
    expect(report.body).toMatchObject({ warehouseId: w, date: '2026-02-10', read: { items: 3 } });
  });
});

describe('the goods issue of an invoice', () => {
  it('issues every line that names an item from the chosen warehouse, once per invoice', async () => {
    const owner = user('owner');
    const [a, b] = [await createItem(owner, org.mainAccountId), await createItem(owner, org.mainAccountId, { name: 'Bolt' })];
    const w = await createWarehouse(owner, org.mainAccountId);
    expectOk(await as(owner, 'POST', `${A}/warehouse-documents`, doc('received', w, [{ itemId: a, quantity: 10 }, { itemId: b, quantity: 10 }])), 201, 'PZ');
    const invoice = expectOk(
      await as(owner, 'POST', `${A}/invoices`, {
        status: 'issued',
        currency: 'EUR',
        issueDate: '2026-03-12',
        lines: [
          { description: 'Widgets', itemId: a, quantity: 2, unitPrice: 1000, vatRate: 23 },
          { description: 'Fitting', quantity: 1, unitPrice: 5000, vatRate: 23 },
          { description: 'Bolts', itemId: b, quantity: 3.5, unitPrice: 100, vatRate: 23 },
          { description: 'More widgets', itemId: a, quantity: 1, unitPrice: 1000, vatRate: 23 },
        ],
      }),
      201,
      'invoice',
    );
    const path = `${A}/invoices/${invoice.body.id}/goods-issue`;
    const wz = expectOk(await as(owner, 'POST', path, { warehouseId: w }), 201, 'goods issue');
    expect(wz.body).toMatchObject({ kind: 'issued', warehouseId: w, date: '2026-03-12', invoiceId: invoice.body.id });
    expect(wz.body.lines).toHaveLength(3);
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({ [a]: 7, [b]: 6.5 });
    const again = await as(owner, 'POST', path, { warehouseId: w });
    expect(again.status).toBe(409);
    expect(again.body.warehouseDocumentId).toBe(wz.body.id);
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({ [a]: 7, [b]: 6.5 });
    // Deleting the goods issue gives the stock back and frees the invoice for another one.
    expect((await as(owner, 'DELETE', `${A}/warehouse-documents/${wz.body.id}`)).status).toBe(204);
    expect(await stockOf(owner, org.mainAccountId, w)).toEqual({ [a]: 10, [b]: 10 });
    expectOk(await as(owner, 'POST', path, { warehouseId: w }), 201, 'goods issue again');
  });

  it('refuses a draft invoice (409), uncovered stock (409) and an unknown warehouse (400); an Employee is 403', async () => {
    const owner = user('owner');
    const a = await createItem(owner, org.mainAccountId);
    const w = await createWarehouse(owner, org.mainAccountId);
    const line = { description: 'Widgets', itemId: a, quantity: 2, unitPrice: 1000, vatRate: 23 };
    const draft = expectOk(await as(owner, 'POST', `${A}/invoices`, { currency: 'EUR', lines: [line] }), 201, 'draft');
    expect((await as(owner, 'POST', `${A}/invoices/${draft.body.id}/goods-issue`, { warehouseId: w })).status).toBe(409);
    const issued = expectOk(await as(owner, 'POST', `${A}/invoices`, { status: 'issued', currency: 'EUR', lines: [line] }), 201, 'issued');
    const path = `${A}/invoices/${issued.body.id}/goods-issue`;
    const uncovered = await as(owner, 'POST', path, { warehouseId: w });
    expect(uncovered.status).toBe(409);
    expect(uncovered.body).toMatchObject({ itemId: a, warehouseId: w });
    const ghost = '01JZZZZZZZZZZZZZZZZZZZZZZ3';
    const unknown = await as(owner, 'POST', path, { warehouseId: ghost });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain(ghost);
    expect((await as(user('employee'), 'POST', path, { warehouseId: w })).status).toBe(403);
  });
});
