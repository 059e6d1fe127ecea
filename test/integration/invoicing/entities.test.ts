import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  createDocument,
  deleteDraft,
  documentKeys,
  forEachDocumentInPeriod,
  getDocument,
  listDocuments,
  replaceDocument,
  type Document,
} from '#shared/data/entities/document.js';
import { getPayment, listPayments, recordPayment } from '#shared/data/entities/payment.js';
import { clients } from '#shared/data/entities/client.js';
import { getSettings, putSettings } from '#shared/data/entities/settings.js';
import { TransientConflict } from '#shared/data/dynamo.js';
import { ulid } from '#shared/domain/ids.js';
import { Conflict, NotFound, StaleVersion } from '#shared/domain/errors.js';
import { createTestTable } from '../../support/dynamodb.js';

/* The invoicing entities against DynamoDB Local: real conditions, transactions and indexes. */
let db: DynamoDBDocumentClient;
let table: string;
const store = () => ({ db, table, now: () => new Date() });
const ORG = 'org_01JTEST0000000000000000000';
// A fresh account per test: its partitions start empty, whatever ran before.
const account = () => `acc_${ulid()}`;

beforeAll(async () => {
  ({ db, table } = await createTestTable());
});

const doc = (accountId: string, over: Partial<Document> = {}): Document => ({
  documentId: ulid(),
  kind: 'invoice',
  organizationId: ORG,
  accountId,
  status: 'issued',
  currency: 'EUR',
  issueDate: '2026-03-01',
  lines: [],
  net: 1000,
  vat: 230,
  gross: 1230,
  paid: 0,
  createdBy: 'u-a',
  createdAt: 't',
  updatedBy: 'u-a',
  updatedAt: 't',
  version: 1,
  ...over,
});

