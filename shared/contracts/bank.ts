import * as z from 'zod';
import type { RouteId } from '../http/routes.js';
import { BANK_TRANSACTION_STATUSES } from '../data/entities/bank.js';
import { DOCUMENT_STATUSES } from '../domain/invoicing/status.js';
import { accountPath, pageOf, pageQuery } from './admin-common.js';
import { accountId } from './admin-common.js';
import { money, ulidParam } from './invoicing.js';
import { singleLine, versionOf } from './text.js';
import type { RouteContract } from './types.js';

/* Bank imports and e-receipts (SPEC 6.2, 2.3): request and response shapes. */

const hexId = (what: string) => z.string().regex(/^[0-9a-f]{32}$/, `not a ${what} id`);
export const bankImportPath = z.object({ accountId, importId: hexId('bank import') });
export const bankTransactionPath = z.object({ accountId, transactionId: hexId('bank transaction') });
export const receiptPath = z.object({ accountId, receiptId: ulidParam });
/** A receipt link's token: 32 random bytes in base64url (43 characters). */
export const receiptTokenPath = z.object({ token: z.string().max(64) });

export const listBankTransactionsQuery = pageQuery.extend({
  status: z.enum(['to-resolve', 'all']).default('to-resolve').describe('`to-resolve`: unmatched and ambiguous ones waiting for a person'),
});

const counts = z.object({
  transactions: z.number().int(),
  new: z.number().int(),
  alreadyImported: z.number().int(),
  matched: z.number().int(),
  unmatched: z.number().int(),
  ambiguous: z.number().int(),
  outgoing: z.number().int(),
});

export const bankImportResponse = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    format: z.enum(['mt940', 'camt053']),
    statements: z.array(
      z.object({ statementId: z.string(), sequence: z.string().nullable(), bankAccount: z.string(), currency: z.string(), transactions: z.number().int() }),
    ),
    counts,
    importedBy: z.string(),
    importedAt: z.string(),
    created: z.boolean().describe('false when this exact file had been imported before: nothing was written'),
  })
  .meta({ id: 'BankImport' });

export const bankTransactionResponse = z
  .object({
    id: z.string(),
    importId: z.string(),
    statementId: z.string(),
    bankAccount: z.string(),
    bookingDate: z.string(),
    valueDate: z.string(),
    direction: z.enum(['credit', 'debit']),
    reversal: z.boolean(),
    amount: money,
    currency: z.string(),
    bankReference: z.string().nullable(),
    endToEndId: z.string().nullable(),
    creditorReference: z.string().nullable(),
    remittance: z.string(),
    counterpartyName: z.string().nullable(),
    counterpartyAccount: z.string().nullable(),
    status: z.enum(BANK_TRANSACTION_STATUSES),
    candidates: z.array(z.string()).describe('invoice ids the transaction may pay'),
    invoiceId: z.string().nullable(),
    invoiceNumber: z.string().nullable(),
    paymentId: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    note: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'BankTransaction' });

export const resolveBankTransactionBody = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('assign'), invoiceId: ulidParam, version: versionOf() }).strict(),
    z.object({ action: z.literal('dismiss'), note: singleLine(500).optional(), version: versionOf() }).strict(),
  ])
  .meta({ id: 'ResolveBankTransaction', description: 'assign: records the payment against the invoice; dismiss: not an invoice payment' });

export const resolveBankTransactionResponse = z
  .object({
    transaction: bankTransactionResponse,
    invoice: z.object({ id: z.string(), status: z.enum(DOCUMENT_STATUSES), paid: money, outstanding: money, version: z.number().int() }).nullable(),
  })
  .meta({ id: 'ResolvedBankTransaction' });

// --- e-receipts ------------------------------------------------------------------------
export const issueReceiptBody = z.object({ invoiceId: ulidParam }).strict().meta({ id: 'IssueReceipt' });

const receiptLine = z.object({
  description: z.string(),
  quantity: z.number(),
  unitPrice: money,
  vatRate: z.number(),
  net: money,
  vat: money,
  gross: money,
});

/** What the buyer sees through the link: the receipt alone, nothing else of the tenant. */
export const publicReceiptResponse = z
  .object({
    seller: z.string(),
    buyer: z.string().nullable(),
    number: z.string().describe("the paid invoice's number"),
    issueDate: z.string(),
    currency: z.string(),
    lines: z.array(receiptLine),
    net: money,
    vat: money,
    gross: money,
    paid: money,
    issuedAt: z.string(),
  })
  .meta({ id: 'PublicReceipt' });

export const receiptResponse = z
  .object({
    id: z.string(),
    invoiceId: z.string(),
    invoiceNumber: z.string(),
    status: z.enum(['active', 'revoked']),
    issuedBy: z.string(),
    issuedAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'Receipt' });

export const issuedReceiptResponse = receiptResponse
  .extend({
    token: z.string().describe('shown once: the secret of the link; Kontor keeps only its hash'),
    path: z.string().describe('`/receipts/<token>`, to append to the API base URL'),
  })
  .meta({ id: 'IssuedReceipt' });

export const bankContracts = {
  importBankStatement: { path: accountPath, response: bankImportResponse, status: 201 },
  getBankImport: { path: bankImportPath, response: bankImportResponse },
  listBankTransactions: { path: accountPath, query: listBankTransactionsQuery, response: pageOf(bankTransactionResponse) },
  getBankTransaction: { path: bankTransactionPath, response: bankTransactionResponse },
  resolveBankTransaction: { path: bankTransactionPath, body: resolveBankTransactionBody, response: resolveBankTransactionResponse },
  issueReceipt: { path: accountPath, body: issueReceiptBody, response: issuedReceiptResponse, status: 201 },
  listReceipts: { path: accountPath, query: pageQuery, response: pageOf(receiptResponse) },
  revokeReceipt: { path: receiptPath, status: 204 },
  getPublicReceipt: { path: receiptTokenPath, response: publicReceiptResponse },
} satisfies Partial<Record<RouteId, RouteContract>>;
