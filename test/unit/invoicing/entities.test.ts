import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  createDocument,
  deleteDraft,
  documentCounterEntity,
  documentEntity,
  documentKeys,
  forEachDocumentInPeriod,
  listDocuments,
  MAX_NUMBERING_ATTEMPTS,
  replaceDocument,
  type Document,
} from '#shared/data/entities/document.js';
import { recordPayment } from '#shared/data/entities/payment.js';
import { clientEntity, clients, type Client } from '#shared/data/entities/client.js';
import { putSettings, settingsEntity } from '#shared/data/entities/settings.js';
import { TransientConflict } from '#shared/data/dynamo.js';
import { CorruptItem } from '#shared/data/entity.js';
import { Conflict, NotFound, PeriodClosed, ServiceUnavailable, StaleVersion } from '#shared/domain/errors.js';
import { LOCK_SHARDS, periodGuardKey, shardOf } from '#shared/data/entities/period-lock.js';

/* The invoicing entities' access patterns on DynamoDB's refusals, without DynamoDB. */
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

/** A cancelled transaction, one reason per item; `items` are what ALL_OLD returns for the failing ones. */
const cancelled = (codes: string[], items: Record<number, Record<string, unknown>> = {}) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code, i) => ({ Code, ...(items[i] ? { Item: marshall(items[i], { removeUndefinedValues: true }) } : {}) })),
  });
const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({ message: 'no', $metadata: {}, ...(item ? { Item: marshall(item, { removeUndefinedValues: true }) } : {}) });

