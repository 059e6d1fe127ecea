import type { Document } from '../../data/entities/document.js';
import type { Payment } from '../../data/entities/payment.js';

/*
 * The books of one period (a calendar month, `YYYY-MM`), derived from what is already
 * recorded: nothing is posted twice, so the ledger can never disagree with the documents.
 *
 * - Revenue: every invoice issued in the month (issue date in it) that counts, i.e. left
 *   draft and was not cancelled (issued, partially paid or paid).
 * - Cost: every expense dated in the month that counts by the same rule.
 * - Payments: every payment whose payment date is in the month (cash received).
 * Estimates and time entries are not bookkeeping events.
 *
 * The VAT register groups the same invoices (output VAT) and expenses (input VAT) by
 * currency and VAT rate, line by line: a document with lines at 23% and 8% contributes to
 * two rows. Amounts are integer minor units; a line's net/vat/gross were rounded once when
 * the document was priced, so the register's sums are exact sums of stored integers.
 */
/** Statuses of a document that is a bookkeeping event: it left draft and was not cancelled. */
const COUNTS: ReadonlySet<Document['status']> = new Set(['issued', 'partially-paid', 'paid']);
export const isBooked = (d: Pick<Document, 'status'>): boolean => COUNTS.has(d.status);

export type LedgerEntryType = 'revenue' | 'cost' | 'payment';

export interface LedgerEntry {
  type: LedgerEntryType;
  date: string;
  /** The document (revenue, cost) or the payment (payment). */
  sourceId: string;
  /** The invoice a payment settles; the document itself otherwise. */
  documentId: string;
  number: string | null;
  counterparty: string | null;
  currency: string;
  net: number;
  vat: number;
  gross: number;
}

export interface LedgerTotals {
  currency: string;
  revenue: { count: number; net: number; vat: number; gross: number };
  cost: { count: number; net: number; vat: number; gross: number };
  payments: { count: number; amount: number };
  /** revenue.net - cost.net: the period's result before tax. */
  result: number;
}

export interface VatRow {
  currency: string;
  /** Percent, as on the lines (23, 8, 5, 0). */
  rate: number;
  sales: { net: number; vat: number; gross: number };
  purchases: { net: number; vat: number; gross: number };
}

export interface VatTotals {
  currency: string;
  outputVat: number;
  inputVat: number;
  /** outputVat - inputVat: positive is owed to the tax office, negative is a refund. */
  vatDue: number;
}

const zero = () => ({ net: 0, vat: 0, gross: 0 });

/** Builds a period's ledger and VAT register from documents and payments visited once each. */
export class PeriodBooks {
  private readonly entries: LedgerEntry[] = [];
  private readonly totals = new Map<string, LedgerTotals>();
  private readonly vat = new Map<string, VatRow>();
  readonly documentIds: string[] = [];

  constructor(readonly period: string) {}

  private totalsOf(currency: string): LedgerTotals {
    let t = this.totals.get(currency);
    if (!t) {
      t = { currency, revenue: { count: 0, ...zero() }, cost: { count: 0, ...zero() }, payments: { count: 0, amount: 0 }, result: 0 };
      this.totals.set(currency, t);
    }
    return t;
  }

  private vatRow(currency: string, rate: number): VatRow {
    const key = `${currency}#${rate}`;
    let row = this.vat.get(key);
    if (!row) {
      row = { currency, rate, sales: zero(), purchases: zero() };
      this.vat.set(key, row);
    }
    return row;
  }

  /** An invoice or an expense of the period; anything else, or one that does not count, is skipped. */
  addDocument(d: Document): void {
    if (!isBooked(d) || (d.kind !== 'invoice' && d.kind !== 'expense')) return;
    const type: LedgerEntryType = d.kind === 'invoice' ? 'revenue' : 'cost';
    this.documentIds.push(d.documentId);
    this.entries.push({
      type,
      date: d.issueDate,
      sourceId: d.documentId,
      documentId: d.documentId,
      number: d.number ?? null,
      counterparty: d.clientName ?? null,
      currency: d.currency,
      net: d.net,
      vat: d.vat,
      gross: d.gross,
    });
    const side = this.totalsOf(d.currency)[type];
    side.count += 1;
    side.net += d.net;
    side.vat += d.vat;
    side.gross += d.gross;
    for (const line of d.lines) {
      const bucket = this.vatRow(d.currency, line.vatRate)[type === 'revenue' ? 'sales' : 'purchases'];
      bucket.net += line.net;
      bucket.vat += line.vat;
      bucket.gross += line.gross;
    }
  }

  /** A payment dated in the period. */
  addPayment(p: Payment): void {
    this.entries.push({
      type: 'payment',
      date: p.paidAt,
      sourceId: p.paymentId,
      documentId: p.invoiceId,
      number: p.invoiceNumber ?? null,
      counterparty: null,
      currency: p.currency,
      net: p.amount,
      vat: 0,
      gross: p.amount,
    });
    const t = this.totalsOf(p.currency).payments;
    t.count += 1;
    t.amount += p.amount;
  }

  ledger(): { entries: LedgerEntry[]; totals: LedgerTotals[] } {
    const order: Record<LedgerEntryType, number> = { revenue: 0, cost: 1, payment: 2 };
    const entries = [...this.entries].sort(
      (a, b) => a.date.localeCompare(b.date) || order[a.type] - order[b.type] || a.sourceId.localeCompare(b.sourceId),
    );
    const totals = [...this.totals.values()]
      .map((t) => ({ ...t, result: t.revenue.net - t.cost.net }))
      .sort((a, b) => a.currency.localeCompare(b.currency));
    return { entries, totals };
  }

  vatRegister(): { rows: VatRow[]; totals: VatTotals[] } {
    const rows = [...this.vat.values()].sort((a, b) => a.currency.localeCompare(b.currency) || b.rate - a.rate);
    const totals = new Map<string, VatTotals>();
    for (const r of rows) {
      const t = totals.get(r.currency) ?? { currency: r.currency, outputVat: 0, inputVat: 0, vatDue: 0 };
      t.outputVat += r.sales.vat;
      t.inputVat += r.purchases.vat;
      t.vatDue = t.outputVat - t.inputVat;
      totals.set(r.currency, t);
    }
    return { rows, totals: [...totals.values()] };
  }
}
