import { auditEntry } from '#shared/domain/audit.js';
import type { Principal } from '#shared/authz/engine.js';
import { checkBackofficeAvailable, checkRoleAssignment } from '#shared/authz/assignment.js';
import { customRoleIdOf } from '#shared/authz/roles.js';
import type { Caller } from '#shared/http/api.js';
import { parseAccountId } from '#shared/domain/ids.js';
import { Conflict, Forbidden, NotFound } from '#shared/domain/errors.js';
import { throwUnlessOk } from '#shared/domain/refusals.js';
import {
  acceptOutcome,
  invitationExpiresAt,
  newInvitationId,
  normalizeEmail,
  parseInvitationId,
} from '#shared/domain/invitations.js';
import type { Store } from '#shared/data/context.js';
import { adminKeys } from '#shared/data/keys.js';
import { invitationItem, membershipItem, type InvitationItem, type MembershipItem } from '#shared/data/items.js';
import { getAccount } from '#shared/data/organization-repository.js';
import { getMembership, userProfileStep } from '#shared/data/member-repository.js';
import { getInvitation, listInvitations as queryInvitations } from '#shared/data/invitation-repository.js';
import { activeAccountStep, loadOrganization, membershipPutStep, organizationGuardStep, orgState, roleToAssign } from '#shared/data/admin-steps.js';
import { auditStep, transact, type TxStep } from '#shared/data/transact.js';
import type { PageRequest } from '#shared/data/query.js';
import { assertNotInOrganization } from './members.js';

/*
 * Invitations (issue 4; SPEC.md 2.4, 3.4): an Owner (or any holder of users.invite) invites
 * an e-mail address with a role into the main account or one sub-account; the invitee
 * accepts with a token whose verified e-mail is the invited one. Acceptance is idempotent.
 */

export function listInvitations(store: Store, p: Principal, page: PageRequest) {
  const ref = parseAccountId(p.accountId)!;
  // The main account sees the organization's invitations, a sub-account only its own.
  return queryInvitations(store.db, store.table, p.organizationId, ref.isSubAccount ? p.accountId : undefined, page);
}

export async function createInvitation(
  store: Store,
  p: Principal,
  body: { email: string; role: string; subAccountId?: string | undefined },
): Promise<InvitationItem> {
  const here = parseAccountId(p.accountId)!;
  let target = p.accountId;
  if (body.subAccountId !== undefined && body.subAccountId !== p.accountId) {
    // From a sub-account one invites only into that sub-account (SPEC 3.4).
    if (here.isSubAccount) {
      throw new Forbidden('from a sub-account you can invite only into that sub-account', {
        extensions: { reason: 'other-account' },
      });
    }
    const ref = parseAccountId(body.subAccountId);
    if (!ref || ref.mainAccountId !== p.accountId) throw new NotFound('no such sub-account in this organization');
    target = body.subAccountId;
  }
  const account = await getAccount(store.db, store.table, target);
  if (!account || account.organizationId !== p.organizationId) throw new NotFound('no such sub-account in this organization');
  if (account.status !== 'active') throw new Conflict('the account is archived', { extensions: { reason: 'archived' } });
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkRoleAssignment(p, roleToAssign(body.role, org), account.kind, orgState(org)));

  const now = store.now();
  const invitation = invitationItem({
    invitationId: newInvitationId(target),
    organizationId: p.organizationId,
    accountId: target,
    email: normalizeEmail(body.email),
    role: body.role,
    status: 'pending',
    invitedBy: p.userId,
    createdAt: now.toISOString(),
    expiresAt: invitationExpiresAt(now.getTime()),
    version: 1,
  });
  const steps: TxStep[] = [
    { item: { Put: { TableName: store.table, Item: invitation, ConditionExpression: 'attribute_not_exists(pk)' } } },
    activeAccountStep(store.table, p.organizationId, target),
  ];
  const guard = organizationGuardStep(store.table, org, body.role);
  if (guard) steps.push(guard);
  steps.push(
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'invitation.created',
        targetType: 'invitation',
        targetId: invitation.invitationId,
        before: null,
        after: { email: invitation.email, role: invitation.role, accountId: target },
      }),
      invitation.createdAt,
    ),
  );
  await transact(store.db, steps);
  return invitation;
}

