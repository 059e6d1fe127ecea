import { stockContracts } from '#shared/contracts/stock.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal } from '#shared/http/api.js';
import { accountPath } from '#shared/contracts/admin-common.js';
import { listCatalogQuery } from '#shared/contracts/invoicing.js';
import {
  createWarehouseBody,
  createWarehouseDocumentBody,
  goodsIssueBody,
  invoiceGoodsIssuePath,
  stockQuery,
  updateWarehouseBody,
  updateWarehouseDocumentBody,
  warehouseDocumentPath,
  warehousePath,
} from '#shared/contracts/stock.js';
import { defaultStore } from '#shared/data/context.js';
import * as stock from '#shared/usecases/stock.js';
import { pageView } from '#shared/views/page.js';
import { stockView, warehouseDocumentView, warehouseView } from '#shared/views/stock.js';

/* Warehouses, warehouse documents and stock: parse, one use case, the view. */
const noContent = { statusCode: 204, headers: {}, body: '' };

export const handler = createApiHandler('warehouses', {
  listWarehouses: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await stock.listWarehouses(defaultStore(), requirePrincipal(req), parse('query', listCatalogQuery, req.query));
    return jsonResponse(200, pageView(page, warehouseView));
  },
  createWarehouse: async (req) => {
    parse('path', accountPath, req.pathParameters);
    return jsonResponse(201, warehouseView(await stock.createWarehouse(defaultStore(), requirePrincipal(req), parseJsonBody(req, createWarehouseBody))));
  },
  getWarehouse: async (req) => {
    const { warehouseId } = parse('path', warehousePath, req.pathParameters);
    return jsonResponse(200, warehouseView(await stock.getWarehouse(defaultStore(), requirePrincipal(req), warehouseId)));
  },
  updateWarehouse: async (req) => {
    const { warehouseId } = parse('path', warehousePath, req.pathParameters);
    const body = parseJsonBody(req, updateWarehouseBody);
    return jsonResponse(200, warehouseView(await stock.updateWarehouse(defaultStore(), requirePrincipal(req), warehouseId, body)));
  },
  deleteWarehouse: async (req) => {
    const { warehouseId } = parse('path', warehousePath, req.pathParameters);
    await stock.deleteWarehouse(defaultStore(), requirePrincipal(req), warehouseId);
    return noContent;
  },
  getWarehouseStock: async (req) => {
    const { warehouseId } = parse('path', warehousePath, req.pathParameters);
    const { date } = parse('query', stockQuery, req.query);
    return jsonResponse(200, stockView(await stock.stockReport(defaultStore(), requirePrincipal(req), warehouseId, date)));
  },
  listWarehouseDocuments: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await stock.listDocuments(defaultStore(), requirePrincipal(req), parse('query', listCatalogQuery, req.query));
    return jsonResponse(200, pageView(page, warehouseDocumentView));
  },
  createWarehouseDocument: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const body = parseJsonBody(req, createWarehouseDocumentBody);
    return jsonResponse(201, warehouseDocumentView(await stock.createDocument(defaultStore(), requirePrincipal(req), body)));
  },
  getWarehouseDocument: async (req) => {
    const { documentId } = parse('path', warehouseDocumentPath, req.pathParameters);
    return jsonResponse(200, warehouseDocumentView(await stock.getDocumentOf(defaultStore(), requirePrincipal(req), documentId)));
  },
  updateWarehouseDocument: async (req) => {
    const { documentId } = parse('path', warehouseDocumentPath, req.pathParameters);
    const body = parseJsonBody(req, updateWarehouseDocumentBody);
    return jsonResponse(200, warehouseDocumentView(await stock.changeNote(defaultStore(), requirePrincipal(req), documentId, body)));
  },
  deleteWarehouseDocument: async (req) => {
    const { documentId } = parse('path', warehouseDocumentPath, req.pathParameters);
    await stock.deleteDocument(defaultStore(), requirePrincipal(req), documentId);
    return noContent;
  },
  createInvoiceGoodsIssue: async (req) => {
    const { documentId } = parse('path', invoiceGoodsIssuePath, req.pathParameters);
    const body = parseJsonBody(req, goodsIssueBody);
    return jsonResponse(201, warehouseDocumentView(await stock.issueInvoiceGoods(defaultStore(), requirePrincipal(req), documentId, body)));
  },
}, stockContracts);
