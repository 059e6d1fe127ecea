import { createApiHandler, jsonResponse, parse, requirePrincipal } from '#shared/http/api.js';
import type { HttpResponse } from '#shared/http/problem.js';
import { documentClient, tableName } from '#shared/data/client.js';
import { exportPath, exportQuery, reportPath, reportQuery } from '#shared/contracts/invoicing.js';
import { decide, mayUse, type Principal } from '#shared/authz/engine.js';
import type { Action } from '#shared/authz/catalogue.js';
import { Forbidden } from '#shared/domain/errors.js';
import { listScope } from '#shared/domain/invoicing/access.js';
import { formatMinor, outstandingOf, type DocumentKind } from '#shared/domain/invoicing/documents.js';
import { REPORT_KIND, ReportBuilder } from '#shared/domain/invoicing/reports.js';
import { toCsv, type Cell } from '#shared/domain/invoicing/csv.js';
import { clientView, itemView } from '#shared/domain/invoicing/views.js';
import { forEachDocumentInPeriod, listDocuments } from '#shared/data/document-repository.js';
import { clientEntity, itemEntity, listEntries } from '#shared/data/catalog-repository.js';
import type { DocumentItem } from '#shared/data/items.js';

/*
 * Reports and exports. Both read documents through the creator index (gsi2) when the
 * caller's scope is "own" (an Employee's reports, SPEC 1.3) and through the account index
 * (gsi1) otherwise: never a filter over the whole account. Reports read exactly the
 * documents of the period (a key range on the issue date). Exports are one page per call
 * with a cursor, so a large account never has to fit in one Lambda's memory.
 */
const store = () => ({ db: documentClient(), table: tableName() });

function allow(p: Principal, action: Action): void {
  const d = decide(p, action, { organizationId: p.organizationId, accountId: p.accountId });
  if (!d.allowed) throw new Forbidden(`you may not ${action} (${d.reason})`);
}

const DOCUMENT_DATASETS: Readonly<Record<string, DocumentKind>> = {
  invoices: 'invoice',
  estimates: 'estimate',
  expenses: 'expense',
  'time-entries': 'time-entry',
};

const DOCUMENT_COLUMNS = [
  'id', 'number', 'status', 'issueDate', 'dueDate', 'clientId', 'clientName', 'currency',
  'net', 'vat', 'gross', 'paid', 'outstanding', 'notes', 'createdBy', 'createdAt',
] as const;
const CLIENT_COLUMNS = ['id', 'name', 'email', 'taxId', 'phone', 'addressLine1', 'addressLine2', 'postalCode', 'city', 'country', 'notes', 'createdAt'] as const;
const ITEM_COLUMNS = ['id', 'name', 'sku', 'unit', 'currency', 'unitPrice', 'vatRate', 'description', 'createdAt'] as const;

// In CSV, amounts are decimals in their currency (a spreadsheet's unit); JSON keeps minor units.
const documentRow = (d: DocumentItem, csv: boolean): Record<string, Cell> => {
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

function respond(
  dataset: string,
  format: 'csv' | 'json',
  columns: readonly string[],
  rows: Array<Record<string, Cell>>,
  nextCursor: string | null,
  firstPage: boolean,
): HttpResponse {
  if (format === 'json') return jsonResponse(200, { dataset, items: rows, nextCursor });
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${dataset}.csv"`,
      'cache-control': 'no-store',
      ...(nextCursor ? { 'x-next-cursor': nextCursor } : {}),
    },
    // The header row comes with the first page only, so pages concatenate into one file.
    body: toCsv(columns, rows, firstPage),
  };
}

const yearBounds = () => {
  const y = new Date().getUTCFullYear();
  return { from: `${y}-01-01`, to: `${y}-12-31` };
};

export const handler = createApiHandler('reporting', {
  getReport: async (req) => {
    const p = requirePrincipal(req);
    const { report } = parse('path', reportPath, req.pathParameters);
    const q = parse('query', reportQuery, req.query);
    const scope = listScope(p, 'reports.view');
    const from = q.from ?? (q.to ? `${q.to.slice(0, 4)}-01-01` : yearBounds().from);
    const to = q.to ?? (q.from ? `${q.from.slice(0, 4)}-12-31` : yearBounds().to);
    const builder = new ReportBuilder(report);
    const read = await forEachDocumentInPeriod(
      store(),
      { accountId: p.accountId, kind: REPORT_KIND[report], scope, userId: p.userId, from, to },
      (d) => builder.add(d),
    );
    return jsonResponse(200, { report, from, to, scope, ...builder.result(), read: { items: read.itemsRead } });
  },

  getExport: async (req) => {
    const p = requirePrincipal(req);
    const { dataset } = parse('path', exportPath, req.pathParameters);
    const q = parse('query', exportQuery, req.query);
    allow(p, 'exports.export');
    const firstPage = q.cursor === undefined;
    const kind = DOCUMENT_DATASETS[dataset];
    if (kind) {
      // An export shows what its caller may view: a custom role with exports.export and
      // documents.view.own exports its own documents only (creator index).
      const scope = listScope(p, 'documents.view');
      const page = await listDocuments(
        store(),
        { accountId: p.accountId, kind, scope, userId: p.userId, from: q.from, to: q.to, newestFirst: false },
        q,
      );
      const rows = page.items.map((d) => documentRow(d, q.format === 'csv'));
      return respond(dataset, q.format, DOCUMENT_COLUMNS, rows, page.nextCursor, firstPage);
    }
    if (dataset === 'clients') {
      if (!mayUse(p, 'clients.view')) throw new Forbidden('exporting clients needs clients.view');
      const page = await listEntries(store(), clientEntity, p.accountId, q);
      const rows = page.items.map((c) => {
        const v = clientView(c);
        return {
          id: v.id, name: v.name, email: v.email, taxId: v.taxId, phone: v.phone,
          addressLine1: v.address?.line1, addressLine2: v.address?.line2, postalCode: v.address?.postalCode,
          city: v.address?.city, country: v.address?.country, notes: v.notes, createdAt: v.createdAt,
        };
      });
      return respond(dataset, q.format, CLIENT_COLUMNS, rows, page.nextCursor, firstPage);
    }
    if (!mayUse(p, 'products.view')) throw new Forbidden('exporting items needs products.view');
    const page = await listEntries(store(), itemEntity, p.accountId, q);
    const rows = page.items.map((i) => {
      const v = itemView(i);
      return {
        id: v.id, name: v.name, sku: v.sku, unit: v.unit, currency: v.currency,
        unitPrice: q.format === 'csv' ? formatMinor(v.unitPrice, v.currency) : v.unitPrice,
        vatRate: v.vatRate, description: v.description, createdAt: v.createdAt,
      };
    });
    return respond(dataset, q.format, ITEM_COLUMNS, rows, page.nextCursor, firstPage);
  },
});
