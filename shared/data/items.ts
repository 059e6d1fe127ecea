import type { Feature, Plan } from '../authz/plans.js';
import { adminKeys, keys } from './keys.js';

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
  /** Issue 4: gsi4 "holders of a role across an organization", set by the builder. */
  gsi4pk?: string;
  gsi4sk?: string;
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
  ...adminKeys.roleHolder(m.organizationId, m.role, m.accountId, m.userId),
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

// ---------------------------------------------------------------------------------------
// Issue 4 (organization administration): custom roles, external-id guards, sign-up guards,
// invitations and audit entries.
// ---------------------------------------------------------------------------------------

/** A custom role's definition; its compiled bits are on the organization item (`customRoles`). */
export interface CustomRoleItem {
  pk: string;
  sk: string;
  type: 'custom-role';
  organizationId: string;
  roleId: string;
  name: string;
  description?: string | undefined;
  /** Expanded catalogue permission names. */
  permissions: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  version: number;
}

/** Makes a sub-account's external identifier unique within its organization. */
export interface ExternalIdItem {
  pk: string;
  sk: string;
  type: 'external-id';
  organizationId: string;
  externalId: string;
  accountId: string;
}

/** The organization a user signed up, so a retried sign-up never creates a second one. */
export interface SignUpItem {
  pk: string;
  sk: string;
  type: 'sign-up';
  userId: string;
  organizationId: string;
  idempotencyKey?: string | undefined;
  createdAt: string;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked';

export interface InvitationItem {
  pk: string;
  sk: string;
  type: 'invitation';
  invitationId: string;
  organizationId: string;
  /** The account the invitee will belong to: the main account or one sub-account. */
  accountId: string;
  email: string;
  role: string;
  status: InvitationStatus;
  invitedBy: string;
  createdAt: string;
  /** TTL, epoch seconds: DynamoDB deletes the item some time after; reads check it too. */
  expiresAt: number;
  acceptedBy?: string | undefined;
  acceptedAt?: string | undefined;
  version: number;
}

export interface AuditItem {
  pk: string;
  sk: string;
  gsi2pk: string;
  gsi2sk: string;
  gsi4pk: string;
  gsi4sk: string;
  type: 'audit';
  auditId: string;
  organizationId: string;
  /** The account whose path the change came through. */
  accountId: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  at: string;
}

export const customRoleItem = (r: Omit<CustomRoleItem, 'pk' | 'sk' | 'type'>): CustomRoleItem => ({
  ...keys.customRole(r.organizationId, r.roleId),
  type: 'custom-role',
  ...r,
});

export const externalIdItem = (e: Omit<ExternalIdItem, 'pk' | 'sk' | 'type'>): ExternalIdItem => ({
  ...keys.externalId(e.organizationId, e.externalId),
  type: 'external-id',
  ...e,
});

export const signUpItem = (s: Omit<SignUpItem, 'pk' | 'sk' | 'type'>): SignUpItem => ({
  ...adminKeys.signUp(s.userId),
  type: 'sign-up',
  ...s,
});

export const invitationItem = (i: Omit<InvitationItem, 'pk' | 'sk' | 'type'>): InvitationItem => ({
  ...adminKeys.invitation(i.organizationId, i.accountId, i.invitationId),
  type: 'invitation',
  ...i,
});

export const auditItem = (
  a: Omit<AuditItem, 'pk' | 'sk' | 'gsi2pk' | 'gsi2sk' | 'gsi4pk' | 'gsi4sk' | 'type'>,
): AuditItem => ({
  ...adminKeys.audit(a.organizationId, a.auditId),
  ...adminKeys.auditByActor(a.organizationId, a.actorId, a.auditId),
  ...adminKeys.auditByTarget(a.organizationId, a.targetId, a.auditId),
  type: 'audit',
  ...a,
});
