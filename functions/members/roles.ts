import { auditEntry } from '#shared/domain/audit.js';
import type { Principal } from '#shared/authz/engine.js';
import { checkRoleDefinition } from '#shared/authz/assignment.js';
import { expandPermissionNames } from '#shared/authz/catalogue.js';
import { compile, EMPTY, toHex } from '#shared/authz/permission-set.js';
import { customRoleRef, MAX_CUSTOM_ROLES } from '#shared/authz/roles.js';
import { ulid } from '#shared/domain/ids.js';
import { Conflict, InUse, NotFound, StaleVersion, ValidationError } from '#shared/domain/errors.js';
import { throwUnlessOk } from '#shared/domain/refusals.js';
import type { Store } from '#shared/data/context.js';
import { keys } from '#shared/data/keys.js';
import { customRoleItem, type CustomRoleItem } from '#shared/data/items.js';
import { getRole as readRole, listRoles as queryRoles } from '#shared/data/role-repository.js';
import { listRoleHolders } from '#shared/data/member-repository.js';
import { auditStep, transact } from '#shared/data/transact.js';
import type { PageRequest } from '#shared/data/query.js';
import { loadOrganization, requireMainAccount } from '#shared/data/admin-steps.js';

/*
 * Custom roles (issue 4; SPEC.md 2). The role item holds the definition; the organization
 * item holds its compiled bits (`customRoles`), which is what the authorizer reads. Both
 * change in one transaction with the audit entry, so every holder's next uncached
 * authorization sees the new permissions, and never a half-changed role.
 */

/** Expands and validates permission names; every unknown name is reported with its index. */
function compileNames(names: string[]) {
  const { permissions, unknown } = expandPermissionNames(names);
  if (unknown.length) {
    throw new ValidationError(`unknown permission${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`, {
      errors: names.flatMap((n, i) =>
        unknown.includes(n) ? [{ field: `body.permissions.${i}`, message: `unknown permission "${n}"` }] : [],
      ),
      extensions: { unknown },
    });
  }
  return { permissions, set: compile(permissions) };
}

async function roleOrNotFound(store: Store, p: Principal, roleId: string): Promise<CustomRoleItem> {
  const role = await readRole(store.db, store.table, p.organizationId, roleId);
  if (!role) throw new NotFound('no such role in this organization');
  return role;
}

export const listRoles = (store: Store, p: Principal, page: PageRequest) =>
  queryRoles(store.db, store.table, p.organizationId, page);

export const getRole = roleOrNotFound;

const compiledOnOrganization = (store: Store, p: Principal, roleId: string, hex: string, mustExist: boolean) => ({
  item: {
    Update: {
      TableName: store.table,
      Key: keys.organization(p.organizationId),
      UpdateExpression: 'SET customRoles.#role = :hex, #version = #version + :one',
      // A new role is refused in the same write once the organization has as many as it
      // may: concurrent creations cannot overshoot the cap.
      ConditionExpression: mustExist ? 'attribute_exists(customRoles.#role)' : 'size(customRoles) < :max',
      ExpressionAttributeNames: { '#role': roleId, '#version': 'version' },
      ExpressionAttributeValues: { ':hex': hex, ':one': 1, ...(mustExist ? {} : { ':max': MAX_CUSTOM_ROLES }) },
    },
  },
  onConditionFailed: () =>
    mustExist
      ? new NotFound('no such role in this organization')
      : new Conflict(`an organization may define at most ${MAX_CUSTOM_ROLES} custom roles`, {
          extensions: { reason: 'custom-role-limit', limit: MAX_CUSTOM_ROLES },
        }),
});

export async function createRole(
  store: Store,
  p: Principal,
  body: { name: string; description?: string | undefined; permissions: string[] },
): Promise<CustomRoleItem> {
  requireMainAccount(p, 'custom roles');
  const { permissions, set } = compileNames(body.permissions);
  throwUnlessOk(checkRoleDefinition(p, set), 'body.permissions');
  const now = store.now().toISOString();
  const role = customRoleItem({
    organizationId: p.organizationId,
    roleId: `rol_${ulid()}`,
    name: body.name,
    description: body.description,
    permissions,
    createdAt: now,
    createdBy: p.userId,
    updatedAt: now,
    version: 1,
  });
  await transact(store.db, [
    { item: { Put: { TableName: store.table, Item: role, ConditionExpression: 'attribute_not_exists(pk)' } } },
    compiledOnOrganization(store, p, role.roleId, toHex(set), false),
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'role.created',
        targetType: 'role',
        targetId: role.roleId,
        before: null,
        after: { name: role.name, permissions },
      }),
      now,
    ),
  ]);
  return role;
}

