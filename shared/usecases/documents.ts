import type * as z from 'zod';
import { decide, type Principal } from '../authz/engine.js';
import type { createDocumentBody, listDocumentsQuery, updateDocumentBody } from '../contracts/invoicing.js';
import type { Store } from '../data/context.js';
import * as documents from '../data/entities/document.js';
import { clients } from '../data/entities/client.js';
import type { Page } from '../data/paginator.js';
import { Conflict, Forbidden, NotFound, StaleVersion, ValidationError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { listScope, requireAllowed, requireVisible } from '../domain/invoicing/access.js';
import type { DocumentKind } from '../domain/invoicing/documents.js';
import { priceLines } from '../domain/invoicing/money.js';
import { resolveLinePrices } from './pricing.js';
import { hiddenByEvents } from './acl.js';
import { assertDatesInOrder, assertManualTransition, isDeletable, isEditable } from '../domain/invoicing/status.js';

/*
 * Documents (invoices, estimates, expenses, time entries): the object-level decision, the
 * status machine and the totals, around the document entity. Every key is built from the
 * principal's account id, never from input; the kind comes from the route.
 */
type Document = documents.Document;
export type CreateDocumentInput = z.infer<typeof createDocumentBody>;
export type UpdateDocumentInput = z.infer<typeof updateDocumentBody>;
export type ListDocumentsInput = z.infer<typeof listDocumentsQuery>;

const owned = (d: Document | undefined) => d && { ...d, ownerId: d.createdBy };
const withoutOwner = <T extends { ownerId: string }>({ ownerId: _owner, ...rest }: T) => rest;

/** The client's name as the document will keep it; 400 when the client is not in this account. */
async function clientSnapshot(store: Store, accountId: string, clientId: string | undefined) {
  if (clientId === undefined) return { clientId: undefined, clientName: undefined };
  const client = await clients.get(store, accountId, clientId);
  if (!client) throw new ValidationError('unknown client', { errors: [{ field: 'body.clientId', message: 'no such client in this account' }] });
  return { clientId, clientName: client.name };
}

export async function create(store: Store, p: Principal, kind: DocumentKind, input: CreateDocumentInput): Promise<Document> {
  const d = decide(p, 'documents.create', { organizationId: p.organizationId, accountId: p.accountId });
  if (!d.allowed) throw new Forbidden(`you may not create documents (${d.reason})`);
  const now = store.now().toISOString();
  const issueDate = input.issueDate ?? now.slice(0, 10);
  assertDatesInOrder(issueDate, input.dueDate);
  const client = await clientSnapshot(store, p.accountId, input.clientId);
  const priced = priceLines(await resolveLinePrices(store, p.accountId, { clientId: input.clientId, currency: input.currency }, input.lines));
  return documents.createDocument(store, {
    documentId: ulid(),
    kind,
    organizationId: p.organizationId,
    accountId: p.accountId,
    status: input.status,
    ...client,
    currency: input.currency,
    issueDate,
    dueDate: input.dueDate,
    ...priced,
    paid: 0,
    notes: input.notes,
    createdBy: p.userId,
    createdAt: now,
    updatedBy: p.userId,
    updatedAt: now,
    version: 1,
  });
}

export async function get(store: Store, p: Principal, kind: DocumentKind, documentId: string): Promise<Document> {
  const doc = withoutOwner(requireVisible(p, 'documents.view', owned(await documents.getDocument(store, p.accountId, kind, documentId)), 'document'));
  // SPEC 5.6: a document linked to an event the caller may not read is not there for them.
  if ((await hiddenByEvents(store, p, [{ kind, documentId }])).size) throw new NotFound('the document does not exist');
  return doc;
}

/** One page of a kind's documents: all of the account's, or only the caller's own (documents.view.own). */
export async function list(store: Store, p: Principal, kind: DocumentKind, q: ListDocumentsInput): Promise<Page<Document>> {
  const scope = listScope(p, 'documents.view');
  const page = await documents.listDocuments(
    store,
    { accountId: p.accountId, kind, scope, userId: p.userId, from: q.from, to: q.to },
    { limit: q.limit, cursor: q.cursor, boundTo: p.userId },
  );
  // SPEC 5.6: documents linked to events the caller may not read drop out of the page (it
  // may then hold fewer than `limit` while the cursor continues, as a filtered Query does).
  const hidden = await hiddenByEvents(store, p, page.items.map((d) => ({ kind, documentId: d.documentId })));
  return hidden.size ? { items: page.items.filter((d) => !hidden.has(d.documentId)), nextCursor: page.nextCursor } : page;
}

const CONTENT_FIELDS = ['clientId', 'currency', 'issueDate', 'dueDate', 'lines', 'notes'] as const;

export async function update(store: Store, p: Principal, kind: DocumentKind, documentId: string, input: UpdateDocumentInput): Promise<Document> {
  const found = await documents.getDocument(store, p.accountId, kind, documentId, true);
  const current = withoutOwner(requireAllowed(p, 'documents.view', 'documents.edit', owned(found), 'document'));
  if (input.version !== current.version) {
    throw new StaleVersion(`version ${input.version} is stale; the document is at version ${current.version}`, {
      extensions: { currentVersion: current.version },
    });
  }
  const status = input.status ?? current.status;
  assertManualTransition(current.status, status);
  const changesContent = CONTENT_FIELDS.some((f) => input[f] !== undefined);
  if (changesContent && !isEditable(current.status)) {
    throw new Conflict(`a ${current.status} document cannot be changed; only drafts can (cancel it and write a new one)`, {
      extensions: { status: current.status },
    });
  }
  const issueDate = input.issueDate ?? current.issueDate;
  const dueDate = input.dueDate === null ? undefined : (input.dueDate ?? current.dueDate);
  assertDatesInOrder(issueDate, dueDate);
  const client =
    input.clientId === undefined
      ? { clientId: current.clientId, clientName: current.clientName }
      : await clientSnapshot(store, p.accountId, input.clientId ?? undefined);
  const currency = input.currency ?? current.currency;
  const priced = input.lines
    ? priceLines(await resolveLinePrices(store, p.accountId, { clientId: client.clientId, currency }, input.lines))
    : { lines: current.lines, net: current.net, vat: current.vat, gross: current.gross };

  return documents.replaceDocument(store, current, {
    ...current,
    status,
    ...client,
    currency,
    issueDate,
    dueDate,
    ...priced,
    notes: input.notes === null ? undefined : (input.notes ?? current.notes),
    updatedBy: p.userId,
    updatedAt: store.now().toISOString(),
  });
}

export async function remove(store: Store, p: Principal, kind: DocumentKind, documentId: string): Promise<void> {
  const found = await documents.getDocument(store, p.accountId, kind, documentId, true);
  const current = withoutOwner(requireAllowed(p, 'documents.view', 'documents.delete', owned(found), 'document'));
  if (!isDeletable(current.status)) {
    throw new Conflict(
      `a ${current.status} document cannot be deleted: it carries number ${current.number ?? '-'} and the sequence must stay gapless; cancel it instead`,
      { extensions: { status: current.status } },
    );
  }
  await documents.deleteDraft(store, current);
}
