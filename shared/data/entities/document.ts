import * as z from 'zod/mini';
import { DOCUMENT_KINDS, type DocumentKind } from '../../domain/invoicing/documents.js';
import { DOCUMENT_STATUSES } from '../../domain/invoicing/status.js';
import type { Store } from '../context.js';
import { getItem, type OnConditionFailed, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';

/*
 * A document: an invoice, estimate, expense or time entry (SPEC.md 1). Each account's
 * documents have their own partition (`ACCOUNT#<id>#DOCS`), so a list Query reads only
 * documents and its cursor cannot be replayed against another collection. The issue date
 * leads both index sort keys, so a period is a key range (period lists, reports, exports).
 *
 *   table  pk ACCOUNT#<acc>#DOCS                         sk DOC#<kind>#<id>
 *   gsi1   ACCOUNT#<acc>#DOCS#<kind>                     <issueDate>#<id>   documents of a kind in an account
 *   gsi2   ACCOUNT#<acc>#CREATOR#<user>#DOCS#<kind>      <issueDate>#<id>   documents of a kind one member created
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

// Pattern "one document": GetItem on its key, always built from the principal's account.
export const getDocument = async (
  store: Store,
  accountId: string,
  kind: DocumentKind,
  documentId: string,
  consistent = false,
): Promise<Document | undefined> =>
  parseOptional(documentEntity, await getItem(store, documentKeys.document(accountId, kind, documentId), consistent));

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
