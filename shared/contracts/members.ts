import * as z from 'zod';
import type { RouteContract } from './types.js';
import {
  accountId,
  accountPath,
  invitationId,
  pageOf,
  pageQuery,
  roleId,
  roleRef,
  subAccountId,
  userId,
  version,
} from './admin-common.js';
import { safeText, singleLine, versionQueryOf } from './text.js';

/* Contracts of the members function: members, grants, invitations, custom roles. */

export const memberResponse = z.object({
  userId: z.string(),
  email: z.string(),
  accountId: z.string(),
  organizationId: z.string(),
  role: z.string(),
  /** Sub-accounts this main-account member was given access to (SPEC 3.3). */
  grants: z.array(z.string()),
  createdAt: z.string(),
  version: z.number().int(),
}).meta({ id: 'Member' });

export const grantResponse = z.object({
  userId: z.string(),
  mainAccountId: z.string(),
  subAccountId: z.string(),
  grantedBy: z.string(),
  grantedAt: z.string(),
}).meta({ id: 'Grant' });

export const invitationResponse = z.object({
  invitationId: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  email: z.string(),
  role: z.string(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  acceptedBy: z.string().nullable(),
  acceptedAt: z.string().nullable(),
}).meta({ id: 'Invitation' });

export const roleResponse = z.object({
  roleId: z.string(),
  /** What a membership or invitation names this role by. */
  ref: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  permissions: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
}).meta({ id: 'Role' });

export const memberPath = z.object({ accountId, userId });
export const grantPath = z.object({ accountId, userId, subAccountId });
export const rolePath = z.object({ accountId, roleId });
export const versionQuery = z.object({ version: versionQueryOf().optional() });

const roleName = singleLine(100);
const description = safeText(z.string().trim().max(500), 'multi');
/** Permission names, actions (`documents.view`) or area wildcards (`integrations.*`). */
const permissionNames = z.array(safeText(z.string().min(1).max(100), 'single')).min(1).max(200);

export const updateMemberBody = z.object({ role: roleRef, version }).strict().meta({ id: 'UpdateMember' });
/** SPEC 2.4: a member's role changed by their e-mail address, as by their id. */
export const updateMemberByEmailBody = z
  .object({ email: z.email().max(320), role: roleRef, version })
  .strict()
  .meta({ id: 'UpdateMemberByEmail' });
/** The whole set of sub-accounts a main-account member is to reach (SPEC 3.3), on the member's version. */
export const replaceGrantsBody = z
  .object({ subAccountIds: z.array(subAccountId).max(100), version })
  .strict()
  .meta({ id: 'ReplaceGrants' });
export const createInvitationBody = z
  .object({ email: z.email().max(320), role: roleRef, subAccountId: subAccountId.optional() })
  .strict()
  .meta({ id: 'CreateInvitation' });
export const createRoleBody = z
  .object({ name: roleName, description: description.optional(), permissions: permissionNames })
  .strict()
  .meta({ id: 'CreateRole' });
export const updateRoleBody = z
  .object({ name: roleName.optional(), description: description.optional(), permissions: permissionNames.optional(), version })
  .strict()
  .refine((b) => b.name !== undefined || b.description !== undefined || b.permissions !== undefined, {
    message: 'name, description or permissions is required',
    path: ['name'],
  })
  .meta({ id: 'UpdateRole' });

export const membersContracts = {
  listMembers: { path: accountPath, query: pageQuery, response: pageOf(memberResponse) },
  getMember: { path: memberPath, response: memberResponse },
  updateMember: { path: memberPath, body: updateMemberBody, response: memberResponse },
  updateMemberByEmail: { path: accountPath, body: updateMemberByEmailBody, response: memberResponse },
  removeMember: { path: memberPath, query: versionQuery, status: 204 },
  grantSubAccount: { path: grantPath, response: grantResponse },
  revokeSubAccount: { path: grantPath, status: 204 },
  replaceGrants: { path: memberPath, body: replaceGrantsBody, response: memberResponse },
  listInvitations: { path: accountPath, query: pageQuery, response: pageOf(invitationResponse) },
  createInvitation: { path: accountPath, body: createInvitationBody, response: invitationResponse, status: 201 },
  revokeInvitation: { path: z.object({ accountId, invitationId }), status: 204 },
  acceptInvitation: {
    path: z.object({ invitationId }),
    response: z.object({ invitation: invitationResponse, member: memberResponse }).meta({ id: 'AcceptedInvitation' }),
  },
  listRoles: { path: accountPath, query: pageQuery, response: pageOf(roleResponse) },
  createRole: { path: accountPath, body: createRoleBody, response: roleResponse, status: 201 },
  getRole: { path: rolePath, response: roleResponse },
  updateRole: { path: rolePath, body: updateRoleBody, response: roleResponse },
  deleteRole: { path: rolePath, query: versionQuery, status: 204 },
} satisfies Record<string, RouteContract>;
