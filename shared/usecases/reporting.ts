import type * as z from 'zod';
import { mayUse, type Principal } from '../authz/engine.js';
import type { exportQuery, EXPORT_DATASETS, reportQuery, timeReportResponse } from '../contracts/invoicing.js';
import type { Store } from '../data/context.js';
import { clients } from '../data/entities/client.js';
import { forEachDocumentInPeriod, listDocuments, type Document } from '../data/entities/document.js';
import { items } from '../data/entities/item.js';
import { listPayments } from '../data/entities/payment.js';
import {
  AGGREGATE_REPORTS,
  contributionTransactions,
  forEachBucket,
  getContributions,
  type ContributionMove,
  type Bucket,
  type BucketQuery,
  type Contribution,
} from '../data/entities/report-aggregate.js';
import { retryLostRaces, transact } from '../data/dynamo.js';
import { Forbidden, ServiceUnavailable } from '../domain/errors.js';
import { listScope } from '../domain/invoicing/access.js';
import type { Cell } from '../domain/invoicing/csv.js';
import { formatMinor, kindOfSegment, outstandingOf } from '../domain/invoicing/documents.js';
import { amountsOf, counts, REPORT_KIND, ReportBuilder, type ReportName } from '../domain/invoicing/reports.js';
import { clientView, itemView } from '../views/catalog.js';

/*
 * Reports and exports. A report reads the stored aggregates of its period (per month,
 * currency and client; per creator for an Employee's "own" report, SPEC 1.3), which the
 * table's stream keeps (applyDocumentChange below): months x currencies (x clients) items
 * whatever the number of documents, and a report lags document writes by the stream's
 * delay (docs/data-model.md). Exports read documents through the creator index (gsi2) when
 * the caller's scope is "own" and the account index (gsi1) otherwise, one page per call
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

/** A report over the documents of a period that the caller may see (reports.view, own or all), from the aggregates. */
export const report = async (store: Store, p: Principal, name: ReportName, q: ReportInput) => (await reportWithCost(store, p, name, q)).report;

/** The report and the read capacity it cost (the benchmark's figure). */
export async function reportWithCost(store: Store, p: Principal, name: ReportName, q: ReportInput) {
  const scope = listScope(p, 'reports.view');
  const { from, to } = period(q, store.now());
  const base = { accountId: p.accountId, report: name, creator: scope === 'own' ? p.userId : undefined };
  const ranges = periodRanges(from, to);
  const reads: Array<{ q: BucketQuery; rows: Bucket[] }> = ranges.flatMap((r) =>
    (['currency', 'client'] as const).map((dim) => ({ q: { ...base, ...r, dim }, rows: [] as Bucket[] })),
  );
  const counted = await Promise.all(reads.map((r) => forEachBucket(store, r.q, (b) => r.rows.push(b))));
  // Folded in period order (edge days, whole months, edge days): a client row takes the
  // name of its first period, as the documents' fold takes its first document's.
  const builder = new ReportBuilder(name);
  for (const { q: query, rows } of reads) {
    for (const b of rows) {
      const amounts = { currency: b.currency, count: b.count, net: b.net, vat: b.vat, gross: b.gross, paid: b.paid, outstanding: b.outstanding };
      if (query.dim === 'currency') builder.addPeriod(b.period.slice(0, 7), amounts);
      else builder.addClient(b.clientId ?? null, b.clientName ?? null, amounts);
    }
  }
  const itemsRead = counted.reduce((n, c) => n + c.itemsRead, 0);
  const capacityUnits = counted.reduce((n, c) => n + c.capacityUnits, 0);
  return { report: { report: name, from, to, scope, ...builder.result(), read: { items: itemsRead } }, capacityUnits };
}

/**
 * The same report folded from every document of the period (the path before aggregates,
 * linear in documents). Kept as the reference the aggregates are tested against, and for
 * the benchmark's before/after.
 */
export async function reportFromDocuments(store: Store, p: Principal, name: ReportName, q: ReportInput) {
  const scope = listScope(p, 'reports.view');
  const { from, to } = period(q, store.now());
  const builder = new ReportBuilder(name);
  const read = await forEachDocumentInPeriod(
    store,
    { accountId: p.accountId, kind: REPORT_KIND[name], scope, userId: p.userId, from, to },
    (d) => builder.add(d),
  );
  return { report: { report: name, from, to, scope, ...builder.result(), read: { items: read.itemsRead } }, capacityUnits: read.capacityUnits };
}

// --- the time report -------------------------------------------------------------------

