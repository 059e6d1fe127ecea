import { beforeAll, describe, expect, it } from 'vitest';
import type { TestOrganization } from '../../support/orgs.js';
import { as, createItem, expectOk, organizationWithEveryRole, ROLES, type RoleKey } from './helpers.js';

/*
 * Price lists over HTTP: who may read and change them, and how a document line that names
 * an item and no price is priced: the client's list in the document's currency, else the
 * item's own price in that currency, else a 400 naming the line.
 */
let org: TestOrganization;
let A: string;
const user = (k: RoleKey) => org.users[k]!;
const GHOST = '01JZZZZZZZZZZZZZZZZZZZZZZ9';

beforeAll(async () => {
  org = await organizationWithEveryRole();
  A = `/accounts/${org.mainAccountId}`;
});

async function createClient(priceListId?: string): Promise<string> {
  const res = await as(user('owner'), 'POST', `${A}/clients`, { name: 'Client', ...(priceListId ? { priceListId } : {}) });
  return expectOk(res, 201, 'client').body.id;
}

async function createList(prices: Array<{ itemId: string; currency: string; unitPrice: number }>): Promise<string> {
  return expectOk(await as(user('owner'), 'POST', `${A}/price-lists`, { name: 'Wholesale', prices }), 201, 'price list').body.id;
}

const invoice = (body: Record<string, unknown>) => as(user('owner'), 'POST', `${A}/invoices`, { currency: 'EUR', ...body });

describe('who may use price lists', () => {
  // Everyone but Backoffice reads them (an Employee writes documents priced from them); only Owner and Manager change them.
  const MAY: Record<RoleKey, { view: boolean; write: boolean }> = {
    owner: { view: true, write: true },
    manager: { view: true, write: true },
    employee: { view: true, write: false },
    accountant: { view: true, write: false },
    backoffice: { view: false, write: false },
  };

  it.each(ROLES)('as %s: views and writes exactly as the role matrix says', async (role) => {
    const itemId = await createItem(user('owner'), org.mainAccountId);
    const listId = await createList([{ itemId, currency: 'EUR', unitPrice: 800 }]);
    const { view, write } = MAY[role];
    expect((await as(user(role), 'GET', `${A}/price-lists`)).status).toBe(view ? 200 : 403);
    expect((await as(user(role), 'GET', `${A}/price-lists/${listId}`)).status).toBe(view ? 200 : 403);
    expect((await as(user(role), 'POST', `${A}/price-lists`, { name: role })).status).toBe(write ? 201 : 403);
    expect((await as(user(role), 'PATCH', `${A}/price-lists/${listId}`, { version: 1, name: 'Renamed' })).status).toBe(write ? 200 : 403);
    expect((await as(user(role), 'DELETE', `${A}/price-lists/${listId}`)).status).toBe(write ? 204 : 403);
  });
});

describe('price lists and clients', () => {
  it('answers 400 naming an unknown item on a list, and an unknown list on a client', async () => {
    const itemId = await createItem(user('owner'), org.mainAccountId);
    const res = await as(user('owner'), 'POST', `${A}/price-lists`, {
      name: 'Bad',
      prices: [{ itemId, currency: 'EUR', unitPrice: 1 }, { itemId: GHOST, currency: 'EUR', unitPrice: 1 }],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'body.prices.1.itemId', message: `unknown item ${GHOST}` }]);
    const client = await as(user('owner'), 'POST', `${A}/clients`, { name: 'X', priceListId: GHOST });
    expect(client.status).toBe(400);
    expect(client.body.errors).toEqual([{ field: 'body.priceListId', message: `unknown price list ${GHOST}` }]);
    const clientId = await createClient();
    const patch = await as(user('owner'), 'PATCH', `${A}/clients/${clientId}`, { version: 1, priceListId: GHOST });
    expect(patch.status).toBe(400);
  });

  it('a client carries at most one list, set, changed and cleared by PATCH', async () => {
    const itemId = await createItem(user('owner'), org.mainAccountId);
    const [l1, l2] = [await createList([{ itemId, currency: 'EUR', unitPrice: 1 }]), await createList([])];
    const clientId = await createClient(l1);
    expect((await as(user('owner'), 'GET', `${A}/clients/${clientId}`)).body.priceListId).toBe(l1);
    expect(expectOk(await as(user('owner'), 'PATCH', `${A}/clients/${clientId}`, { version: 1, priceListId: l2 }), 200, 'change').body.priceListId).toBe(l2);
    expect(expectOk(await as(user('owner'), 'PATCH', `${A}/clients/${clientId}`, { version: 2, priceListId: null }), 200, 'clear').body.priceListId).toBeNull();
  });
});