describe('numbering against DynamoDB Local', () => {
  it('gives 50 concurrent issued documents the numbers 1..50, and the counter ends at 50', async () => {
    const acc = account();
    const created = await Promise.all(Array.from({ length: 50 }, () => createDocument(store(), doc(acc))));
    expect(created.map((d) => d.sequence!).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const counter = await db.send(new GetCommand({ TableName: table, Key: documentKeys.counter(acc, 'invoice'), ConsistentRead: true }));
    expect(counter.Item?.last).toBe(50);
  });

  it('numbers drafts issued concurrently with new documents without gap or duplicate', async () => {
    const acc = account();
    const drafts = await Promise.all(Array.from({ length: 10 }, () => createDocument(store(), doc(acc, { status: 'draft' }))));
    expect(drafts.every((d) => d.sequence === undefined)).toBe(true);
    const results = await Promise.all([
      ...drafts.map((d) => replaceDocument(store(), d, { ...doc(acc), documentId: d.documentId, status: 'issued' })),
      ...Array.from({ length: 10 }, () => createDocument(store(), doc(acc))),
    ]);
    expect(results.map((d) => d.sequence!).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('when two writers issue the same draft at once, exactly one wins and one number is used', async () => {
    const acc = account();
    const d = await createDocument(store(), doc(acc, { status: 'draft' }));
    const outcomes = await Promise.allSettled([1, 2].map(() => replaceDocument(store(), d, { ...doc(acc), documentId: d.documentId, status: 'issued' })));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(StaleVersion);
    expect((rejected.reason as StaleVersion).extensions).toEqual({ currentVersion: 2 });
    const next = await createDocument(store(), doc(acc));
    expect(next.sequence).toBe(2);
  });

  it('deletes a draft only at the version read, and never an issued document', async () => {
    const acc = account();
    const d = await createDocument(store(), doc(acc, { status: 'draft' }));
    const stale = await deleteDraft(store(), { ...d, version: 0 }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleVersion);
    expect((stale as StaleVersion).extensions).toEqual({ currentVersion: 1 });
    await deleteDraft(store(), d);
    expect(await getDocument(store(), acc, 'invoice', d.documentId)).toBeUndefined();
    const issued = await createDocument(store(), doc(acc));
    await expect(deleteDraft(store(), issued)).rejects.toBeInstanceOf(StaleVersion);
    expect(await getDocument(store(), acc, 'invoice', issued.documentId, true)).toBeDefined();
  });
});

describe('document indexes against DynamoDB Local', () => {
  it("lists the account's documents by issue date (gsi1) and one creator's (gsi2), paginated", async () => {
    const acc = account();
    for (const [day, by] of [['01', 'u-a'], ['02', 'u-b'], ['03', 'u-a'], ['04', 'u-b'], ['05', 'u-a']] as const) {
      await createDocument(store(), doc(acc, { issueDate: `2026-01-${day}`, createdBy: by }));
    }
    const all: Document[] = [];
    let cursor: string | undefined;
    do {
      const page = await listDocuments(store(), { accountId: acc, kind: 'invoice', scope: 'all', userId: 'u-a' }, { limit: 2, cursor, boundTo: 'u-a' });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all.map((d) => d.issueDate)).toEqual(['2026-01-05', '2026-01-04', '2026-01-03', '2026-01-02', '2026-01-01']);
    const own = await listDocuments(store(), { accountId: acc, kind: 'invoice', scope: 'own', userId: 'u-b' }, { limit: 10, boundTo: 'u' });
    expect(own.items.map((d) => d.createdBy)).toEqual(['u-b', 'u-b']);
    const range = await listDocuments(store(), { accountId: acc, kind: 'invoice', scope: 'all', userId: 'u-a', from: '2026-01-02', to: '2026-01-04' }, { limit: 10, boundTo: 'u' });
    expect(range.items).toHaveLength(3);
  });

  it('reads exactly the documents of the period for a report, own or all', async () => {
    const acc = account();
    for (const date of ['2025-12-31', '2026-01-01', '2026-01-15', '2026-01-31', '2026-02-01']) {
      await createDocument(store(), doc(acc, { issueDate: date }));
    }
    await createDocument(store(), doc(acc, { issueDate: '2026-01-10', kind: 'expense' }));
    await createDocument(store(), doc(acc, { issueDate: '2026-01-10', createdBy: 'u-b' }));
    const seen: string[] = [];
    const all = await forEachDocumentInPeriod(store(), { accountId: acc, kind: 'invoice', scope: 'all', userId: 'x', from: '2026-01-01', to: '2026-01-31' }, (d) => seen.push(d.issueDate));
    expect(all.itemsRead).toBe(4);
    expect(seen).toEqual(['2026-01-01', '2026-01-10', '2026-01-15', '2026-01-31']);
    const own = await forEachDocumentInPeriod(store(), { accountId: acc, kind: 'invoice', scope: 'own', userId: 'u-b', from: '2026-01-01', to: '2026-01-31' }, () => undefined);
    expect(own.itemsRead).toBe(1);
  });

  it('keeps accounts apart: the same ids in another account are other items', async () => {
    const [a, b] = [account(), account()];
    const d = await createDocument(store(), doc(a));
    expect(await getDocument(store(), b, 'invoice', d.documentId)).toBeUndefined();
    expect((await listDocuments(store(), { accountId: b, kind: 'invoice', scope: 'all', userId: 'u-a' }, { limit: 10, boundTo: 'u' })).items).toEqual([]);
  });
});

describe('payments against DynamoDB Local', () => {
  it('records a payment and moves the invoice in one transaction; a stale invoice writes nothing', async () => {
    const acc = account();
    const invoice = await createDocument(store(), doc(acc));
    const payment = {
      paymentId: ulid(),
      organizationId: ORG,
      accountId: acc,
      invoiceId: invoice.documentId,
      invoiceCreatedBy: invoice.createdBy,
      amount: 230,
      currency: 'EUR',
      paidAt: '2026-03-05',
      createdBy: 'u-m',
      createdAt: 't',
    };
    const moved = () => new TransientConflict('moved');
    await recordPayment(store(), payment, invoice, { paid: 230, status: 'partially-paid' }, moved);
    const after = await getDocument(store(), acc, 'invoice', invoice.documentId, true);
    expect(after).toMatchObject({ paid: 230, status: 'partially-paid', version: 2 });
    // The same (now stale) invoice version: refused, and the second payment does not exist.
    const second = { ...payment, paymentId: ulid() };
    await expect(recordPayment(store(), second, invoice, { paid: 460, status: 'partially-paid' }, moved)).rejects.toBeInstanceOf(TransientConflict);
    expect(await getPayment(store(), acc, second.paymentId)).toBeUndefined();
    expect((await listPayments(store(), { accountId: acc, scope: 'own', userId: invoice.createdBy }, { limit: 10, boundTo: 'u' })).items).toHaveLength(1);
    expect((await listPayments(store(), { accountId: acc, scope: 'own', userId: 'u-m' }, { limit: 10, boundTo: 'u' })).items).toHaveLength(0);
  });
});

describe('clients and settings against DynamoDB Local', () => {
  it('edits a client only at the version read, lists the account, and deletes once', async () => {
    const acc = account();
    const base = { accountId: acc, createdBy: 'u', createdAt: 't', updatedAt: 't', version: 1 };
    const c = await clients.create(store(), { ...base, clientId: ulid(), name: 'ACME' });
    await clients.create(store(), { ...base, clientId: ulid(), name: 'Beta' });
    await clients.replace(store(), { ...c, name: 'ACME Ltd' }, 1);
    const stale = await clients.replace(store(), { ...c, name: 'lost update' }, 1).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleVersion);
    // The version comes from the item DynamoDB returned with the refusal.
    expect((stale as StaleVersion).extensions).toEqual({ currentVersion: 2 });
    expect((await clients.get(store(), acc, c.clientId))?.name).toBe('ACME Ltd');
    expect((await clients.list(store(), acc, { limit: 10, boundTo: 'u' })).items.map((i) => i.name).sort()).toEqual(['ACME Ltd', 'Beta']);
    await clients.remove(store(), acc, c.clientId);
    await expect(clients.remove(store(), acc, c.clientId)).rejects.toBeInstanceOf(NotFound);
    await expect(clients.replace(store(), c, 2)).rejects.toBeInstanceOf(NotFound);
  });

  it('refuses a second client with the same id instead of overwriting it', async () => {
    const acc = account();
    const c = { accountId: acc, clientId: ulid(), name: 'ACME', createdBy: 'u', createdAt: 't', updatedAt: 't', version: 1 };
    await clients.create(store(), c);
    await expect(clients.create(store(), { ...c, name: 'Impostor' })).rejects.toBeInstanceOf(Conflict);
    expect((await clients.get(store(), acc, c.clientId))?.name).toBe('ACME');
  });

  it('writes settings at version 0 once, then only on the current version', async () => {
    const acc = account();
    const input = { accountId: acc, section: 'business', data: { name: 'A' }, updatedBy: 'u', updatedAt: 't' };
    await putSettings(store(), input, 0);
    const second = await putSettings(store(), { ...input, data: { name: 'B' } }, 0).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(StaleVersion);
    expect((second as StaleVersion).extensions).toEqual({ currentVersion: 1 });
    await putSettings(store(), { ...input, data: { name: 'C' } }, 1);
    expect(await getSettings(store(), acc, 'business', true)).toMatchObject({ version: 2, data: { name: 'C' } });
  });
});
