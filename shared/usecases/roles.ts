import type * as z from 'zod';
import { checkRoleDefinition } from '../authz/assignment.js';
import { expandPermissionNames } from '../authz/catalogue.js';
import type { Principal } from '../authz/engine.js';
import { compile, EMPTY, toHex } from '../authz/permission-set.js';
import { customRoleRef } from '../authz/roles.js';
import type { createRoleBody, updateRoleBody } from '../contracts/members.js';
import type { Store } from '../data/context.js';
import { transact } from '../data/dynamo.js';
import { auditStep } from '../data/entities/audit.js';
import * as roles from '../data/entities/custom-role.js';
import { listRoleHolders, withActor, type Actor } from '../data/entities/membership.js';
import { compiledRoleStep, removeCompiledRoleStep } from '../data/entities/organization.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { auditEntry } from '../domain/audit.js';
import { InUse, NotFound, StaleVersion, ValidationError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { throwUnlessOk } from '../domain/refusals.js';
import { loadOrganization, requireMainAccount } from './organization.js';

/*
 * Custom roles (SPEC.md 2). The role item holds the definition; the organization item holds
 * its compiled bits (`customRoles`), which is what the authorizer reads. Both change in one
 * transaction with the audit entry, so every holder's next uncached authorization sees the
 * new permissions, and never a half-changed role.
 */
type CustomRole = roles.CustomRole;

/** A role in use is refused naming its holders; this many names are enough to act on. */
const HOLDERS_NAMED = 50;

/** Expands and validates permission names; every unknown name is reported with its index. */
function compileNames(names: string[]) {
  const { permissions, unknown } = expandPermissionNames(names);
  if (unknown.length) {
    throw new ValidationError(`unknown permission${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`, {
      errors: names.flatMap((n, i) => (unknown.includes(n) ? [{ field: `body.permissions.${i}`, message: `unknown permission "${n}"` }] : [])),
      extensions: { unknown },
    });
  }
  return { permissions, set: compile(permissions) };
}

export async function getRole(store: Store, p: Principal, roleId: string): Promise<CustomRole> {
  const role = await roles.getCustomRole(store, p.organizationId, roleId);
  if (!role) throw new NotFound('no such role in this organization');
  return role;
}

export const listRoles = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<CustomRole>> =>
  roles.listCustomRoles(store, p.organizationId, { ...page, boundTo: p.userId });

export type CreateRoleInput = z.infer<typeof createRoleBody>;

export async function createRole(store: Store, p: Actor, body: CreateRoleInput): Promise<CustomRole> {
  requireMainAccount(p, 'custom roles');
  const { permissions, set } = compileNames(body.permissions);
  throwUnlessOk(checkRoleDefinition(p, set), 'body.permissions');
  const now = store.now().toISOString();
  const role: CustomRole = {
    organizationId: p.organizationId,
    roleId: `rol_${ulid()}`,
    name: body.name,
    description: body.description,
    permissions,
    createdAt: now,
    createdBy: p.userId,
    updatedAt: now,
    version: 1,
  };
  await transact(store, withActor(store, p, [
    roles.customRolePutStep(store, role),
    compiledRoleStep(store, p.organizationId, role.roleId, toHex(set), false),
    auditStep(
      store,
      auditEntry(p, { action: 'role.created', targetType: 'role', targetId: role.roleId, before: null, after: { name: role.name, permissions } }),
      now,
    ),
  ]));
  return role;
}

export type UpdateRoleInput = z.infer<typeof updateRoleBody>;

export async function updateRole(store: Store, p: Actor, roleId: string, body: UpdateRoleInput): Promise<CustomRole> {
  requireMainAccount(p, 'custom roles');
  const role = await getRole(store, p, roleId);
  if (role.version !== body.version) {
    throw new StaleVersion('the role changed since it was read', { extensions: { currentVersion: role.version } });
  }
  const before = compile(role.permissions);
  const next = body.permissions ? compileNames(body.permissions) : { permissions: role.permissions, set: before };
  throwUnlessOk(checkRoleDefinition(p, next.set, before), 'body.permissions');
  const now = store.now().toISOString();
  const updated: CustomRole = {
    ...role,
    name: body.name ?? role.name,
    description: body.description ?? role.description,
    permissions: next.permissions,
    updatedAt: now,
    version: role.version + 1,
  };
  await transact(store, withActor(store, p, [
    roles.customRoleUpdateStep(store, role, updated),
    compiledRoleStep(store, p.organizationId, roleId, toHex(next.set), true),
    auditStep(
      store,
      auditEntry(p, {
        action: 'role.updated',
        targetType: 'role',
        targetId: roleId,
        before: { name: role.name, permissions: role.permissions, version: role.version },
        after: { name: updated.name, permissions: updated.permissions, version: updated.version },
      }),
      now,
    ),
  ]));
  return updated;
}

/** DELETE /roles/{roleId}: refused while any member of the organization holds it, naming them. */
export async function deleteRole(store: Store, p: Actor, roleId: string, version: number | undefined): Promise<void> {
  requireMainAccount(p, 'custom roles');
  const role = await getRole(store, p, roleId);
  if (version !== undefined && role.version !== version) {
    throw new StaleVersion('the role changed since it was read', { extensions: { currentVersion: role.version } });
  }
  throwUnlessOk(checkRoleDefinition(p, EMPTY, compile(role.permissions)), 'path.roleId');
  // Read the organization before the holders: an assignment after this read bumps its
  // version, which makes the delete below fail rather than strand a member on a deleted role.
  const org = await loadOrganization(store, p.organizationId);
  const holders = await listRoleHolders(store, p.organizationId, customRoleRef(roleId), HOLDERS_NAMED);
  if (holders.length) {
    throw new InUse(`the role is assigned to: ${holders.map((h) => h.email || h.userId).join(', ')}`, {
      extensions: { members: holders.map((h) => ({ userId: h.userId, email: h.email, accountId: h.accountId })) },
    });
  }
  await transact(store, withActor(store, p, [
    roles.customRoleDeleteStep(store, role),
    removeCompiledRoleStep(store, org, roleId),
    auditStep(
      store,
      auditEntry(p, {
        action: 'role.deleted',
        targetType: 'role',
        targetId: roleId,
        before: { name: role.name, permissions: role.permissions, version: role.version },
        after: null,
      }),
      store.now().toISOString(),
    ),
  ]));
}
