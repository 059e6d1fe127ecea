import * as z from 'zod/mini';
import { FEATURES, PLANS, type Feature, type Plan } from '../../authz/plans.js';
import { customRoleIdOf, MAX_CUSTOM_ROLES } from '../../authz/roles.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { putNewStep } from './guards.js';

/*
 * An organization: its plan, its active features and its custom roles compiled to
 * permission bitsets (role id -> hex), which is what lets the authorizer resolve a custom
 * role from the same single read. Its `version` moves on every plan, feature and
 * custom-role change and on every assignment that depends on them (organizationGuardStep),
 * so those changes cannot interleave.
 *
 *   table  pk ORG#<org>   sk ORG
 */
export const organizationSchema = z.object({
  organizationId: z.string(),
  name: z.string(),
  plan: z.enum(PLANS),
  features: z._default(z.array(z.enum(FEATURES)), []),
  /** Compiled custom roles (role id -> permission set hex), read by the authorizer. */
  customRoles: z._default(z.record(z.string(), z.string()), {}),
  createdAt: z.string(),
  createdBy: z.string(),
  version: z.number(),
});
export type Organization = z.infer<typeof organizationSchema>;

export const organizationKey = (organizationId: string) => ({ pk: `ORG#${seg(organizationId)}`, sk: 'ORG' });

export const organizationEntity = defineEntity({
  type: 'organization',
  schema: organizationSchema,
  key: (o) => organizationKey(o.organizationId),
});

const changedMeanwhile = (what: string) => () => new Conflict(`the organization changed meanwhile (${what}); read again and retry`);

// Pattern "organization by id": GetItem, strongly consistent (plan, features, roles and version are decided on).
export const getOrganization = async (store: Store, organizationId: string): Promise<Organization | undefined> =>
  parseOptional(organizationEntity, await getItem(store, organizationKey(organizationId), true));

/** A new organization (sign-up). */
export const organizationPutStep = (store: Store, o: Organization): TxStep => putNewStep(store, organizationEntity.item(o));

/** The organization must exist when a change that belongs to it commits. */
export const organizationExistsStep = (store: Store, organizationId: string): TxStep => ({
  item: { ConditionCheck: { TableName: store.table, Key: organizationKey(organizationId), ConditionExpression: 'attribute_exists(pk)' } },
  onConditionFailed: () => new NotFound('the organization does not exist'),
});

/** Plan and features, on the version read. */
export const organizationPlanStep = (store: Store, o: Organization, set: { plan?: Plan; features?: Feature[] }): TxStep => ({
  item: {
    Update: {
      TableName: store.table,
      Key: organizationKey(o.organizationId),
      UpdateExpression: 'SET #plan = :plan, features = :features, #version = #version + :one',
      ConditionExpression: '#version = :v',
      ExpressionAttributeNames: { '#plan': 'plan', '#version': 'version' },
      ExpressionAttributeValues: { ':plan': set.plan ?? o.plan, ':features': set.features ?? o.features, ':v': o.version, ':one': 1 },
    },
  },
  onConditionFailed: changedMeanwhile('plan, features, roles or a Backoffice assignment'),
});

/**
 * Assigning a custom role or Backoffice depends on the organization as read: the role must
 * still exist, the plan and features must still allow Backoffice. The step bumps the
 * organization's version on the version read, so a concurrent plan downgrade, feature
 * deactivation or role deletion (each conditioned on that version) and this assignment
 * cannot both succeed. Built-in roles other than Backoffice depend on nothing.
 */
export function organizationGuardStep(store: Store, o: Organization, role: string): TxStep | undefined {
  const id = customRoleIdOf(role);
  if (id === undefined && role !== 'backoffice') return undefined;
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: organizationKey(o.organizationId),
        UpdateExpression: 'SET #version = #version + :one',
        ConditionExpression: id === undefined ? '#version = :v' : '#version = :v AND attribute_exists(customRoles.#role)',
        ExpressionAttributeNames: { '#version': 'version', ...(id === undefined ? {} : { '#role': id }) },
        ExpressionAttributeValues: { ':v': o.version, ':one': 1 },
      },
    },
    onConditionFailed: changedMeanwhile('plan, features or roles'),
  };
}

/**
 * A custom role's compiled bits on the organization. A new role is refused in the same
 * write once the organization has as many as it may, so concurrent creations cannot
 * overshoot the cap; a changed role must still be there.
 */
export const compiledRoleStep = (store: Store, organizationId: string, roleId: string, hex: string, mustExist: boolean): TxStep => ({
  item: {
    Update: {
      TableName: store.table,
      Key: organizationKey(organizationId),
      UpdateExpression: 'SET customRoles.#role = :hex, #version = #version + :one',
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

/** A deleted role's bits leave the organization, on the version read before its holders were checked. */
export const removeCompiledRoleStep = (store: Store, o: Organization, roleId: string): TxStep => ({
  item: {
    Update: {
      TableName: store.table,
      Key: organizationKey(o.organizationId),
      UpdateExpression: 'REMOVE customRoles.#role SET #version = #version + :one',
      ConditionExpression: '#version = :v',
      ExpressionAttributeNames: { '#role': roleId, '#version': 'version' },
      ExpressionAttributeValues: { ':v': o.version, ':one': 1 },
    },
  },
  onConditionFailed: changedMeanwhile('a role may have been assigned'),
});
