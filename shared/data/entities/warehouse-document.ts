import * as z from 'zod/mini';
import { Conflict, NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, transact, updateItem, type OnConditionFailed, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { staleOr } from './guards.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';
import { movementSteps, type Movement } from './stock.js';
import { warehouseUnchangedStep, type Warehouse } from './warehouse.js';

/*
 * A warehouse document: goods received (PZ) into a warehouse, goods issued (WZ) out of one,
 * or a transfer (MM) from one warehouse to another. Writing one and moving the stock it
 * names is ONE transaction (the document, every stock level and day's movement, and a
 * check that each warehouse is still as read); deleting one reverses exactly those
 * movements in one transaction, refused like any movement when the reversal would take a
 * guarded level below zero (the goods it received were issued since).
 *
 * A goods issue made from an invoice carries its id, and a link item (same partition)
 * makes it the only one for that invoice: two concurrent requests cannot both issue the
 * goods of one invoice.
 *
 *   table  pk ACCOUNT#<acc>#WHDOCS    sk WHDOC#<id>           the document (ULID: creation order)
 *   table  pk ACCOUNT#<acc>#WHDOCS    sk INVOICE#<invoiceId>   the goods issue of an invoice
 */
export const WAREHOUSE_DOCUMENT_KINDS = ['received', 'issued', 'transfer'] as const;
export type WarehouseDocumentKind = (typeof WAREHOUSE_DOCUMENT_KINDS)[number];

export const warehouseDocumentSchema = z.object({
  documentId: z.string(),
  accountId: z.string(),
  organizationId: z.string(),
  kind: z.enum(WAREHOUSE_DOCUMENT_KINDS),
  /** received: the warehouse goods come into; issued and transfer: the one they leave. */
  warehouseId: z.string(),
  /** transfer only: the warehouse goods go to. */
  toWarehouseId: z.optional(z.string()),
  date: z.string(),
  lines: z.array(
    z.object({
      itemId: z.string(),
      itemName: z.string(),
      /** Thousandths of the item's unit, > 0. */
      quantity: z.number(),
    }),
  ),
  invoiceId: z.optional(z.string()),
  note: z.optional(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Only the note changes after writing (what moved is changed by deleting and writing anew). */
  version: z.number(),
});
export type WarehouseDocument = z.infer<typeof warehouseDocumentSchema>;

const partition = (accountId: string) => `ACCOUNT#${seg(accountId)}#WHDOCS`;

export const warehouseDocumentEntity = defineEntity({
  type: 'warehouse-document',
  schema: warehouseDocumentSchema,
  key: (d) => ({ pk: partition(d.accountId), sk: `WHDOC#${seg(d.documentId)}` }),
});

const invoiceLinkEntity = defineEntity({
  type: 'invoice-goods-issue',
  schema: z.object({ accountId: z.string(), invoiceId: z.string(), documentId: z.string() }),
  key: (l) => ({ pk: partition(l.accountId), sk: `INVOICE#${seg(l.invoiceId)}` }),
});

/** The movements a document makes: negative out of its source, positive into its target, per item. */
export function movementsOf(d: WarehouseDocument, sign: 1 | -1 = 1): Movement[] {
  const perItem = new Map<string, number>();
  for (const l of d.lines) perItem.set(l.itemId, (perItem.get(l.itemId) ?? 0) + l.quantity);
  const out: Movement[] = [];
  for (const [itemId, quantity] of perItem) {
    const at = (warehouseId: string, q: number) => ({ accountId: d.accountId, warehouseId, itemId, date: d.date, quantity: sign * q });
    if (d.kind === 'received') out.push(at(d.warehouseId, quantity));
    else out.push(at(d.warehouseId, -quantity));
    if (d.kind === 'transfer') out.push(at(d.toWarehouseId!, quantity));
  }
  return out;
}

function moveSteps(store: Store, d: WarehouseDocument, sign: 1 | -1, warehouses: ReadonlyMap<string, Warehouse>, at: string, onMoved: OnConditionFailed): TxStep[] {
  const names = new Map(d.lines.map((l) => [l.itemId, l.itemName]));
  const steps = movementsOf(d, sign).flatMap((m) => {
    const w = warehouses.get(m.warehouseId)!;
    return movementSteps(store, m, !w.allowNegative, at, { item: `${names.get(m.itemId)} (${m.itemId})`, warehouse: `${w.name} (${w.warehouseId})` });
  });
  return [...steps, ...[...warehouses.values()].map((w) => warehouseUnchangedStep(store, w, onMoved))];
}

// Pattern "record a document": the document, its invoice link if any, and its movements, in one transaction.
export async function recordWarehouseDocument(
  store: Store,
  d: WarehouseDocument,
  warehouses: ReadonlyMap<string, Warehouse>,
  onWarehouseMoved: OnConditionFailed,
): Promise<void> {
  const link: TxStep[] = d.invoiceId
    ? [
        {
          item: {
            Put: {
              TableName: store.table,
              Item: invoiceLinkEntity.item({ accountId: d.accountId, invoiceId: d.invoiceId, documentId: d.documentId }),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          onConditionFailed: (now) =>
            new Conflict(`the goods of invoice ${d.invoiceId} were already issued by warehouse document ${String(now?.documentId)}`, {
              extensions: { warehouseDocumentId: now?.documentId },
            }),
        },
      ]
    : [];
  await transact(store, [
    {
      item: { Put: { TableName: store.table, Item: warehouseDocumentEntity.item(d), ConditionExpression: 'attribute_not_exists(pk)' } },
      onConditionFailed: () => new Conflict('the warehouse document already exists'),
    },
    ...link,
    ...moveSteps(store, d, 1, warehouses, d.createdAt, onWarehouseMoved),
  ]);
}

// Pattern "delete a document": the document, its invoice link and the reverse of its movements, in one transaction.
export async function reverseWarehouseDocument(
  store: Store,
  d: WarehouseDocument,
  warehouses: ReadonlyMap<string, Warehouse>,
  at: string,
  onWarehouseMoved: OnConditionFailed,
): Promise<void> {
  const key = (k: { pk: string; sk: string }) => ({ TableName: store.table, Key: k, ConditionExpression: 'attribute_exists(pk)' });
  await transact(store, [
    { item: { Delete: key(warehouseDocumentEntity.key(d)) }, onConditionFailed: () => new NotFound('the warehouse document does not exist') },
    ...(d.invoiceId ? [{ item: { Delete: key(invoiceLinkEntity.key({ accountId: d.accountId, invoiceId: d.invoiceId, documentId: d.documentId })) } }] : []),
    ...moveSteps(store, d, -1, warehouses, at, onWarehouseMoved),
  ]);
}

// Pattern "one document": GetItem, strongly consistent when a reversal decides on it.
export const getWarehouseDocument = async (store: Store, accountId: string, documentId: string, consistent = false): Promise<WarehouseDocument | undefined> =>
  parseOptional(warehouseDocumentEntity, await getItem(store, { pk: partition(accountId), sk: `WHDOC#${seg(documentId)}` }, consistent));

// Pattern "documents of an account": Query the partition's WHDOC# range, newest first.
export const listWarehouseDocuments = (store: Store, accountId: string, page: PageRequest): Promise<Page<WarehouseDocument>> =>
  queryPage(store, { partition: partition(accountId), sort: { prefix: 'WHDOC#' }, newestFirst: true }, warehouseDocumentEntity.parse, page);

// Pattern "change the note": UpdateItem guarded by the version read; what moved never changes.
export async function changeWarehouseDocumentNote(store: Store, d: WarehouseDocument, note: string | undefined, at: string): Promise<WarehouseDocument> {
  const raw = await updateItem(
    store,
    warehouseDocumentEntity.key(d),
    note === undefined
      ? { expression: 'REMOVE note SET #version = :next, updatedAt = :at', names: { '#version': 'version' }, values: { ':next': d.version + 1, ':at': at } }
      : { expression: 'SET note = :note, #version = :next, updatedAt = :at', names: { '#version': 'version' }, values: { ':note': note, ':next': d.version + 1, ':at': at } },
    { expression: '#version = :version', names: { '#version': 'version' }, values: { ':version': d.version } },
    staleOr('the warehouse document', () => new NotFound('the warehouse document does not exist')),
  );
  return warehouseDocumentEntity.parse(raw);
}
