import type * as z from 'zod';
import type { documentResponse } from '../contracts/invoicing.js';
import type { Document } from '../data/entities/document.js';
import { outstandingOf } from '../domain/invoicing/documents.js';

/* Documents as the API shows them: typed by the contract, so the view cannot drift from it. */
export const documentView = (d: Document): z.output<typeof documentResponse> => ({
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
