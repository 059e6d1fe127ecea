import * as z from 'zod/mini';
import { defineEntity } from '../entity.js';
import { catalogAccess, catalogKeys } from './catalog-entry.js';

/*
 * A price list: a named set of per-item prices, each in one currency. A client names at
 * most one list (client.priceListId); a document line for that client that names an item
 * and no price takes the list's price in the document's currency (usecases/pricing.ts).
 * The prices live in the list's one item (at most 500 entries, far under 400 KB), so
 * resolving the prices of a whole document is one GetItem. Lists are catalogue entries
 * (see catalog-entry.ts): edits are optimistic on the version.
 *
 *   table  pk ACCOUNT#<acc>#PRICELISTS    sk PRICELIST#<id>
 */
export const priceListSchema = z.object({
  priceListId: z.string(),
  accountId: z.string(),
  name: z.string(),
  prices: z.array(
    z.object({
      itemId: z.string(),
      currency: z.string(),
      /** Minor units of `currency`. */
      unitPrice: z.number(),
    }),
  ),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type PriceList = z.infer<typeof priceListSchema>;

export const priceListKeys = catalogKeys('PRICELISTS', 'PRICELIST');

export const priceListEntity = defineEntity({
  type: 'price-list',
  schema: priceListSchema,
  key: (l) => priceListKeys.entry(l.accountId, l.priceListId),
});

/** get / list / create / replace / remove, each guarded as catalog-entry.ts describes. */
export const priceLists = catalogAccess(priceListEntity, priceListKeys, 'price list');

/** The list's price of an item in a currency, if it has one. */
export const listPrice = (list: PriceList, itemId: string, currency: string): number | undefined =>
  list.prices.find((p) => p.itemId === itemId && p.currency === currency)?.unitPrice;

