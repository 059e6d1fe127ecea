import { bankContracts } from '#shared/contracts/bank.js';
import { createApiHandler, jsonResponse, parse } from '#shared/http/api.js';
import { receiptTokenPath } from '#shared/contracts/bank.js';
import { defaultStore } from '#shared/data/context.js';
import { fetchByToken } from '#shared/usecases/receipts.js';
import { publicReceiptView } from '#shared/views/bank.js';

/*
 * The one public route that reads tenant data: an e-receipt for whoever holds its link.
 * The token in the path is the credential (256 random bits; only its hash is stored), so
 * this function has read-only table access and reads exactly one receipt and the
 * integration it belongs to. Its answer is never cached anywhere (no-store), the page it
 * might be shown in never sends the URL on as a Referer, and search engines are asked not
 * to index it.
 */
export const handler = createApiHandler('receipts', {
  getPublicReceipt: async (req) => {
    const { token } = parse('path', receiptTokenPath, req.pathParameters);
    const receipt = await fetchByToken(defaultStore(), token);
    const res = jsonResponse(200, publicReceiptView(receipt));
    return { ...res, headers: { ...res.headers, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' } };
  },
}, bankContracts);
