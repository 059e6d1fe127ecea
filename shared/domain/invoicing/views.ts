import type { CatalogItem, ClientItem, DocumentItem, PaymentItem, StoredLine } from '../../data/items.js';
import { outstandingOf } from './documents.js';
import { documentTotals, type LineInput } from './money.js';

/*
 * Stored items -> API representations (the contracts' response shapes), and request lines
 * -> priced lines. Pure functions: handlers, reports and exports share them.
 */
export interface LineRequest extends LineInput {
  description: string;
  itemId?: string | undefined;
  unit?: string | undefined;
}

/** Prices every line (per line, half-up) and totals the document; 400 naming the line on overflow. */
export function priceLines(lines: readonly LineRequest[], field = 'body.lines'): { lines: StoredLine[]; net: number; vat: number; gross: number } {
  const totals = documentTotals(lines, field);
  return {
    lines: lines.map((l, i) => ({
      description: l.description,
      itemId: l.itemId,
      quantity: l.quantity,
      unit: l.unit,
      unitPrice: l.unitPrice,
      vatRate: l.vatRate,
      ...totals.lines[i]!,
    })),
    net: totals.net,
    vat: totals.vat,
    gross: totals.gross,
  };
}

export const documentView = (d: DocumentItem) => ({
  id: d.documentId,
  kind: d.kind,
  number: d.number ?? null,
  sequence: d.sequence ?? null,
  status: d.status,
  clientId: d.clientId ?? null,
  clientName: d.clientName ?? null,
  currency: d.currency,
  issueDate: d.issueDate,
  dueDate: d.dueDate ?? null,
  lines: d.lines.map((l) => ({
    description: l.description,
    itemId: l.itemId ?? null,
    quantity: l.quantity,
    unit: l.unit ?? null,
    unitPrice: l.unitPrice,
    vatRate: l.vatRate,
    net: l.net,
    vat: l.vat,
    gross: l.gross,
  })),
  totals: { net: d.net, vat: d.vat, gross: d.gross, paid: d.paid, outstanding: outstandingOf(d) },
  notes: d.notes ?? null,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  version: d.version,
});

export const clientView = (c: ClientItem) => ({
  id: c.clientId,
  name: c.name,
  email: c.email ?? null,
  taxId: c.taxId ?? null,
  phone: c.phone ?? null,
  address: c.address ?? null,
  notes: c.notes ?? null,
  createdBy: c.createdBy,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  version: c.version,
});

export const itemView = (i: CatalogItem) => ({
  id: i.itemId,
  name: i.name,
  sku: i.sku ?? null,
  unit: i.unit ?? null,
  unitPrice: i.unitPrice,
  currency: i.currency,
  vatRate: i.vatRate,
  description: i.description ?? null,
  createdBy: i.createdBy,
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
  version: i.version,
});

export const paymentView = (p: PaymentItem) => ({
  id: p.paymentId,
  invoiceId: p.invoiceId,
  invoiceNumber: p.invoiceNumber ?? null,
  amount: p.amount,
  currency: p.currency,
  paidAt: p.paidAt,
  method: p.method ?? null,
  reference: p.reference ?? null,
  createdBy: p.createdBy,
  createdAt: p.createdAt,
});