const doc = (over: Partial<Document> = {}): Document => ({
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
const counterAt = (last: number) => ({ Item: documentCounterEntity.item({ accountId: ACC, kind: 'invoice', last }) });
const documentKey = documentKeys.document(ACC, 'invoice', '01JDOC00000000000000000001');

describe('document numbering (counter and document in one transaction)', () => {
  it('when the counter moved since it was read, it re-reads and takes the next number', async () => {
    ddb.on(GetCommand).resolvesOnce(counterAt(4)).resolvesOnce(counterAt(5));
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['None', 'ConditionalCheckFailed', 'None'])).resolves({});
    const created = await createDocument(store, doc());
    expect(created).toMatchObject({ sequence: 6, number: 'INV-000006' });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    const second = ddb.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems!;
    expect(second[1]!.Put).toMatchObject({ ConditionExpression: '#last = :last', ExpressionAttributeValues: { ':last': 5 }, Item: { last: 6 } });
    expect(second[2]!.Put).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)', Item: { sequence: 6 } });
  });

  it('when the account has no counter yet, it creates it at 1 only if it still does not exist', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const created = await createDocument(store, doc());
    expect(created.sequence).toBe(1);
    expect(ddb).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [expect.anything(), expect.objectContaining({ Put: expect.objectContaining({ ConditionExpression: 'attribute_not_exists(pk)', Item: expect.objectContaining({ last: 1 }) }) }), expect.anything()],
    });
  });

  it('when the counter was written before it carried its account and kind, it still takes the next number', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...documentKeys.counter(ACC, 'invoice'), type: 'document-counter', last: 3 } });
    ddb.on(TransactWriteCommand).resolves({});
    expect(await createDocument(store, doc())).toMatchObject({ sequence: 4, number: 'INV-000004' });
    const written = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![1]!.Put!;
    expect(written).toMatchObject({ ExpressionAttributeValues: { ':last': 3 }, Item: { accountId: ACC, kind: 'invoice', last: 4 } });
  });

  it('when another transaction conflicts on the counter, it retries', async () => {
    ddb.on(GetCommand).resolves(counterAt(1));
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['None', 'TransactionConflict', 'None'])).rejectsOnce(cancelled(['None', 'None', 'TransactionConflict'])).resolves({});
    expect((await createDocument(store, doc())).sequence).toBe(2);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
  });

  it('when every attempt loses, it answers 503 having written nothing', async () => {
    ddb.on(GetCommand).resolves(counterAt(1));
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None']));
    await expect(createDocument(store, doc())).rejects.toBeInstanceOf(ServiceUnavailable);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, MAX_NUMBERING_ATTEMPTS);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('when DynamoDB is throttled, it does not retry and answers 503 with Retry-After', async () => {
    ddb.on(GetCommand).resolves(counterAt(1));
    ddb.on(TransactWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const err = await createDocument(store, doc()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect((err as ServiceUnavailable).headers).toEqual({ 'retry-after': '1' });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('when issuing a draft that changed meanwhile, it answers 409 with the version DynamoDB returned, takes no number and reads the document no second time', async () => {
    const current = doc({ status: 'draft' });
    ddb.on(GetCommand).resolves(counterAt(7));
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'None', 'ConditionalCheckFailed'], { 2: documentEntity.item({ ...current, version: 3 }) }));
    const err = await replaceDocument(store, current, { ...current, status: 'issued' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleVersion);
    expect((err as StaleVersion).extensions).toEqual({ currentVersion: 3 });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(ddb).not.toHaveReceivedCommandWith(GetCommand, { Key: documentKey });
  });

  it('when a document that is not issued changes, it is one conditional Put behind its period guard and keeps its number', async () => {
    const numberedCurrent = doc({ status: 'issued', sequence: 9, number: 'INV-000009' });
    ddb.on(TransactWriteCommand).resolves({});
    const out = await replaceDocument(store, numberedCurrent, { ...doc(), status: 'cancelled' });
    expect(out).toMatchObject({ status: 'cancelled', sequence: 9, number: 'INV-000009', version: 2 });
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(2);
    expect(items[0]!.ConditionCheck).toMatchObject({ Key: periodGuardKey(ACC, numberedCurrent.issueDate.slice(0, 7), numberedCurrent.documentId) });
    expect(items[1]!.Put).toMatchObject({ ConditionExpression: '#version = :version AND #status = :status', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('when a change moves a document to another month, it guards both months', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const d = doc({ status: 'draft', issueDate: '2026-03-10' });
    await replaceDocument(store, d, { ...d, issueDate: '2026-04-02' });
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => i.ConditionCheck?.Key)).toEqual([periodGuardKey(ACC, '2026-03', d.documentId), periodGuardKey(ACC, '2026-04', d.documentId), undefined]);
  });

  it('when writers of one month write different documents, they check guard copies spread over the shards', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`01JDOC${String(i).padStart(20, '0')}`)));
    expect(used.size).toBe(LOCK_SHARDS);
  });

  it('when the month of the document is closed, it answers 409 period-closed naming it and writes nothing', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None'], { 0: { ...periodGuardKey(ACC, '2026-03', '01JDOC00000000000000000001'), status: 'closed' } }));
    const err = await deleteDraft(store, doc({ status: 'draft', issueDate: '2026-03-10' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeriodClosed);
    expect((err as PeriodClosed).extensions).toEqual({ period: '2026-03' });
  });

  it('when the document is gone at write time, it answers 404 without reading it again', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed']));
    await expect(replaceDocument(store, doc(), doc({ status: 'cancelled' }))).rejects.toBeInstanceOf(NotFound);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('when a draft changed before its deletion, it answers 409 with the version DynamoDB returned and deletes nothing', async () => {
    const current = doc({ status: 'draft' });
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed'], { 1: documentEntity.item({ ...current, version: 4 }) }));
    const err = await deleteDraft(store, current).catch((e: unknown) => e);
    expect((err as StaleVersion).extensions).toEqual({ currentVersion: 4 });
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[1]!.Delete).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('when a new document id already exists, it answers 409 and takes no number', async () => {
    ddb.on(GetCommand).resolves(counterAt(2));
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'None', 'ConditionalCheckFailed'], { 2: documentEntity.item(doc()) }));
    await expect(createDocument(store, doc())).rejects.toBeInstanceOf(Conflict);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });
});

describe('document queries', () => {
  it("lists an Employee's documents from the creator index, never the account's", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await listDocuments(store, { accountId: ACC, kind: 'invoice', scope: 'own', userId: 'u#1' }, { limit: 10, boundTo: 'u#1' });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'gsi2',
      ExpressionAttributeValues: { ':pk': `ACCOUNT#${ACC}#CREATOR#u%231#DOCS#invoice` },
    });
  });

  it('reads a report period as one key range, every page, counting what it read', async () => {
    const item = (id: string) => documentEntity.item(doc({ documentId: id, issueDate: '2026-01-10' }));
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('A')], ScannedCount: 1, LastEvaluatedKey: { k: 1 } })
      .resolvesOnce({ Items: [item('B'), item('C')], ScannedCount: 2 });
    const seen: string[] = [];
    const read = await forEachDocumentInPeriod(store, { accountId: ACC, kind: 'invoice', scope: 'all', userId: 'u1', from: '2026-01-01', to: '2026-01-31' }, (d) =>
      seen.push(d.documentId),
    );
    expect(read.itemsRead).toBe(3);
    expect(seen).toEqual(['A', 'B', 'C']);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'gsi1',
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': `ACCOUNT#${ACC}#DOCS#invoice`, ':from': '2026-01-01#', ':to': '2026-01-31#~' },
    });
    expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({ k: 1 });
  });

  it('when a stored document does not match its schema, a report fails instead of counting it', async () => {
    const { gross: _gross, ...broken } = documentEntity.item(doc());
    ddb.on(QueryCommand).resolves({ Items: [broken], ScannedCount: 1 });
    await expect(
      forEachDocumentInPeriod(store, { accountId: ACC, kind: 'invoice', scope: 'all', userId: 'u1', from: '2026-01-01', to: '2026-01-31' }, () => undefined),
    ).rejects.toBeInstanceOf(CorruptItem);
  });
});

