import type { Route } from '../routes.js';
import { ACCOUNT_PREFIX } from '../account-prefix.js';

/*
 * Bank imports (SPEC 6.2, path `…/bank-imports` of SPEC 8) and e-receipts (SPEC 2.3).
 * Uploading a statement and resolving its transactions need integrations.manage: they act
 * as the bank-import integration, which pays invoices across the account, so they need the
 * permission that switches that integration on. Reading transactions needs
 * integrations.view, not payments.view: a statement shows every line of the bank account
 * (salaries, taxes, counterparties), which payments.view.own (an Employee) must not see.
 *
 * The public receipt route bypasses the authorizer: its token is the credential. It is
 * served by a function of its own with read-only table access.
 */
const A = ACCOUNT_PREFIX;
const manage = { action: 'integrations.manage' } as const;
const view = { action: 'integrations.view' } as const;

export const BANK_ROUTES = [
  {
    id: 'importBankStatement',
    method: 'POST',
    path: `${A}/bank-imports`,
    fn: 'bank',
    auth: manage,
    summary: 'Upload an MT940 (text/plain) or CAMT.053 (application/xml) statement: stores each transaction once and pays the invoices it matches',
    idempotent: true,
    rawBody: ['text/plain', 'application/xml', 'text/xml'],
  },
  { id: 'getBankImport', method: 'GET', path: `${A}/bank-imports/{importId}`, fn: 'bank', auth: view, summary: 'An imported statement file and its counts' },
  { id: 'listBankTransactions', method: 'GET', path: `${A}/bank-transactions`, fn: 'bank', auth: view, summary: 'Bank transactions: those waiting for a person (default) or all' },
  { id: 'getBankTransaction', method: 'GET', path: `${A}/bank-transactions/{transactionId}`, fn: 'bank', auth: view, summary: 'A bank transaction' },
  {
    id: 'resolveBankTransaction',
    method: 'POST',
    path: `${A}/bank-transactions/{transactionId}/resolution`,
    fn: 'bank',
    auth: manage,
    summary: 'Assign an unmatched or ambiguous transaction to an invoice (records the payment) or dismiss it',
    versioned: 'body',
  },
  { id: 'issueReceipt', method: 'POST', path: `${A}/receipts`, fn: 'bank', auth: manage, summary: 'Issue an e-receipt for a paid invoice: a link for the buyer, shown once', idempotent: true },
  { id: 'listReceipts', method: 'GET', path: `${A}/receipts`, fn: 'bank', auth: view, summary: 'E-receipts of the account' },
  { id: 'revokeReceipt', method: 'DELETE', path: `${A}/receipts/{receiptId}`, fn: 'bank', auth: manage, summary: 'Revoke an e-receipt: its link answers 404 from then on' },
  { id: 'getPublicReceipt', method: 'GET', path: '/receipts/{token}', fn: 'receipts', auth: 'public', summary: 'An e-receipt, for the buyer holding its link (no login)' },
] as const satisfies readonly Route[];
