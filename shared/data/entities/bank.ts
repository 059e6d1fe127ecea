import * as z from 'zod/mini';
import { Conflict, NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { batchGetItems, getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';
import { putNewStep, staleOr } from './guards.js';

/*
 * Bank imports (SPEC 6.2): the statements an account uploaded, and every transaction they
 * listed, each stored once.
 *
 *   table  pk ACCOUNT#<acc>#BANK            sk TX#<transactionId>           a transaction
 *   table  pk ACCOUNT#<acc>#BANK            sk IMPORT#<importId>            an uploaded statement file
 *   gsi1   ACCOUNT#<acc>#BANK#TO-RESOLVE    <bookingDate>#<transactionId>   transactions waiting for a person (sparse)
 *   gsi2   ACCOUNT#<acc>#BANK#TX            <bookingDate>#<transactionId>   all transactions by booking date
 *
 * The transaction id is its identity (shared/domain/bank/statement.ts: a hash of account,
 * dates, direction, amount, currency and references, plus its occurrence), so storing it
 * with attribute_not_exists makes every re-import of the same transaction a no-op, and two
 * concurrent imports of one statement store it once. The import id is a hash of the file:
 * uploading the same file again finds its import and writes nothing.
 *
 * Only transactions waiting for a person carry gsi1 keys: resolving one drops them, so
 * the list of what is left to do reads only that.
 */
export const BANK_TRANSACTION_STATUSES = ['matched', 'unmatched', 'ambiguous', 'assigned', 'dismissed', 'outgoing'] as const;
export type BankTransactionStatus = (typeof BANK_TRANSACTION_STATUSES)[number];
export const TO_RESOLVE: readonly BankTransactionStatus[] = ['unmatched', 'ambiguous'];

export const bankTransactionSchema = z.object({
  transactionId: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  integrationId: z.string(),
  /** The import that first stored it. */
  importId: z.string(),
  format: z.enum(['mt940', 'camt053']),
  statementId: z.string(),
  bankAccount: z.string(),
  bookingDate: z.string(),
  valueDate: z.string(),
  direction: z.enum(['credit', 'debit']),
  reversal: z.boolean(),
  amount: z.number(),
  currency: z.string(),
  bankReference: z.optional(z.string()),
  endToEndId: z.optional(z.string()),
  creditorReference: z.optional(z.string()),
  remittance: z.string(),
  counterpartyName: z.optional(z.string()),
  counterpartyAccount: z.optional(z.string()),
  status: z.enum(BANK_TRANSACTION_STATUSES),
  /** Invoices the transaction may pay (ambiguous or suggested), for the person resolving it. */
  candidates: z.array(z.string()),
  invoiceId: z.optional(z.string()),
  invoiceNumber: z.optional(z.string()),
  paymentId: z.optional(z.string()),
  resolvedBy: z.optional(z.string()),
  resolvedAt: z.optional(z.string()),
  note: z.optional(z.string()),
  createdAt: z.string(),
  version: z.number(),
});
export type BankTransaction = z.infer<typeof bankTransactionSchema>;

export const bankImportSchema = z.object({
  importId: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  integrationId: z.string(),
  format: z.enum(['mt940', 'camt053']),
  statements: z.array(
    z.object({
      statementId: z.string(),
      sequence: z.optional(z.string()),
      bankAccount: z.string(),
      currency: z.string(),
      transactions: z.number(),
    }),
  ),
  counts: z.object({
    transactions: z.number(),
    new: z.number(),
    alreadyImported: z.number(),
    matched: z.number(),
    unmatched: z.number(),
    ambiguous: z.number(),
    outgoing: z.number(),
  }),
  importedBy: z.string(),
  importedAt: z.string(),
});
export type BankImport = z.infer<typeof bankImportSchema>;

const partition = (accountId: string) => `ACCOUNT#${seg(accountId)}#BANK`;
const toResolve = (accountId: string) => `${partition(accountId)}#TO-RESOLVE`;
const byDate = (accountId: string) => `${partition(accountId)}#TX`;
const txKey = (accountId: string, transactionId: string) => ({ pk: partition(accountId), sk: `TX#${seg(transactionId)}` });
const importKey = (accountId: string, importId: string) => ({ pk: partition(accountId), sk: `IMPORT#${seg(importId)}` });

export const bankTransactionEntity = defineEntity({
  type: 'bank-transaction',
  schema: bankTransactionSchema,
  key: (t) => txKey(t.accountId, t.transactionId),
  indexes: (t) => ({
    ...(TO_RESOLVE.includes(t.status) ? { gsi1pk: toResolve(t.accountId), gsi1sk: `${t.bookingDate}#${seg(t.transactionId)}` } : {}),
    gsi2pk: byDate(t.accountId),
    gsi2sk: `${t.bookingDate}#${seg(t.transactionId)}`,
  }),
});

export const bankImportEntity = defineEntity({
  type: 'bank-import',
  schema: bankImportSchema,
  key: (i) => importKey(i.accountId, i.importId),
});

/** A transaction some import (perhaps a concurrent one) already stored. */
export class AlreadyImported extends Conflict {}

// Pattern "one transaction": GetItem.
export const getBankTransaction = async (store: Store, accountId: string, transactionId: string, consistent = false) =>
  parseOptional(bankTransactionEntity, await getItem(store, txKey(accountId, transactionId), consistent));

// Pattern "which of these transactions are stored": BatchGetItem on their keys (strongly consistent).
export async function storedTransactionIds(store: Store, accountId: string, ids: readonly string[]): Promise<Set<string>> {
  const items = await batchGetItems(store, [...new Set(ids)].map((id) => txKey(accountId, id)), true);
  return new Set(items.map((raw) => bankTransactionEntity.parse(raw).transactionId));
}

// Pattern "one import": GetItem (strongly consistent: a re-upload decides on it).
export const getBankImport = async (store: Store, accountId: string, importId: string) =>
  parseOptional(bankImportEntity, await getItem(store, importKey(accountId, importId), true));

// Patterns "transactions to resolve" (gsi1, sparse) and "all transactions" (gsi2), newest booking date first.
export const listBankTransactions = (
  store: Store,
  accountId: string,
  which: 'to-resolve' | 'all',
  page: PageRequest,
): Promise<Page<BankTransaction>> =>
  queryPage(
    store,
    which === 'to-resolve' ? { index: 'gsi1', partition: toResolve(accountId), newestFirst: true } : { index: 'gsi2', partition: byDate(accountId), newestFirst: true },
    bankTransactionEntity.parse,
    page,
  );

/** A new transaction; an existing one is AlreadyImported. */
export const bankTransactionPutStep = (store: Store, t: BankTransaction): TxStep =>
  putNewStep(store, bankTransactionEntity.item(t), () => new AlreadyImported('the transaction is already imported'));

/** A transaction resolved by a person: only from a status waiting for one, on the version read. */
export const bankTransactionResolveStep = (store: Store, before: BankTransaction, after: BankTransaction): TxStep => ({
  item: {
    Put: {
      TableName: store.table,
      Item: bankTransactionEntity.item({ ...after, version: before.version + 1 }),
      ConditionExpression: '#version = :v AND #status IN (:unmatched, :ambiguous)',
      ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: { ':v': before.version, ':unmatched': 'unmatched', ':ambiguous': 'ambiguous' },
    },
  },
  onConditionFailed: staleOr('the bank transaction', () => new NotFound('no such bank transaction')),
});

/** The import's record; a concurrent upload of the same file is AlreadyImported. */
export const bankImportPutStep = (store: Store, i: BankImport): TxStep =>
  putNewStep(store, bankImportEntity.item(i), () => new AlreadyImported('this statement file is already imported'));
