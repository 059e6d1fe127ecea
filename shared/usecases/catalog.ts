import type * as z from 'zod';
import type { Principal } from '../authz/engine.js';
import type { createClientBody, createItemBody, updateClientBody, updateItemBody } from '../contracts/invoicing.js';
import type { Store } from '../data/context.js';
import type { catalogAccess, CatalogEntry } from '../data/entities/catalog-entry.js';
import { clients as clientAccess, type Client } from '../data/entities/client.js';
import { items as itemAccess, type Item } from '../data/entities/item.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { NotFound } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { requirePriceList } from './pricing.js';
import { creatorAcl } from '../domain/acl.js';
import { listReadable, refuseWithChildren, reindexSubtree, requireRight, withAclLock } from './acl.js';

/*
 * Clients and items (SPEC 1): every role sees the full lists; Owner, Manager and Employee
 * create and edit; only Owner and Manager delete. Who may do which is the route's
 * permission (clients.* / products.*), checked before a use case runs; these objects have
 * no owner scope, so there is no object-level decision beyond the account: every key is
 * built from the principal's account id, never from input.
 */
export type CreateClientInput = z.infer<typeof createClientBody>;
export type UpdateClientInput = z.infer<typeof updateClientBody>;
export type CreateItemInput = z.infer<typeof createItemBody>;
export type UpdateItemInput = z.infer<typeof updateItemBody>;

interface Stamped extends CatalogEntry {
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** A PATCH on an entry: null clears a field, absent keeps it. */
function merge<T extends object>(current: T, patch: Record<string, unknown>): T {
  const out = { ...current } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as T;
}

/**
 * The use cases of one catalogue collection. Clients and items differ only in their entity,
 * their inputs and how a new one is made, so one implementation serves both.
 */
function collection<T extends Stamped, Create, Update extends { version: number }>(
  access: ReturnType<typeof catalogAccess<T>>,
  noun: string,
  fresh: (base: Stamped, input: Create) => T,
) {
  const found = (entry: T | undefined): T => {
    if (!entry) throw new NotFound(`the ${noun} does not exist`);
    return entry;
  };
  return {
    list: (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<T>> =>
      access.list(store, p.accountId, { ...page, boundTo: p.userId }),
    get: async (store: Store, p: Principal, id: string): Promise<T> => found(await access.get(store, p.accountId, id)),
    create: (store: Store, p: Principal, input: Create): Promise<T> => {
      const now = store.now().toISOString();
      return access.create(store, fresh({ accountId: p.accountId, createdBy: p.userId, createdAt: now, updatedAt: now, version: 1 }, input));
    },
    /** Applies the patch to the entry as it is now; the write is refused (409) unless it is still at `version`. */
    update: async (store: Store, p: Principal, id: string, input: Update): Promise<T> => {
      const { version, ...patch } = input;
      const current = found(await access.get(store, p.accountId, id, true));
      return access.replace(store, { ...merge(current, patch), updatedAt: store.now().toISOString() }, version);
    },
    remove: (store: Store, p: Principal, id: string): Promise<void> => access.remove(store, p.accountId, id),
  };
}

const clientCollection = collection<Client, CreateClientInput, UpdateClientInput>(clientAccess, 'client', (base, input) => ({
  ...base,
  ...input,
  clientId: ulid(),
  // SPEC 5.2: a client is also a contractor, and its creator gets a full ACL row on it.
  acl: creatorAcl(base.createdBy),
}));

/*
 * Clients are the contractors of SPEC 5: each read and change is also an instance check in
 * the organization's permission mode (shared/usecases/acl.ts). In the static mode, the
 * default, that check is the route's own clients.* action, so nothing changes for
 * organizations that never switched; it costs the one BatchGetItem that reads the client.
 * A price list a client names must be one of the account's: 400 naming it otherwise.
 */
export const clients = {
  list: async (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<Client>> => {
    const out = await listReadable(store, p, 'contractor', undefined, page);
    return { items: out.items.map((o) => o.item as Client), nextCursor: out.nextCursor };
  },
  get: async (store: Store, p: Principal, id: string): Promise<Client> => (await requireRight(store, p, 'contractor', id, 'read')).object.item as Client,
  create: async (store: Store, p: Principal, input: CreateClientInput): Promise<Client> => {
    await requirePriceList(store, p.accountId, input.priceListId, 'body.priceListId');
    // Under the ACL lock, as every change of the CRM tree: the creator's row reaches the index before it is released.
    const clientId = ulid();
    const root = { id: clientId, type: 'contractor' as const };
    return withAclLock(store, p.accountId, { roots: [root] }, async (lock) => {
      const now = store.now().toISOString();
      const created = await clientAccess.create(store, {
        ...input,
        accountId: p.accountId,
        createdBy: p.userId,
        createdAt: now,
        updatedAt: now,
        version: 1,
        clientId,
        acl: creatorAcl(p.userId),
      });
      await reindexSubtree(store, lock, p.accountId, [root]);
      return created;
    });
  },
  update: async (store: Store, p: Principal, id: string, input: UpdateClientInput): Promise<Client> => {
    await requireRight(store, p, 'contractor', id, 'edit');
    await requirePriceList(store, p.accountId, input.priceListId, 'body.priceListId');
    return clientCollection.update(store, p, id, input);
  },
  /** Refused (409 in-use) while cases sit under the contractor, as every CRM object with children. */
  remove: async (store: Store, p: Principal, id: string): Promise<void> => {
    const root = { id, type: 'contractor' as const };
    await withAclLock(store, p.accountId, { roots: [root] }, async (lock) => {
      await requireRight(store, p, 'contractor', id, 'delete', lock);
      await refuseWithChildren(store, p.accountId, 'contractor', id);
      await clientCollection.remove(store, p, id);
      await reindexSubtree(store, lock, p.accountId, [root]);
    });
  },
};

export const items = collection<Item, CreateItemInput, UpdateItemInput>(itemAccess, 'item', (base, input) => ({
  ...base,
  ...input,
  itemId: ulid(),
}));
