import type { Principal as AuthzPrincipal } from '#shared/authz/engine.js';
import { permissionsOfRole } from '#shared/authz/engine.js';
import type { Store } from '#shared/data/context.js';
import { putItem } from '#shared/data/dynamo.js';
import { clientEntity } from '#shared/data/entities/client.js';
import { crmObjectEntity, type CrmObject } from '#shared/data/entities/crm-object.js';
import { membershipEntity, type Actor } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { permissionModeEntity } from '#shared/data/entities/permission-mode.js';
import { EMPTY } from '#shared/authz/permission-set.js';
import { principalRef, type Acl, type CrmType, type PermissionMode, type Right } from '#shared/domain/acl.js';
import { buildSubject, listReadable, loadChecked, withAclLock } from '#shared/usecases/acl.js';
import { crmEdgeEntity } from '#shared/data/entities/crm-edge.js';
import type { AclWorld, ObjType, Principal } from './model.js';

/*
 * An AclWorld written into the table through the real entities (clients for contractors,
 * CRM objects with their parents and ACLs, memberships, the organization and its mode), then
 * every member indexed; and the check and the list as Kontor answers them, through the
 * real use cases. The SpiceDB benchmark's adapter is this module.
 */
export const ORG_OF = (accountId: string): string => `org_${accountId.replace(/^acc_/, '').split('_')[0]}`;

const ref = (p: Principal) => principalRef(p);

function aclOf(world: AclWorld, objectId: string, creator: string): Acl {
  const rows = world.rows.filter((r) => r.objectId === objectId).map((r) => ({ principal: ref(r.principal), rights: [...r.rights] }));
  return {
    rows: [{ principal: `user:${creator}`, rights: ['read', 'write', 'edit', 'delete', 'change-permissions', 'special'] }, ...rows],
    exclusions: world.exclusions.filter((e) => e.objectId === objectId).map((e) => ref(e.principal)),
  };
}

const parentField: Record<ObjType, string> = {
  contractor: 'contractorId',
  project: 'projectId',
  case: 'caseId',
  event: 'eventId',
  'next-step': '',
  'automated-action': '',
};

async function putAll(store: Store, items: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < items.length; i += 25) await Promise.all(items.slice(i, i + 25).map((item) => putItem(store, item)));
}

/** Writes the world (in the given mode, dynamic by default) and builds every member's index. */
export async function loadWorld(store: Store, world: AclWorld, mode: PermissionMode = 'dynamic'): Promise<void> {
  const organizationId = ORG_OF(world.accountId);
  const now = store.now().toISOString();
  const typeOf = new Map(world.objects.map((o) => [o.id, o.type]));
  const items: Array<Record<string, unknown>> = [
    organizationEntity.item({
      organizationId,
      name: 'ACL world',
      plan: 'small',
      features: ['self-bookkeeping'],
      customRoles: { crm: '' },
      createdAt: now,
      createdBy: world.members[0]?.userId ?? 'u0',
      version: 1,
    }),
    permissionModeEntity.item({ organizationId, mode, version: 1 }),
    ...world.members.map((m) =>
      membershipEntity.item({ accountId: world.accountId, organizationId, userId: m.userId, email: `${m.userId}@acl.example`, role: m.role, createdAt: now, version: 1 }),
    ),
  ];
  for (const o of world.objects) {
    const acl = aclOf(world, o.id, o.creator);
    const base = { accountId: world.accountId, name: o.id, acl, createdBy: o.creator, createdAt: now, updatedAt: now, version: 1 };
    if (o.type === 'contractor') {
      items.push(clientEntity.item({ ...base, clientId: o.id }));
    } else {
      const parents = Object.fromEntries(o.parents.map((p) => [parentField[typeOf.get(p)!], p]));
      items.push(crmObjectEntity.item({ ...base, objectId: o.id, objectType: o.type as CrmType, ...parents } as CrmObject));
      for (const parentId of o.parents) items.push(crmEdgeEntity.item({ accountId: world.accountId, parentId, childId: o.id, childType: o.type }));
    }
  }
  await putAll(store, items);
  for (const m of world.members) {
    await withAclLock(store, world.accountId, { roots: [], builds: [m.userId] }, (lock) => buildSubject(store, lock, world.accountId, { userId: m.userId, role: m.role }));
  }
}

/**
 * The principal a member of the world acts as (a built-in role's permissions; custom roles
 * hold none), with the membership it rests on as the wrapper reads it for a change.
 */
export function principalOf(world: AclWorld, userId: string): Actor {
  const role = world.members.find((m) => m.userId === userId)?.role ?? '';
  const perms = permissionsOfRole(role, { organizationId: ORG_OF(world.accountId), plan: 'small', features: ['self-bookkeeping'], customRoles: { crm: '' } });
  return {
    userId,
    organizationId: ORG_OF(world.accountId),
    accountId: world.accountId,
    role: role as AuthzPrincipal['role'],
    via: 'member',
    permissions: perms ?? EMPTY,
    basis: { membership: { accountId: world.accountId, userId, role, version: 1 } },
  };
}

/** The member as the API wrapper re-reads them for a change: their membership as written above (version 1). */
export function actorOf(world: AclWorld, userId: string): Actor {
  const p = principalOf(world, userId);
  return { ...p, basis: { membership: { accountId: world.accountId, userId, role: p.role, version: 1 } } };
}

/** Kontor's instance check: one BatchGetItem (the use case's own). */
export async function check(store: Store, world: AclWorld, userId: string, objectId: string, right: Right): Promise<boolean> {
  const type = world.objects.find((o) => o.id === objectId)!.type;
  const { rights } = await loadChecked(store, principalOf(world, userId), type, objectId);
  return rights.has(right);
}

/** One page of what a member may read of a type (under a parent): ids and the next cursor. */
export async function listReadablePage(
  store: Store,
  world: AclWorld,
  userId: string,
  type: ObjType,
  parentId?: string,
  cursor?: string,
  limit = 50,
): Promise<{ ids: string[]; nextCursor: string | null }> {
  const parentType = parentId === undefined ? undefined : world.objects.find((o) => o.id === parentId)!.type;
  const page = await listReadable(
    store,
    principalOf(world, userId),
    type,
    parentId === undefined ? undefined : { id: parentId, type: parentType! },
    { limit, cursor },
  );
  return { ids: page.items.map((o) => (o.type === 'contractor' ? o.item.clientId : o.item.objectId)), nextCursor: page.nextCursor };
}

/** Every page. */
export async function listAllReadable(store: Store, world: AclWorld, userId: string, type: ObjType, parentId?: string, limit = 4): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listReadablePage(store, world, userId, type, parentId, cursor, limit);
    out.push(...page.ids);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out.sort();
}