type TimeTotals = z.output<typeof timeReportResponse>['totals'];
/** Hours are summed in thousandths (quantities have at most 3 places), so totals never drift. */
interface TimeAcc { entries: number; milli: number; values: Map<string, number> }
const newAcc = (): TimeAcc => ({ entries: 0, milli: 0, values: new Map() });
function addEntry(acc: TimeAcc, d: Document): void {
  acc.entries += 1;
  acc.milli += d.lines.reduce((n, l) => n + Math.round(l.quantity * 1000), 0);
  acc.values.set(d.currency, (acc.values.get(d.currency) ?? 0) + d.net);
}
const totalsOf = (acc: TimeAcc): TimeTotals => ({
  entries: acc.entries,
  hours: acc.milli / 1000,
  values: [...acc.values].sort(([a], [b]) => a.localeCompare(b)).map(([currency, net]) => ({ currency, net })),
});

/**
 * Time entries of a period (reports.view, own or all as the other reports: an Employee's
 * report is her own entries, read from the creator index) summed per member and per
 * client. Unlike the money reports it folds the entries themselves, one Query over the
 * issue-date index for kind time-entry, page by page with nothing kept but the sums: its
 * cost is linear in the period's entries (docs/data-model.md). Cancelled entries do not count.
 */
export async function timeReport(store: Store, p: Principal, q: ReportInput): Promise<z.output<typeof timeReportResponse>> {
  const scope = listScope(p, 'reports.view');
  const { from, to } = period(q, store.now());
  const total = newAcc();
  const byMember = new Map<string, TimeAcc>();
  const byClient = new Map<string, { clientId: string | null; clientName: string | null; acc: TimeAcc }>();
  const read = await forEachDocumentInPeriod(store, { accountId: p.accountId, kind: 'time-entry', scope, userId: p.userId, from, to }, (d) => {
    if (d.status === 'cancelled') return;
    addEntry(total, d);
    const member = byMember.get(d.createdBy) ?? newAcc();
    byMember.set(d.createdBy, member);
    addEntry(member, d);
    const key = d.clientId ?? '';
    // A client row takes the name of its first entry in the period, as the money reports do.
    const client = byClient.get(key) ?? { clientId: d.clientId ?? null, clientName: d.clientName ?? null, acc: newAcc() };
    byClient.set(key, client);
    addEntry(client.acc, d);
  });
  return {
    report: 'time',
    from,
    to,
    scope,
    totals: totalsOf(total),
    byMember: [...byMember].sort(([a], [b]) => a.localeCompare(b)).map(([userId, acc]) => ({ userId, ...totalsOf(acc) })),
    byClient: [...byClient.values()]
      .sort((a, b) => (a.clientId ?? '').localeCompare(b.clientId ?? ''))
      .map((c) => ({ clientId: c.clientId, clientName: c.clientName, ...totalsOf(c.acc) })),
    read: { items: read.itemsRead },
  };
}

const lastDayOf = (month: string): string =>
  `${month}-${String(new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate()).padStart(2, '0')}`;
const nextMonth = (month: string): string => {
  const d = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1));
  return d.toISOString().slice(0, 7);
};
const previousMonth = (month: string): string => {
  const d = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 2, 1));
  return d.toISOString().slice(0, 7);
};

/**
 * The bucket ranges of a period: its whole months from the month buckets, and the days of
 * a month it covers only in part (at most one such month at each end) from the day
 * buckets. So a report reads at most (months + 2 x 30 edge days) x currencies (x clients)
 * items, and exactly months x currencies (x clients) for a period of whole months.
 */
export function periodRanges(from: string, to: string): Array<{ grain: 'month' | 'day'; first: string; last: string }> {
  const [fromMonth, toMonth] = [from.slice(0, 7), to.slice(0, 7)];
  const startsWhole = from.endsWith('-01');
  const endsWhole = to === lastDayOf(toMonth);
  if (fromMonth === toMonth) {
    return startsWhole && endsWhole ? [{ grain: 'month', first: fromMonth, last: fromMonth }] : [{ grain: 'day', first: from, last: to }];
  }
  const ranges: Array<{ grain: 'month' | 'day'; first: string; last: string }> = [];
  const firstWhole = startsWhole ? fromMonth : nextMonth(fromMonth);
  const lastWhole = endsWhole ? toMonth : previousMonth(toMonth);
  if (!startsWhole) ranges.push({ grain: 'day', first: from, last: lastDayOf(fromMonth) });
  if (firstWhole <= lastWhole) ranges.push({ grain: 'month', first: firstWhole, last: lastWhole });
  if (!endsWhole) ranges.push({ grain: 'day', first: `${toMonth}-01`, last: to });
  return ranges;
}

// --- maintaining the aggregates ------------------------------------------------------------

