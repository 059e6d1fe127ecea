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
import type { z } from 'zod';
import {
  clientEntity,
  createEntry,
  deleteEntry,
  getEntry,
  itemEntity,
  listEntries,
  replaceEntry,
  type Entity,
} from '#shared/data/catalog-repository.js';

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

type Stored = { pk: string; sk: string; type: string; version: number; accountId: string };

/**
 * The five routes of one catalogue collection. Clients and items differ only in their
 * entity, schemas, view, id and permission area, so one implementation serves both.
 */
function collectionRoutes<T extends Stored, Id extends string>(c: {
  entity: Entity<T>;
  area: 'clients' | 'products';
  idParam: Id;
  path: z.ZodType<Record<Id, string>>;
  createBody: z.ZodType<object>;
  updateBody: z.ZodType<{ version: number } & Record<string, unknown>>;
  view: (item: T) => unknown;
}) {
  const load = async (p: Principal, req: ApiRequest, consistent = false): Promise<T> => {
    const id = parse('path', c.path, req.pathParameters)[c.idParam];
    const found = await getEntry(store(), c.entity, p.accountId, id, consistent);
    if (!found) throw new NotFound(`the ${c.entity.noun} does not exist`);
    return found;
  };
  return {
    list: async (req: ApiRequest) => {
      const p = requirePrincipal(req);
      parse('path', accountPath, req.pathParameters);
      const q = parse('query', listCatalogQuery, req.query);
      allow(p, `${c.area}.view`);
      const page = await listEntries(store(), c.entity, p.accountId, q);
      return jsonResponse(200, { items: page.items.map(c.view), nextCursor: page.nextCursor });
    },
    create: async (req: ApiRequest) => {
      const p = requirePrincipal(req);
      parse('path', accountPath, req.pathParameters);
      const body = parseJsonBody(req, c.createBody);
      allow(p, `${c.area}.create`);
      const now = new Date().toISOString();
      const created = await createEntry<T>(store(), c.entity, {
        [c.idParam]: ulid(),
        accountId: p.accountId,
        ...body,
        createdBy: p.userId,
        createdAt: now,
        updatedAt: now,
        version: 1,
      } as unknown as Omit<T, 'pk' | 'sk' | 'type'>);
      return jsonResponse(201, c.view(created));
    },
    get: async (req: ApiRequest) => {
      const p = requirePrincipal(req);
      allow(p, `${c.area}.view`);
      return jsonResponse(200, c.view(await load(p, req)));
    },
    update: async (req: ApiRequest) => {
      const p = requirePrincipal(req);
      parse('path', c.path, req.pathParameters);
      const { version, ...patch } = parseJsonBody(req, c.updateBody);
      allow(p, `${c.area}.edit`);
      const current = await load(p, req, true);
      const next = { ...merge(strip(current), patch), updatedAt: new Date().toISOString() };
      return jsonResponse(200, c.view(await replaceEntry(store(), c.entity, next as Omit<T, 'pk' | 'sk' | 'type'>, version)));
    },
    delete: async (req: ApiRequest) => {
      const p = requirePrincipal(req);
      const id = parse('path', c.path, req.pathParameters)[c.idParam];
      allow(p, `${c.area}.delete`);
      await deleteEntry(store(), c.entity, p.accountId, id);
      return { statusCode: 204, headers: {}, body: '' };
    },
  };
}

const clients = collectionRoutes({
  entity: clientEntity,
  area: 'clients',
  idParam: 'clientId',
  path: clientPath,
  createBody: createClientBody,
  updateBody: updateClientBody,
  view: clientView,
});
const items = collectionRoutes({
  entity: itemEntity,
  area: 'products',
  idParam: 'itemId',
  path: itemPath,
  createBody: createItemBody,
  updateBody: updateItemBody,
  view: itemView,
});

export const handler = createApiHandler('catalog', {
  listClients: clients.list,
  createClient: clients.create,
  getClient: clients.get,
  updateClient: clients.update,
  deleteClient: clients.delete,
  listItems: items.list,
  createItem: items.create,
  getItem: items.get,
  updateItem: items.update,
  deleteItem: items.delete,
});
