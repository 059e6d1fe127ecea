import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocument, forEachDocumentInPeriod, listDocuments, MAX_NUMBERING_ATTEMPTS, replaceDocument, type NewDocument } from '#shared/data/document-repository.js';
import { recordPayment } from '#shared/data/entities/payment.js';
import { TransientConflict } from '#shared/data/dynamo.js';
import { clientEntity, deleteEntry, replaceEntry } from '#shared/data/catalog-repository.js';
import { putSettings } from '#shared/data/settings-repository.js';
import { documentItem, type ClientItem } from '#shared/data/items.js';
import { formatDocumentNumber } from '#shared/domain/invoicing/documents.js';
import { NotFound, ServiceUnavailable, StaleVersion } from '#shared/domain/errors.js';

const TABLE = 'kontor-test';
const ACC = 'acc_01JTEST0000000000000000000';
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const ddb = mockClient(DynamoDBDocumentClient);
const store = { db, table: TABLE, now: () => new Date('2026-03-02T10:00:00Z') };

beforeEach(() => {
  // Backoff sleeps become 0 ms: the retry logic runs, the test does not wait.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  ddb.reset();
  vi.restoreAllMocks();
});

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const draft = (over: Partial<NewDocument> = {}): NewDocument => ({
  documentId: '01JDOC00000000000000000001',
  kind: 'invoice',
  organizationId: 'org_01JTEST0000000000000000000',
  accountId: ACC,
  status: 'issued',
  currency: 'EUR',
  issueDate: '2026-03-01',
  lines: [],
  net: 100,
  vat: 23,
  gross: 123,
  paid: 0,
  createdBy: 'u1',
  createdAt: 't',
  updatedBy: 'u1',
  updatedAt: 't',
  version: 1,
  ...over,
});

describe('document numbering (counter and document in one transaction)', () => {
  it('when the counter moved since it was read, it re-reads and takes the next number', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: { last: 4 } }).resolvesOnce({ Item: { last: 5 } });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None')).resolves({});
    const doc = await createDocument(store, draft(), formatDocumentNumber);
    expect(doc).toMatchObject({ sequence: 6, number: 'INV-000006' });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    const second = ddb.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems!;
    expect(second[0]!.Update).toMatchObject({ ConditionExpression: '#last = :last', ExpressionAttributeValues: { ':last': 5, ':next': 6 } });
    expect(second[1]!.Put).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)', Item: { sequence: 6 } });
  });

  it('when the account has no counter yet, it creates it at 1 only if it still does not exist', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const doc = await createDocument(store, draft(), formatDocumentNumber);
    expect(doc.sequence).toBe(1);
    expect(ddb).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [expect.objectContaining({ Update: expect.objectContaining({ ConditionExpression: 'attribute_not_exists(pk)' }) }), expect.anything()],
    });
  });

  it('when another transaction conflicts on the counter, it retries', async () => {
    ddb.on(GetCommand).resolves({ Item: { last: 1 } });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('TransactionConflict', 'None')).rejectsOnce(cancelled('None', 'TransactionConflict')).resolves({});
    expect((await createDocument(store, draft(), formatDocumentNumber)).sequence).toBe(2);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
  });

  it('when every attempt loses, it answers 503 having written nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: { last: 1 } });
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    await expect(createDocument(store, draft(), formatDocumentNumber)).rejects.toBeInstanceOf(ServiceUnavailable);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, MAX_NUMBERING_ATTEMPTS);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('when DynamoDB fails otherwise, it does not retry and passes the error on', async () => {
    ddb.on(GetCommand).resolves({ Item: { last: 1 } });
    ddb.on(TransactWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(createDocument(store, draft(), formatDocumentNumber)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('when issuing a draft that changed meanwhile, it answers 409 with the current version and takes no number', async () => {
    const current = documentItem({ ...draft({ status: 'draft' }) });
    ddb.on(GetCommand, { Key: { pk: current.pk, sk: 'COUNTER#invoice' } }).resolves({ Item: { last: 7 } });
    ddb.on(GetCommand, { Key: { pk: current.pk, sk: current.sk } }).resolves({ Item: { ...current, version: 3 } });
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    const err = await replaceDocument(store, current, { ...draft(), status: 'issued' }, formatDocumentNumber).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleVersion);
    expect((err as StaleVersion).extensions).toEqual({ currentVersion: 3 });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('when a document that is not issued changes, it is one conditional Put and keeps its number', async () => {
    const current = documentItem({ ...draft({ status: 'issued' }) });
    const numberedCurrent = { ...current, sequence: 9, number: 'INV-000009' };
    ddb.on(PutCommand).resolves({});
    const out = await replaceDocument(store, numberedCurrent, { ...draft(), status: 'cancelled' }, formatDocumentNumber);
    expect(out).toMatchObject({ status: 'cancelled', sequence: 9, number: 'INV-000009', version: 2 });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { ConditionExpression: '#version = :version AND #status = :status' });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('when the document is gone at write time, it answers 404', async () => {
    const current = documentItem({ ...draft({ status: 'issued' }) });
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    ddb.on(GetCommand).resolves({});
    await expect(replaceDocument(store, current, draft({ status: 'cancelled' }), formatDocumentNumber)).rejects.toBeInstanceOf(NotFound);
  });
});

describe('document queries', () => {
  it("lists an Employee's documents from the creator index, never the account's", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await listDocuments(store, { accountId: ACC, kind: 'invoice', scope: 'own', userId: 'u#1' }, { limit: 10 });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'gsi2',
      ExpressionAttributeValues: { ':pk': `ACCOUNT#${ACC}#CREATOR#u%231#DOCS#invoice` },
    });
  });

  it('reads a report period as one key range, every page, counting what it read', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ a: 1 }], ScannedCount: 1, LastEvaluatedKey: { k: 1 } })
      .resolvesOnce({ Items: [{ a: 2 }, { a: 3 }], ScannedCount: 2 });
    const seen: unknown[] = [];
    const read = await forEachDocumentInPeriod(store, { accountId: ACC, kind: 'invoice', scope: 'all', userId: 'u1', from: '2026-01-01', to: '2026-01-31' }, (d) => seen.push(d));
    expect(read.itemsRead).toBe(3);
    expect(seen).toHaveLength(3);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'gsi1',
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :start AND :end',
      ExpressionAttributeValues: { ':pk': `ACCOUNT#${ACC}#DOCS#invoice`, ':start': '2026-01-01#', ':end': '2026-01-31#~' },
    });
    expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({ k: 1 });
  });
});

