import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal, type ApiRequest, type RouteImplementation } from '#shared/http/api.js';
import { documentClient, tableName } from '#shared/data/client.js';
import { accountPath, createDocumentBody, documentPath, listDocumentsQuery, updateDocumentBody } from '#shared/contracts/invoicing.js';
import { documentView } from '#shared/domain/invoicing/views.js';
import type { DocumentKind } from '#shared/domain/invoicing/documents.js';
import * as documents from './service.js';

const store = () => ({ db: documentClient(), table: tableName() });

/* One set of five routes per kind; the kind comes from the route, never from input. */
function routesFor(kind: DocumentKind, one: string, many: string): Record<string, RouteImplementation> {
  return {
    [`list${many}`]: async (req: ApiRequest) => {
      parse('path', accountPath, req.pathParameters);
      const q = parse('query', listDocumentsQuery, req.query);
      const page = await documents.list(store(), requirePrincipal(req), kind, q);
      return jsonResponse(200, { items: page.items.map(documentView), nextCursor: page.nextCursor });
    },
    [`create${one}`]: async (req: ApiRequest) => {
      parse('path', accountPath, req.pathParameters);
      const body = parseJsonBody(req, createDocumentBody);
      return jsonResponse(201, documentView(await documents.create(store(), requirePrincipal(req), kind, body)));
    },
    [`get${one}`]: async (req: ApiRequest) => {
      const { documentId } = parse('path', documentPath, req.pathParameters);
      return jsonResponse(200, documentView(await documents.get(store(), requirePrincipal(req), kind, documentId)));
    },
    [`update${one}`]: async (req: ApiRequest) => {
      const { documentId } = parse('path', documentPath, req.pathParameters);
      const body = parseJsonBody(req, updateDocumentBody);
      return jsonResponse(200, documentView(await documents.update(store(), requirePrincipal(req), kind, documentId, body)));
    },
    [`delete${one}`]: async (req: ApiRequest) => {
      const { documentId } = parse('path', documentPath, req.pathParameters);
      await documents.remove(store(), requirePrincipal(req), kind, documentId);
      return { statusCode: 204, headers: {}, body: '' };
    },
  };
}

export const handler = createApiHandler('documents', {
  ...routesFor('invoice', 'Invoice', 'Invoices'),
  ...routesFor('estimate', 'Estimate', 'Estimates'),
  ...routesFor('expense', 'Expense', 'Expenses'),
  ...routesFor('time-entry', 'TimeEntry', 'TimeEntries'),
});
