import type * as z from 'zod';
import { checkBackofficeAvailable, checkMemberChange, checkRoleAssignment } from '../authz/assignment.js';
import type { Principal } from '../authz/engine.js';
import { customRoleIdOf } from '../authz/roles.js';
import type { createInvitationBody } from '../contracts/members.js';
import type { Store } from '../data/context.js';
import { retryLostRaces, transact, type TxStep } from '../data/dynamo.js';
import { activeAccountStep, getAccount } from '../data/entities/account.js';
import { auditStep } from '../data/entities/audit.js';
import { currentOn } from '../data/entities/guards.js';
import * as invitations from '../data/entities/invitation.js';
import { getMembership, withActor, type Actor, type Membership } from '../data/entities/membership.js';
import { userProfileStep } from '../data/entities/user.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { Conflict, Forbidden, NotFound } from '../domain/errors.js';
import { parseAccountId } from '../domain/ids.js';
import { acceptOutcome, invitationExpiresAt, newInvitationId, normalizeEmail, parseInvitationId } from '../domain/invitations.js';
import { auditEntry } from '../domain/audit.js';
import { throwUnlessOk } from '../domain/refusals.js';
import type { Caller } from '../http/api.js';
import { assertNotInOrganization, assignmentSteps, joinSteps, requireOwnReach } from './members.js';
import { loadOrganization, orgState, roleToAssign } from './organization.js';

/*
 * Invitations (SPEC.md 2.4, 3.4): an Owner (or any holder of users.invite) invites an
 * e-mail address with a role into the main account or one sub-account; the invitee accepts
 * with a token whose verified e-mail is the invited one. Acceptance is idempotent.
 */
type Invitation = invitations.Invitation;

export function listInvitations(store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<Invitation>> {
  const ref = parseAccountId(p.accountId)!;
  // The main account sees the organization's invitations, a sub-account only its own.
  return invitations.listInvitations(store, p.organizationId, ref.isSubAccount ? p.accountId : undefined, { ...page, boundTo: p.userId });
}

export type CreateInvitationInput = z.infer<typeof createInvitationBody>;

export async function createInvitation(store: Store, p: Actor, body: CreateInvitationInput): Promise<Invitation> {
  const here = parseAccountId(p.accountId)!;
  let target = p.accountId;
  if (body.subAccountId !== undefined && body.subAccountId !== p.accountId) {
    // From a sub-account one invites only into that sub-account (SPEC 3.4).
    if (here.isSubAccount) {
      throw new Forbidden('from a sub-account you can invite only into that sub-account', { extensions: { reason: 'other-account' } });
    }
    const ref = parseAccountId(body.subAccountId);
    if (!ref || ref.mainAccountId !== p.accountId) throw new NotFound('no such sub-account in this organization');
    await requireOwnReach(store, p, p.accountId, body.subAccountId);
    target = body.subAccountId;
  }
  const account = await getAccount(store, target);
  if (!account || account.organizationId !== p.organizationId) throw new NotFound('no such sub-account in this organization');
  if (account.status !== 'active') throw new Conflict('the account is archived', { extensions: { reason: 'archived' } });
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkRoleAssignment(p, roleToAssign(body.role, org), account.kind, orgState(org)));

  const now = store.now();
  const invitation: Invitation = {
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
  };
  await transact(store, withActor(store, p, [
    invitations.invitationPutStep(store, invitation),
    activeAccountStep(store, p.organizationId, target),
    ...assignmentSteps(
      store,
      org,
      body.role,
      auditEntry(p, {
        action: 'invitation.created',
        targetType: 'invitation',
        targetId: invitation.invitationId,
        before: null,
        after: { email: invitation.email, role: invitation.role, accountId: target },
      }),
      invitation.createdAt,
    ),
  ]));
  return invitation;
}

/**
 * DELETE /invitations/{invitationId}: a pending invitation is revoked, on the version read,
 * with its audit entry. The item stays (status `revoked`, until its TTL) so that accepting
 * it answers 409 `not-pending` ("the invitation is revoked") rather than 404, and the list
 * shows what became of it. From a sub-account only that sub-account's invitations can be
 * revoked, as only they are listed there.
 */
