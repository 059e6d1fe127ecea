import { GetCommand, PutCommand, DeleteCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { NotFound, ServiceUnavailable, StaleVersion, Conflict } from '../domain/errors.js';
import type { DocumentKind } from '../domain/invoicing/documents.js';
import { invoicingKeys } from './keys.js';
import { documentItem, type DocumentCounterItem, type DocumentItem } from './items.js';
import { decodeCursor, encodeCursor, type Page } from './pagination.js';
import { backoff, cancellationCodes, isConditionalCheckFailed, isTransientConflict, sleep } from './conditions.js';

/*
 * Documents (invoices, estimates, expenses, time entries).
 *
 * Numbering: a document gets its number when it is issued (created as `issued`, or moved
 * draft -> issued). The counter item (`COUNTER#<kind>` in the documents' partition) and
 * the document are written in ONE TransactWriteItems, the counter conditioned on the value
 * it was read with. Either both commit or neither does, so a number is never skipped; two
 * writers that read the same value cannot both commit, so a number is never given twice.
 * The loser of such a race is cancelled (ConditionalCheckFailed or TransactionConflict on
 * the counter) and retries with a fresh read and jittered backoff.
 * Drafts have no number, and only drafts can be deleted, so the sequence stays gapless.
 */
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Attempts before giving up with a 503 (nothing written). Contention is per account and kind. */
export const MAX_NUMBERING_ATTEMPTS = 60;

export type NewDocument = Omit<DocumentItem, 'pk' | 'sk' | 'gsi1pk' | 'gsi1sk' | 'gsi2pk' | 'gsi2sk' | 'type' | 'sequence' | 'number'>;

export interface DocumentStore {
  db: DynamoDBDocumentClient;
  table: string;
}

/** Runs `write(next)` together with the counter move last -> next, retrying lost races. */
async function withNextNumber(
  { db, table }: DocumentStore,
  accountId: string,
  kind: DocumentKind,
  write: (sequence: number) => TransactItem,
  onDocumentRefused: () => Promise<never>,
): Promise<number> {
  const counterKey = invoicingKeys.documentCounter(accountId, kind);
  for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
    const current = await db.send(new GetCommand({ TableName: table, Key: counterKey, ConsistentRead: true }));
    const last = (current.Item as DocumentCounterItem | undefined)?.last ?? 0;
    const next = last + 1;
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: counterKey,
                UpdateExpression: 'SET #last = :next, #type = :type',
                ConditionExpression: last === 0 ? 'attribute_not_exists(pk)' : '#last = :last',
                ExpressionAttributeNames: { '#last': 'last', '#type': 'type' },
                ExpressionAttributeValues: {
                  ':next': next,
                  ':type': 'document-counter',
                  ...(last === 0 ? {} : { ':last': last }),
                },
              },
            },
            write(next),
          ],
        }),
      );
      return next;
    } catch (e) {
      const codes = cancellationCodes(e);
      if (!codes) throw e;
      const [counterCode, documentCode] = codes;
      if (documentCode === 'ConditionalCheckFailed') return onDocumentRefused();
      if (counterCode === 'ConditionalCheckFailed' || isTransientConflict(counterCode) || isTransientConflict(documentCode)) {
        await sleep(backoff(attempt));
        continue;
      }
      throw e;
    }
  }
  throw new ServiceUnavailable('the document number could not be assigned; retry the request');
}

const numbered = (item: DocumentItem, kind: DocumentKind, sequence: number, format: (k: DocumentKind, n: number) => string): DocumentItem => ({
  ...item,
  sequence,
  number: format(kind, sequence),
});

/** Creates a document; an `issued` one is numbered in the same transaction. */
export async function createDocument(
  store: DocumentStore,
  input: NewDocument,
  formatNumber: (kind: DocumentKind, sequence: number) => string,
): Promise<DocumentItem> {
  const base = documentItem(input);
  if (input.status === 'draft') {
    await store.db.send(new PutCommand({ TableName: store.table, Item: base, ConditionExpression: 'attribute_not_exists(pk)' }));
    return base;
  }
  let written: DocumentItem | undefined;
  await withNextNumber(
    store,
    input.accountId,
    input.kind,
    (sequence) => {
      written = numbered(base, input.kind, sequence, formatNumber);
      return { Put: { TableName: store.table, Item: written, ConditionExpression: 'attribute_not_exists(pk)' } };
    },
    async () => {
      // The document id is a fresh ULID: a collision means a retried request already wrote it.
      throw new Conflict('a document with this id already exists');
    },
  );
  return written!;
}

// Pattern "one document": GetItem on its key, always built from the principal's account.
export async function getDocument(
  { db, table }: DocumentStore,
  accountId: string,
  kind: DocumentKind,
  documentId: string,
  consistent = false,
): Promise<DocumentItem | undefined> {
  const out = await db.send(
    new GetCommand({ TableName: table, Key: invoicingKeys.document(accountId, kind, documentId), ConsistentRead: consistent }),
  );
  return out.Item as DocumentItem | undefined;
}

async function refusal(store: DocumentStore, current: DocumentItem): Promise<never> {
  const now = await getDocument(store, current.accountId, current.kind, current.documentId, true);
  if (!now) throw new NotFound('the document does not exist');
  throw new StaleVersion(`version ${current.version} is stale; the document is at version ${now.version}`, {
    extensions: { currentVersion: now.version },
  });
}