describe('payments', () => {
  const invoice = doc({ status: 'issued' });
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

  it('when the invoice changed since it was read, it reports that the invoice moved (the caller retries)', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'None', 'ConditionalCheckFailed']));
    await expect(recordPayment(store, payment, invoice, { paid: 10, status: 'partially-paid' }, moved)).rejects.toBeInstanceOf(TransientConflict);
  });

  it('when the transaction is throttled, it answers 503 with Retry-After instead of retrying as a moved invoice', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ThrottlingError', 'None']));
    const err = await recordPayment(store, payment, invoice, { paid: 10, status: 'partially-paid' }, moved).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect((err as ServiceUnavailable).headers).toEqual({ 'retry-after': '1' });
  });

  it('writes the payment and the invoice status in one transaction conditioned on the version', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await recordPayment(store, payment, invoice, { paid: 10, status: 'partially-paid' }, moved);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.ConditionCheck).toMatchObject({ Key: periodGuardKey(ACC, payment.paidAt.slice(0, 7), payment.paymentId) });
    expect(items[1]!.Put?.Item).toMatchObject({ gsi1sk: `${payment.paidAt}#${payment.paymentId}`, gsi2pk: `ACCOUNT#${ACC}#CREATOR#u1#PAYMENTS`, amount: 10 });
    expect(items[2]!.Update).toMatchObject({
      ConditionExpression: '#version = :version',
      ExpressionAttributeValues: expect.objectContaining({ ':version': 1, ':next': 2, ':paid': 10, ':status': 'partially-paid' }),
    });
  });
});

describe('clients and items, settings', () => {
  const client: Client = { clientId: '01JCLI00000000000000000001', accountId: ACC, name: 'ACME', createdBy: 'u1', createdAt: 't', updatedAt: 't', version: 2 };
  const settings = { accountId: ACC, section: 'other', data: {}, updatedBy: 'u1', updatedAt: 't' };

  it('when the client changed meanwhile, it answers 409 naming the version DynamoDB returned, without reading it again', async () => {
    ddb.on(PutCommand).rejects(conditionFailed(clientEntity.item({ ...client, version: 5 })));
    const err = await clients.replace(store, client, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleVersion);
    expect((err as StaleVersion).extensions).toEqual({ currentVersion: 5 });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('when the client was deleted meanwhile, an edit answers 404 without reading it again', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    await expect(clients.replace(store, client, 2)).rejects.toBeInstanceOf(NotFound);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('when the client does not exist, a delete answers 404', async () => {
    ddb.rejects(conditionFailed());
    await expect(clients.remove(store, ACC, client.clientId)).rejects.toBeInstanceOf(NotFound);
  });

  it('when a new client id already exists, it answers 409 instead of overwriting it', async () => {
    ddb.on(PutCommand).rejects(conditionFailed(clientEntity.item(client)));
    await expect(clients.create(store, client)).rejects.toBeInstanceOf(Conflict);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('when settings are written for the first time, the write requires that none exist', async () => {
    ddb.on(PutCommand).resolves({});
    await putSettings(store, settings, 0);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { ConditionExpression: 'attribute_not_exists(pk)', Item: expect.objectContaining({ version: 1 }) });
  });

  it('when settings were changed meanwhile, it answers 409 with the version DynamoDB returned, without reading them again', async () => {
    ddb.on(PutCommand).rejects(conditionFailed(settingsEntity.item({ ...settings, version: 4 })));
    const err = await putSettings(store, settings, 3).catch((e: unknown) => e);
    expect((err as StaleVersion).extensions).toEqual({ currentVersion: 4 });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });
});
