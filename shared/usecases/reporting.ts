import type { z } from 'zod';
import { mayUse, type Principal } from '../authz/engine.js';
import type { exportQuery, EXPORT_DATASETS, reportQuery } from '../contracts/invoicing.js';
import type { Store } from '../data/context.js';
import { clients } from '../data/entities/client.js';
import { forEachDocumentInPeriod, listDocuments, type Document } from '../data/entities/document.js';
import { items } from '../data/entities/item.js';
import { listPayments } from '../data/entities/payment.js';
import { Forbidden } from '../domain/errors.js';
import { listScope } from '../domain/invoicing/access.js';
import type { Cell } from '../domain/invoicing/csv.js';
import { formatMinor, kindOfSegment, outstandingOf } from '../domain/invoicing/documents.js';
import { REPORT_KIND, ReportBuilder, type ReportName } from '../domain/invoicing/reports.js';
import { clientView, itemView } from '../views/catalog.js';

/*
 * Reports and exports. Both read documents through the creator index (gsi2) when the
 * caller's scope is "own" (an Employee's reports, SPEC 1.3) and through the account index
 * (gsi1) otherwise: never a filter over the whole account. Reports read exactly the
 * documents of the period (a key range on the issue date). Exports are one page per call
 * with a cursor, so a large account never has to fit in one Lambda's memory.
 */
export type ReportInput = z.infer<typeof reportQuery>;
export type ExportDataset = (typeof EXPORT_DATASETS)[number];
export type ExportInput = z.infer<typeof exportQuery>;

/** The period of a report: as asked, one bound completing the other's year, or else the current year. */
function period(q: ReportInput, now: Date): { from: string; to: string } {
  const year = String(now.getUTCFullYear());
  return {
    from: q.from ?? `${(q.to ?? year).slice(0, 4)}-01-01`,
    to: q.to ?? `${(q.from ?? year).slice(0, 4)}-12-31`,
  };
}

/** A report over the documents of a period that the caller may see (reports.view, own or all). */
export async function report(store: Store, p: Principal, name: ReportName, q: ReportInput) {
  const scope = listScope(p, 'reports.view');
  const { from, to } = period(q, store.now());
  const builder = new ReportBuilder(name);
  const read = await forEachDocumentInPeriod(
    store,
    { accountId: p.accountId, kind: REPORT_KIND[name], scope, userId: p.userId, from, to },
    (d) => builder.add(d),
  );
  return { report: name, from, to, scope, ...builder.result(), read: { items: read.itemsRead } };
}

const DOCUMENT_COLUMNS = [
  'id', 'number', 'status', 'issueDate', 'dueDate', 'clientId', 'clientName', 'currency',
  'net', 'vat', 'gross', 'paid', 'outstanding', 'notes', 'createdBy', 'createdAt',
] as const;
const CLIENT_COLUMNS = ['id', 'name', 'email', 'taxId', 'phone', 'addressLine1', 'addressLine2', 'postalCode', 'city', 'country', 'notes', 'createdAt'] as const;
const ITEM_COLUMNS = ['id', 'name', 'sku', 'unit', 'currency', 'unitPrice', 'vatRate', 'description', 'createdAt'] as const;
const PAYMENT_COLUMNS = ['id', 'invoiceId', 'invoiceNumber', 'amount', 'currency', 'paidAt', 'method', 'reference', 'createdBy', 'createdAt'] as const;

// In CSV, amounts are decimals in their currency (a spreadsheet's unit); JSON keeps minor units.
const documentRow = (d: Document, csv: boolean): Record<string, Cell> => {
  const money = (v: number) => (csv ? formatMinor(v, d.currency) : v);
  return {
    id: d.documentId,
    number: d.number ?? null,
    status: d.status,
    issueDate: d.issueDate,
    dueDate: d.dueDate ?? null,
    clientId: d.clientId ?? null,
    clientName: d.clientName ?? null,
    currency: d.currency,
    net: money(d.net),
    vat: money(d.vat),
    gross: money(d.gross),
    paid: money(d.paid),
    outstanding: money(outstandingOf(d)),
    notes: d.notes ?? null,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
  };
};

export interface ExportPage {
  columns: readonly string[];
  rows: Array<Record<string, Cell>>;
  nextCursor: string | null;
}

/** One page of an export: the rows the caller may view, in the dataset's columns. */
export async function exportPage(store: Store, p: Principal, dataset: ExportDataset, q: ExportInput): Promise<ExportPage> {
  const csv = q.format === 'csv';
  const page = { limit: q.limit, cursor: q.cursor, boundTo: p.userId };
  const kind = kindOfSegment(dataset);
  if (kind) {
    // An export shows what its caller may view: a custom role with exports.export and
    // documents.view.own exports its own documents only (creator index).
    const scope = listScope(p, 'documents.view');
    const docs = await listDocuments(store, { accountId: p.accountId, kind, scope, userId: p.userId, from: q.from, to: q.to, newestFirst: false }, page);
    return { columns: DOCUMENT_COLUMNS, rows: docs.items.map((d) => documentRow(d, csv)), nextCursor: docs.nextCursor };
  }
  if (dataset === 'clients') {
    if (!mayUse(p, 'clients.view')) throw new Forbidden('exporting clients needs clients.view');
    const found = await clients.list(store, p.accountId, page);
    const rows = found.items.map((c) => {
      const v = clientView(c);
      return {
        id: v.id, name: v.name, email: v.email, taxId: v.taxId, phone: v.phone,
        addressLine1: v.address?.line1, addressLine2: v.address?.line2, postalCode: v.address?.postalCode,
        city: v.address?.city, country: v.address?.country, notes: v.notes, createdAt: v.createdAt,
      };
    });
    return { columns: CLIENT_COLUMNS, rows, nextCursor: found.nextCursor };
  }
  if (dataset === 'payments') {
    // Payments export what their caller may view: payments.view.own exports the payments
    // on one's own invoices only (creator index), as the payments list does.
    const scope = listScope(p, 'payments.view');
    const found = await listPayments(store, { accountId: p.accountId, scope, userId: p.userId }, page);
    const rows = found.items.map((x) => ({
      id: x.paymentId,
      invoiceId: x.invoiceId,
      invoiceNumber: x.invoiceNumber ?? null,
      amount: csv ? formatMinor(x.amount, x.currency) : x.amount,
      currency: x.currency,
      paidAt: x.paidAt,
      method: x.method ?? null,
      reference: x.reference ?? null,
      createdBy: x.createdBy,
      createdAt: x.createdAt,
    }));
    return { columns: PAYMENT_COLUMNS, rows, nextCursor: found.nextCursor };
  }
  if (!mayUse(p, 'products.view')) throw new Forbidden('exporting items needs products.view');
  const found = await items.list(store, p.accountId, page);
  const rows = found.items.map((i) => {
    const v = itemView(i);
    return {
      id: v.id, name: v.name, sku: v.sku, unit: v.unit, currency: v.currency,
      unitPrice: csv ? formatMinor(v.unitPrice, v.currency) : v.unitPrice,
      vatRate: v.vatRate, description: v.description, createdAt: v.createdAt,
    };
  });
  return { columns: ITEM_COLUMNS, rows, nextCursor: found.nextCursor };
}
