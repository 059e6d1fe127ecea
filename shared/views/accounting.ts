import type * as z from 'zod';
import type { filingResponse, ledgerResponse, periodResponse, vatRegisterResponse } from '../contracts/accounting.js';
import type { Filing, FilingReceipt } from '../data/entities/filing.js';
import type { PeriodLock } from '../data/entities/period-lock.js';
import { periodBounds } from '../domain/accounting/period.js';
import { toCsv } from '../domain/invoicing/csv.js';
import { formatMinor } from '../domain/invoicing/documents.js';
import type { HttpResponse } from '../http/problem.js';
import type { books, PeriodState } from '../usecases/accounting.js';
import type { jpkFa, payments } from '../usecases/accounting-exports.js';

/* Accounting as the API shows it: typed by the contracts, so the views cannot drift from them. */
export const periodView = (s: Pick<PeriodState, 'period' | 'lock'>): z.output<typeof periodResponse> => ({
  period: s.period,
  ...periodBounds(s.period),
  status: s.lock?.status ?? 'open',
  closedBy: s.lock?.closedBy ?? null,
  closedAt: s.lock?.closedAt ?? null,
  reopenedBy: s.lock?.reopenedBy ?? null,
  reopenedAt: s.lock?.reopenedAt ?? null,
  version: s.lock?.version ?? 0,
});
export const periodLockView = (l: PeriodLock) => periodView({ period: l.period, lock: l });

type Books = Awaited<ReturnType<typeof books>>;
const header = (b: Books) => ({ period: b.state.period, from: b.state.from, to: b.state.to, status: b.state.status, read: { items: b.itemsRead } });

export const ledgerView = (b: Books): z.output<typeof ledgerResponse> => ({ ...header(b), ...b.books.ledger() });
export const vatRegisterView = (b: Books): z.output<typeof vatRegisterResponse> => ({ ...header(b), ...b.books.vatRegister() });

const download = (fileName: string, contentType: string, body: string): HttpResponse => ({
  statusCode: 200,
  headers: { 'content-type': contentType, 'content-disposition': `attachment; filename="${fileName}"`, 'cache-control': 'no-store' },
  body,
});

/* In CSV, amounts are decimals of their currency (a spreadsheet's unit), as in the exports. */
const LEDGER_COLUMNS = ['date', 'type', 'number', 'counterparty', 'currency', 'net', 'vat', 'gross', 'documentId', 'sourceId'] as const;
export const ledgerCsv = (b: Books): HttpResponse => {
  const rows = b.books.ledger().entries.map((e) => ({
    ...e,
    net: formatMinor(e.net, e.currency),
    vat: formatMinor(e.vat, e.currency),
    gross: formatMinor(e.gross, e.currency),
  }));
  return download(`ledger-${b.state.period}.csv`, 'text/csv; charset=utf-8', toCsv(LEDGER_COLUMNS, rows, true));
};

const VAT_COLUMNS = ['currency', 'rate', 'salesNet', 'salesVat', 'salesGross', 'purchasesNet', 'purchasesVat', 'purchasesGross'] as const;
export const vatRegisterCsv = (b: Books): HttpResponse => {
  const rows = b.books.vatRegister().rows.map((r) => {
    const m = (v: number) => formatMinor(v, r.currency);
    return {
      currency: r.currency,
      rate: r.rate,
      salesNet: m(r.sales.net),
      salesVat: m(r.sales.vat),
      salesGross: m(r.sales.gross),
      purchasesNet: m(r.purchases.net),
      purchasesVat: m(r.purchases.vat),
      purchasesGross: m(r.purchases.gross),
    };
  });
  return download(`vat-register-${b.state.period}.csv`, 'text/csv; charset=utf-8', toCsv(VAT_COLUMNS, rows, true));
};

/** The JPK_FA(4) file of a period, as built (shared/domain/accounting/jpk-fa.ts). */
export const jpkFaDownload = (x: Awaited<ReturnType<typeof jpkFa>>): HttpResponse =>
  download(`JPK_FA-${x.state.period}.xml`, 'application/xml; charset=utf-8', x.xml);

/*
 * The payments of a period for an accountant's import (docs/integrations.md): one row per
 * payment dated in the month, oldest first, the amount a decimal of its currency.
 */
const PAYMENT_COLUMNS = ['paidAt', 'paymentId', 'invoiceId', 'invoiceNumber', 'currency', 'amount', 'method', 'reference', 'recordedBy', 'recordedAt'] as const;
export const paymentsCsv = (x: Awaited<ReturnType<typeof payments>>): HttpResponse => {
  const rows = x.payments.map((p) => ({
    paidAt: p.paidAt,
    paymentId: p.paymentId,
    invoiceId: p.invoiceId,
    invoiceNumber: p.invoiceNumber,
    currency: p.currency,
    amount: formatMinor(p.amount, p.currency),
    method: p.method,
    reference: p.reference,
    recordedBy: p.createdBy,
    recordedAt: p.createdAt,
  }));
  return download(`payments-${x.state.period}.csv`, 'text/csv; charset=utf-8', toCsv(PAYMENT_COLUMNS, rows, true));
};

export const filingView = (f: Filing): z.output<typeof filingResponse> => ({
  id: f.filingId,
  subject: f.subject,
  period: f.period ?? null,
  invoiceId: f.invoiceId ?? null,
  invoiceNumber: f.invoiceNumber ?? null,
  reference: f.reference ?? null,
  filedAt: f.filedAt,
  receipt: f.receipt ?? null,
  createdBy: f.createdBy,
  createdAt: f.createdAt,
  version: f.version,
});

/** The receipt exactly as attached; the file name was checked to be a name, and quotes are dropped from the header. */
export const receiptDownload = (r: FilingReceipt): HttpResponse =>
  download(r.fileName.replace(/["\r\n]/g, ''), 'application/xml; charset=utf-8', r.content);