describe('payments', () => {
  const invoice = documentItem({ ...draft({ status: 'issued' }) });
  const payment = {
    paymentId: '01JPAY00000000000000000001',
    organizationId: invoice.organizationId,
    accountId: ACC,
    invoiceId: invoice.documentId,
    invoiceCreatedBy: 'u1',
    amount: 10,
    currency: 'EUR',
    paidAt: '2026-03-02',
    createdBy: 'u2',
    createdAt: 't',
  };

  const moved = () => new TransientConflict('moved');
  const { pk: _pk, sk: _sk, gsi1pk: _1, gsi1sk: _2, gsi2pk: _3, gsi2sk: _4, type: _t, ...plainInvoice } = invoice;

  it('when the invoice changed since it was read, it reports that the invoice moved (the caller retries)', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    await expect(recordPayment(store, payment, plainInvoice, { paid: 10, status: 'partially-paid' }, moved)).rejects.toBeInstanceOf(TransientConflict);
  });

  it('when the transaction is throttled, it answers 503 with Retry-After instead of retrying as a moved invoice', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ThrottlingError', 'None'));
    const err = await recordPayment(store, payment, plainInvoice, { paid: 10, status: 'partially-paid' }, moved).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect((err as ServiceUnavailable).headers).toEqual({ 'retry-after': '1' });
  });

  it('writes the payment and the invoice status in one transaction conditioned on the version', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await recordPayment(store, payment, plainInvoice, { paid: 10, status: 'partially-paid' }, moved);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.Put?.Item).toMatchObject({ gsi2pk: `ACCOUNT#${ACC}#CREATOR#u1#PAYMENTS`, amount: 10 });
    expect(items[1]!.Update).toMatchObject({
      ConditionExpression: '#version = :version',
      ExpressionAttributeValues: expect.objectContaining({ ':version': 1, ':next': 2, ':paid': 10, ':status': 'partially-paid' }),
    });
  });
});

describe('clients and items, settings', () => {
  const client = { clientId: '01JCLI00000000000000000001', accountId: ACC, name: 'ACME', createdBy: 'u1', createdAt: 't', updatedAt: 't', version: 2 } as Omit<ClientItem, 'pk' | 'sk' | 'type'>;

  it('when the client changed meanwhile, it answers 409 naming the current version', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    ddb.on(GetCommand).resolves({ Item: { ...client, version: 5 } });
    const err = await replaceEntry(store, clientEntity, client, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleVersion);
    expect((err as StaleVersion).extensions).toEqual({ currentVersion: 5 });
  });

  it('when the client was deleted meanwhile, an edit answers 404', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    ddb.on(GetCommand).resolves({});
    await expect(replaceEntry(store, clientEntity, client, 2)).rejects.toBeInstanceOf(NotFound);
  });

  it('when the client does not exist, a delete answers 404', async () => {
    ddb.rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(deleteEntry(store, clientEntity, ACC, client.clientId)).rejects.toBeInstanceOf(NotFound);
  });

  it('when settings are written for the first time, the write requires that none exist', async () => {
    ddb.on(PutCommand).resolves({});
    await putSettings(store, { accountId: ACC, section: 'other', data: {}, updatedBy: 'u1', updatedAt: 't' }, 0);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { ConditionExpression: 'attribute_not_exists(pk)', Item: expect.objectContaining({ version: 1 }) });
  });

  it('when settings were changed meanwhile, it answers 409 with the current version', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    ddb.on(GetCommand).resolves({ Item: { version: 4 } });
    const err = await putSettings(store, { accountId: ACC, section: 'other', data: {}, updatedBy: 'u1', updatedAt: 't' }, 3).catch((e: unknown) => e);
    expect((err as StaleVersion).extensions).toEqual({ currentVersion: 4 });
  });
});