/**
 * Replaces `current` with `next` (same id) if nobody changed it since it was read. When the
 * change issues a draft, the number is assigned in the same transaction.
 */
export async function replaceDocument(
  store: DocumentStore,
  current: DocumentItem,
  next: NewDocument,
  formatNumber: (kind: DocumentKind, sequence: number) => string,
): Promise<DocumentItem> {
  const item = documentItem({ ...next, version: current.version + 1 });
  const guard = {
    ConditionExpression: '#version = :version AND #status = :status',
    ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
    ExpressionAttributeValues: { ':version': current.version, ':status': current.status },
  };
  const issuing = current.status === 'draft' && next.status !== 'draft' && next.status !== 'cancelled';
  if (!issuing) {
    const kept = current.sequence === undefined ? item : { ...item, sequence: current.sequence, number: current.number };
    try {
      await store.db.send(new PutCommand({ TableName: store.table, Item: kept, ...guard }));
    } catch (e) {
      if (isConditionalCheckFailed(e)) return refusal(store, current);
      throw e;
    }
    return kept;
  }
  let written: DocumentItem | undefined;
  await withNextNumber(
    store,
    current.accountId,
    current.kind,
    (sequence) => {
      written = numbered(item, current.kind, sequence, formatNumber);
      return { Put: { TableName: store.table, Item: written, ...guard } };
    },
    () => refusal(store, current),
  );
  return written!;
}

/** Deletes a draft that is still at the version read. Numbered documents are never deleted. */
export async function deleteDraft(store: DocumentStore, current: DocumentItem): Promise<void> {
  try {
    await store.db.send(
      new DeleteCommand({
        TableName: store.table,
        Key: invoicingKeys.document(current.accountId, current.kind, current.documentId),
        ConditionExpression: '#version = :version AND #status = :draft',
        ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
        ExpressionAttributeValues: { ':version': current.version, ':draft': 'draft' },
      }),
    );
  } catch (e) {
    if (isConditionalCheckFailed(e)) return refusal(store, current);
    throw e;
  }
}

export interface DocumentQuery {
  accountId: string;
  kind: DocumentKind;
  /** 'all': gsi1 (the account's documents); 'own': gsi2 (the creator's documents). */
  scope: 'all' | 'own';
  userId: string;
  /** Inclusive issue-date range (YYYY-MM-DD). */
  from?: string | undefined;
  to?: string | undefined;
  newestFirst?: boolean;
}

function documentQueryInput(table: string, q: DocumentQuery) {
  const index =
    q.scope === 'all'
      ? { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk', value: invoicingKeys.documentsOfAccount(q.accountId, q.kind).gsi1pk }
      : { name: 'gsi2', pk: 'gsi2pk', sk: 'gsi2sk', value: invoicingKeys.documentsOfCreator(q.accountId, q.userId, q.kind).gsi2pk };
  const range = invoicingKeys.issueDateRange(q.from ?? '0000-00-00', q.to ?? '9999-99-99');
  const bounded = q.from !== undefined || q.to !== undefined;
  const names: Record<string, string> = bounded ? { '#pk': index.pk, '#sk': index.sk } : { '#pk': index.pk };
  const values: Record<string, string> = bounded ? { ':pk': index.value, ':start': range.start, ':end': range.end } : { ':pk': index.value };
  return {
    partition: { attribute: index.pk, value: index.value },
    input: {
      TableName: table,
      IndexName: index.name,
      KeyConditionExpression: bounded ? '#pk = :pk AND #sk BETWEEN :start AND :end' : '#pk = :pk',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: !(q.newestFirst ?? true),
    },
  };
}

// Pattern "documents of a kind by issue date": Query gsi1 (scope all) or gsi2 (scope own), one page.
export async function listDocuments(
  { db, table }: DocumentStore,
  q: DocumentQuery,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<DocumentItem>> {
  const { partition, input } = documentQueryInput(table, q);
  const out = await db.send(
    new QueryCommand({ ...input, Limit: page.limit, ExclusiveStartKey: decodeCursor(page.cursor, partition) }),
  );
  return { items: (out.Items ?? []) as DocumentItem[], nextCursor: encodeCursor(out.LastEvaluatedKey) };
}

/**
 * Pattern "documents of a kind in a period" for reports: the same key range, every page,
 * handing each item to `visit` and keeping none, so memory stays flat. Reads exactly the
 * documents of the kind whose issue date is in the period (returned as `itemsRead`).
 */
export async function forEachDocumentInPeriod(
  { db, table }: DocumentStore,
  q: DocumentQuery & { from: string; to: string },
  visit: (d: DocumentItem) => void,
): Promise<{ itemsRead: number; capacityUnits: number }> {
  const { input } = documentQueryInput(table, { ...q, newestFirst: false });
  let startKey: Record<string, unknown> | undefined;
  let itemsRead = 0;
  let capacityUnits = 0;
  do {
    const out = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey, ReturnConsumedCapacity: 'TOTAL' }));
    itemsRead += out.ScannedCount ?? out.Items?.length ?? 0;
    capacityUnits += out.ConsumedCapacity?.CapacityUnits ?? 0;
    for (const item of out.Items ?? []) visit(item as DocumentItem);
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return { itemsRead, capacityUnits };
}
