import * as z from 'zod';
import type { RouteContract } from './types.js';
import { accountId, crudContracts } from './admin-common.js';
import { isoDate, listCatalogQuery, ulidParam } from './invoicing.js';
import { toScaled } from '../domain/invoicing/money.js';
import { multiLine, singleLine, versionOf } from './text.js';

/*
 * Contracts of warehouses, warehouse documents and stock. Quantities are decimals with at
 * most 3 places, like document lines; the server keeps them as integer thousandths.
 */
const version = versionOf(0).describe('the version the change is based on (optimistic locking)');
const quantity = z
  .number()
  .positive('must be greater than 0')
  .max(1_000_000_000)
  .refine((v) => toScaled(v, 3) !== undefined, 'at most 3 decimals');

// --- warehouses ------------------------------------------------------------------------
export const warehousePath = z.object({ accountId, warehouseId: ulidParam });
export const createWarehouseBody = z
  .object({
    name: singleLine(200),
    code: singleLine(32).optional(),
    allowNegative: z.boolean().default(false).describe('stock of an item here may go below zero'),
  })
  .strict()
  .meta({ id: 'CreateWarehouse' });
export const updateWarehouseBody = z
  .object({ version, name: singleLine(200).optional(), code: singleLine(32).nullable().optional(), allowNegative: z.boolean().optional() })
  .strict()
  .meta({ id: 'UpdateWarehouse' });
export const warehouseResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    code: z.string().nullable(),
    allowNegative: z.boolean(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Warehouse' });

// --- warehouse documents ----------------------------------------------------------------
export const WAREHOUSE_DOCUMENT_KIND_NAMES = ['received', 'issued', 'transfer'] as const;
/** Distinct items per document: a transfer moves 4 items per item in one transaction (at most 100). */
export const MAX_WAREHOUSE_DOCUMENT_ITEMS = 24;

export const warehouseDocumentPath = z.object({ accountId, documentId: ulidParam });
const stockLine = z.object({ itemId: ulidParam, quantity }).strict().meta({ id: 'StockLineInput' });
export const createWarehouseDocumentBody = z
  .object({
    kind: z.enum(WAREHOUSE_DOCUMENT_KIND_NAMES).describe('received (PZ), issued (WZ) or transfer (MM)'),
    warehouseId: ulidParam.describe('received: where goods come in; issued, transfer: where they leave'),
    toWarehouseId: ulidParam.optional().describe('transfer only: where goods go'),
    date: isoDate.optional().describe('defaults to today (UTC)'),
    lines: z.array(stockLine).min(1).max(MAX_WAREHOUSE_DOCUMENT_ITEMS),
    note: multiLine(1000).optional(),
  })
  .strict()
  .refine((b) => (b.kind === 'transfer') === (b.toWarehouseId !== undefined), {
    path: ['toWarehouseId'],
    message: 'required for a transfer, and only for a transfer',
  })
  .refine((b) => b.toWarehouseId === undefined || b.toWarehouseId !== b.warehouseId, {
    path: ['toWarehouseId'],
    message: 'must differ from warehouseId',
  })
  .meta({ id: 'CreateWarehouseDocument' });
export const updateWarehouseDocumentBody = z
  .object({ version, note: multiLine(1000).nullable() })
  .strict()
  .meta({ id: 'UpdateWarehouseDocument', description: 'Only the note changes; to change what moved, delete the document (reversing it) and write a new one' });
export const goodsIssueBody = z
  .object({ warehouseId: ulidParam, date: isoDate.optional().describe("defaults to the invoice's issue date") })
  .strict()
  .meta({ id: 'InvoiceGoodsIssue' });
export const invoiceGoodsIssuePath = z.object({ accountId, documentId: ulidParam });
export const warehouseDocumentResponse = z
  .object({
    id: z.string(),
    kind: z.enum(WAREHOUSE_DOCUMENT_KIND_NAMES),
    warehouseId: z.string(),
    toWarehouseId: z.string().nullable(),
    date: z.string(),
    lines: z.array(z.object({ itemId: z.string(), itemName: z.string(), quantity: z.number() })),
    invoiceId: z.string().nullable(),
    note: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'WarehouseDocument' });

// --- stock ------------------------------------------------------------------------------
export const stockQuery = z.object({ date: isoDate.optional().describe('the stock at the end of this date; now when absent') });
export const stockResponse = z
  .object({
    warehouseId: z.string(),
    date: z.string().nullable().describe('null: the stock now'),
    items: z.array(z.object({ itemId: z.string(), quantity: z.number() })),
    read: z.object({ items: z.number().int().describe('stored items read: levels now, or days with movements up to the date') }),
  })
  .meta({ id: 'Stock' });

export const stockContracts: Record<string, RouteContract> = {
  ...crudContracts('Warehouse', 'Warehouses', {
    itemPath: warehousePath,
    listQuery: listCatalogQuery,
    create: createWarehouseBody,
    update: updateWarehouseBody,
    response: warehouseResponse,
  }),
  getWarehouseStock: { path: warehousePath, query: stockQuery, response: stockResponse },
  ...crudContracts('WarehouseDocument', 'WarehouseDocuments', {
    itemPath: warehouseDocumentPath,
    listQuery: listCatalogQuery,
    create: createWarehouseDocumentBody,
    update: updateWarehouseDocumentBody,
    response: warehouseDocumentResponse,
  }),
  createInvoiceGoodsIssue: { path: invoiceGoodsIssuePath, body: goodsIssueBody, response: warehouseDocumentResponse, status: 201 },
};
