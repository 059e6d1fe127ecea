import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { createOrganization } from '../support/orgs.js';
import { createDoc, documentBody, expectStatus, listAll } from './invoicing/helpers.js';

/*
 * The wrapper's conventions over HTTP through the local runtime (API Gateway emulation,
 * real authorizer, real handlers, DynamoDB Local): Idempotency-Key, ETag / If-Match, 415
 * and the response headers.
 */
const org = async () => {
  const o = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'mgr', role: 'manager' }] });
  return { org: o, owner: await o.users.owner!.token(), manager: await o.users.mgr!.token(), base: `/accounts/${o.mainAccountId}` };
};

describe('Idempotency-Key over HTTP', () => {
  it('when a payment is retried with the same key, one payment is recorded and the retry replays the first answer', async () => {
    const { owner, base, org: o } = await org();
    const inv = await createDoc(owner, o.mainAccountId, 'invoices', { status: 'issued' });
    const key = randomUUID();
    const pay = () =>
      call('POST', `${base}/payments`, {
        token: owner,
        body: { invoiceId: inv.body.id, amount: 5_000, paidAt: '2026-03-20', method: 'bank-transfer' },
        headers: { 'Idempotency-Key': key },
      });
    const first = await expectStatus(await pay(), 201, 'first payment');
    const retry = await expectStatus(await pay(), 201, 'retried payment');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const payments = await listAll(owner, `${base}/payments`);
    expect(payments.filter((p) => p.invoiceId === inv.body.id)).toHaveLength(1);
  });

  it('when two identical invoice creations race under one key, one invoice is created', async () => {
    const { owner, base } = await org();
    const key = randomUUID();
    const body = documentBody({ notes: `race ${key}` });
    const results = await Promise.all(
      [1, 2, 3].map(() => call('POST', `${base}/invoices`, { token: owner, body, headers: { 'Idempotency-Key': key } })),
    );
    for (const r of results) expect(r.status, r.text).toBe(201);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const invoices = await listAll(owner, `${base}/invoices`);
    expect(invoices.filter((i) => i.notes === `race ${key}`)).toHaveLength(1);
  });

  it('when the same key comes with a different body, it answers 422 idempotency-key-reused', async () => {
    const { owner, base } = await org();
    const key = randomUUID();
    await expectStatus(await call('POST', `${base}/clients`, { token: owner, body: { name: 'Acme' }, headers: { 'Idempotency-Key': key } }), 201, 'client');
    const other = await call('POST', `${base}/clients`, { token: owner, body: { name: 'Other' }, headers: { 'Idempotency-Key': key } });
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('https://kontor.dev/problems/idempotency-key-reused');
    const clients = await listAll(owner, `${base}/clients`);
    expect(clients.map((c) => c.name)).toEqual(['Acme']);
  });

  it('when a different user sends the same key, their request is independent', async () => {
    const { owner, manager, base } = await org();
    const key = randomUUID();
    const mine = await call('POST', `${base}/clients`, { token: owner, body: { name: 'Acme' }, headers: { 'Idempotency-Key': key } });
    const theirs = await call('POST', `${base}/clients`, { token: manager, body: { name: 'Acme' }, headers: { 'Idempotency-Key': key } });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await listAll(owner, `${base}/clients`)).toHaveLength(2);
  });
});

describe('ETag, If-Match and media types over HTTP', () => {
  it('when a client is read, its ETag is its version; a change with If-Match and no body version works, a stale If-Match is 412', async () => {
    const { owner, base } = await org();
    const created = await expectStatus(await call('POST', `${base}/clients`, { token: owner, body: { name: 'Acme' } }), 201, 'client');
    const read = await call('GET', `${base}/clients/${created.body.id}`, { token: owner });
    expect(read.headers.get('etag')).toBe(`"${read.body.version}"`);
    expect(read.headers.get('cache-control')).toBe('no-store');
    expect(read.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = read.headers.get('etag')!;

    const changed = await call('PATCH', `${base}/clients/${created.body.id}`, { token: owner, body: { name: 'Acme Ltd' }, headers: { 'If-Match': etag } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.headers.get('etag')).toBe(`"${read.body.version + 1}"`);

    const stale = await call('PATCH', `${base}/clients/${created.body.id}`, { token: owner, body: { name: 'Again' }, headers: { 'If-Match': etag } });
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe('https://kontor.dev/problems/precondition-failed');
    // Without If-Match, the body version keeps its 409.
    const conflict = await call('PATCH', `${base}/clients/${created.body.id}`, { token: owner, body: { name: 'Again', version: read.body.version } });
    expect(conflict.status).toBe(409);
  });

  it("when API Gateway itself refuses (no token, unknown path), the problem says no-store and nosniff too", async () => {
    for (const res of [await call('GET', '/me'), await call('GET', '/nowhere')]) {
      expect([401, 404]).toContain(res.status);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('when a body is sent as text/plain, it answers 415 problem+json', async () => {
    const { owner, base } = await org();
    const res = await call('POST', `${base}/clients`, { token: owner, rawBody: '{"name":"Acme"}', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(res.body.type).toBe('https://kontor.dev/problems/unsupported-media-type');
    expect(await listAll(owner, `${base}/clients`)).toHaveLength(0);
  });

  it('when a body has 50,000 unknown keys, the 400 stays small: at most 20 errors, each message bounded', async () => {
    const { owner, base } = await org();
    const body = Object.fromEntries([['name', 'Acme'], ...Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 1])]);
    const res = await call('POST', `${base}/clients`, { token: owner, body });
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(8_192);
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(res.body.errors.length).toBeLessThanOrEqual(20);
    for (const e of res.body.errors) expect(e.message.length).toBeLessThanOrEqual(200);
  });

  it('when a body has more invalid fields than 20, it names the first 20 and counts the rest in moreErrors', async () => {
    const { owner, base } = await org();
    const lines = Array.from({ length: 50 }, () => ({ description: '', quantity: -1, unitPrice: 1, vatRate: 23 }));
    const res = await call('POST', `${base}/invoices`, { token: owner, body: documentBody({ lines }) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(20);
    expect(res.body.moreErrors).toBe(80);
    expect(res.body.errors[0].field).toBe('body.lines.0.description');
  });

  it('when a body is over 1 MiB, it answers 413 payload-too-large before reading it', async () => {
    const { owner, base } = await org();
    const res = await call('POST', `${base}/clients`, { token: owner, body: { name: 'Acme', notes: 'x'.repeat(1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.type).toBe('https://kontor.dev/problems/payload-too-large');
    expect(await listAll(owner, `${base}/clients`)).toHaveLength(0);
  });
});
