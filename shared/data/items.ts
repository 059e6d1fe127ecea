import type { Feature, Plan } from '../authz/plans.js';
import { keys } from './keys.js';

/*
 * The stored shape of each entity. Builders here are the only place that sets key
 * attributes, so an item can never be written with keys that disagree with keys.ts.
 */

export interface OrganizationItem {
  pk: string;
  sk: string;
  type: 'organization';
  organizationId: string;
  name: string;
  plan: Plan;
  features: Feature[];
  /** Compiled custom roles (role id -> permission set hex), read by the authorizer. */
  customRoles: Record<string, string>;
  createdAt: string;
  createdBy: string;
  version: number;
}

export interface AccountItem {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  type: 'account';
  accountId: string;
  organizationId: string;
  kind: 'main' | 'sub';
  name: string;
  externalId?: string | undefined;
  status: 'active' | 'archived';
  createdAt: string;
  version: number;
}

export interface MembershipItem {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  type: 'membership';
  accountId: string;
  organizationId: string;
  userId: string;
  email: string;
  /** A built-in role name or `custom:<roleId>`. */
  role: string;
  createdAt: string;
  version: number;
}

export interface GrantItem {
  pk: string;
  sk: string;
  type: 'grant';
  organizationId: string;
  mainAccountId: string;
  subAccountId: string;
  userId: string;
  grantedBy: string;
  grantedAt: string;
}

export interface UserItem {
  pk: string;
  sk: string;
  type: 'user';
  userId: string;
  email: string;
  name?: string | undefined;
  updatedAt: string;
}

export const organizationItem = (
  o: Omit<OrganizationItem, 'pk' | 'sk' | 'type'>,
): OrganizationItem => ({ ...keys.organization(o.organizationId), type: 'organization', ...o });

export const accountItem = (a: Omit<AccountItem, 'pk' | 'sk' | 'gsi1pk' | 'gsi1sk' | 'type'>): AccountItem => ({
  ...keys.account(a.accountId),
  ...keys.accountInOrganization(a.organizationId, a.accountId),
  type: 'account',
  ...a,
});

export const membershipItem = (
  m: Omit<MembershipItem, 'pk' | 'sk' | 'gsi1pk' | 'gsi1sk' | 'type'>,
): MembershipItem => ({
  ...keys.membership(m.accountId, m.userId),
  ...keys.membershipOfUser(m.userId, m.accountId),
  type: 'membership',
  ...m,
});

export const grantItem = (g: Omit<GrantItem, 'pk' | 'sk' | 'type'>): GrantItem => ({
  ...keys.grant(g.mainAccountId, g.userId, g.subAccountId),
  type: 'grant',
  ...g,
});

export const userItem = (u: Omit<UserItem, 'pk' | 'sk' | 'type'>): UserItem => ({
  ...keys.user(u.userId),
  type: 'user',
  ...u,
});
