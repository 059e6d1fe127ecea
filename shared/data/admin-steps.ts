import type { RoleToAssign } from '../authz/assignment.js';
import type { OrganizationState } from '../authz/plans.js';
import { fromHex } from '../authz/permission-set.js';
import { customRoleIdOf } from '../authz/roles.js';
import { Conflict, LastOwner, NotFound, StaleVersion, ValidationError } from '../domain/errors.js';
import type { Principal } from '../authz/engine.js';
import { parseAccountId } from '../domain/ids.js';
import type { Store } from './context.js';
import { getOrganization } from './organization-repository.js';
import { adminKeys, keys } from './keys.js';
import type { MembershipItem, OrganizationItem } from './items.js';
import type { TxStep } from './transact.js';

/*
 * Transaction steps shared by the administration use cases (issue 4): the guards that make
 * a role change safe against concurrent changes of the organization, the account, or the
 * other Owners.
 */

export const orgState = (org: OrganizationItem): OrganizationState => ({ plan: org.plan, features: org.features ?? [] });

/** A role reference with the custom role's compiled permissions from the organization item. */
export function roleToAssign(role: string, org: OrganizationItem): RoleToAssign {
  const id = customRoleIdOf(role);
  const roles = org.customRoles ?? {};
  return { role, customPermissions: id !== undefined && Object.hasOwn(roles, id) ? fromHex(roles[id]!) : undefined };
}

/**
 * Assigning a custom role or Backoffice depends on the organization as read: the role must
 * still exist, the plan and features must still allow Backoffice. The step bumps the
 * organization's version on the version read, so a concurrent plan downgrade, feature
 * deactivation or role deletion (each conditioned on that version) and this assignment
 * cannot both succeed. Built-in roles other than Backoffice depend on nothing.
 */
export function organizationGuardStep(table: string, org: OrganizationItem, role: string): TxStep | undefined {
  const id = customRoleIdOf(role);
  if (id === undefined && role !== 'backoffice') return undefined;
  return {
    item: {
      Update: {
        TableName: table,
        Key: keys.organization(org.organizationId),
        UpdateExpression: 'SET #version = #version + :one',
        ConditionExpression:
          id === undefined ? '#version = :v' : '#version = :v AND attribute_exists(customRoles.#role)',
        ExpressionAttributeNames: { '#version': 'version', ...(id === undefined ? {} : { '#role': id }) },
        ExpressionAttributeValues: { ':v': org.version, ':one': 1 },
      },
    },
    onConditionFailed: () => new Conflict('the organization changed meanwhile (plan, features or roles); read again and retry'),
  };
}

/** SPEC 7.2: the other Owner this change relies on must still be an Owner when it commits. */
export function otherOwnerStep(table: string, other: MembershipItem): TxStep {
  return {
    item: {
      ConditionCheck: {
        TableName: table,
        Key: keys.membership(other.accountId, other.userId),
        ConditionExpression: '#role = :owner',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':owner': 'owner' },
      },
    },
    onConditionFailed: () => new LastOwner('the last Owner cannot be removed or demoted', { extensions: { reason: 'last-owner' } }),
  };
}

/** The account must exist in this organization and be active. */
export function activeAccountStep(table: string, organizationId: string, accountId: string): TxStep {
  return {
    item: {
      ConditionCheck: {
        TableName: table,
        Key: keys.account(accountId),
        ConditionExpression: 'organizationId = :org AND #status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':org': organizationId, ':active': 'active' },
      },
    },
    onConditionFailed: () => new Conflict('the account does not exist or is archived'),
  };
}

/** A membership's role change, on the version read; gsi4 follows the role. */
export function membershipRoleStep(table: string, m: MembershipItem, role: string, expectedVersion: number): TxStep {
  const holder = adminKeys.roleHolder(m.organizationId, role, m.accountId, m.userId);
  return {
    item: {
      Update: {
        TableName: table,
        Key: keys.membership(m.accountId, m.userId),
        UpdateExpression: 'SET #role = :role, gsi4pk = :g4pk, gsi4sk = :g4sk, #version = #version + :one',
        ConditionExpression: '#version = :v',
        ExpressionAttributeNames: { '#role': 'role', '#version': 'version' },
        ExpressionAttributeValues: { ':role': role, ':g4pk': holder.gsi4pk, ':g4sk': holder.gsi4sk, ':v': expectedVersion, ':one': 1 },
      },
    },
    onConditionFailed: () => new StaleVersion('the member changed since it was read', { extensions: { currentVersion: m.version } }),
  };
}

/** A new membership; one per (account, user). */
export function membershipPutStep(table: string, m: MembershipItem): TxStep {
  return {
    item: { Put: { TableName: table, Item: m, ConditionExpression: 'attribute_not_exists(pk)' } },
    onConditionFailed: () => new Conflict('the user is already a member of this account'),
  };
}

export const notFound = (what: string) => new NotFound(`${what} does not exist`);

/** The organization of the principal; its absence means the data is broken, so 404. */
export async function loadOrganization(store: Store, organizationId: string): Promise<OrganizationItem> {
  const org = await getOrganization(store.db, store.table, organizationId);
  if (!org) throw new NotFound('the organization does not exist');
  return org;
}

/**
 * Organization-wide things (sub-accounts, grants, roles, plan, billing, audit) are managed
 * from the main account's path; a sub-account path gets a 400 naming the main account.
 */
export function requireMainAccount(p: Principal, what: string): string {
  const ref = parseAccountId(p.accountId);
  if (!ref || ref.isSubAccount) {
    throw new ValidationError(`${what} belong to the main account`, {
      errors: [{ field: 'path.accountId', message: `use the main account ${ref?.mainAccountId ?? ''}`.trim() }],
    });
  }
  return ref.mainAccountId;
}
