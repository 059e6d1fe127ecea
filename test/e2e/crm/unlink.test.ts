import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization, type TestOrganization } from '../../support/orgs.js';
import { auditAbout } from '../admin/helpers.js';
import { createDoc } from '../invoicing/helpers.js';
import { amend, contractor, create, ok, setMode, tokenOf, user } from './helpers.js';

/*
 * SPEC 5.6: linking, moving and unlinking a sales document. Moving needs the special right
 * on the event it leaves as well as on the one it joins; unlinking gives the document back
 * to the roles alone; every change is audited; two racing moves cannot both win.
 */
let org: TestOrganization;
let acc: string;
let hiddenEvent: string;
let readOnly: string; // max reads it, no special right
let maxSpecial: string; // max reads it and holds its special right
let other: string;

const path = (event: string, doc: string) => `/accounts/${acc}/events/${event}/documents/${doc}`;
const link = async (who: string, event: string, doc: string) => call('PUT', path(event, doc), { token: await tokenOf(org, who), body: { kind: 'invoice' } });
const unlink = async (who: string, event: string, doc: string) => call('DELETE', `${path(event, doc)}?kind=invoice`, { token: await tokenOf(org, who) });
const newInvoice = async (): Promise<string> => (await createDoc(await tokenOf(org, 'manager'), acc, 'invoices')).body.id;
const listedIds = async (who: string): Promise<string[]> =>
  (await ok(call('GET', `/accounts/${acc}/invoices?limit=200`, { token: await tokenOf(org, who) }), 200, 'list')).body.items.map((i: { id: string }) => i.id);

beforeAll(async () => {
  org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'manager', role: 'manager' }, { key: 'max', role: 'manager' }] });
  acc = org.mainAccountId;
  const kase = await create(org, 'manager', 'cases', { name: 'Deal', contractorId: await contractor(org, 'manager', 'Client') });
  hiddenEvent = await create(org, 'manager', 'events', { name: 'Private meeting', caseId: kase });
  readOnly = await create(org, 'manager', 'events', { name: 'Board meeting', caseId: kase });
  maxSpecial = await create(org, 'manager', 'events', { name: "Max's meeting", caseId: kase });
  other = await create(org, 'manager', 'events', { name: 'Other meeting', caseId: kase });
  await ok(amend(org, 'manager', 'events', readOnly, { rows: [{ principal: user(org, 'max'), rights: ['read'] }] }), 200, 'share read');
  await ok(amend(org, 'manager', 'events', maxSpecial, { rows: [{ principal: user(org, 'max'), rights: ['read', 'special'] }] }), 200, 'share special');
  await setMode(org, 'dynamic');
});

describe('unlinking and moving sales documents (SPEC 5.6)', () => {
  it('unlinking a document from an event he cannot read makes it visible again to a member whose role sees documents', async () => {
    const doc = await newInvoice();
    await ok(link('manager', hiddenEvent, doc), 200, 'link');
    expect(await listedIds('max')).not.toContain(doc);
    await ok(unlink('manager', hiddenEvent, doc), 204, 'unlink');
    expect(await listedIds('max')).toContain(doc);
    expect((await call('GET', `/accounts/${acc}/invoices/${doc}`, { token: await tokenOf(org, 'max') })).status).toBe(200);
    // No longer linked there: 404, and nothing more in the log.
    expect((await unlink('manager', hiddenEvent, doc)).status).toBe(404);
  });

  it('unlinking from an event the document is not linked to is 404', async () => {
    const doc = await newInvoice();
    await ok(link('manager', readOnly, doc), 200, 'link');
    expect((await unlink('manager', other, doc)).status).toBe(404);
  });

  it('without the special right on the event a document is linked to, neither moving it away nor unlinking it is allowed (403)', async () => {
    const doc = await newInvoice();
    await ok(link('manager', readOnly, doc), 200, 'link');
    // Max holds the special right on the target event, but not on the one the document is on.
    expect((await link('max', maxSpecial, doc)).status).toBe(403);
    expect((await unlink('max', readOnly, doc)).status).toBe(403);
    const entries = await auditAbout(org.users.owner!, acc, doc);
    expect(entries.map((e) => e.action)).toEqual(['document.linked']);
    expect(entries[0]!.after).toEqual({ kind: 'invoice', eventId: readOnly });
    // Where he holds it on both, he may move it.
    const mine = await newInvoice();
    await ok(link('max', maxSpecial, mine), 200, 'max links');
    expect((await unlink('max', maxSpecial, mine)).status).toBe(204);
  });

  it('link, move and unlink each leave one audit entry naming the events before and after', async () => {
    const doc = await newInvoice();
    await ok(link('manager', readOnly, doc), 200, 'link');
    const moved = await ok(link('manager', other, doc), 200, 'move');
    expect(moved.body).toMatchObject({ eventId: other, kind: 'invoice', documentId: doc, linkedBy: org.users.manager!.userId });
    // Linking it again where it already is changes nothing and records nothing.
    await ok(link('manager', other, doc), 200, 'same link');
    await ok(unlink('manager', other, doc), 204, 'unlink');
    const entries = await auditAbout(org.users.owner!, acc, doc);
    expect(entries.map((e) => ({ action: e.action, type: e.target.type, actor: e.actorId, before: e.before, after: e.after }))).toEqual([
      { action: 'document.unlinked', type: 'document', actor: org.users.manager!.userId, before: { kind: 'invoice', eventId: other }, after: null },
      { action: 'document.linked', type: 'document', actor: org.users.manager!.userId, before: { kind: 'invoice', eventId: readOnly }, after: { kind: 'invoice', eventId: other } },
      { action: 'document.linked', type: 'document', actor: org.users.manager!.userId, before: null, after: { kind: 'invoice', eventId: readOnly } },
    ]);
  });

  it('two concurrent moves of one document never both leave the same event: one gets 409, or they apply one after the other', async () => {
    const doc = await newInvoice();
    await ok(link('manager', readOnly, doc), 200, 'link');
    const results = await Promise.all([link('manager', other, doc), link('manager', maxSpecial, doc)]);
    expect(results.map((r) => r.status).sort()).toEqual(expect.arrayContaining([200]));
    for (const r of results) expect([200, 409]).toContain(r.status);
    // The moves that happened form one chain from the first event: no move decided on a link
    // another move had already replaced (a lost update would show two moves leaving readOnly).
    const moves = (await auditAbout(org.users.owner!, acc, doc)).filter((e) => e.before !== null).reverse();
    expect(moves).toHaveLength(results.filter((r) => r.status === 200).length);
    let at = readOnly;
    for (const m of moves) {
      expect(m.before).toEqual({ kind: 'invoice', eventId: at });
      at = (m.after as { eventId: string }).eventId;
    }
    // The link is where the last move put it: unlinking there succeeds.
    await ok(unlink('manager', at, doc), 204, 'unlink at the last event');
  });
});
