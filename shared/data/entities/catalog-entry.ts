import { Conflict, NotFound, StaleVersion } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { deleteItem, getItem, putItem, type OnConditionFailed } from '../dynamo.js';
import { parseOptional, seg, type Entity, type Key } from '../entity.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';

/*
 * Clients, items, warehouses and price lists are catalogue entries of the same shape: one partition per collection
 * and account (`ACCOUNT#<acc>#CLIENTS`, `#ITEMS`), sort key `<PREFIX>#<ULID>`, so the full
 * list (SPEC 1: visible to every role) is one Query in creation order and its cursor cannot
 * be replayed against another collection. Edits are optimistic: a Put conditioned on the
 * version read. Each entity module declares its schema and entity; this builds its keys
 * and access patterns, so the two can never drift apart.
 *
 *   table  pk ACCOUNT#<acc>#<COLLECTION>    sk <PREFIX>#<id>
 */
export interface CatalogEntry {
  accountId: string;
  version: number;
}

export const catalogKeys = (
  collection: 'CLIENTS' | 'ITEMS' | 'WAREHOUSES' | 'PRICELISTS',
  prefix: 'CLIENT' | 'ITEM' | 'WAREHOUSE' | 'PRICELIST',
) => ({
  partition: (accountId: string) => `ACCOUNT#${seg(accountId)}#${collection}`,
  entry: (accountId: string, id: string): Key => ({ pk: `ACCOUNT#${seg(accountId)}#${collection}`, sk: `${prefix}#${seg(id)}` }),
  sortPrefix: `${prefix}#`,
});

/** The access patterns of one catalogue entity; `noun` names it in refusals. */
export function catalogAccess<T extends CatalogEntry>(entity: Entity<T>, keys: ReturnType<typeof catalogKeys>, noun: string) {
  /** Gone is a 404; present at another version is a 409 naming it: read from the item as it is now. */
  const moved =
    (expectedVersion: number): OnConditionFailed =>
    (now) => {
      if (!now) return new NotFound(`the ${noun} does not exist`);
      const { version } = entity.parse(now);
      return new StaleVersion(`version ${expectedVersion} is stale; the ${noun} is at version ${version}`, {
        extensions: { currentVersion: version },
      });
    };
  const versionIs = (v: number) => ({ expression: '#version = :version', names: { '#version': 'version' }, values: { ':version': v } });

  return {
    // Pattern "one entry": GetItem on its key in the principal's account.
    get: async (store: Store, accountId: string, id: string, consistent = false): Promise<T | undefined> =>
      parseOptional(entity, await getItem(store, keys.entry(accountId, id), consistent)),

    // Pattern "all entries of an account": Query the collection's partition, one page in creation order.
    list: (store: Store, accountId: string, page: PageRequest): Promise<Page<T>> =>
      queryPage(store, { partition: keys.partition(accountId), sort: { prefix: keys.sortPrefix } }, entity.parse, page),

    // Pattern "create an entry": Put guarded by attribute_not_exists(pk) (ids are fresh ULIDs).
    create: async (store: Store, entry: T): Promise<T> => {
      await putItem(store, entity.item(entry), { expression: 'attribute_not_exists(pk)' }, () => new Conflict(`the ${noun} already exists`));
      return entry;
    },

    // Pattern "replace an entry": Put guarded by the version it was read at; writes version + 1.
    replace: async (store: Store, next: T, expectedVersion: number): Promise<T> => {
      const written = { ...next, version: expectedVersion + 1 };
      await putItem(store, entity.item(written), versionIs(expectedVersion), moved(expectedVersion));
      return written;
    },

    // Pattern "delete an entry": DeleteItem guarded by attribute_exists(pk), or by the version when one is given.
    remove: async (store: Store, accountId: string, id: string, expectedVersion?: number): Promise<void> => {
      if (expectedVersion === undefined) {
        await deleteItem(store, keys.entry(accountId, id), { expression: 'attribute_exists(pk)' }, () => new NotFound(`the ${noun} does not exist`));
      } else {
        await deleteItem(store, keys.entry(accountId, id), versionIs(expectedVersion), moved(expectedVersion));
      }
    },
  };
}
