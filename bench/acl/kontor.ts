import type { Store } from '#shared/data/context.js';
import type { Right } from '#shared/domain/acl.js';
import { check as kontorCheck, listReadablePage, loadWorld as kontorLoad } from '../../test/support/acl/store.js';
import type { AclWorld, ObjType } from './world.js';

/*
 * Kontor's side of the ACL bench: the world written through the real entities and indexed
 * (test/support/acl/store.ts, the ACL tests' own loader), checks and lists through the real
 * use cases. That module takes the world on every call (to know a member's role and an
 * object's type, as the authorizer and the route would); the bench's interface does not,
 * so the world each store was loaded with is kept here.
 */
const worlds = new WeakMap<Store, AclWorld>();

function worldOf(store: Store): AclWorld {
  const world = worlds.get(store);
  if (!world) throw new Error('loadWorld first: no world was loaded into this store');
  return world;
}

/** Kontor's page size for the bench's lists (the API's default page). */
export const PAGE_SIZE = 50;

export async function loadWorld(store: Store, world: AclWorld): Promise<void> {
  worlds.set(store, world);
  await kontorLoad(store, world);
}

export function check(store: Store, userId: string, objectId: string, right: Right): Promise<boolean> {
  return kontorCheck(store, worldOf(store), userId, objectId, right);
}

export function listReadable(store: Store, userId: string, type: ObjType, parentId?: string, cursor?: string): Promise<{ ids: string[]; nextCursor: string | null }> {
  return listReadablePage(store, worldOf(store), userId, type, parentId, cursor, PAGE_SIZE);
}
