import { z } from 'zod';
import type { RouteContract } from './types.js';
import { accountId, accountPath, pageOf } from './admin-common.js';
import { currencyCode, listCatalogQuery, money, ulidParam } from './invoicing.js';
import { singleLine } from './text.js';

/* Contracts of price lists and promo codes. Money is integer minor units of its currency. */
const version = z.number().int().nonnegative().describe('the version the change is based on (optimistic locking)');
const minorUnits = money.nonnegative().max(Number.MAX_SAFE_INTEGER, 'overflows');

// --- price lists ------------------------------------------------------------------------
export const MAX_PRICE_LIST_ENTRIES = 500;
export const priceListPath = z.object({ accountId, priceListId: ulidParam });
const priceEntry = z.object({ itemId: ulidParam, currency: currencyCode, unitPrice: minorUnits }).strict().meta({ id: 'PriceListEntry' });
const prices = z
  .array(priceEntry)
  .max(MAX_PRICE_LIST_ENTRIES)
  .refine((ps) => new Set(ps.map((p) => `${p.itemId}/${p.currency}`)).size === ps.length, 'one price per item and currency');
export const createPriceListBody = z.object({ name: singleLine(200), prices: prices.default([]) }).strict().meta({ id: 'CreatePriceList' });
export const updatePriceListBody = z
  .object({ version, name: singleLine(200).optional(), prices: prices.optional().describe('replaces every price of the list') })
  .strict()
  .meta({ id: 'UpdatePriceList' });
export const priceListResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    prices: z.array(z.object({ itemId: z.string(), currency: z.string(), unitPrice: money })),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'PriceList' });

export const pricingContracts: Record<string, RouteContract> = {
  listPriceLists: { path: accountPath, query: listCatalogQuery, response: pageOf(priceListResponse) },
  createPriceList: { path: accountPath, body: createPriceListBody, response: priceListResponse, status: 201 },
  getPriceList: { path: priceListPath, response: priceListResponse },
  updatePriceList: { path: priceListPath, body: updatePriceListBody, response: priceListResponse },
  deletePriceList: { path: priceListPath, status: 204 },
};
