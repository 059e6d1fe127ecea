import type { Action } from '../../authz/catalogue.js';
import type { Route } from '../routes.js';
import { ACCOUNT_PREFIX } from '../account-prefix.js';

/* Price lists and promo codes. */
const A = ACCOUNT_PREFIX;
const act = (action: Action) => ({ action }) as const;

export const PRICING_ROUTES = [
  { id: 'listPriceLists', method: 'GET', path: `${A}/price-lists`, fn: 'pricing', auth: act('price-lists.view'), summary: 'Price lists' },
  { id: 'createPriceList', method: 'POST', path: `${A}/price-lists`, fn: 'pricing', auth: act('price-lists.create'), summary: 'Create a price list', idempotent: true },
  { id: 'getPriceList', method: 'GET', path: `${A}/price-lists/{priceListId}`, fn: 'pricing', auth: act('price-lists.view'), summary: 'A price list' },
  { id: 'updatePriceList', method: 'PATCH', path: `${A}/price-lists/{priceListId}`, fn: 'pricing', auth: act('price-lists.edit'), summary: 'Rename a price list or replace its prices', versioned: 'body' },
  { id: 'deletePriceList', method: 'DELETE', path: `${A}/price-lists/{priceListId}`, fn: 'pricing', auth: act('price-lists.delete'), summary: 'Delete a price list' },
  { id: 'listPromoCodes', method: 'GET', path: `${A}/promo-codes`, fn: 'pricing', auth: act('promo-codes.view'), summary: 'Promo codes' },
  { id: 'createPromoCode', method: 'POST', path: `${A}/promo-codes`, fn: 'pricing', auth: act('promo-codes.create'), summary: 'Create a promo code', idempotent: true },
  { id: 'getPromoCode', method: 'GET', path: `${A}/promo-codes/{code}`, fn: 'pricing', auth: act('promo-codes.view'), summary: 'A promo code with its use count' },
  { id: 'updatePromoCode', method: 'PATCH', path: `${A}/promo-codes/{code}`, fn: 'pricing', auth: act('promo-codes.edit'), summary: "Change a promo code's validity window or usage limit", versioned: 'body' },
  { id: 'deletePromoCode', method: 'DELETE', path: `${A}/promo-codes/{code}`, fn: 'pricing', auth: act('promo-codes.delete'), summary: 'Delete a promo code' },
  // Changes the document, so the route needs documents.edit (either scope, decided on the
  // document); the use case also requires promo-codes.view.
  { id: 'applyInvoicePromoCode', method: 'POST', path: `${A}/invoices/{documentId}/promo-code`, fn: 'pricing', auth: act('documents.edit'), summary: 'Apply a promo code to a draft invoice (audited)', versioned: 'body' },
] as const satisfies readonly Route[];