describe('price resolution of document lines', () => {
  let widget: string;
  let gadget: string;
  let listId: string;
  let listed: string;
  let plain: string;

  beforeAll(async () => {
    widget = await createItem(user('owner'), org.mainAccountId, { name: 'Widget', unitPrice: 1000, currency: 'EUR', vatRate: 23 });
    gadget = await createItem(user('owner'), org.mainAccountId, { name: 'Gadget', unitPrice: 5000, currency: 'EUR', vatRate: 8 });
    listId = await createList([
      { itemId: widget, currency: 'EUR', unitPrice: 800 },
      { itemId: widget, currency: 'USD', unitPrice: 900 },
    ]);
    listed = await createClient(listId);
    plain = await createClient();
  });

  const line = (over: Record<string, unknown>) => ({ description: 'Line', quantity: 2, ...over });
  const prices = (res: { body: { lines: Array<{ unitPrice: number; vatRate: number }> } }) => res.body.lines.map((l) => [l.unitPrice, l.vatRate]);

  it("takes the client's list price in the document currency, else the item's price, and the item's VAT rate", async () => {
    const res = expectOk(await invoice({ clientId: listed, lines: [line({ itemId: widget }), line({ itemId: gadget })] }), 201, 'invoice');
    expect(prices(res)).toEqual([[800, 23], [5000, 8]]);
    expect(res.body.totals).toMatchObject({ net: 1600 + 10_000, vat: 368 + 800 });
  });

  it('takes the item price for a client without a list, and keeps a price the line gives', async () => {
    expect(prices(expectOk(await invoice({ clientId: plain, lines: [line({ itemId: widget })] }), 201, 'plain'))).toEqual([[1000, 23]]);
    expect(prices(expectOk(await invoice({ lines: [line({ itemId: widget })] }), 201, 'no client'))).toEqual([[1000, 23]]);
    const given = await invoice({ clientId: listed, lines: [line({ itemId: widget, unitPrice: 1234, vatRate: 5 })] });
    expect(prices(expectOk(given, 201, 'given'))).toEqual([[1234, 5]]);
  });

  it('in another currency: the list price in it, else 400 naming the line (no conversion, no price from another currency)', async () => {
    expect(prices(expectOk(await invoice({ currency: 'USD', clientId: listed, lines: [line({ itemId: widget })] }), 201, 'USD'))).toEqual([[900, 23]]);
    const res = await invoice({ currency: 'USD', clientId: listed, lines: [line({ itemId: widget }), line({ itemId: gadget })] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].field).toBe('body.lines.1.unitPrice');
    expect(res.body.errors[0].message).toContain(gadget);
    expect(res.body.errors[0].message).toContain('USD');
  });

  it('answers 400 naming an unknown item, and a line with neither item nor price', async () => {
    const unknown = await invoice({ lines: [line({ itemId: GHOST })] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'body.lines.0.itemId', message: `unknown item ${GHOST}` }]);
    expect((await invoice({ lines: [line({})] })).status).toBe(400);
  });

  it('re-prices changed lines with the client the document has after the change', async () => {
    const draft = expectOk(await invoice({ clientId: plain, lines: [line({ itemId: widget })] }), 201, 'draft');
    expect(prices(draft)).toEqual([[1000, 23]]);
    const changed = await as(user('owner'), 'PATCH', `${A}/invoices/${draft.body.id}`, { version: 1, clientId: listed, lines: [line({ itemId: widget })] });
    expect(prices(expectOk(changed, 200, 'patch'))).toEqual([[800, 23]]);
  });

  it('prices from the item once the client’s list is deleted', async () => {
    const ownList = await createList([{ itemId: widget, currency: 'EUR', unitPrice: 1 }]);
    const clientId = await createClient(ownList);
    expect(prices(expectOk(await invoice({ clientId, lines: [line({ itemId: widget })] }), 201, 'with list'))).toEqual([[1, 23]]);
    expect((await as(user('owner'), 'DELETE', `${A}/price-lists/${ownList}`)).status).toBe(204);
    expect(prices(expectOk(await invoice({ clientId, lines: [line({ itemId: widget })] }), 201, 'list gone'))).toEqual([[1000, 23]]);
  });
});