/** What a document adds to each report it counts in: the one rule (`counts`) the documents' fold uses too. */
export function contributionOf(d: Document): Contribution {
  const reports: Contribution['reports'] = {};
  for (const r of AGGREGATE_REPORTS) {
    if (REPORT_KIND[r] !== d.kind || !counts(r, d)) continue;
    const { currency: _currency, ...amounts } = amountsOf(d);
    reports[r] = amounts;
  }
  return {
    accountId: d.accountId,
    kind: d.kind,
    documentId: d.documentId,
    version: d.version,
    createdBy: d.createdBy,
    currency: d.currency,
    issueDate: d.issueDate,
    ...(d.clientId === undefined ? {} : { clientId: d.clientId }),
    ...(d.clientName === undefined ? {} : { clientName: d.clientName }),
    reports,
  };
}

const addsNothing = (c: Contribution | undefined) => !c || AGGREGATE_REPORTS.every((r) => c.reports[r] === undefined);

/** Attempts when a backfill or a replay moves the same contribution at the same time. */
const MAX_AGGREGATE_ATTEMPTS = 10;

export interface ChangeOutcomes {
  applied: number;
  /** The stored contribution already reflected this version or a newer one. */
  stale: number;
  /** Neither what is stored nor the new version counts in any report: nothing written. */
  nothingToAdd: number;
}

export interface DocumentChange {
  before?: Document | undefined;
  after?: Document | undefined;
}

/** A change's target: what the document adds after it; a deletion adds nothing, at its last version + 1. */
const targetOf = ({ before, after }: DocumentChange): Contribution | undefined =>
  after ? contributionOf(after) : before && { ...contributionOf(before), version: before.version + 1, reports: {} };

/**
 * Applies document changes (stream records' old and new images, in stream order) to the
 * aggregates: idempotent and safe to replay. Only each document's last change counts (the
 * contribution follows the document's latest image, whatever came between); a change
 * whose version the stored contribution already reflects is stale (a redelivered record,
 * a retried batch, a backfill that came first); drafts, estimates and time entries add
 * nothing and write nothing. The rest is written in as few transactions as fit
 * (contributionTransactions). A lost race with a backfill reads again and decides again,
 * so a transaction that committed before it makes its documents stale, never counted twice.
 */
export async function applyDocumentChanges(store: Store, changes: readonly DocumentChange[]): Promise<ChangeOutcomes> {
  const latest = new Map<string, Contribution>();
  for (const change of changes) {
    const target = targetOf(change);
    if (target) latest.set(`${target.accountId}|${target.kind}|${target.documentId}`, target);
  }
  const targets = [...latest.values()];
  const exhausted = () => new ServiceUnavailable('the report aggregates could not be updated; the records are retried');
  return retryLostRaces(MAX_AGGREGATE_ATTEMPTS, exhausted, async () => {
    const stored = new Map((await getContributions(store, targets)).map((c) => [`${c.accountId}|${c.kind}|${c.documentId}`, c]));
    const outcomes: ChangeOutcomes = { applied: 0, stale: 0, nothingToAdd: 0 };
    const moves: ContributionMove[] = [];
    for (const next of targets) {
      const now = stored.get(`${next.accountId}|${next.kind}|${next.documentId}`);
      if (now && now.version >= next.version) outcomes.stale++;
      else if (addsNothing(now) && addsNothing(next)) outcomes.nothingToAdd++;
      else moves.push({ stored: now, next });
    }
    for (const tx of contributionTransactions(store, moves)) {
      await transact(store, tx.steps);
      outcomes.applied += tx.moves.length;
    }
    return outcomes;
  });
}

/** One change (a backfill's document, a test's record). */
export const applyDocumentChange = (store: Store, change: DocumentChange): Promise<ChangeOutcomes> => applyDocumentChanges(store, [change]);

/**
 * Brings an account's aggregates up to its documents (a table whose stream was enabled
 * after documents were written, or a repair): every document of a reported kind is
 * applied as a change to its current version. Safe to run while the stream consumer
 * runs: both go through applyDocumentChange, whichever comes second is stale.
 */
export async function backfillReports(store: Store, accountId: string): Promise<{ documents: number; applied: number }> {
  let documents = 0;
  let applied = 0;
  for (const kind of new Set(Object.values(REPORT_KIND))) {
    let cursor: string | undefined;
    do {
      const page = await listDocuments(store, { accountId, kind, scope: 'all', userId: 'backfill', newestFirst: false }, { limit: 100, cursor, boundTo: 'backfill' });
      documents += page.items.length;
      applied += (await applyDocumentChanges(store, page.items.map((d) => ({ after: d })))).applied;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return { documents, applied };
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