export async function acceptInvitation(
  store: Store,
  caller: Caller,
  invitationId: string,
): Promise<{ invitation: InvitationItem; member: MembershipItem }> {
  const ref = parseInvitationId(invitationId);
  const invitation = ref && (await getInvitation(store.db, store.table, ref));
  if (!ref || !invitation) throw new NotFound('no such invitation');
  const now = store.now();
  const outcome = acceptOutcome(invitation, caller, now.getTime());
  if (outcome.kind === 'refused') {
    const ext = { extensions: { reason: outcome.reason } };
    throw outcome.status === 403 ? new Forbidden(outcome.detail, ext) : new Conflict(outcome.detail, ext);
  }
  if (outcome.kind === 'already-accepted') return repeated(store, invitation);

  await assertNotInOrganization(store, caller.userId, invitation.organizationId);
  const org = await loadOrganization(store, invitation.organizationId);
  if (customRoleIdOf(invitation.role) !== undefined && !roleToAssign(invitation.role, org).customPermissions) {
    throw new Conflict('the role of this invitation no longer exists', { extensions: { reason: 'role-deleted' } });
  }
  if (invitation.role === 'backoffice') throwUnlessOk(checkBackofficeAvailable(orgState(org)));

  const at = now.toISOString();
  const member = membershipItem({
    accountId: invitation.accountId,
    organizationId: invitation.organizationId,
    userId: caller.userId,
    email: invitation.email,
    role: invitation.role,
    createdAt: at,
    version: 1,
  });
  const accepted: InvitationItem = { ...invitation, status: 'accepted', acceptedBy: caller.userId, acceptedAt: at, version: invitation.version + 1 };
  const steps: TxStep[] = [
    {
      item: {
        Update: {
          TableName: store.table,
          Key: adminKeys.invitation(invitation.organizationId, invitation.accountId, invitation.invitationId),
          UpdateExpression: 'SET #status = :accepted, acceptedBy = :user, acceptedAt = :at, #version = #version + :one',
          ConditionExpression: '#status = :pending AND #version = :v',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':accepted': 'accepted',
            ':pending': 'pending',
            ':user': caller.userId,
            ':at': at,
            ':v': invitation.version,
            ':one': 1,
          },
        },
      },
      onConditionFailed: () => new Conflict('the invitation changed meanwhile', { extensions: { reason: 'not-pending' } }),
    },
    membershipPutStep(store.table, member),
    activeAccountStep(store.table, invitation.organizationId, invitation.accountId),
    // The profile lets an Owner later add this user by id; the token's e-mail is verified here.
    userProfileStep(store.table, caller.userId, invitation.email, at),
  ];
  const guard = organizationGuardStep(store.table, org, invitation.role);
  if (guard) steps.push(guard);
  steps.push(
    auditStep(
      store.table,
      {
        organizationId: invitation.organizationId,
        accountId: invitation.accountId,
        actorId: caller.userId,
        action: 'invitation.accepted',
        targetType: 'invitation',
        targetId: invitation.invitationId,
        before: { status: 'pending' },
        after: { status: 'accepted', userId: caller.userId, role: invitation.role, accountId: invitation.accountId },
      },
      at,
    ),
  );
  try {
    await transact(store.db, steps);
  } catch (e) {
    // A retry racing the first attempt: if that one committed for this caller, answer like it.
    const again = await getInvitation(store.db, store.table, ref);
    if (again?.status === 'accepted' && again.acceptedBy === caller.userId) return repeated(store, again);
    throw e;
  }
  return { invitation: accepted, member };
}

async function repeated(store: Store, invitation: InvitationItem) {
  const member = await getMembership(store.db, store.table, invitation.accountId, invitation.acceptedBy!);
  if (!member) throw new Conflict('the membership from this invitation has since been removed', { extensions: { reason: 'removed' } });
  return { invitation, member };
}
