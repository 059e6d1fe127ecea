import type { Action } from '../../authz/catalogue.js';
import type { Route } from '../routes.js';
import { ACCOUNT_PREFIX } from '../account-prefix.js';

/*
 * Accounting (SPEC 2.2 "accounting") and filings with their official receipts (SPEC 2.2
 * "UPO"). Reading the books needs accounting.view; closing and reopening a month needs
 * accounting.edit. The registers' CSV is a `format` of the same routes, so exporting them
 * needs the accounting area's own permission, not exports.export (an Accountant and a
 * Backoffice user read the books they keep). The accounting exports (JPK_FA, payments CSV)
 * are the same books for the accountant's software: accounting.view too, and an active
 * accounting-export integration in the account (409 otherwise). Filings: upo.submit
 * records and attaches, upo.view lists and downloads.
 */
const A = ACCOUNT_PREFIX;
const act = (action: Action) => ({ action }) as const;

export const ACCOUNTING_ROUTES = [
  { id: 'listAccountingPeriods', method: 'GET', path: `${A}/accounting/periods`, fn: 'accounting', auth: act('accounting.view'), summary: 'Periods that were closed, newest first' },
  { id: 'getAccountingPeriod', method: 'GET', path: `${A}/accounting/periods/{period}`, fn: 'accounting', auth: act('accounting.view'), summary: 'Whether a month is open or closed' },
  { id: 'closeAccountingPeriod', method: 'POST', path: `${A}/accounting/periods/{period}/close`, fn: 'accounting', auth: act('accounting.edit'), summary: 'Close a month: its documents and payments can no longer change (audited)' },
  { id: 'reopenAccountingPeriod', method: 'POST', path: `${A}/accounting/periods/{period}/reopen`, fn: 'accounting', auth: act('accounting.edit'), summary: 'Reopen a closed month (audited)' },
  { id: 'getLedger', method: 'GET', path: `${A}/accounting/periods/{period}/ledger`, fn: 'accounting', auth: act('accounting.view'), summary: 'Revenue, cost and payment ledger of a month (JSON or CSV)' },
  { id: 'getVatRegister', method: 'GET', path: `${A}/accounting/periods/{period}/vat-register`, fn: 'accounting', auth: act('accounting.view'), summary: 'VAT register of a month by currency and rate (JSON or CSV)' },
  { id: 'getAccountingExport', method: 'GET', path: `${A}/accounting/periods/{period}/exports/{format}`, fn: 'accounting', auth: act('accounting.view'), summary: "A month's invoices as JPK_FA(4) XML or its payments as CSV; needs an active accounting-export integration" },
  { id: 'listFilings', method: 'GET', path: `${A}/filings`, fn: 'accounting', auth: act('upo.view'), summary: 'Filings with the tax office, newest first' },
  { id: 'recordFiling', method: 'POST', path: `${A}/filings`, fn: 'accounting', auth: act('upo.submit'), summary: "Record the filing of a month's VAT register or of an e-invoice", idempotent: true },
  { id: 'getFiling', method: 'GET', path: `${A}/filings/{filingId}`, fn: 'accounting', auth: act('upo.view'), summary: 'A filing' },
  { id: 'attachFilingReceipt', method: 'PUT', path: `${A}/filings/{filingId}/receipt`, fn: 'accounting', auth: act('upo.submit'), summary: 'Attach the official receipt (UPO XML) the tax portal returned', versioned: 'body' },
  { id: 'getFilingReceipt', method: 'GET', path: `${A}/filings/{filingId}/receipt`, fn: 'accounting', auth: act('upo.view'), summary: 'Download the official receipt (UPO XML)' },
] as const satisfies readonly Route[];
