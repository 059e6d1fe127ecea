import { pricingContracts } from '#shared/contracts/pricing.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal } from '#shared/http/api.js';
import { accountPath } from '#shared/contracts/admin-common.js';
import { listCatalogQuery } from '#shared/contracts/invoicing.js';
import {
  applyPromoCodeBody,
  createPriceListBody,
  createPromoCodeBody,
  priceListPath,
  promoCodePath,
  updatePriceListBody,
  updatePromoCodeBody,
} from '#shared/contracts/pricing.js';
import { documentPath } from '#shared/contracts/invoicing.js';
import { defaultStore } from '#shared/data/context.js';
import * as priceLists from '#shared/usecases/price-lists.js';
import * as promoCodes from '#shared/usecases/promo-codes.js';
import { documentView } from '#shared/views/documents.js';
import { pageView } from '#shared/views/page.js';
import { priceListView, promoCodeView } from '#shared/views/pricing.js';

/* Price lists and promo codes: parse, one use case, the view. */
const noContent = { statusCode: 204, headers: {}, body: '' };

export const handler = createApiHandler('pricing', {
  listPriceLists: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await priceLists.list(defaultStore(), requirePrincipal(req), parse('query', listCatalogQuery, req.query));
    return jsonResponse(200, pageView(page, priceListView));
  },
  createPriceList: async (req) => {
    parse('path', accountPath, req.pathParameters);
    return jsonResponse(201, priceListView(await priceLists.create(defaultStore(), requirePrincipal(req), parseJsonBody(req, createPriceListBody))));
  },
  getPriceList: async (req) => {
    const { priceListId } = parse('path', priceListPath, req.pathParameters);
    return jsonResponse(200, priceListView(await priceLists.get(defaultStore(), requirePrincipal(req), priceListId)));
  },
  updatePriceList: async (req) => {
    const { priceListId } = parse('path', priceListPath, req.pathParameters);
    const body = parseJsonBody(req, updatePriceListBody);
    return jsonResponse(200, priceListView(await priceLists.update(defaultStore(), requirePrincipal(req), priceListId, body)));
  },
  deletePriceList: async (req) => {
    const { priceListId } = parse('path', priceListPath, req.pathParameters);
    await priceLists.remove(defaultStore(), requirePrincipal(req), priceListId);
    return noContent;
  },
  listPromoCodes: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await promoCodes.list(defaultStore(), requirePrincipal(req), parse('query', listCatalogQuery, req.query));
    return jsonResponse(200, pageView(page, promoCodeView));
  },
  createPromoCode: async (req) => {
    parse('path', accountPath, req.pathParameters);
    return jsonResponse(201, promoCodeView(await promoCodes.create(defaultStore(), requirePrincipal(req), parseJsonBody(req, createPromoCodeBody))));
  },
  getPromoCode: async (req) => {
    const { code } = parse('path', promoCodePath, req.pathParameters);
    return jsonResponse(200, promoCodeView(await promoCodes.get(defaultStore(), requirePrincipal(req), code)));
  },
  updatePromoCode: async (req) => {
    const { code } = parse('path', promoCodePath, req.pathParameters);
    const body = parseJsonBody(req, updatePromoCodeBody);
    return jsonResponse(200, promoCodeView(await promoCodes.update(defaultStore(), requirePrincipal(req), code, body)));
  },
  deletePromoCode: async (req) => {
    const { code } = parse('path', promoCodePath, req.pathParameters);
    await promoCodes.remove(defaultStore(), requirePrincipal(req), code);
    return noContent;
  },
  applyInvoicePromoCode: async (req) => {
    const { documentId } = parse('path', documentPath, req.pathParameters);
    const body = parseJsonBody(req, applyPromoCodeBody);
    return jsonResponse(200, documentView(await promoCodes.applyToInvoice(defaultStore(), requirePrincipal(req), documentId, body)));
  },
}, pricingContracts);
