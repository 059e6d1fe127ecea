import type { Store } from '#shared/data/context.js';
import type { AclWorld, ObjType, Right } from '../../test/support/acl/model.js';
import { check as checkIn, listReadablePage, loadWorld as load } from '../../test/support/acl/store.js';

/*
 * Kontor's side of the SpiceDB comparison: an AclWorld (test/support/acl/model.ts) loaded
 * through the real entities and index, then checks and list pages answered by the real use
 * cases (shared/usecases/acl.ts): a check is one BatchGetItem, a list page one consistent
 * Query on the member's index partition plus one BatchGetItem of that page's objects.
 * The adapter answers for the world loaded last (its members' roles and object types are
 * what a request's principal and route would carry).
 */
let current: AclWorld | undefined;

const world = (): AclWorld => {
  if (!current) throw new Error('loadWorld first');
  return current;
};

/** Writes the world in the dynamic mode (ACL only, as the comparison is defined) and indexes every member. */
export async function loadWorld(store: Store, w: AclWorld): Promise<void> {
  await load(store, w, 'dynamic');
  current = w;
}

export const check = (store: Store, userId: string, objectId: string, right: Right): Promise<boolean> => checkIn(store, world(), userId, objectId, right);

/** One page (50) of the objects of `type` (under `parentId`) the member may read. */
export const listReadable = (
  store: Store,
  userId: string,
  type: ObjType,
  parentId?: string,
  cursor?: string,
): Promise<{ ids: string[]; nextCursor: string | null }> => listReadablePage(store, world(), userId, type, parentId, cursor);
