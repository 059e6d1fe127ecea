import * as z from 'zod/mini';
import type { Store } from '../context.js';
import { batchGetItems } from '../dynamo.js';
import { defineEntity } from '../entity.js';
import { catalogAccess, catalogKeys } from './catalog-entry.js';

/*
 * An item (product or service) of an account's catalogue (SPEC 1): a price, currency and
 * VAT rate that document lines can start from. Lines copy what they use, so a price change
 * never changes a document.
 *
 *   table  pk ACCOUNT#<acc>#ITEMS    sk ITEM#<id>
 */
export const itemSchema = z.object({
  itemId: z.string(),
  accountId: z.string(),
  name: z.string(),
  sku: z.optional(z.string()),
  unit: z.optional(z.string()),
  /** Minor units of `currency`. */
  unitPrice: z.number(),
  currency: z.string(),
  /** Percent, at most 2 places. */
  vatRate: z.number(),
  description: z.optional(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type Item = z.infer<typeof itemSchema>;

export const itemKeys = catalogKeys('ITEMS', 'ITEM');

export const itemEntity = defineEntity({
  type: 'item',
  schema: itemSchema,
  key: (i) => itemKeys.entry(i.accountId, i.itemId),
});

/** get / list / create / replace / remove, each guarded as catalog-entry.ts describes. */
export const items = catalogAccess(itemEntity, itemKeys, 'item');

// Pattern "several items by id": one BatchGetItem (document lines and stock lines name items).
export const getItems = async (store: Store, accountId: string, ids: readonly string[]): Promise<Map<string, Item>> => {
  const raw = await batchGetItems(store, [...new Set(ids)].map((id) => itemKeys.entry(accountId, id)));
  return new Map(raw.map((r) => itemEntity.parse(r)).map((i) => [i.itemId, i]));
};
