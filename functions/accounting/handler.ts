import { accountingContracts } from '#shared/contracts/accounting.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal } from '#shared/http/api.js';
import { accountPath, pageQuery } from '#shared/contracts/admin-common.js';
import { accountingExportPath, attachReceiptBody, booksQuery, filingPath, periodPath, recordFilingBody } from '#shared/contracts/accounting.js';
import { defaultStore } from '#shared/data/context.js';
import * as accounting from '#shared/usecases/accounting.js';
import * as accountingExports from '#shared/usecases/accounting-exports.js';
import * as filings from '#shared/usecases/filings.js';
import { pageView } from '#shared/views/page.js';
import {
  filingView,
  jpkFaDownload,
  ledgerCsv,
  ledgerView,
  paymentsCsv,
  periodLockView,
  periodView,
  receiptDownload,
  vatRegisterCsv,
  vatRegisterView,
} from '#shared/views/accounting.js';

/* Accounting periods, their books, filings and receipts: parse, one use case, the view. */
export const handler = createApiHandler('accounting', {
  listAccountingPeriods: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await accounting.listPeriods(defaultStore(), requirePrincipal(req), parse('query', pageQuery, req.query));
    return jsonResponse(200, pageView(page, periodLockView));
  },
  getAccountingPeriod: async (req) => {
    const { period } = parse('path', periodPath, req.pathParameters);
    return jsonResponse(200, periodView(await accounting.getPeriod(defaultStore(), requirePrincipal(req), period)));
  },
  closeAccountingPeriod: async (req) => {
    const { period } = parse('path', periodPath, req.pathParameters);
    return jsonResponse(200, periodView(await accounting.closePeriod(defaultStore(), requirePrincipal(req), period)));
  },
  reopenAccountingPeriod: async (req) => {
    const { period } = parse('path', periodPath, req.pathParameters);
    return jsonResponse(200, periodView(await accounting.reopenPeriod(defaultStore(), requirePrincipal(req), period)));
  },
  getLedger: async (req) => {
    const { period } = parse('path', periodPath, req.pathParameters);
    const { format } = parse('query', booksQuery, req.query);
    const books = await accounting.books(defaultStore(), requirePrincipal(req), period);
    return format === 'csv' ? ledgerCsv(books) : jsonResponse(200, ledgerView(books));
  },
  getVatRegister: async (req) => {
    const { period } = parse('path', periodPath, req.pathParameters);
    const { format } = parse('query', booksQuery, req.query);
    const books = await accounting.books(defaultStore(), requirePrincipal(req), period);
    return format === 'csv' ? vatRegisterCsv(books) : jsonResponse(200, vatRegisterView(books));
  },
  getAccountingExport: async (req) => {
    const { period, format } = parse('path', accountingExportPath, req.pathParameters);
    const p = requirePrincipal(req);
    return format === 'jpk-fa' ? jpkFaDownload(await accountingExports.jpkFa(defaultStore(), p, period)) : paymentsCsv(await accountingExports.payments(defaultStore(), p, period));
  },
  listFilings: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await filings.list(defaultStore(), requirePrincipal(req), parse('query', pageQuery, req.query));
    return jsonResponse(200, pageView(page, filingView));
  },
  recordFiling: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const filing = await filings.record(defaultStore(), requirePrincipal(req), parseJsonBody(req, recordFilingBody));
    return jsonResponse(201, filingView(filing));
  },
  getFiling: async (req) => {
    const { filingId } = parse('path', filingPath, req.pathParameters);
    return jsonResponse(200, filingView(await filings.get(defaultStore(), requirePrincipal(req), filingId)));
  },
  attachFilingReceipt: async (req) => {
    const { filingId } = parse('path', filingPath, req.pathParameters);
    const filing = await filings.attachReceipt(defaultStore(), requirePrincipal(req), filingId, parseJsonBody(req, attachReceiptBody));
    return jsonResponse(200, filingView(filing));
  },
  getFilingReceipt: async (req) => {
    const { filingId } = parse('path', filingPath, req.pathParameters);
    return receiptDownload(await filings.receipt(defaultStore(), requirePrincipal(req), filingId));
  },
}, accountingContracts);
