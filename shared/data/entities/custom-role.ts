import * as z from 'zod/mini';
import { NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';
import { onVersion, putNewStep, staleOr } from './guards.js';

/*
 * A custom role's definition: name, description, expanded permission names. Its compiled
 * bits live on the organization item (compiledRoleStep), which is what the authorizer
 * reads; both change in one transaction.
 *
 *   table  pk ORG#<org>   sk ROLE#<roleId>
 */
export const customRoleSchema = z.object({
  organizationId: z.string(),
  roleId: z.string(),
  name: z.string(),
  /** Null once a role was updated without one. */
  description: z.optional(z.nullable(z.string())),
  /** Expanded catalogue permission names. */
  permissions: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type CustomRole = z.infer<typeof customRoleSchema>;

const partition = (organizationId: string) => `ORG#${seg(organizationId)}`;
const roleKey = (organizationId: string, roleId: string) => ({ pk: partition(organizationId), sk: `ROLE#${seg(roleId)}` });

export const customRoleEntity = defineEntity({
  type: 'custom-role',
  schema: customRoleSchema,
  key: (r) => roleKey(r.organizationId, r.roleId),
});

const roleGone = () => new NotFound('no such role in this organization');

// Pattern "custom role by id": GetItem, strongly consistent.
export const getCustomRole = async (store: Store, organizationId: string, roleId: string): Promise<CustomRole | undefined> =>
  parseOptional(customRoleEntity, await getItem(store, roleKey(organizationId, roleId), true));

// Pattern "custom roles of an organization": `ROLE#` in the organization partition.
export const listCustomRoles = (store: Store, organizationId: string, page: PageRequest): Promise<Page<CustomRole>> =>
  queryPage(store, { partition: partition(organizationId), sort: { prefix: 'ROLE#' } }, customRoleEntity.parse, page);

/** A new role. */
export const customRolePutStep = (store: Store, r: CustomRole): TxStep => putNewStep(store, customRoleEntity.item(r));

/** A role's new definition, on the version read. */
export function customRoleUpdateStep(store: Store, before: CustomRole, after: CustomRole): TxStep {
  const guard = onVersion(before.version);
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: customRoleEntity.key(before),
        UpdateExpression: 'SET #name = :name, description = :description, #permissions = :permissions, updatedAt = :at, #version = #version + :one',
        ...guard,
        ExpressionAttributeNames: { '#name': 'name', '#permissions': 'permissions', ...guard.ExpressionAttributeNames },
        ExpressionAttributeValues: {
          ':name': after.name,
          ':description': after.description ?? null,
          ':permissions': after.permissions,
          ':at': after.updatedAt,
          ':one': 1,
          ...guard.ExpressionAttributeValues,
        },
      },
    },
    onConditionFailed: staleOr('the role', roleGone),
  };
}

/** Deletes a role, on the version read. */
export const customRoleDeleteStep = (store: Store, r: CustomRole): TxStep => ({
  item: { Delete: { TableName: store.table, Key: customRoleEntity.key(r), ...onVersion(r.version) } },
  onConditionFailed: staleOr('the role', roleGone),
});
