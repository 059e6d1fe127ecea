import * as z from 'zod';
import type { RouteContract } from './types.js';
import { accountId, crudContracts } from './admin-common.js';
import { currencyCode, documentPath, documentResponse, isoDate, listCatalogQuery, money, ulidParam } from './invoicing.js';
import { toScaled } from '../domain/invoicing/money.js';
import { singleLine, versionOf } from './text.js';

/* Contracts of price lists and promo codes. Money is integer minor units of its currency. */
const version = versionOf(0).describe('the version the change is based on (optimistic locking)');
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

// --- promo codes ------------------------------------------------------------------------
const codeText = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{2,31}$/, '3 to 32 letters, digits, - or _')
  .meta({ id: 'PromoCodeText', description: 'Case-insensitive; stored and shown in upper case' });
export const promoCodePath = z.object({ accountId, code: codeText });
const percent = z
  .number()
  .gt(0)
  .max(100)
  .refine((v) => toScaled(v, 2) !== undefined, 'at most 2 decimals');
const amounts = z
  .array(z.object({ currency: currencyCode, amount: minorUnits.refine((v) => v > 0, 'must be greater than 0') }).strict())
  .min(1)
  .max(50)
  .refine((as) => new Set(as.map((a) => a.currency)).size === as.length, 'one amount per currency');
const inOrder = (from?: string, to?: string) => !from || !to || from <= to;
export const createPromoCodeBody = z
  .object({
    code: codeText,
    kind: z.enum(['percent', 'fixed']),
    percent: percent.optional().describe('percent only: the share of the net off'),
    amounts: amounts.optional().describe("fixed only: the net amount off, per document currency"),
    validFrom: isoDate,
    validTo: isoDate.describe('inclusive'),
    usageLimit: z.number().int().min(1).max(1_000_000_000).optional().describe('uses in all; unlimited when absent'),
  })
  .strict()
  .refine((b) => (b.kind === 'percent') === (b.percent !== undefined) && (b.kind === 'fixed') === (b.amounts !== undefined), {
    path: ['kind'],
    message: 'a percent code takes percent, a fixed code takes amounts',
  })
  .refine((b) => inOrder(b.validFrom, b.validTo), { path: ['validTo'], message: 'must be on or after validFrom' })
  .meta({ id: 'CreatePromoCode' });
export const updatePromoCodeBody = z
  .object({
    version,
    validFrom: isoDate.optional(),
    validTo: isoDate.optional(),
    usageLimit: z.number().int().min(1).max(1_000_000_000).nullable().optional().describe('null: unlimited'),
  })
  .strict()
  .refine((b) => inOrder(b.validFrom, b.validTo), { path: ['validTo'], message: 'must be on or after validFrom' })
  .meta({ id: 'UpdatePromoCode', description: 'The validity window and the usage limit; what a code takes off never changes once it may have been used' });
export const promoCodeResponse = z
  .object({
    code: z.string(),
    kind: z.enum(['percent', 'fixed']),
    percent: z.number().nullable(),
    amounts: z.array(z.object({ currency: z.string(), amount: money })).nullable(),
    validFrom: z.string(),
    validTo: z.string(),
    usageLimit: z.number().int().nullable(),
    used: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'PromoCode' });
export const applyPromoCodeBody = z
  .object({ code: z.string().trim().toUpperCase().regex(/^[A-Z0-9_-]{1,64}$/, 'letters, digits, - or _'), version })
  .strict()
  .meta({ id: 'ApplyPromoCode', description: "Applies a code to a draft: its discount becomes the document's own negative line(s)" });

export const pricingContracts: Record<string, RouteContract> = {
  ...crudContracts('PromoCode', 'PromoCodes', {
    itemPath: promoCodePath,
    listQuery: listCatalogQuery,
    create: createPromoCodeBody,
    update: updatePromoCodeBody,
    response: promoCodeResponse,
  }),
  applyInvoicePromoCode: { path: documentPath, body: applyPromoCodeBody, response: documentResponse },
  ...crudContracts('PriceList', 'PriceLists', {
    itemPath: priceListPath,
    listQuery: listCatalogQuery,
    create: createPriceListBody,
    update: updatePriceListBody,
    response: priceListResponse,
  }),
};
