import type * as z from 'zod';
import type { stockResponse, warehouseDocumentResponse, warehouseResponse } from '../contracts/stock.js';
import type { Warehouse } from '../data/entities/warehouse.js';
import type { WarehouseDocument } from '../data/entities/warehouse-document.js';
import type { StockReport } from '../usecases/stock.js';

/* Warehouses, their documents and stock as the API shows them; quantities back in units (stored as thousandths). */
export const warehouseView = (w: Warehouse): z.output<typeof warehouseResponse> => ({
  id: w.warehouseId,
  name: w.name,
  code: w.code ?? null,
  allowNegative: w.allowNegative,
  createdBy: w.createdBy,
  createdAt: w.createdAt,
  updatedAt: w.updatedAt,
  version: w.version,
});

export const warehouseDocumentView = (d: WarehouseDocument): z.output<typeof warehouseDocumentResponse> => ({
  id: d.documentId,
  kind: d.kind,
  warehouseId: d.warehouseId,
  toWarehouseId: d.toWarehouseId ?? null,
  date: d.date,
  lines: d.lines.map((l) => ({ itemId: l.itemId, itemName: l.itemName, quantity: l.quantity / 1000 })),
  invoiceId: d.invoiceId ?? null,
  note: d.note ?? null,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  version: d.version,
});

export const stockView = (r: StockReport): z.output<typeof stockResponse> => ({
  warehouseId: r.warehouseId,
  date: r.date,
  items: r.items,
  read: { items: r.itemsRead },
});
