import * as z from 'zod/mini';
import { DOCUMENT_KINDS, formatDocumentNumber, type DocumentKind } from '../../domain/invoicing/documents.js';
import { DOCUMENT_STATUSES } from '../../domain/invoicing/status.js';
import { Conflict, NotFound, ServiceUnavailable, StaleVersion } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { periodOf } from '../../domain/accounting/period.js';
import { getItem, retryLostRaces, transact, TransientConflict, type Condition, type OnConditionFailed, type Stored, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { periodsOpenSteps } from './period-lock.js';
import { queryEach, queryPage, type Page, type PageRequest, type QuerySpec } from '../paginator.js';

/*
 * A document: an invoice, estimate, expense or time entry (SPEC.md 1). Each account's
 * documents have their own partition (`ACCOUNT#<id>#DOCS`), so a list Query reads only
 * documents and its cursor cannot be replayed against another collection. The issue date
 * leads both index sort keys, so a period is a key range (period lists, reports, exports).
 *
 *   table  pk ACCOUNT#<acc>#DOCS                         sk DOC#<kind>#<id>
 *   gsi1   ACCOUNT#<acc>#DOCS#<kind>                     <issueDate>#<id>   documents of a kind in an account
 *   gsi2   ACCOUNT#<acc>#CREATOR#<user>#DOCS#<kind>      <issueDate>#<id>   documents of a kind one member created
 *   table  pk ACCOUNT#<acc>#DOCS                         sk COUNTER#<kind>  the last number given to a kind
 *
 * Numbering: a document gets its number when it is issued (created as `issued`, or moved
 * draft -> issued). The counter and the document are written in ONE TransactWriteItems,
 * the counter conditioned on the value it was read with. Either both commit or neither
 * does, so a number is never skipped; two writers that read the same value cannot both
 * commit, so a number is never given twice. The loser of such a race gets a
 * TransientConflict and tries again with a fresh read after a jittered backoff. Drafts
 * have no number, and only drafts can be deleted, so the sequence stays gapless.
 *
 * Closed periods: every create, replace and delete carries, in the same transaction, a
 * ConditionCheck that the month of the issue date (before and after the change) is not
 * closed (period-lock.ts), so nothing dated in a closed month changes (409 period-closed).
 */
export const storedLine = z.object({
  description: z.string(),
  itemId: z.optional(z.string()),
  /** Decimal quantity as sent (at most 3 places). */
  quantity: z.number(),
  unit: z.optional(z.string()),
  /** Minor units of the document's currency. */
  unitPrice: z.number(),
  /** Percent, at most 2 places. */
  vatRate: z.number(),
  net: z.number(),
  vat: z.number(),
  gross: z.number(),
});
export type StoredLine = z.infer<typeof storedLine>;

export const documentSchema = z.object({
  documentId: z.string(),
  kind: z.enum(DOCUMENT_KINDS),
  organizationId: z.string(),
  accountId: z.string(),
  /** Gapless per account and kind; absent until the document is issued. */
  sequence: z.optional(z.number()),
  number: z.optional(z.string()),
  status: z.enum(DOCUMENT_STATUSES),
  clientId: z.optional(z.string()),
  /** The client's name when the document was written: a document never changes with its client. */
  clientName: z.optional(z.string()),
  currency: z.string(),
  issueDate: z.string(),
  dueDate: z.optional(z.string()),
  lines: z.array(storedLine),
  net: z.number(),
  vat: z.number(),
  gross: z.number(),
  paid: z.number(),
  notes: z.optional(z.string()),
  /** SPEC 1.3: the creator owns the document (documents.*.own). */
  createdBy: z.string(),
  createdAt: z.string(),
  updatedBy: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type Document = z.infer<typeof documentSchema>;

const partition = (accountId: string) => `ACCOUNT#${seg(accountId)}#DOCS`;

export const documentKeys = {
  document: (accountId: string, kind: DocumentKind, documentId: string) => ({
    pk: partition(accountId),
    sk: `DOC#${kind}#${seg(documentId)}`,
  }),
  /** gsi1 partition: documents of a kind in an account. */
  ofAccount: (accountId: string, kind: DocumentKind) => `${partition(accountId)}#${kind}`,
  /** gsi2 partition: documents of a kind one member created. */
  ofCreator: (accountId: string, userId: string, kind: DocumentKind) =>
    `ACCOUNT#${seg(accountId)}#CREATOR#${seg(userId)}#DOCS#${kind}`,
  /** Bounds of an issue-date range on gsi1sk / gsi2sk: `from#` .. `to#~` covers whole days. */
  issueDateRange: (from: string, to: string) => [`${from}#`, `${to}#~`] as const,
  /** The counter of a kind's gapless sequence, in the documents' partition. */
  counter: (accountId: string, kind: DocumentKind) => ({ pk: partition(accountId), sk: `COUNTER#${kind}` }),
};

export const documentEntity = defineEntity({
  type: 'document',
  schema: documentSchema,
  key: (d) => documentKeys.document(d.accountId, d.kind, d.documentId),
  indexes: (d) => ({
    gsi1pk: documentKeys.ofAccount(d.accountId, d.kind),
    gsi1sk: `${d.issueDate}#${seg(d.documentId)}`,
    gsi2pk: documentKeys.ofCreator(d.accountId, d.createdBy, d.kind),
    gsi2sk: `${d.issueDate}#${seg(d.documentId)}`,
  }),
});

/** The last number given to a kind of document in an account; the next one issued gets last + 1. */
export const documentCounterSchema = z.object({
  accountId: z.string(),
  kind: z.enum(DOCUMENT_KINDS),
  last: z.number(),
});
export type DocumentCounter = z.infer<typeof documentCounterSchema>;

export const documentCounterEntity = defineEntity({
  type: 'document-counter',
  schema: documentCounterSchema,
  key: (c) => documentKeys.counter(c.accountId, c.kind),
});

/** Attempts before giving up with a 503 (nothing written). Contention is per account and kind. */
export const MAX_NUMBERING_ATTEMPTS = 60;

/** A document's refusal from the item as it is now: gone is a 404, anything else moved it (409 with its version). */
const documentMoved =
  (read: Document): OnConditionFailed =>
  (now: Stored | undefined) => {
    if (!now) return new NotFound('the document does not exist');
    const { version } = documentEntity.parse(now);
    return new StaleVersion(`version ${read.version} is stale; the document is at version ${version}`, { extensions: { currentVersion: version } });
  };

/** The guard of every change to a document: still at the version and status it was read with. */
const unchanged = (read: Document): Condition => ({
  expression: '#version = :version AND #status = :status',
  names: { '#version': 'version', '#status': 'status' },
  values: { ':version': read.version, ':status': read.status },
});

// Pattern "one document": GetItem on its key, always built from the principal's account.
export const getDocument = async (
  store: Store,
  accountId: string,
  kind: DocumentKind,
  documentId: string,
  consistent = false,
): Promise<Document | undefined> =>
  parseOptional(documentEntity, await getItem(store, documentKeys.document(accountId, kind, documentId), consistent));

// Pattern "a kind's counter": GetItem, strongly consistent (the number decided on must be the latest).
async function getCounter(store: Store, accountId: string, kind: DocumentKind): Promise<number> {
  const raw = await getItem(store, documentKeys.counter(accountId, kind), true);
  // Counters written before they carried their account and kind hold only `last`; the key
  // they were read by says both, so they parse like any other.
  return parseOptional(documentCounterEntity, raw && { accountId, kind, ...raw })?.last ?? 0;
}

/**
 * Writes `document` numbered with the next number of its kind, together with the counter
 * move last -> next, retrying lost races on the counter with jittered backoff. `guard` and
 * `onRefused` are the document's own condition and what its failure means.
 */
async function writeNumbered(
  store: Store,
  document: Document,
  guard: Condition,
  onRefused: OnConditionFailed,
  periodGuards: readonly TxStep[],
): Promise<Document> {
  const { accountId, kind } = document;
  const exhausted = () => new ServiceUnavailable('the document number could not be assigned; retry the request');
  return retryLostRaces(MAX_NUMBERING_ATTEMPTS, exhausted, async () => {
    const last = await getCounter(store, accountId, kind);
    const next = last + 1;
    const numbered: Document = { ...document, sequence: next, number: formatDocumentNumber(kind, next) };
    await transact(store, [
      ...periodGuards,
      // Guard: the counter is still at the value read (absent when nothing was numbered yet).
      {
        item: {
          Put: {
            TableName: store.table,
            Item: documentCounterEntity.item({ accountId, kind, last: next }),
            ConditionExpression: last === 0 ? 'attribute_not_exists(pk)' : '#last = :last',
            ...(last === 0 ? {} : { ExpressionAttributeNames: { '#last': 'last' }, ExpressionAttributeValues: { ':last': last } }),
          },
        },
        onConditionFailed: () => new TransientConflict('another document took this number'),
      },
      {
        item: {
          Put: {
            TableName: store.table,
            Item: documentEntity.item(numbered),
            ConditionExpression: guard.expression,
            ...(guard.names ? { ExpressionAttributeNames: guard.names } : {}),
            ...(guard.values ? { ExpressionAttributeValues: guard.values } : {}),
          },
        },
        onConditionFailed: onRefused,
      },
    ]);
    return numbered;
  });
}

/** The document's own write as a transaction step, with its condition and refusal. */
const documentStep = (store: Store, write: { Put: { Item: Stored } } | { Delete: { Key: { pk: string; sk: string } } }, guard: Condition, onRefused: OnConditionFailed): TxStep => {
  const condition = {
    TableName: store.table,
    ConditionExpression: guard.expression,
    ...(guard.names ? { ExpressionAttributeNames: guard.names } : {}),
    ...(guard.values ? { ExpressionAttributeValues: guard.values } : {}),
  };
  return {
    item: 'Put' in write ? { Put: { ...write.Put, ...condition } } : { Delete: { ...write.Delete, ...condition } },
    onConditionFailed: onRefused,
  };
};

/** Guards that the months of these issue dates are open (first in the transaction, so a closed one is what the 409 names). */
const periodsOpen = (store: Store, d: Document, issueDates: readonly string[]): TxStep[] =>
  periodsOpenSteps(store, d.accountId, issueDates.map(periodOf), d.documentId, 'a document');

/**
 * A single-document write behind its period guards. It shares the guard copy with other
 * writers of the month, so it may lose a race it never decided on: it is tried again (its
 * own condition still holds it to the version read, so a retry never overwrites a change).
 */
const guardedWrite = (store: Store, steps: readonly TxStep[]): Promise<void> =>
  retryLostRaces(MAX_NUMBERING_ATTEMPTS, () => new ServiceUnavailable('the document could not be written; retry the request'), () => transact(store, steps));

// Pattern "create a document": Put guarded by attribute_not_exists(pk) and an open period; an issued one takes its number in the same transaction.
export async function createDocument(store: Store, document: Document): Promise<Document> {
  const fresh = { expression: 'attribute_not_exists(pk)' };
  // The document id is a fresh ULID: a collision means a retried request already wrote it.
  const exists = () => new Conflict('a document with this id already exists');
  const open = periodsOpen(store, document, [document.issueDate]);
  if (document.status === 'draft') {
    await guardedWrite(store, [...open, documentStep(store, { Put: { Item: documentEntity.item(document) } }, fresh, exists)]);
    return document;
  }
  return writeNumbered(store, document, fresh, exists, open);
}

// Pattern "replace a document": Put guarded by the version and status read; issuing a draft numbers it in the same transaction.
export async function replaceDocument(store: Store, current: Document, next: Document): Promise<Document> {
  const replacement: Document = { ...next, sequence: current.sequence, number: current.number, version: current.version + 1 };
  const issuing = current.status === 'draft' && next.status !== 'draft' && next.status !== 'cancelled';
  const open = periodsOpen(store, current, [current.issueDate, next.issueDate]);
  if (issuing) return writeNumbered(store, replacement, unchanged(current), documentMoved(current), open);
  await guardedWrite(store, [...open, documentStep(store, { Put: { Item: documentEntity.item(replacement) } }, unchanged(current), documentMoved(current))]);
  return replacement;
}

// Pattern "delete a draft": DeleteItem guarded by the version read and status draft. Numbered documents are never deleted.
export async function deleteDraft(store: Store, current: Document): Promise<void> {
  await guardedWrite(store, [
    ...periodsOpen(store, current, [current.issueDate]),
    documentStep(
      store,
      { Delete: { Key: documentEntity.key(current) } },
      {
        expression: '#version = :version AND #status = :draft',
        names: { '#version': 'version', '#status': 'status' },
        values: { ':version': current.version, ':draft': 'draft' },
      },
      documentMoved(current),
    ),
  ]);
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
  newestFirst?: boolean | undefined;
}

const documentQuery = (q: DocumentQuery): QuerySpec => ({
  ...(q.scope === 'all'
    ? { index: 'gsi1', partition: documentKeys.ofAccount(q.accountId, q.kind) }
    : { index: 'gsi2', partition: documentKeys.ofCreator(q.accountId, q.userId, q.kind) }),
  sort: q.from !== undefined || q.to !== undefined ? { between: documentKeys.issueDateRange(q.from ?? '0000-00-00', q.to ?? '9999-99-99') } : undefined,
  newestFirst: q.newestFirst ?? true,
});

// Pattern "documents of a kind by issue date": Query gsi1 (scope all) or gsi2 (scope own), one page; the cursor is bound to the caller.
export const listDocuments = (store: Store, q: DocumentQuery, page: PageRequest): Promise<Page<Document>> =>
  queryPage(store, documentQuery(q), documentEntity.parse, page);

/**
 * Pattern "documents of a kind in a period" for reports: the same key range, every page,
 * each document handed to `visit` and none kept, so memory stays flat. Reads exactly the
 * documents of the kind whose issue date is in the period (returned as `itemsRead`).
 */
export const forEachDocumentInPeriod = (
  store: Store,
  q: DocumentQuery & { from: string; to: string },
  visit: (d: Document) => void,
): Promise<{ itemsRead: number; capacityUnits: number }> =>
  queryEach(store, documentQuery({ ...q, newestFirst: false }), (raw) => visit(documentEntity.parse(raw)));

/**
 * A transaction step that moves an invoice's paid amount and status, on the version it was
 * read at: a payment and the invoice it pays can never disagree, and two concurrent
 * payments can never both count against the same outstanding amount.
 */
export function invoicePaidStep(
  store: Store,
  invoice: Document,
  after: { paid: number; status: Document['status'] },
  by: string,
  at: string,
  onMoved: OnConditionFailed,
): TxStep {
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: documentKeys.document(invoice.accountId, 'invoice', invoice.documentId),
        UpdateExpression: 'SET #paid = :paid, #status = :status, #version = :next, updatedAt = :at, updatedBy = :by',
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#paid': 'paid', '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: {
          ':paid': after.paid,
          ':status': after.status,
          ':next': invoice.version + 1,
          ':version': invoice.version,
          ':at': at,
          ':by': by,
        },
      },
    },
    onConditionFailed: onMoved,
  };
}

/**
 * A transaction step that replaces a draft's content, on the version and status read: a
 * change that must commit together with another item (a promo code's use) and never on a
 * document that moved in between (`documentMoved`: 404 or 409 naming its version).
 */
export function draftReplacedStep(store: Store, current: Document, next: Document): TxStep {
  const c = unchanged(current);
  return {
    item: {
      Put: {
        TableName: store.table,
        Item: documentEntity.item({ ...next, version: current.version + 1 }),
        ConditionExpression: c.expression,
        ExpressionAttributeNames: c.names,
        ExpressionAttributeValues: c.values,
      },
    },
    onConditionFailed: documentMoved(current),
  };
}
