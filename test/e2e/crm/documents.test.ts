import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization, type TestOrganization } from '../../support/orgs.js';
import { createDoc } from '../invoicing/helpers.js';
import { amend, contractor, create, ok, setMode, tokenOf, user } from './helpers.js';

/*
 * SPEC 5.6: sales-document lists follow the permissions of their events. An invoice linked
 * to an event the caller may not read is gone from their list and reads 404; unlinked
 * documents and documents of readable events are untouched; the static mode ignores links.
 */
let org: TestOrganization;
let acc: string;
let secret: string;
let open: string;
let unlinked: string;
let hidden: string;

const listedIds = async (who: string) =>
  (await ok(call('GET', `/accounts/${acc}/invoices?limit=200`, { token: await tokenOf(org, who) }), 200, 'list')).body.items.map((i: { id: string }) => i.id);

beforeAll(async () => {
  org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'manager', role: 'manager' }, { key: 'max', role: 'manager' }] });
  acc = org.mainAccountId;
  const c = await contractor(org, 'manager', 'Client');
  const kase = await create(org, 'manager', 'cases', { name: 'Deal', contractorId: c });
  const hiddenEvent = await create(org, 'manager', 'events', { name: 'Private meeting', caseId: kase });
  const openEvent = await create(org, 'manager', 'events', { name: 'Public meeting', caseId: kase });
  await ok(amend(org, 'manager', 'events', openEvent, { rows: [{ principal: user(org, 'max'), rights: ['read'] }] }), 200, 'share');
  const token = await tokenOf(org, 'manager');
  secret = (await createDoc(token, acc, 'invoices')).body.id;
  open = (await createDoc(token, acc, 'invoices')).body.id;
  unlinked = (await createDoc(token, acc, 'invoices')).body.id;
  await ok(call('PUT', `/accounts/${acc}/events/${hiddenEvent}/documents/${secret}`, { token, body: { kind: 'invoice' } }), 200, 'link');
  await ok(call('PUT', `/accounts/${acc}/events/${openEvent}/documents/${open}`, { token, body: { kind: 'invoice' } }), 200, 'link');
  hidden = hiddenEvent;
});

describe('sales documents follow their events (SPEC 5.6)', () => {
  it('static mode: links change nothing', async () => {
    expect(await listedIds('max')).toEqual(expect.arrayContaining([secret, open, unlinked]));
  });

  it('dynamic mode: an invoice of an unreadable event is hidden from the list and reads 404; the others stay', async () => {
    await setMode(org, 'dynamic');
    const ids = await listedIds('max');
    expect(ids).toEqual(expect.arrayContaining([open, unlinked]));
    expect(ids).not.toContain(secret);
    const token = await tokenOf(org, 'max');
    expect((await call('GET', `/accounts/${acc}/invoices/${secret}`, { token })).status).toBe(404);
    expect((await call('GET', `/accounts/${acc}/invoices/${open}`, { token })).status).toBe(200);
    expect(await listedIds('manager')).toEqual(expect.arrayContaining([secret, open, unlinked]));
    // Nor may he link a document to the event he cannot read.
    expect((await call('PUT', `/accounts/${acc}/events/${hidden}/documents/${unlinked}`, { token, body: { kind: 'invoice' } })).status).toBe(404);
  });
});
