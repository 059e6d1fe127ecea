import * as z from 'zod/mini';
import { FILING_SUBJECTS } from '../../domain/accounting/upo.js';
import { Conflict, NotFound, StaleVersion } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, transact, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';

/*
 * A filing with the tax office (SPEC 2.2 "UPO"): the record that a period's VAT register,
 * or one e-invoice, was submitted, and — once the tax portal answered — the official
 * receipt it returned (UPO, Urzędowe Poświadczenie Odbioru, an XML file). The receipt's
 * bytes live in their own item, so listing filings never reads them; a receipt is at most
 * 256 KB, well inside DynamoDB's 400 KB item limit.
 *
 *   table  pk ACCOUNT#<acc>#FILINGS   sk FILING#<id>    the filing (ids are ULIDs: a list is in filing order)
 *   table  pk ACCOUNT#<acc>#FILINGS   sk RECEIPT#<id>   its receipt file
 */

export const filingSchema = z.object({
  filingId: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  subject: z.enum(FILING_SUBJECTS),
  /** vat-register: the period (YYYY-MM) filed. */
  period: z.optional(z.string()),
  /** e-invoice: the invoice filed, with its number when it was filed. */
  invoiceId: z.optional(z.string()),
  invoiceNumber: z.optional(z.string()),
  /** The portal's reference of the submission, as the filer noted it. */
  reference: z.optional(z.string()),
  filedAt: z.string(),
  receipt: z.optional(
    z.object({
      fileName: z.string(),
      bytes: z.number(),
      sha256: z.string(),
      /** The reference number the UPO itself carries. */
      referenceNumber: z.string(),
      attachedBy: z.string(),
      attachedAt: z.string(),
    }),
  ),
  createdBy: z.string(),
  createdAt: z.string(),
  version: z.number(),
});
export type Filing = z.infer<typeof filingSchema>;

export const filingReceiptSchema = z.object({
  accountId: z.string(),
  filingId: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  content: z.string(),
});
export type FilingReceipt = z.infer<typeof filingReceiptSchema>;

const partition = (accountId: string) => `ACCOUNT#${seg(accountId)}#FILINGS`;
const filingKey = (accountId: string, filingId: string) => ({ pk: partition(accountId), sk: `FILING#${seg(filingId)}` });
const receiptKey = (accountId: string, filingId: string) => ({ pk: partition(accountId), sk: `RECEIPT#${seg(filingId)}` });

export const filingEntity = defineEntity({ type: 'filing', schema: filingSchema, key: (f) => filingKey(f.accountId, f.filingId) });
export const filingReceiptEntity = defineEntity({
  type: 'filing-receipt',
  schema: filingReceiptSchema,
  key: (r) => receiptKey(r.accountId, r.filingId),
});

// Pattern "one filing": GetItem.
export const getFiling = async (store: Store, accountId: string, filingId: string, consistent = false): Promise<Filing | undefined> =>
  parseOptional(filingEntity, await getItem(store, filingKey(accountId, filingId), consistent));

// Pattern "one filing's receipt file": GetItem.
export const getFilingReceipt = async (store: Store, accountId: string, filingId: string): Promise<FilingReceipt | undefined> =>
  parseOptional(filingReceiptEntity, await getItem(store, receiptKey(accountId, filingId)));

// Pattern "filings of an account", newest first: Query the partition on the FILING# prefix (receipts are not read).
export const listFilings = (store: Store, accountId: string, page: PageRequest): Promise<Page<Filing>> =>
  queryPage(store, { partition: partition(accountId), sort: { prefix: 'FILING#' }, newestFirst: true }, filingEntity.parse, page);

// Pattern "record a filing": Put guarded by attribute_not_exists(pk), audited in the same transaction.
export async function recordFiling(store: Store, filing: Filing, audit: TxStep): Promise<void> {
  await transact(store, [
    {
      item: { Put: { TableName: store.table, Item: filingEntity.item(filing), ConditionExpression: 'attribute_not_exists(pk)' } },
      onConditionFailed: () => new Conflict('a filing with this id already exists'),
    },
    audit,
  ]);
}

/**
 * Pattern "attach the receipt": the filing moves to `next` on the version read and only
 * while it has no receipt (an official receipt is never replaced), the file is written new,
 * and the audit entry goes in the same transaction.
 */
export async function attachReceipt(store: Store, read: Filing, next: Filing, receipt: FilingReceipt, audit: TxStep): Promise<void> {
  await transact(store, [
    {
      item: {
        Put: {
          TableName: store.table,
          Item: filingEntity.item(next),
          ConditionExpression: '#version = :v AND attribute_not_exists(receipt)',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':v': read.version },
        },
      },
      onConditionFailed: (now) =>
        now === undefined
          ? new NotFound('the filing does not exist')
          : now.receipt !== undefined
            ? new Conflict('the filing already has its receipt; an official receipt is never replaced')
            : new StaleVersion('the filing changed since it was read'),
    },
    {
      item: { Put: { TableName: store.table, Item: filingReceiptEntity.item(receipt), ConditionExpression: 'attribute_not_exists(pk)' } },
      onConditionFailed: () => new Conflict('the filing already has its receipt; an official receipt is never replaced'),
    },
    audit,
  ]);
}
