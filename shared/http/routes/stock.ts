import type { Action } from '../../authz/catalogue.js';
import type { Route } from '../routes.js';
import { ACCOUNT_PREFIX } from '../account-prefix.js';

/*
 * Warehouses, warehouse documents and stock. Reading the stock of a warehouse is part of
 * viewing the warehouse; issuing an invoice's goods writes a warehouse document, so it
 * needs warehouse-documents.create (and, in the use case, sight of the invoice).
 */
const A = ACCOUNT_PREFIX;
const act = (action: Action) => ({ action }) as const;

export const STOCK_ROUTES = [
  { id: 'listWarehouses', method: 'GET', path: `${A}/warehouses`, fn: 'warehouses', auth: act('warehouses.view'), summary: 'Warehouses' },
  { id: 'createWarehouse', method: 'POST', path: `${A}/warehouses`, fn: 'warehouses', auth: act('warehouses.create'), summary: 'Create a warehouse', idempotent: true },
  { id: 'getWarehouse', method: 'GET', path: `${A}/warehouses/{warehouseId}`, fn: 'warehouses', auth: act('warehouses.view'), summary: 'A warehouse' },
  { id: 'updateWarehouse', method: 'PATCH', path: `${A}/warehouses/{warehouseId}`, fn: 'warehouses', auth: act('warehouses.edit'), summary: 'Rename a warehouse or allow negative stock', versioned: 'body' },
  { id: 'deleteWarehouse', method: 'DELETE', path: `${A}/warehouses/{warehouseId}`, fn: 'warehouses', auth: act('warehouses.delete'), summary: 'Delete a warehouse that holds no stock' },
  { id: 'getWarehouseStock', method: 'GET', path: `${A}/warehouses/{warehouseId}/stock`, fn: 'warehouses', auth: act('warehouses.view'), summary: 'Stock of a warehouse, now or as of a date' },
  { id: 'listWarehouseDocuments', method: 'GET', path: `${A}/warehouse-documents`, fn: 'warehouses', auth: act('warehouse-documents.view'), summary: 'Warehouse documents, newest first' },
  { id: 'createWarehouseDocument', method: 'POST', path: `${A}/warehouse-documents`, fn: 'warehouses', auth: act('warehouse-documents.create'), summary: 'Goods received, goods issued or a transfer: moves stock in one transaction', idempotent: true },
  { id: 'getWarehouseDocument', method: 'GET', path: `${A}/warehouse-documents/{documentId}`, fn: 'warehouses', auth: act('warehouse-documents.view'), summary: 'A warehouse document' },
  { id: 'updateWarehouseDocument', method: 'PATCH', path: `${A}/warehouse-documents/{documentId}`, fn: 'warehouses', auth: act('warehouse-documents.edit'), summary: "Change a warehouse document's note", versioned: 'body' },
  { id: 'deleteWarehouseDocument', method: 'DELETE', path: `${A}/warehouse-documents/{documentId}`, fn: 'warehouses', auth: act('warehouse-documents.delete'), summary: 'Delete a warehouse document, reversing its movements' },
  { id: 'createInvoiceGoodsIssue', method: 'POST', path: `${A}/invoices/{documentId}/goods-issue`, fn: 'warehouses', auth: act('warehouse-documents.create'), summary: "Issue an invoice's goods from a warehouse", idempotent: true },
] as const satisfies readonly Route[];
