import { invoicingContracts } from '#shared/contracts/invoicing.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal, type RouteImplementation } from '#shared/http/api.js';
import { accountPath } from '#shared/contracts/admin-common.js';
import { createDocumentBody, documentPath, listDocumentsQuery, updateDocumentBody } from '#shared/contracts/invoicing.js';
import { defaultStore } from '#shared/data/context.js';
import { DOCUMENT_KIND_NAMES, DOCUMENT_KINDS, type DocumentKind } from '#shared/domain/invoicing/documents.js';
import * as documents from '#shared/usecases/documents.js';
import * as settings from '#shared/usecases/settings.js';
import { documentView } from '#shared/views/documents.js';
import { pageView } from '#shared/views/page.js';

/* Documents: parse, one use case, the view. One set of five routes per kind; the kind comes from the route, never from input. */
function routesFor(kind: DocumentKind): Record<string, RouteImplementation> {
  const { one, many } = DOCUMENT_KIND_NAMES[kind];
  return {
    [`list${many}`]: async (req) => {
      parse('path', accountPath, req.pathParameters);
      const page = await documents.list(defaultStore(), requirePrincipal(req), kind, parse('query', listDocumentsQuery, req.query));
      return jsonResponse(200, pageView(page, documentView));
    },
    [`create${one}`]: async (req) => {
      parse('path', accountPath, req.pathParameters);
      const created = await documents.create(defaultStore(), requirePrincipal(req), kind, parseJsonBody(req, createDocumentBody));
      return jsonResponse(201, documentView(created));
    },
    [`get${one}`]: async (req) => {
      const { documentId } = parse('path', documentPath, req.pathParameters);
      const p = requirePrincipal(req);
      const [doc, presentation] = await Promise.all([documents.get(defaultStore(), p, kind, documentId), settings.presentation(defaultStore(), p.accountId)]);
      return jsonResponse(200, { ...documentView(doc), presentation });
    },
    [`update${one}`]: async (req) => {
      const { documentId } = parse('path', documentPath, req.pathParameters);
      const body = parseJsonBody(req, updateDocumentBody);
      return jsonResponse(200, documentView(await documents.update(defaultStore(), requirePrincipal(req), kind, documentId, body)));
    },
    [`delete${one}`]: async (req) => {
      const { documentId } = parse('path', documentPath, req.pathParameters);
      await documents.remove(defaultStore(), requirePrincipal(req), kind, documentId);
      return { statusCode: 204, headers: {}, body: '' };
    },
  };
}

export const handler = createApiHandler('documents', Object.fromEntries(DOCUMENT_KINDS.flatMap((kind) => Object.entries(routesFor(kind)))), invoicingContracts);
