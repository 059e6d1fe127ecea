import type * as z from 'zod';
import type { Principal } from '../authz/engine.js';
import type { createWarehouseBody, createWarehouseDocumentBody, updateWarehouseBody } from '../contracts/stock.js';
import type { Store } from '../data/context.js';
import { retryLostRaces, TransientConflict } from '../data/dynamo.js';
import { getDocument } from '../data/entities/document.js';
import { getItems } from '../data/entities/item.js';
import { stockAsOf, stockLevels } from '../data/entities/stock.js';
import { getWarehouses, warehouses as warehouseAccess, type Warehouse } from '../data/entities/warehouse.js';
import * as whdocs from '../data/entities/warehouse-document.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { Conflict, NotFound, StaleVersion, ValidationError, type FieldError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { requireVisible } from '../domain/invoicing/access.js';
import { toScaled } from '../domain/invoicing/money.js';

/*
 * Warehouses, warehouse documents and stock (warehouses.* and warehouse-documents.*).
 * These objects have no owner scope: the route's permission is the whole decision, and
 * every key is built from the principal's account id.
 *
 * Writing a document is read - check - write: the warehouses and items it names are read
 * (unknown ones: 400 naming each), then the document and every movement are ONE
 * transaction. Whether stock covers an outgoing movement is not decided on a read: it is
 * the condition of the stock level's own update, so 50 concurrent issues of the last 10
 * units give exactly 10 successes. A transaction that lost a race with another one on the
 * same stock level is simply sent again (its deltas do not depend on what it read); one
 * whose warehouse changed meanwhile is decided again on the fresh warehouse.
 */
export type CreateWarehouseInput = z.infer<typeof createWarehouseBody>;
export type UpdateWarehouseInput = z.infer<typeof updateWarehouseBody>;
export type CreateWarehouseDocumentInput = z.infer<typeof createWarehouseDocumentBody>;

const MAX_ATTEMPTS = 40;
const warehouseMoved = () => new TransientConflict('a warehouse changed while the movement was being written');
const onFreshState = <T>(attempt: () => Promise<T>): Promise<T> =>
  retryLostRaces(MAX_ATTEMPTS, () => new Conflict('the stock kept changing; retry the request'), attempt);

const found = <T>(x: T | undefined, noun: string): T => {
  if (x === undefined) throw new NotFound(`the ${noun} does not exist`);
  return x;
};

// --- warehouses -------------------------------------------------------------------------
export const listWarehouses = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<Warehouse>> =>
  warehouseAccess.list(store, p.accountId, { ...page, boundTo: p.userId });

export const getWarehouse = async (store: Store, p: Principal, id: string): Promise<Warehouse> =>
  found(await warehouseAccess.get(store, p.accountId, id), 'warehouse');

