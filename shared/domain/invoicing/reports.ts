import type { Document } from '../../data/entities/document.js';
import { outstandingOf } from './documents.js';

/*
 * Reports over the documents of a period, folded one document at a time: memory holds the
 * aggregates only (periods x currencies, clients x currencies), never the documents.
 *   revenue:     invoices issued, partially paid or paid (gross, net, VAT, paid, outstanding)
 *   outstanding: invoices issued or partially paid that still expect money
 *   expenses:    expenses that are not drafts or cancelled
 * Amounts of different currencies are never added together: every row has a currency.
 */
export type ReportName = 'revenue' | 'outstanding' | 'expenses';

export const REPORT_KIND: Readonly<Record<ReportName, 'invoice' | 'expense'>> = {
  revenue: 'invoice',
  outstanding: 'invoice',
  expenses: 'expense',
};

export interface Amounts {
  currency: string;
  count: number;
  net: number;
  vat: number;
  gross: number;
  paid: number;
  outstanding: number;
}

/** Whether a document counts in a report (the one rule, for the fold below and for the stored aggregates). */
export const counts = (report: ReportName, d: Document): boolean => {
  switch (report) {
    case 'revenue':
      return d.status === 'issued' || d.status === 'partially-paid' || d.status === 'paid';
    case 'outstanding':
      return (d.status === 'issued' || d.status === 'partially-paid') && outstandingOf(d) > 0;
    case 'expenses':
      return d.status !== 'draft' && d.status !== 'cancelled';
  }
};

export class ReportBuilder {
  private readonly totals = new Map<string, Amounts>();
  private readonly periods = new Map<string, Amounts & { period: string }>();
  private readonly clients = new Map<string, Amounts & { clientId: string | null; clientName: string | null }>();

  constructor(private readonly report: ReportName) {}

  add(d: Document): void {
    if (!counts(this.report, d)) return;
    const amounts = amountsOf(d);
    this.addPeriod(d.issueDate.slice(0, 7), amounts);
    this.addClient(d.clientId ?? null, d.clientName ?? null, amounts);
  }

  /** Amounts of one period (YYYY-MM) and currency: into the totals and the period's row. */
  addPeriod(period: string, a: Amounts): void {
    const zero = { currency: a.currency, count: 0, net: 0, vat: 0, gross: 0, paid: 0, outstanding: 0 };
    accumulate(getOr(this.totals, a.currency, () => ({ ...zero })), a);
    accumulate(getOr(this.periods, `${period}|${a.currency}`, () => ({ period, ...zero })), a);
  }

  /** Amounts of one client and currency: into the client's row (the first name seen names it). */
  addClient(clientId: string | null, clientName: string | null, a: Amounts): void {
    const zero = { currency: a.currency, count: 0, net: 0, vat: 0, gross: 0, paid: 0, outstanding: 0 };
    accumulate(getOr(this.clients, `${clientId ?? ''}|${a.currency}`, () => ({ clientId, clientName, ...zero })), a);
  }

  result() {
    const byCurrency = (a: Amounts, b: Amounts) => a.currency.localeCompare(b.currency);
    // A row that sums to no document (stored aggregates whose documents all left the report) is no row.
    const counted = <T extends Amounts>(rows: Iterable<T>): T[] => [...rows].filter((r) => r.count !== 0);
    return {
      totals: counted(this.totals.values()).sort(byCurrency),
      byPeriod: counted(this.periods.values()).sort((a, b) => a.period.localeCompare(b.period) || byCurrency(a, b)),
      byClient: counted(this.clients.values()).sort(
        (a, b) => (a.clientName ?? '').localeCompare(b.clientName ?? '') || (a.clientId ?? '').localeCompare(b.clientId ?? '') || byCurrency(a, b),
      ),
    };
  }
}

/** A document's amounts as one report row counts them. */
export const amountsOf = (d: Document): Amounts => ({
  currency: d.currency,
  count: 1,
  net: d.net,
  vat: d.vat,
  gross: d.gross,
  paid: d.paid,
  outstanding: outstandingOf(d),
});

// Sums of safe integers: a report adds at most the documents of one account and period,
// each bounded by MAX_SAFE_INTEGER; Number stays exact below 2^53 and the totals of real
// accounts are many orders of magnitude away from it.
function accumulate(into: Amounts, a: Amounts): void {
  into.count += a.count;
  into.net += a.net;
  into.vat += a.vat;
  into.gross += a.gross;
  into.paid += a.paid;
  into.outstanding += a.outstanding;
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
