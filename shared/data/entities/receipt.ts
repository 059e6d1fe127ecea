import * as z from 'zod/mini';
import { NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryAll, queryPage, type Page, type PageRequest } from '../paginator.js';
import { putNewStep, staleOr } from './guards.js';
import { storedLine } from './document.js';

/*
 * An e-receipt: what a buyer may fetch without logging in, through a link whose secret is
 * a 256-bit random token. Only the token's SHA-256 is stored, and it is the key: the
 * public route finds a receipt with one GetItem on the hash of what it was sent, and a
 * leak of the table gives no working link. The receipt holds a copy of what it shows
 * (written when issued), so the public route reads nothing else of the tenant.
 *
 *   table  pk RECEIPT#<sha256(token)>         sk RECEIPT
 *   gsi1   ACCOUNT#<acc>#RECEIPTS             RECEIPT#<receiptId>    receipts of an account
 */
export const receiptSchema = z.object({
  receiptId: z.string(),
  tokenHash: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  integrationId: z.string(),
  invoiceId: z.string(),
  invoiceNumber: z.string(),
  status: z.enum(['active', 'revoked']),
  seller: z.string(),
  buyer: z.optional(z.string()),
  issueDate: z.string(),
  currency: z.string(),
  lines: z.array(storedLine),
  net: z.number(),
  vat: z.number(),
  gross: z.number(),
  paid: z.number(),
  issuedBy: z.string(),
  issuedAt: z.string(),
  revokedBy: z.optional(z.string()),
  revokedAt: z.optional(z.string()),
  version: z.number(),
});
export type Receipt = z.infer<typeof receiptSchema>;

const key = (tokenHash: string) => ({ pk: `RECEIPT#${seg(tokenHash)}`, sk: 'RECEIPT' });
const ofAccount = (accountId: string) => `ACCOUNT#${seg(accountId)}#RECEIPTS`;

export const receiptEntity = defineEntity({
  type: 'receipt',
  schema: receiptSchema,
  key: (r) => key(r.tokenHash),
  indexes: (r) => ({ gsi1pk: ofAccount(r.accountId), gsi1sk: `RECEIPT#${seg(r.receiptId)}` }),
});

// Pattern "receipt by its link": GetItem on the token's hash.
export const getReceiptByTokenHash = async (store: Store, tokenHash: string): Promise<Receipt | undefined> =>
  parseOptional(receiptEntity, await getItem(store, key(tokenHash)));

// Pattern "receipts of an account": gsi1, newest first (receipt ids are ULIDs).
export const listReceipts = (store: Store, accountId: string, page: PageRequest): Promise<Page<Receipt>> =>
  queryPage(store, { index: 'gsi1', partition: ofAccount(accountId), sort: { prefix: 'RECEIPT#' }, newestFirst: true }, receiptEntity.parse, page);

// Pattern "one receipt of an account by id": gsi1 on its exact sort key (the table key is the token's hash).
export async function findReceipt(store: Store, accountId: string, receiptId: string): Promise<Receipt | undefined> {
  const [found] = await queryAll(store, { index: 'gsi1', partition: ofAccount(accountId), sort: { prefix: `RECEIPT#${seg(receiptId)}` } }, receiptEntity.parse, { max: 1 });
  return found?.receiptId === receiptId ? found : undefined;
}

export const receiptPutStep = (store: Store, r: Receipt): TxStep => putNewStep(store, receiptEntity.item(r));

/** Revokes an active receipt on the version read. */
export const receiptRevokeStep = (store: Store, before: Receipt, by: string, at: string): TxStep => ({
  item: {
    Put: {
      TableName: store.table,
      Item: receiptEntity.item({ ...before, status: 'revoked', revokedBy: by, revokedAt: at, version: before.version + 1 }),
      ConditionExpression: '#version = :v AND #status = :active',
      ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: { ':v': before.version, ':active': 'active' },
    },
  },
  onConditionFailed: staleOr('the receipt', () => new NotFound('no such receipt')),
});
