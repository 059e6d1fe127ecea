import { invoicingContracts } from '#shared/contracts/invoicing.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal } from '#shared/http/api.js';
import { accountPath } from '#shared/contracts/admin-common.js';
import { createPaymentBody, listCatalogQuery, paymentPath } from '#shared/contracts/invoicing.js';
import { defaultStore } from '#shared/data/context.js';
import * as payments from '#shared/usecases/payments.js';
import { pageView } from '#shared/views/page.js';
import { paymentView, recordedPaymentView } from '#shared/views/payments.js';

/* Payments against invoices: parse, one use case, the view. */
export const handler = createApiHandler('payments', {
  listPayments: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await payments.list(defaultStore(), requirePrincipal(req), parse('query', listCatalogQuery, req.query));
    return jsonResponse(200, pageView(page, paymentView));
  },
  createPayment: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const recorded = await payments.record(defaultStore(), requirePrincipal(req), parseJsonBody(req, createPaymentBody));
    return jsonResponse(201, recordedPaymentView(recorded));
  },
  getPayment: async (req) => {
    const { paymentId } = parse('path', paymentPath, req.pathParameters);
    return jsonResponse(200, paymentView(await payments.get(defaultStore(), requirePrincipal(req), paymentId)));
  },
  deletePayment: async (req) => {
    const { paymentId } = parse('path', paymentPath, req.pathParameters);
    await payments.remove(defaultStore(), requirePrincipal(req), paymentId);
    return { statusCode: 204, headers: {}, body: '' };
  },
}, invoicingContracts);