export async function updateRole(
  store: Store,
  p: Principal,
  roleId: string,
  body: { name?: string | undefined; description?: string | undefined; permissions?: string[] | undefined; version: number },
): Promise<CustomRoleItem> {
  requireMainAccount(p, 'custom roles');
  const role = await roleOrNotFound(store, p, roleId);
  if (role.version !== body.version) {
    throw new StaleVersion('the role changed since it was read', { extensions: { currentVersion: role.version } });
  }
  const before = compile(role.permissions);
  const next = body.permissions ? compileNames(body.permissions) : { permissions: role.permissions, set: before };
  throwUnlessOk(checkRoleDefinition(p, next.set, before), 'body.permissions');
  const now = store.now().toISOString();
  const updated: CustomRoleItem = {
    ...role,
    name: body.name ?? role.name,
    description: body.description ?? role.description,
    permissions: next.permissions,
    updatedAt: now,
    version: role.version + 1,
  };
  await transact(store.db, [
    {
      item: {
        Update: {
          TableName: store.table,
          Key: keys.customRole(p.organizationId, roleId),
          UpdateExpression: 'SET #name = :name, description = :description, #permissions = :permissions, updatedAt = :at, #version = #version + :one',
          ConditionExpression: '#version = :v',
          ExpressionAttributeNames: { '#name': 'name', '#permissions': 'permissions', '#version': 'version' },
          ExpressionAttributeValues: {
            ':name': updated.name,
            ':description': updated.description ?? null,
            ':permissions': updated.permissions,
            ':at': now,
            ':v': role.version,
            ':one': 1,
          },
        },
      },
      onConditionFailed: () => new StaleVersion('the role changed since it was read'),
    },
    compiledOnOrganization(store, p, roleId, toHex(next.set), true),
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'role.updated',
        targetType: 'role',
        targetId: roleId,
        before: { name: role.name, permissions: role.permissions, version: role.version },
        after: { name: updated.name, permissions: updated.permissions, version: updated.version },
      }),
      now,
    ),
  ]);
  return updated;
}

/** DELETE /roles/{roleId}: refused while any member of the organization holds it, naming them. */
export async function deleteRole(store: Store, p: Principal, roleId: string, version: number | undefined): Promise<void> {
  requireMainAccount(p, 'custom roles');
  const role = await roleOrNotFound(store, p, roleId);
  if (version !== undefined && role.version !== version) {
    throw new StaleVersion('the role changed since it was read', { extensions: { currentVersion: role.version } });
  }
  throwUnlessOk(checkRoleDefinition(p, EMPTY, compile(role.permissions)), 'path.roleId');
  // Read the organization before the holders: an assignment after this read bumps its
  // version, which makes the delete below fail rather than strand a member on a deleted role.
  const org = await loadOrganization(store, p.organizationId);
  const holders = await listRoleHolders(store.db, store.table, p.organizationId, customRoleRef(roleId), 50);
  if (holders.length) {
    throw new InUse(`the role is assigned to: ${holders.map((h) => h.email || h.userId).join(', ')}`, {
      extensions: { members: holders.map((h) => ({ userId: h.userId, email: h.email, accountId: h.accountId })) },
    });
  }
  const now = store.now().toISOString();
  await transact(store.db, [
    {
      item: {
        Delete: {
          TableName: store.table,
          Key: keys.customRole(p.organizationId, roleId),
          ConditionExpression: '#version = :v',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':v': role.version },
        },
      },
      onConditionFailed: () => new StaleVersion('the role changed since it was read'),
    },
    {
      item: {
        Update: {
          TableName: store.table,
          Key: keys.organization(p.organizationId),
          UpdateExpression: 'REMOVE customRoles.#role SET #version = #version + :one',
          ConditionExpression: '#version = :v',
          ExpressionAttributeNames: { '#role': roleId, '#version': 'version' },
          ExpressionAttributeValues: { ':v': org.version, ':one': 1 },
        },
      },
      onConditionFailed: () => new Conflict('the organization changed meanwhile (a role may have been assigned); read again and retry'),
    },
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'role.deleted',
        targetType: 'role',
        targetId: roleId,
        before: { name: role.name, permissions: role.permissions, version: role.version },
        after: null,
      }),
      now,
    ),
  ]);
}
