import type { CustomRoleItem, GrantItem, InvitationItem, MembershipItem } from '#shared/data/items.js';
import { customRoleRef } from '#shared/authz/roles.js';
import { isExpired } from '#shared/domain/invitations.js';

/* Stored items as the API shows them (shared/contracts/members.ts). */

export const memberView = (m: MembershipItem, grants: GrantItem[] = []) => ({
  userId: m.userId,
  email: m.email,
  accountId: m.accountId,
  organizationId: m.organizationId,
  role: m.role,
  grants: grants.map((g) => g.subAccountId),
  createdAt: m.createdAt,
  version: m.version,
});

export const grantView = (g: GrantItem) => ({
  userId: g.userId,
  mainAccountId: g.mainAccountId,
  subAccountId: g.subAccountId,
  grantedBy: g.grantedBy,
  grantedAt: g.grantedAt,
});

/** A pending invitation past its expiry shows as expired until TTL deletion removes it. */
export const invitationView = (i: InvitationItem, nowMs: number = Date.now()) => ({
  invitationId: i.invitationId,
  organizationId: i.organizationId,
  accountId: i.accountId,
  email: i.email,
  role: i.role,
  status: i.status === 'pending' && isExpired(i.expiresAt, nowMs) ? ('expired' as const) : i.status,
  invitedBy: i.invitedBy,
  createdAt: i.createdAt,
  expiresAt: new Date(i.expiresAt * 1000).toISOString(),
  acceptedBy: i.acceptedBy ?? null,
  acceptedAt: i.acceptedAt ?? null,
});

export const roleView = (r: CustomRoleItem) => ({
  roleId: r.roleId,
  ref: customRoleRef(r.roleId),
  name: r.name,
  description: r.description ?? null,
  permissions: r.permissions,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  version: r.version,
});
