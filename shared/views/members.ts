import type * as z from 'zod';
import { customRoleRef } from '../authz/roles.js';
import type { grantResponse, invitationResponse, memberResponse, roleResponse } from '../contracts/members.js';
import type { CustomRole } from '../data/entities/custom-role.js';
import type { Grant } from '../data/entities/grant.js';
import type { Invitation } from '../data/entities/invitation.js';
import type { MemberWithGrants, Membership } from '../data/entities/membership.js';
import { isExpired } from '../domain/invitations.js';

/* Members, grants, invitations and custom roles as the API shows them: typed by the contract. */

export const memberView = ({ membership: m, grants }: MemberWithGrants): z.output<typeof memberResponse> => ({
  userId: m.userId,
  email: m.email,
  accountId: m.accountId,
  organizationId: m.organizationId,
  role: m.role,
  grants: grants.map((g) => g.subAccountId),
  createdAt: m.createdAt,
  version: m.version,
});

/** A membership just made: it has no grants yet. */
export const newMemberView = (m: Membership): z.output<typeof memberResponse> => memberView({ membership: m, grants: [] });

export const grantView = (g: Grant): z.output<typeof grantResponse> => ({
  userId: g.userId,
  mainAccountId: g.mainAccountId,
  subAccountId: g.subAccountId,
  grantedBy: g.grantedBy,
  grantedAt: g.grantedAt,
});

/** A pending invitation past its expiry shows as expired until TTL deletion removes it. */
export const invitationView = (i: Invitation, nowMs: number = Date.now()): z.output<typeof invitationResponse> => ({
  invitationId: i.invitationId,
  organizationId: i.organizationId,
  accountId: i.accountId,
  email: i.email,
  role: i.role,
  status: i.status === 'pending' && isExpired(i.expiresAt, nowMs) ? 'expired' : i.status,
  invitedBy: i.invitedBy,
  createdAt: i.createdAt,
  expiresAt: new Date(i.expiresAt * 1000).toISOString(),
  acceptedBy: i.acceptedBy ?? null,
  acceptedAt: i.acceptedAt ?? null,
});

export const roleView = (r: CustomRole): z.output<typeof roleResponse> => ({
  roleId: r.roleId,
  ref: customRoleRef(r.roleId),
  name: r.name,
  description: r.description ?? null,
  permissions: r.permissions,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  version: r.version,
});
