import { bankContracts } from '#shared/contracts/bank.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requireActor, requirePrincipal } from '#shared/http/api.js';
import { accountPath, pageQuery } from '#shared/contracts/admin-common.js';
import { bankImportPath, bankTransactionPath, issueReceiptBody, listBankTransactionsQuery, receiptPath, resolveBankTransactionBody } from '#shared/contracts/bank.js';
import { defaultStore } from '#shared/data/context.js';
import * as bank from '#shared/usecases/bank.js';
import * as receipts from '#shared/usecases/receipts.js';
import { bankImportView, bankTransactionView, issuedReceiptView, receiptView, resolvedView } from '#shared/views/bank.js';
import { pageView } from '#shared/views/page.js';

/* Bank statement imports, their transactions and e-receipts: parse, one use case, the view. */
export const handler = createApiHandler('bank', {
  importBankStatement: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const result = await bank.importStatement(defaultStore(), requireActor(req), req.body ?? '');
    // 201 when this file was imported now; 200 when it had been before (nothing written).
    return jsonResponse(result.created ? 201 : 200, bankImportView(result.import, result.created));
  },
  getBankImport: async (req) => {
    const { importId } = parse('path', bankImportPath, req.pathParameters);
    return jsonResponse(200, bankImportView(await bank.getImport(defaultStore(), requirePrincipal(req), importId), false));
  },
  listBankTransactions: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const { status, ...page } = parse('query', listBankTransactionsQuery, req.query);
    return jsonResponse(200, pageView(await bank.listTransactions(defaultStore(), requirePrincipal(req), status, page), bankTransactionView));
  },
  getBankTransaction: async (req) => {
    const { transactionId } = parse('path', bankTransactionPath, req.pathParameters);
    return jsonResponse(200, bankTransactionView(await bank.getTransaction(defaultStore(), requirePrincipal(req), transactionId)));
  },
  resolveBankTransaction: async (req) => {
    const { transactionId } = parse('path', bankTransactionPath, req.pathParameters);
    const input = parseJsonBody(req, resolveBankTransactionBody);
    return jsonResponse(200, resolvedView(await bank.resolve(defaultStore(), requireActor(req), transactionId, input)));
  },
  issueReceipt: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const { invoiceId } = parseJsonBody(req, issueReceiptBody);
    return jsonResponse(201, issuedReceiptView(await receipts.issue(defaultStore(), requireActor(req), invoiceId)));
  },
  listReceipts: async (req) => {
    parse('path', accountPath, req.pathParameters);
    return jsonResponse(200, pageView(await receipts.list(defaultStore(), requirePrincipal(req), parse('query', pageQuery, req.query)), receiptView));
  },
  revokeReceipt: async (req) => {
    const { receiptId } = parse('path', receiptPath, req.pathParameters);
    await receipts.revoke(defaultStore(), requireActor(req), receiptId);
    return { statusCode: 204, headers: {}, body: '' };
  },
}, bankContracts);
