import * as z from 'zod';
import type { RouteContract } from './types.js';
import { accountId, accountPath, pageOf, pageQuery } from './admin-common.js';
import { isoDate, money, ulidParam } from './invoicing.js';
import { singleLine, versionOf } from './text.js';
import { PERIOD_RE } from '../domain/accounting/period.js';
import { FILING_SUBJECTS } from '../domain/accounting/upo.js';

/* Contracts of the accounting routes: periods and their books, filings and their receipts. */

export const period = z.string().regex(PERIOD_RE, 'must be a month YYYY-MM').meta({ id: 'Period', description: 'An accounting period: a calendar month, YYYY-MM' });
export const periodPath = z.object({ accountId, period });
export const ACCOUNTING_EXPORT_FORMATS = ['jpk-fa', 'payments-csv'] as const;
export const accountingExportPath = z.object({
  accountId,
  period,
  format: z
    .enum(ACCOUNTING_EXPORT_FORMATS)
    .describe('jpk-fa: the sales invoices as JPK_FA(4) XML (application/xml); payments-csv: the payments as CSV (text/csv). docs/integrations.md describes both'),
});
export const booksQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });

export const periodResponse = z
  .object({
    period: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(['open', 'closed']).describe('closed: documents and payments dated in the period cannot change (409 period-closed)'),
    closedBy: z.string().nullable(),
    closedAt: z.string().nullable(),
    reopenedBy: z.string().nullable(),
    reopenedAt: z.string().nullable(),
    version: z.number().int().describe('0 for a period that was never closed'),
  })
  .meta({ id: 'AccountingPeriod' });

const amounts = { net: money, vat: money, gross: money };
export const ledgerResponse = z
  .object({
    period: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(['open', 'closed']),
    entries: z.array(
      z.object({
        type: z.enum(['revenue', 'cost', 'payment']),
        date: z.string(),
        sourceId: z.string().describe('the invoice or expense; the payment for a payment'),
        documentId: z.string().describe('the document; for a payment, the invoice it settles'),
        number: z.string().nullable(),
        counterparty: z.string().nullable(),
        currency: z.string(),
        ...amounts,
      }),
    ),
    totals: z.array(
      z.object({
        currency: z.string(),
        revenue: z.object({ count: z.number().int(), ...amounts }),
        cost: z.object({ count: z.number().int(), ...amounts }),
        payments: z.object({ count: z.number().int(), amount: money }),
        result: money.describe('revenue.net - cost.net'),
      }),
    ),
    read: z.object({ items: z.number().int() }),
  })
  .meta({ id: 'Ledger', description: 'format=json; with format=csv the entries are a text/csv download' });

export const vatRegisterResponse = z
  .object({
    period: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(['open', 'closed']),
    rows: z.array(
      z.object({
        currency: z.string(),
        rate: z.number().describe('VAT rate in percent'),
        sales: z.object(amounts).describe('output VAT: invoices'),
        purchases: z.object(amounts).describe('input VAT: expenses'),
      }),
    ),
    totals: z.array(z.object({ currency: z.string(), outputVat: money, inputVat: money, vatDue: money.describe('outputVat - inputVat') })),
    read: z.object({ items: z.number().int() }),
  })
  .meta({ id: 'VatRegister', description: 'format=json; with format=csv the rows are a text/csv download' });

// --- filings (UPO) ----------------------------------------------------------------------
// eslint-disable-next-line no-control-regex
const XML_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const reference = singleLine(100).optional().describe("the portal's reference of the submission");
export const recordFilingBody = z
  .discriminatedUnion('subject', [
    z.object({ subject: z.literal('vat-register'), period, reference, filedAt: isoDate }).strict(),
    z.object({ subject: z.literal('e-invoice'), invoiceId: ulidParam, reference, filedAt: isoDate }).strict(),
  ])
  .meta({ id: 'RecordFiling' });
export const filingPath = z.object({ accountId, filingId: ulidParam });
export const attachReceiptBody = z
  .object({
    fileName: singleLine(200).regex(/^[^/\\]+$/, 'a file name, not a path'),
    content: z
      .string()
      .min(1)
      // XML 1.0 (Char production) allows TAB, LF and CR among the controls and no lone
      // surrogate; bidi controls are refused as in every other text the API takes.
      .refine((v) => !XML_UNSAFE.test(v), 'must be XML text: no control characters other than TAB, LF and CR, no unpaired surrogates or bidi controls')
      .describe('the UPO XML as the portal returned it (UTF-8, at most 256 KB)'),
    version: versionOf().optional(),
  })
  .strict()
  .meta({ id: 'AttachFilingReceipt' });
export const filingResponse = z
  .object({
    id: z.string(),
    subject: z.enum(FILING_SUBJECTS),
    period: z.string().nullable(),
    invoiceId: z.string().nullable(),
    invoiceNumber: z.string().nullable(),
    reference: z.string().nullable(),
    filedAt: z.string(),
    receipt: z
      .object({ fileName: z.string(), bytes: z.number().int(), sha256: z.string(), referenceNumber: z.string(), attachedBy: z.string(), attachedAt: z.string() })
      .nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Filing' });

export const accountingContracts: Record<string, RouteContract> = {
  listAccountingPeriods: { path: accountPath, query: pageQuery, response: pageOf(periodResponse) },
  getAccountingPeriod: { path: periodPath, response: periodResponse },
  closeAccountingPeriod: { path: periodPath, response: periodResponse },
  reopenAccountingPeriod: { path: periodPath, response: periodResponse },
  getLedger: { path: periodPath, query: booksQuery, response: ledgerResponse },
  getVatRegister: { path: periodPath, query: booksQuery, response: vatRegisterResponse },
  getAccountingExport: { path: accountingExportPath },
  listFilings: { path: accountPath, query: pageQuery, response: pageOf(filingResponse) },
  recordFiling: { path: accountPath, body: recordFilingBody, response: filingResponse, status: 201 },
  getFiling: { path: filingPath, response: filingResponse },
  attachFilingReceipt: { path: filingPath, body: attachReceiptBody, response: filingResponse },
  getFilingReceipt: { path: filingPath },
};
