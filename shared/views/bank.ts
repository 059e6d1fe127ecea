import type * as z from 'zod';
import type { bankImportResponse, bankTransactionResponse, issuedReceiptResponse, publicReceiptResponse, receiptResponse, resolveBankTransactionResponse } from '../contracts/bank.js';
import type { BankImport, BankTransaction } from '../data/entities/bank.js';
import type { Document } from '../data/entities/document.js';
import type { Receipt } from '../data/entities/receipt.js';
import { outstandingOf } from '../domain/invoicing/documents.js';

/* Bank imports and receipts as the API shows them: typed by the contracts. */
export const bankImportView = (i: BankImport, created: boolean): z.output<typeof bankImportResponse> => ({
  id: i.importId,
  integrationId: i.integrationId,
  format: i.format,
  statements: i.statements.map((s) => ({ ...s, sequence: s.sequence ?? null })),
  counts: i.counts,
  importedBy: i.importedBy,
  importedAt: i.importedAt,
  created,
});

export const bankTransactionView = (t: BankTransaction): z.output<typeof bankTransactionResponse> => ({
  id: t.transactionId,
  importId: t.importId,
  statementId: t.statementId,
  bankAccount: t.bankAccount,
  bookingDate: t.bookingDate,
  valueDate: t.valueDate,
  direction: t.direction,
  reversal: t.reversal,
  amount: t.amount,
  currency: t.currency,
  bankReference: t.bankReference ?? null,
  endToEndId: t.endToEndId ?? null,
  creditorReference: t.creditorReference ?? null,
  remittance: t.remittance,
  counterpartyName: t.counterpartyName ?? null,
  counterpartyAccount: t.counterpartyAccount ?? null,
  status: t.status,
  candidates: t.candidates,
  invoiceId: t.invoiceId ?? null,
  invoiceNumber: t.invoiceNumber ?? null,
  paymentId: t.paymentId ?? null,
  resolvedBy: t.resolvedBy ?? null,
  resolvedAt: t.resolvedAt ?? null,
  note: t.note ?? null,
  version: t.version,
});

export const resolvedView = ({ transaction, invoice }: { transaction: BankTransaction; invoice?: Document | undefined }): z.output<typeof resolveBankTransactionResponse> => ({
  transaction: bankTransactionView(transaction),
  invoice: invoice ? { id: invoice.documentId, status: invoice.status, paid: invoice.paid, outstanding: outstandingOf(invoice), version: invoice.version } : null,
});

export const receiptView = (r: Receipt): z.output<typeof receiptResponse> => ({
  id: r.receiptId,
  invoiceId: r.invoiceId,
  invoiceNumber: r.invoiceNumber,
  status: r.status,
  issuedBy: r.issuedBy,
  issuedAt: r.issuedAt,
  revokedAt: r.revokedAt ?? null,
});

export const issuedReceiptView = ({ receipt, token }: { receipt: Receipt; token: string }): z.output<typeof issuedReceiptResponse> => ({
  ...receiptView(receipt),
  token,
  path: `/receipts/${token}`,
});

/** The buyer's view: the receipt's own content, no ids of the account, the invoice or the people. */
export const publicReceiptView = (r: Receipt): z.output<typeof publicReceiptResponse> => ({
  seller: r.seller,
  buyer: r.buyer ?? null,
  number: r.invoiceNumber,
  issueDate: r.issueDate,
  currency: r.currency,
  lines: r.lines.map((l) => ({ description: l.description, quantity: l.quantity, unitPrice: l.unitPrice, vatRate: l.vatRate, net: l.net, vat: l.vat, gross: l.gross })),
  net: r.net,
  vat: r.vat,
  gross: r.gross,
  paid: r.paid,
  issuedAt: r.issuedAt,
});
