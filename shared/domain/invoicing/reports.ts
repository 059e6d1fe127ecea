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

interface Amounts {
  currency: string;
  count: number;
  net: number;
  vat: number;
  gross: number;
  paid: number;
  outstanding: number;
}

const counts = (report: ReportName, d: Document): boolean => {
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
    const zero = { currency: d.currency, count: 0, net: 0, vat: 0, gross: 0, paid: 0, outstanding: 0 };
    const period = d.issueDate.slice(0, 7);
    const rows = [
      getOr(this.totals, d.currency, () => ({ ...zero })),
      getOr(this.periods, `${period}|${d.currency}`, () => ({ period, ...zero })),
      getOr(this.clients, `${d.clientId ?? ''}|${d.currency}`, () => ({ clientId: d.clientId ?? null, clientName: d.clientName ?? null, ...zero })),
    ];
    // Sums of safe integers: a report adds at most the documents of one account and period,
    // each bounded by MAX_SAFE_INTEGER; Number stays exact below 2^53 and the totals of real
    // accounts are many orders of magnitude away from it.
    for (const r of rows) {
      r.count += 1;
      r.net += d.net;
      r.vat += d.vat;
      r.gross += d.gross;
      r.paid += d.paid;
      r.outstanding += outstandingOf(d);
    }
  }

  result() {
    const byCurrency = (a: Amounts, b: Amounts) => a.currency.localeCompare(b.currency);
    return {
      totals: [...this.totals.values()].sort(byCurrency),
      byPeriod: [...this.periods.values()].sort((a, b) => a.period.localeCompare(b.period) || byCurrency(a, b)),
      byClient: [...this.clients.values()].sort(
        (a, b) => (a.clientName ?? '').localeCompare(b.clientName ?? '') || (a.clientId ?? '').localeCompare(b.clientId ?? '') || byCurrency(a, b),
      ),
    };
  }
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
