import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal, type ApiRequest } from '#shared/http/api.js';
import { documentClient, tableName } from '#shared/data/client.js';
import {
  accountPath,
  clientPath,
  createClientBody,
  createItemBody,
  itemPath,
  listCatalogQuery,
  updateClientBody,
  updateItemBody,
} from '#shared/contracts/invoicing.js';
import { decide, type Principal } from '#shared/authz/engine.js';
import type { Action } from '#shared/authz/catalogue.js';
import { Forbidden, NotFound } from '#shared/domain/errors.js';
import { ulid } from '#shared/domain/ids.js';
import { clientView, itemView } from '#shared/domain/invoicing/views.js';
import { clientEntity, createEntry, deleteEntry, getEntry, itemEntity, listEntries, replaceEntry } from '#shared/data/catalog-repository.js';
import type { CatalogItem, ClientItem } from '#shared/data/items.js';

/*
 * Clients and items (SPEC 1): every role sees the full lists; Owner, Manager and Employee
 * create and edit; only Owner and Manager delete (the route permissions clients.delete /
 * products.delete). These objects have no owner scope, so the object-level decision is on
 * the account: keys are always built from the principal's account id.
 */
const store = () => ({ db: documentClient(), table: tableName() });

function allow(p: Principal, action: Action): void {
  const d = decide(p, action, { organizationId: p.organizationId, accountId: p.accountId });
  if (!d.allowed) throw new Forbidden(`you may not ${action} (${d.reason})`);
}

/** Null in a PATCH clears a field; absent keeps it. */
const merge = <T extends object>(current: T, patch: Record<string, unknown>): T => {
  const out = { ...current } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as T;
};

const strip = <T extends { pk: string; sk: string; type: string }>({ pk: _pk, sk: _sk, type: _type, ...rest }: T) => rest;

export const handler = createApiHandler('catalog', {
  listClients: async (req: ApiRequest) => {
    const p = requirePrincipal(req);
    parse('path', accountPath, req.pathParameters);
    const q = parse('query', listCatalogQuery, req.query);
    allow(p, 'clients.view');
    const page = await listEntries(store(), clientEntity, p.accountId, q);
    return jsonResponse(200, { items: page.items.map(clientView), nextCursor: page.nextCursor });
  },
  createClient: async (req) => {
    const p = requirePrincipal(req);
    parse('path', accountPath, req.pathParameters);
    const body = parseJsonBody(req, createClientBody);
    allow(p, 'clients.create');
    const now = new Date().toISOString();
    const client = await createEntry<ClientItem>(store(), clientEntity, {
      clientId: ulid(),
      accountId: p.accountId,
      ...body,
      createdBy: p.userId,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    return jsonResponse(201, clientView(client));
  },
  getClient: async (req) => {
    const p = requirePrincipal(req);
    const { clientId } = parse('path', clientPath, req.pathParameters);
    allow(p, 'clients.view');
    const client = await getEntry(store(), clientEntity, p.accountId, clientId);
    if (!client) throw new NotFound('the client does not exist');
    return jsonResponse(200, clientView(client));
  },
  updateClient: async (req) => {
    const p = requirePrincipal(req);
    const { clientId } = parse('path', clientPath, req.pathParameters);
    const { version, ...patch } = parseJsonBody(req, updateClientBody);
    allow(p, 'clients.edit');
    const current = await getEntry(store(), clientEntity, p.accountId, clientId, true);
    if (!current) throw new NotFound('the client does not exist');
    const next = { ...merge(strip(current), patch), updatedAt: new Date().toISOString() };
    return jsonResponse(200, clientView(await replaceEntry(store(), clientEntity, next, version)));
  },
  deleteClient: async (req) => {
    const p = requirePrincipal(req);
    const { clientId } = parse('path', clientPath, req.pathParameters);
    allow(p, 'clients.delete');
    await deleteEntry(store(), clientEntity, p.accountId, clientId);
    return { statusCode: 204, headers: {}, body: '' };
  },

  listItems: async (req) => {
    const p = requirePrincipal(req);
    parse('path', accountPath, req.pathParameters);
    const q = parse('query', listCatalogQuery, req.query);
    allow(p, 'products.view');
    const page = await listEntries(store(), itemEntity, p.accountId, q);
    return jsonResponse(200, { items: page.items.map(itemView), nextCursor: page.nextCursor });
  },
  createItem: async (req) => {
    const p = requirePrincipal(req);
    parse('path', accountPath, req.pathParameters);
    const body = parseJsonBody(req, createItemBody);
    allow(p, 'products.create');
    const now = new Date().toISOString();
    const item = await createEntry<CatalogItem>(store(), itemEntity, {
      itemId: ulid(),
      accountId: p.accountId,
      ...body,
      createdBy: p.userId,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    return jsonResponse(201, itemView(item));
  },
  getItem: async (req) => {
    const p = requirePrincipal(req);
    const { itemId } = parse('path', itemPath, req.pathParameters);
    allow(p, 'products.view');
    const item = await getEntry(store(), itemEntity, p.accountId, itemId);
    if (!item) throw new NotFound('the item does not exist');
    return jsonResponse(200, itemView(item));
  },
  updateItem: async (req) => {
    const p = requirePrincipal(req);
    const { itemId } = parse('path', itemPath, req.pathParameters);
    const { version, ...patch } = parseJsonBody(req, updateItemBody);
    allow(p, 'products.edit');
    const current = await getEntry(store(), itemEntity, p.accountId, itemId, true);
    if (!current) throw new NotFound('the item does not exist');
    const next = { ...merge(strip(current), patch), updatedAt: new Date().toISOString() };
    return jsonResponse(200, itemView(await replaceEntry(store(), itemEntity, next, version)));
  },
  deleteItem: async (req) => {
    const p = requirePrincipal(req);
    const { itemId } = parse('path', itemPath, req.pathParameters);
    allow(p, 'products.delete');
    await deleteEntry(store(), itemEntity, p.accountId, itemId);
    return { statusCode: 204, headers: {}, body: '' };
  },
});