export function createWarehouse(store: Store, p: Principal, input: CreateWarehouseInput): Promise<Warehouse> {
  const now = store.now().toISOString();
  return warehouseAccess.create(store, {
    warehouseId: ulid(),
    accountId: p.accountId,
    name: input.name,
    code: input.code,
    allowNegative: input.allowNegative,
    createdBy: p.userId,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
}

/**
 * Renames a warehouse or switches `allowNegative`. Switching it off while some level is
 * below zero is allowed: it only refuses outgoing movements from then on. Every movement
 * checks the warehouse's version in its transaction, so none is written on a stale flag.
 */
export async function updateWarehouse(store: Store, p: Principal, id: string, input: UpdateWarehouseInput): Promise<Warehouse> {
  const current = found(await warehouseAccess.get(store, p.accountId, id, true), 'warehouse');
  const next: Warehouse = {
    ...current,
    name: input.name ?? current.name,
    code: input.code === null ? undefined : (input.code ?? current.code),
    allowNegative: input.allowNegative ?? current.allowNegative,
    updatedAt: store.now().toISOString(),
  };
  return warehouseAccess.replace(store, next, input.version);
}

/**
 * Deletes a warehouse that holds nothing: any level other than zero is a 409 naming the
 * items (move or issue them first). Its movement history stays for reports as of a date.
 */
export async function deleteWarehouse(store: Store, p: Principal, id: string): Promise<void> {
  const current = found(await warehouseAccess.get(store, p.accountId, id, true), 'warehouse');
  const held = (await stockLevels(store, p.accountId, id)).filter((l) => l.quantity !== 0);
  if (held.length > 0) {
    throw new Conflict(`warehouse ${current.name} (${id}) still holds stock of ${held.length} item(s); move or issue it first`, {
      extensions: { items: held.map((l) => ({ itemId: l.itemId, quantity: l.quantity / 1000 })) },
    });
  }
  // Conditioned on the version read: a warehouse changed since is not deleted on an old look.
  await warehouseAccess.remove(store, p.accountId, id, current.version);
}

// --- stock ------------------------------------------------------------------------------
export interface StockReport {
  warehouseId: string;
  date: string | null;
  items: Array<{ itemId: string; quantity: number }>;
  itemsRead: number;
}

/** The stock of a warehouse now, or at the end of `date` (from the movement history). */
export async function stockReport(store: Store, p: Principal, warehouseId: string, date: string | undefined): Promise<StockReport> {
  await getWarehouse(store, p, warehouseId);
  const levels =
    date === undefined
      ? await stockLevels(store, p.accountId, warehouseId).then((ls) => ({ levels: new Map(ls.map((l) => [l.itemId, l.quantity])), itemsRead: ls.length }))
      : await stockAsOf(store, p.accountId, warehouseId, date);
  const items = [...levels.levels]
    .filter(([, q]) => q !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([itemId, q]) => ({ itemId, quantity: q / 1000 }));
  return { warehouseId, date: date ?? null, items, itemsRead: levels.itemsRead };
}

// --- warehouse documents ----------------------------------------------------------------
export const listDocuments = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<whdocs.WarehouseDocument>> =>
  whdocs.listWarehouseDocuments(store, p.accountId, { ...page, boundTo: p.userId });

export const getDocumentOf = async (store: Store, p: Principal, id: string): Promise<whdocs.WarehouseDocument> =>
  found(await whdocs.getWarehouseDocument(store, p.accountId, id), 'warehouse document');

const thousandths = (q: number): number => Number(toScaled(q, 3)!);

interface Draft {
  kind: whdocs.WarehouseDocumentKind;
  warehouseId: string;
  toWarehouseId?: string | undefined;
  date: string;
  lines: Array<{ itemId: string; quantity: number; field: string }>;
  invoiceId?: string | undefined;
  note?: string | undefined;
}

/** The warehouses a draft names, read afresh; 400 naming each unknown one. */
async function warehousesOf(store: Store, accountId: string, draft: Pick<Draft, 'warehouseId' | 'toWarehouseId'>, fields: [string, string]) {
  const ids = [draft.warehouseId, ...(draft.toWarehouseId ? [draft.toWarehouseId] : [])];
  const found = await getWarehouses(store, accountId, ids);
  const missing = ids.map((id, i) => ({ id, field: fields[i]! })).filter(({ id }) => !found.has(id));
  if (missing.length) {
    const errors: FieldError[] = missing.map(({ id, field }) => ({ field, message: `unknown warehouse ${id}` }));
    throw new ValidationError(`unknown warehouse ${missing.map((m) => m.id).join(', ')}`, { errors });
  }
  return found;
}

/** Writes the document and moves its stock in one transaction; 400 for unknown warehouses or items, 409 for uncovered stock. */
async function write(store: Store, p: Principal, draft: Draft, fields: [string, string] = ['body.warehouseId', 'body.toWarehouseId']) {
  const documentId = ulid();
  return onFreshState(async () => {
    const warehouses = await warehousesOf(store, p.accountId, draft, fields);
    const items = await getItems(store, p.accountId, draft.lines.map((l) => l.itemId));
    const unknown = draft.lines.filter((l) => !items.has(l.itemId));
    if (unknown.length) {
      throw new ValidationError(`unknown item ${[...new Set(unknown.map((l) => l.itemId))].join(', ')}`, {
        errors: unknown.map((l) => ({ field: l.field, message: `unknown item ${l.itemId}` })),
      });
    }
    const now = store.now().toISOString();
    const doc: whdocs.WarehouseDocument = {
      documentId,
      accountId: p.accountId,
      organizationId: p.organizationId,
      kind: draft.kind,
      warehouseId: draft.warehouseId,
      toWarehouseId: draft.toWarehouseId,
      date: draft.date,
      lines: draft.lines.map((l) => ({ itemId: l.itemId, itemName: items.get(l.itemId)!.name, quantity: thousandths(l.quantity) })),
      invoiceId: draft.invoiceId,
      note: draft.note,
      createdBy: p.userId,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await whdocs.recordWarehouseDocument(store, doc, warehouses, warehouseMoved);
    return doc;
  });
}

export const createDocument = (store: Store, p: Principal, input: CreateWarehouseDocumentInput): Promise<whdocs.WarehouseDocument> =>
  write(store, p, {
    kind: input.kind,
    warehouseId: input.warehouseId,
    toWarehouseId: input.toWarehouseId,
    date: input.date ?? store.now().toISOString().slice(0, 10),
    lines: input.lines.map((l, i) => ({ ...l, field: `body.lines.${i}.itemId` })),
    note: input.note,
  });

/**
 * The goods issue of an invoice: one `issued` document out of `warehouseId` with every
 * invoice line that names a catalogue item, dated the invoice's issue date unless given.
 * The invoice must be one the caller may see and must be issued (not a draft, not
 * cancelled); an invoice's goods are issued at most once (409 naming the document).
 */
export async function issueInvoiceGoods(
  store: Store,
  p: Principal,
  invoiceId: string,
  input: { warehouseId: string; date?: string | undefined },
): Promise<whdocs.WarehouseDocument> {
  const found = await getDocument(store, p.accountId, 'invoice', invoiceId, true);
  const invoice = requireVisible(p, 'documents.view', found && { ...found, ownerId: found.createdBy }, 'invoice');
  if (invoice.status === 'draft' || invoice.status === 'cancelled') {
    throw new Conflict(`the goods of a ${invoice.status} invoice are not issued; issue the invoice first`, { extensions: { status: invoice.status } });
  }
  const lines = invoice.lines.flatMap((l, i) => (l.itemId ? [{ itemId: l.itemId, quantity: l.quantity, field: `invoice.lines.${i}.itemId` }] : []));
  if (lines.length === 0) {
    throw new ValidationError('the invoice names no catalogue items', { errors: [{ field: 'path.documentId', message: 'no line of this invoice names an item' }] });
  }
  return write(
    store,
    p,
    { kind: 'issued', warehouseId: input.warehouseId, date: input.date ?? invoice.issueDate, lines, invoiceId, note: `Goods of invoice ${invoice.number ?? invoiceId}` },
    ['body.warehouseId', 'body.warehouseId'],
  );
}

export async function changeNote(store: Store, p: Principal, id: string, input: { version: number; note: string | null }) {
  const current = found(await whdocs.getWarehouseDocument(store, p.accountId, id, true), 'warehouse document');
  if (current.version !== input.version) {
    throw new StaleVersion(`version ${input.version} is stale; the warehouse document is at version ${current.version}`, {
      extensions: { currentVersion: current.version },
    });
  }
  return whdocs.changeWarehouseDocumentNote(store, current, input.note ?? undefined, store.now().toISOString());
}

/**
 * Deletes a document and reverses its movements in one transaction. A reversal is a
 * movement like any other: taking back goods received that were issued since is refused
 * (409 naming item and warehouse), so stock never goes below zero by a deletion either.
 */
export async function deleteDocument(store: Store, p: Principal, id: string): Promise<void> {
  await onFreshState(async () => {
    const doc = found(await whdocs.getWarehouseDocument(store, p.accountId, id, true), 'warehouse document');
    const ids = [doc.warehouseId, ...(doc.toWarehouseId ? [doc.toWarehouseId] : [])];
    const warehouses = await getWarehouses(store, p.accountId, ids);
    const gone = ids.filter((w) => !warehouses.has(w));
    if (gone.length) throw new Conflict(`warehouse ${gone.join(', ')} no longer exists; its movements cannot be reversed`, { extensions: { warehouseIds: gone } });
    await whdocs.reverseWarehouseDocument(store, doc, warehouses, store.now().toISOString(), warehouseMoved);
  });
}
