import { invoicingContracts } from '#shared/contracts/invoicing.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal } from '#shared/http/api.js';
import { accountPath } from '#shared/contracts/admin-common.js';
import {
  clientPath,
  createClientBody,
  createItemBody,
  itemPath,
  listCatalogQuery,
  updateClientBody,
  updateItemBody,
} from '#shared/contracts/invoicing.js';
import { defaultStore } from '#shared/data/context.js';
import { clients, items } from '#shared/usecases/catalog.js';
import { clientView, itemView } from '#shared/views/catalog.js';
import { pageView } from '#shared/views/page.js';

/* Clients and items: parse, one use case, the view. */
const noContent = { statusCode: 204, headers: {}, body: '' };

export const handler = createApiHandler('catalog', {
  listClients: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await clients.list(defaultStore(), requirePrincipal(req), parse('query', listCatalogQuery, req.query));
    return jsonResponse(200, pageView(page, clientView));
  },
  createClient: async (req) => {
    parse('path', accountPath, req.pathParameters);
    return jsonResponse(201, clientView(await clients.create(defaultStore(), requirePrincipal(req), parseJsonBody(req, createClientBody))));
  },
  getClient: async (req) => {
    const { clientId } = parse('path', clientPath, req.pathParameters);
    return jsonResponse(200, clientView(await clients.get(defaultStore(), requirePrincipal(req), clientId)));
  },
  updateClient: async (req) => {
    const { clientId } = parse('path', clientPath, req.pathParameters);
    const body = parseJsonBody(req, updateClientBody);
    return jsonResponse(200, clientView(await clients.update(defaultStore(), requirePrincipal(req), clientId, body)));
  },
  deleteClient: async (req) => {
    const { clientId } = parse('path', clientPath, req.pathParameters);
    await clients.remove(defaultStore(), requirePrincipal(req), clientId);
    return noContent;
  },
  listItems: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await items.list(defaultStore(), requirePrincipal(req), parse('query', listCatalogQuery, req.query));
    return jsonResponse(200, pageView(page, itemView));
  },
  createItem: async (req) => {
    parse('path', accountPath, req.pathParameters);
    return jsonResponse(201, itemView(await items.create(defaultStore(), requirePrincipal(req), parseJsonBody(req, createItemBody))));
  },
  getItem: async (req) => {
    const { itemId } = parse('path', itemPath, req.pathParameters);
    return jsonResponse(200, itemView(await items.get(defaultStore(), requirePrincipal(req), itemId)));
  },
  updateItem: async (req) => {
    const { itemId } = parse('path', itemPath, req.pathParameters);
    const body = parseJsonBody(req, updateItemBody);
    return jsonResponse(200, itemView(await items.update(defaultStore(), requirePrincipal(req), itemId, body)));
  },
  deleteItem: async (req) => {
    const { itemId } = parse('path', itemPath, req.pathParameters);
    await items.remove(defaultStore(), requirePrincipal(req), itemId);
    return noContent;
  },
}, invoicingContracts);
