import type { Principal } from '#shared/authz/engine.js';
import { decide } from '#shared/authz/engine.js';
import { Conflict, Forbidden, ValidationError, StaleVersion } from '#shared/domain/errors.js';
import { ulid } from '#shared/domain/ids.js';
import { formatDocumentNumber, type DocumentKind } from '#shared/domain/invoicing/documents.js';
import { assertDatesInOrder, assertManualTransition, isDeletable, isEditable, type DocumentStatus } from '#shared/domain/invoicing/status.js';
import { listScope, requireAllowed, requireVisible } from '#shared/domain/invoicing/access.js';
import { priceLines, type LineRequest } from '#shared/domain/invoicing/views.js';
import {
  createDocument,
  deleteDraft,
  getDocument,
  listDocuments,
  replaceDocument,
  type DocumentStore,
  type NewDocument,
} from '#shared/data/document-repository.js';
import { clientEntity, getEntry } from '#shared/data/catalog-repository.js';
import type { DocumentItem } from '#shared/data/items.js';
import type { Page } from '#shared/data/pagination.js';

/*
 * Document use cases: the object-level decision, the status machine and the totals, around
 * the repository. Every key is built from the principal's account id, never from input.
 */
export interface CreateInput {
  status: 'draft' | 'issued';
  clientId?: string | undefined;
  currency: string;
  issueDate?: string | undefined;
  dueDate?: string | undefined;
  lines: LineRequest[];
  notes?: string | undefined;
}

export interface UpdateInput {
  version: number;
  status?: DocumentStatus | undefined;
  clientId?: string | null | undefined;
  currency?: string | undefined;
  issueDate?: string | undefined;
  dueDate?: string | null | undefined;
  lines?: LineRequest[] | undefined;
  notes?: string | null | undefined;
}

const today = (): string => new Date().toISOString().slice(0, 10);
const owned = (d: DocumentItem | undefined) => d && { ...d, ownerId: d.createdBy };

async function clientSnapshot(store: DocumentStore, accountId: string, clientId: string | undefined) {
  if (clientId === undefined) return { clientId: undefined, clientName: undefined };
  const client = await getEntry(store, clientEntity, accountId, clientId);
  if (!client) throw new ValidationError('unknown client', { errors: [{ field: 'body.clientId', message: 'no such client in this account' }] });
  return { clientId, clientName: client.name };
}

export async function create(store: DocumentStore, p: Principal, kind: DocumentKind, input: CreateInput): Promise<DocumentItem> {
  const d = decide(p, 'documents.create', { organizationId: p.organizationId, accountId: p.accountId });
  if (!d.allowed) throw new Forbidden(`you may not create documents (${d.reason})`);
  const issueDate = input.issueDate ?? today();
  assertDatesInOrder(issueDate, input.dueDate);
  const priced = priceLines(input.lines);
  const client = await clientSnapshot(store, p.accountId, input.clientId);
  const now = new Date().toISOString();
  return createDocument(
    store,
    {
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
    },
    formatDocumentNumber,
  );
}

export async function get(store: DocumentStore, p: Principal, kind: DocumentKind, documentId: string): Promise<DocumentItem> {
  return requireVisible(p, 'documents.view', owned(await getDocument(store, p.accountId, kind, documentId)), 'document');
}

export async function list(
  store: DocumentStore,
  p: Principal,
  kind: DocumentKind,
  q: { limit: number; cursor?: string | undefined; from?: string | undefined; to?: string | undefined },
): Promise<Page<DocumentItem>> {
  const scope = listScope(p, 'documents.view');
  return listDocuments(store, { accountId: p.accountId, kind, scope, userId: p.userId, from: q.from, to: q.to }, q);
}

const CONTENT_FIELDS = ['clientId', 'currency', 'issueDate', 'dueDate', 'lines', 'notes'] as const;

export async function update(
  store: DocumentStore,
  p: Principal,
  kind: DocumentKind,
  documentId: string,
  input: UpdateInput,
): Promise<DocumentItem> {
  const current = requireAllowed(p, 'documents.view', 'documents.edit', owned(await getDocument(store, p.accountId, kind, documentId, true)), 'document');
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
  const priced = input.lines ? priceLines(input.lines) : { lines: current.lines, net: current.net, vat: current.vat, gross: current.gross };
  const client =
    input.clientId === undefined
      ? { clientId: current.clientId, clientName: current.clientName }
      : await clientSnapshot(store, p.accountId, input.clientId ?? undefined);

  const next: NewDocument = {
    documentId: current.documentId,
    kind: current.kind,
    organizationId: current.organizationId,
    accountId: current.accountId,
    status,
    ...client,
    currency: input.currency ?? current.currency,
    issueDate,
    dueDate,
    ...priced,
    paid: current.paid,
    notes: input.notes === null ? undefined : (input.notes ?? current.notes),
    createdBy: current.createdBy,
    createdAt: current.createdAt,
    updatedBy: p.userId,
    updatedAt: new Date().toISOString(),
    version: current.version + 1,
  };
  const { ownerId: _owner, ...currentItem } = current;
  return replaceDocument(store, currentItem, next, formatDocumentNumber);
}

export async function remove(store: DocumentStore, p: Principal, kind: DocumentKind, documentId: string): Promise<void> {
  const current = requireAllowed(p, 'documents.view', 'documents.delete', owned(await getDocument(store, p.accountId, kind, documentId, true)), 'document');
  if (!isDeletable(current.status)) {
    throw new Conflict(
      `a ${current.status} document cannot be deleted: it carries number ${current.number ?? '-'} and the sequence must stay gapless; cancel it instead`,
      { extensions: { status: current.status } },
    );
  }
  const { ownerId: _owner, ...currentItem } = current;
  await deleteDraft(store, currentItem);
}