export async function revokeInvitation(store: Store, p: Actor, invitationId: string): Promise<Invitation> {
  const ref = parseInvitationId(invitationId);
  const here = parseAccountId(p.accountId)!;
  const visible =
    ref !== undefined && ref.organizationId === p.organizationId && (here.isSubAccount ? ref.accountId === p.accountId : true);
  const invitation = visible ? await invitations.getInvitation(store, ref) : undefined;
  if (!invitation) throw new NotFound('no such invitation');
  if (invitation.status !== 'pending') {
    throw new Conflict(`the invitation is ${invitation.status}`, { extensions: { reason: invitation.status } });
  }
  // Revoking an invitation acts on the role it offers as removing a member acts on theirs
  // (SPEC 7.2): an inviter may not undo an invitation to more than they hold. The plan is
  // not asked: an invitation to Backoffice can be revoked after a downgrade.
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkMemberChange(p, roleToAssign(invitation.role, org)));
  const at = store.now().toISOString();
  const revoked: Invitation = { ...invitation, status: 'revoked', version: invitation.version + 1 };
  await transact(
    store,
    withActor(store, p, [
      invitations.invitationRevokeStep(store, invitation),
      auditStep(
        store,
        auditEntry(p, {
          action: 'invitation.revoked',
          targetType: 'invitation',
          targetId: invitation.invitationId,
          before: { status: invitation.status, email: invitation.email, role: invitation.role, accountId: invitation.accountId },
          after: { status: 'revoked' },
        }),
        at,
      ),
    ]),
  );
  return revoked;
}

const MAX_ACCEPT_ATTEMPTS = 3;

export const acceptInvitation = (store: Store, caller: Caller, invitationId: string): Promise<{ invitation: Invitation; member: Membership }> =>
  // A lost overlapping race (another acceptance of this person into the organization, or of
  // this invitation) is decided again on what is there now, which then answers precisely.
  retryLostRaces(MAX_ACCEPT_ATTEMPTS, () => new Conflict('the invitation kept changing; retry'), () => acceptOnce(store, caller, invitationId));

async function acceptOnce(store: Store, caller: Caller, invitationId: string): Promise<{ invitation: Invitation; member: Membership }> {
  const ref = parseInvitationId(invitationId);
  const invitation = ref && (await invitations.getInvitation(store, ref));
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
  const joined = joinSteps(
    store,
    { accountId: invitation.accountId, organizationId: invitation.organizationId, userId: caller.userId, email: invitation.email, role: invitation.role },
    at,
  );
  const member = joined.membership;
  const accepted: Invitation = { ...invitation, status: 'accepted', acceptedBy: caller.userId, acceptedAt: at, version: invitation.version + 1 };
  const steps: TxStep[] = [
    invitations.invitationAcceptStep(store, invitation, caller.userId, at),
    ...joined.steps,
    // The profile lets an Owner later add this user by id; the token's e-mail is verified here.
    userProfileStep(store, { userId: caller.userId, email: invitation.email, updatedAt: at }),
    ...assignmentSteps(
      store,
      org,
      invitation.role,
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
  ];
  try {
    await transact(store, steps);
  } catch (e) {
    // A retry racing the first attempt: the invitation came back with the refusal; accepted by this caller, answer like it.
    const current = currentOn(e, invitations.invitationEntity);
    if (current?.status === 'accepted' && current.acceptedBy === caller.userId) return repeated(store, current);
    throw e;
  }
  return { invitation: accepted, member };
}

async function repeated(store: Store, invitation: Invitation): Promise<{ invitation: Invitation; member: Membership }> {
  const member = await getMembership(store, invitation.accountId, invitation.acceptedBy!);
  if (!member) throw new Conflict('the membership from this invitation has since been removed', { extensions: { reason: 'removed' } });
  return { invitation, member };
}
