import type * as z from 'zod';
import { checkMemberChange, checkOwnerRemains, checkRoleAssignment } from '../authz/assignment.js';
import type { Principal } from '../authz/engine.js';
import type { updateMemberBody } from '../contracts/members.js';
import type { Store } from '../data/context.js';
import { transact, type TxStep } from '../data/dynamo.js';
import { accountInOrganizationStep, activeAccountStep, getAccount } from '../data/entities/account.js';
import { auditStep } from '../data/entities/audit.js';
import * as grants from '../data/entities/grant.js';
import { seatClaimStep, seatReleaseStep } from '../data/entities/organization-seat.js';
import { currentOn } from '../data/entities/guards.js';
import * as memberships from '../data/entities/membership.js';
import { organizationGuardStep, type Organization } from '../data/entities/organization.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { auditEntry, type AuditEntry } from '../domain/audit.js';
import { Conflict, Forbidden, NotFound, StaleVersion, ValidationError } from '../domain/errors.js';
import { parseAccountId } from '../domain/ids.js';
import { normalizeEmail } from '../domain/invitations.js';
import { throwUnlessOk } from '../domain/refusals.js';
import { loadOrganization, orgState, requireMainAccount, roleToAssign } from './organization.js';

/*
 * Members and sub-account grants (SPEC.md 1.2, 3.3-3.5, 7.2). Each use case reads what it
 * decides on, asks shared/authz/assignment.ts, then writes the change and its audit entry
 * in one transaction conditioned on what it read, the actor's own access included.
 */
type Membership = memberships.Membership;
type MemberWithGrants = memberships.MemberWithGrants;
type Grant = grants.Grant;
type Actor = memberships.Actor;

/** The last-Owner rule needs one other Owner; a few are read in case some belong to sub-accounts. */
const OWNERS_READ = 10;

const kindOf = (accountId: string): 'main' | 'sub' => (parseAccountId(accountId)?.isSubAccount ? 'sub' : 'main');

/** Nobody belongs to two accounts of one organization (SPEC 3.4: sub-account members reach nothing else). */
export async function assertNotInOrganization(store: Store, userId: string, organizationId: string): Promise<void> {
  const existing = (await memberships.listMembershipsOfUser(store, userId)).find((m) => m.organizationId === organizationId);
  if (existing) {
    throw new Conflict('the user is already a member of this organization', {
      extensions: { reason: 'already-member', accountId: existing.accountId },
    });
  }
}

/** Another Owner of the organization than `userId`, if any. */
async function otherOwner(store: Store, org: Organization, userId: string): Promise<Membership | undefined> {
  const owners = await memberships.listRoleHolders(store, org.organizationId, 'owner', OWNERS_READ);
  return owners.find((o) => o.userId !== userId && !parseAccountId(o.accountId)?.isSubAccount);
}

/**
 * The end of every transaction that gives someone a role: a custom or Backoffice role holds
 * only on the organization as it was read (its roles, plan and features), then the audit entry.
 */
export function assignmentSteps(store: Store, org: Organization, role: string, entry: AuditEntry, at: string): TxStep[] {
  const guard = organizationGuardStep(store, org, role);
  return [...(guard ? [guard] : []), auditStep(store, entry, at)];
}

/** Who joins which account with which role; the rest of a new membership is the same for everyone. */
export type Joining = Pick<Membership, 'accountId' | 'organizationId' | 'userId' | 'email' | 'role'>;

/** A new membership (version 1) and its writes: the member item, on an account still active. */
export function joinSteps(store: Store, joining: Joining, at: string): { membership: Membership; steps: TxStep[] } {
  const membership: Membership = { ...joining, createdAt: at, version: 1 };
  return {
    membership,
    steps: [
      memberships.membershipPutStep(store, membership),
      seatClaimStep(store, { organizationId: membership.organizationId, userId: membership.userId, accountId: membership.accountId }),
      activeAccountStep(store, membership.organizationId, membership.accountId),
    ],
  };
}

async function memberOrNotFound(store: Store, accountId: string, userId: string): Promise<MemberWithGrants> {
  const m = await memberships.getMemberWithGrants(store, accountId, userId);
  if (!m) throw new NotFound('no such member in this account');
  return m;
}

export const listMembers = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<MemberWithGrants>> =>
  memberships.listMembers(store, p.accountId, { ...page, boundTo: p.userId });

export const getMember = (store: Store, p: Principal, userId: string): Promise<MemberWithGrants> => memberOrNotFound(store, p.accountId, userId);

export type ChangeRoleInput = z.infer<typeof updateMemberBody>;

/** PATCH /members/{userId}: change a member's role, on the version the client read. */
export async function changeRole(store: Store, p: Actor, userId: string, body: ChangeRoleInput): Promise<MemberWithGrants> {
  const current = await memberOrNotFound(store, p.accountId, userId);
  const m = current.membership;
  if (m.version !== body.version) {
    throw new StaleVersion('the member changed since it was read', { extensions: { currentVersion: m.version } });
  }
  if (m.role === body.role) return current;
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkMemberChange(p, roleToAssign(m.role, org)));
  throwUnlessOk(checkRoleAssignment(p, roleToAssign(body.role, org), kindOf(p.accountId), orgState(org)));
  const steps: TxStep[] = [memberships.membershipRoleStep(store, m, body.role, body.version)];
  if (m.role === 'owner') {
    const other = await otherOwner(store, org, m.userId);
    throwUnlessOk(checkOwnerRemains(m.role, body.role, other ? 1 : 0));
    steps.push(memberships.otherOwnerStep(store, other!));
  }
  steps.push(
    ...assignmentSteps(
      store,
      org,
      body.role,
      auditEntry(p, {
        action: 'member.role-changed',
        targetType: 'member',
        targetId: m.userId,
        before: { role: m.role, version: m.version },
        after: { role: body.role, version: m.version + 1 },
      }),
      store.now().toISOString(),
    ),
  );
  await transact(store, memberships.withActor(store, p, steps));
  return { membership: { ...m, role: body.role, version: m.version + 1 }, grants: current.grants };
}

export type ChangeRoleByEmailInput = ChangeRoleInput & { email: string };

/**
 * PATCH /members/by-email (SPEC 2.4): the same change as by id, for the member of this
 * account with that e-mail; nobody with it is a 404, as an unknown id is.
 */
export async function changeRoleByEmail(store: Store, p: Actor, body: ChangeRoleByEmailInput): Promise<MemberWithGrants> {
  const { email, ...change } = body;
  const m = await memberships.findMembershipByEmail(store, p.accountId, normalizeEmail(email));
  if (!m) throw new NotFound('no member of this account has that e-mail');
  return changeRole(store, p, m.userId, change);
}

/** DELETE /members/{userId}: the membership and every grant it had, in one transaction. */
export async function removeMember(store: Store, p: Actor, userId: string, version: number | undefined): Promise<void> {
  const current = await memberOrNotFound(store, p.accountId, userId);
  const m = current.membership;
  if (version !== undefined && m.version !== version) {
    throw new StaleVersion('the member changed since it was read', { extensions: { currentVersion: m.version } });
  }
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkMemberChange(p, roleToAssign(m.role, org)));
  const steps: TxStep[] = [memberships.membershipDeleteStep(store, m), seatReleaseStep(store, m.organizationId, m.userId)];
  if (m.role === 'owner') {
    const other = await otherOwner(store, org, m.userId);
    throwUnlessOk(checkOwnerRemains(m.role, undefined, other ? 1 : 0));
    steps.push(memberships.otherOwnerStep(store, other!));
  }
  const held = kindOf(m.accountId) === 'main' ? await grants.listGrantsOfMember(store, m.accountId, m.userId) : [];
  for (const g of held) steps.push(grants.grantRemoveStep(store, g));
  steps.push(
    auditStep(
      store,
      auditEntry(p, {
        action: 'member.removed',
        targetType: 'member',
        targetId: m.userId,
        before: { accountId: m.accountId, email: m.email, role: m.role, grants: held.map((g) => g.subAccountId) },
        after: null,
      }),
      store.now().toISOString(),
    ),
  );
  await transact(store, memberships.withActor(store, p, steps));
}

/** The sub-account of a grant: one of this organization's, named from the main account (SPEC 3.3). */
function grantTarget(p: Principal, subAccountId: string): string {
  const main = requireMainAccount(p, 'sub-account grants');
  const ref = parseAccountId(subAccountId);
  if (!ref || !ref.isSubAccount || ref.mainAccountId !== main) throw new NotFound('no such sub-account in this organization');
  return main;
}

/**
 * Nobody hands out access to a sub-account they cannot reach themselves (SPEC 7.2), by a
 * grant or by an invitation into it: anyone but the Owner needs their own grant there.
 */
export async function requireOwnReach(store: Store, p: Principal, mainAccountId: string, subAccountId: string): Promise<void> {
  if (p.role !== 'owner' && !(await grants.getGrant(store, mainAccountId, p.userId, subAccountId))) {
    throw new Forbidden('you cannot give access to a sub-account you have no access to yourself', {
      extensions: { reason: 'no-own-access' },
    });
  }
}

/** PUT /members/{userId}/grants/{subAccountId}: idempotent; only main-account members, only this organization's sub-accounts. */
export async function grantSubAccount(
  store: Store,
  p: Actor,
  userId: string,
  subAccountId: string,
): Promise<{ grant: Grant; created: boolean }> {
  const main = grantTarget(p, subAccountId);
  const existing = await grants.getGrant(store, main, userId, subAccountId);
  if (existing) return { grant: existing, created: false };
  const member = await memberships.getMembership(store, main, userId);
  if (!member) throw new NotFound('no such member of the main account (only main-account members receive sub-account access)');
  if (member.role === 'owner' || member.role === 'backoffice') {
    throw new Conflict(`a ${member.role} already reaches every sub-account (SPEC 3.5, 4.2)`, { extensions: { reason: 'reaches-all' } });
  }
  const account = await getAccount(store, subAccountId);
  if (!account || account.organizationId !== p.organizationId) throw new NotFound('no such sub-account in this organization');
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkMemberChange(p, roleToAssign(member.role, org)));
  await requireOwnReach(store, p, main, subAccountId);
  const now = store.now().toISOString();
  const grant: Grant = { organizationId: p.organizationId, mainAccountId: main, subAccountId, userId, grantedBy: p.userId, grantedAt: now };
  try {
    await transact(store, memberships.withActor(store, p, [
      grants.grantPutStep(store, grant),
      // The member's version moves with their grants, so a replace of the whole set read
      // before this grant cannot commit over it (and this grant fails if one committed first).
      memberships.membershipBumpStep(store, member),
      accountInOrganizationStep(store, p.organizationId, subAccountId),
      auditStep(
        store,
        auditEntry(p, {
          action: 'grant.created',
          targetType: 'member',
          targetId: userId,
          before: null,
          after: { subAccountId, role: member.role },
        }),
        now,
      ),
    ]));
  } catch (e) {
    // A concurrent identical PUT won the race: the grant exists, which is what was asked.
    const raced = currentOn(e, grants.grantEntity);
    if (raced) return { grant: raced, created: false };
    throw e;
  }
  return { grant, created: true };
}

/** DELETE /members/{userId}/grants/{subAccountId}. */
export async function revokeSubAccount(store: Store, p: Actor, userId: string, subAccountId: string): Promise<void> {
  const main = grantTarget(p, subAccountId);
  const grant = await grants.getGrant(store, main, userId, subAccountId);
  if (!grant) throw new NotFound('the member has no access to that sub-account');
  const member = await memberships.getMembership(store, main, userId);
  if (member) {
    const org = await loadOrganization(store, p.organizationId);
    throwUnlessOk(checkMemberChange(p, roleToAssign(member.role, org)));
  }
  await transact(store, memberships.withActor(store, p, [
    grants.grantDeleteStep(store, grant),
    // As with a grant: the version moves, so a replace read before this revocation cannot restore it unseen.
    ...(member ? [memberships.membershipBumpStep(store, member)] : []),
    auditStep(
      store,
      auditEntry(p, {
        action: 'grant.revoked',
        targetType: 'member',
        targetId: userId,
        before: { subAccountId, grantedBy: grant.grantedBy, grantedAt: grant.grantedAt },
        after: null,
      }),
      store.now().toISOString(),
    ),
  ]));
}

/** At most this many sub-accounts in one replace: with its checks, the change fits one transaction (100 items). */
export const MAX_GRANTS_REPLACED = 40;

export interface ReplaceGrantsInput {
  subAccountIds: readonly string[];
  version: number;
}

/**
 * PUT /members/{userId}/grants: the member's sub-account grants become exactly the set
 * given, in one transaction on the member's version (which moves on), audited with the set
 * before and after. Each grant added is checked as one grant is (an existing sub-account of
 * this organization, within the actor's own reach); grants left as they were are not
 * rewritten. The set unchanged writes nothing and answers the member as it is.
 */
export async function replaceGrants(store: Store, p: Actor, userId: string, body: ReplaceGrantsInput): Promise<MemberWithGrants> {
  const main = requireMainAccount(p, 'sub-account grants');
  const wanted = [...new Set(body.subAccountIds)];
  const foreign = wanted.filter((id) => {
    const ref = parseAccountId(id);
    return !ref || !ref.isSubAccount || ref.mainAccountId !== main;
  });
  if (foreign.length) {
    throw new ValidationError(`not sub-accounts of this account: ${foreign.join(', ')}`, {
      extensions: { reason: 'unknown-sub-accounts', subAccountIds: foreign },
      errors: foreign.map((id) => ({ field: 'body.subAccountIds', message: `${id} is not a sub-account of ${main}` })),
    });
  }
  const current = await memberships.getMemberWithGrants(store, main, userId);
  if (!current) throw new NotFound('no such member of the main account (only main-account members receive sub-account access)');
  const member = current.membership;
  if (member.version !== body.version) {
    throw new StaleVersion('the member changed since it was read', { extensions: { currentVersion: member.version } });
  }
  if (member.role === 'owner' || member.role === 'backoffice') {
    throw new Conflict(`a ${member.role} already reaches every sub-account (SPEC 3.5, 4.2)`, { extensions: { reason: 'reaches-all' } });
  }
  const held = new Set(current.grants.map((g) => g.subAccountId));
  const added = wanted.filter((id) => !held.has(id));
  const removed = current.grants.filter((g) => !wanted.includes(g.subAccountId));
  if (!added.length && !removed.length) return current;
  if (added.length + removed.length > MAX_GRANTS_REPLACED) {
    throw new ValidationError(`at most ${MAX_GRANTS_REPLACED} grants can change in one call`, {
      errors: [{ field: 'body.subAccountIds', message: `${added.length + removed.length} changes; at most ${MAX_GRANTS_REPLACED}` }],
    });
  }
  const accounts = await Promise.all(added.map((id) => getAccount(store, id)));
  const missing = added.filter((_, n) => accounts[n]?.organizationId !== p.organizationId);
  if (missing.length) {
    throw new ValidationError(`no such sub-accounts in this organization: ${missing.join(', ')}`, {
      extensions: { reason: 'unknown-sub-accounts', subAccountIds: missing },
      errors: missing.map((id) => ({ field: 'body.subAccountIds', message: `no such sub-account: ${id}` })),
    });
  }
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkMemberChange(p, roleToAssign(member.role, org)));
  for (const id of added) await requireOwnReach(store, p, main, id);
  const now = store.now().toISOString();
  const steps: TxStep[] = [memberships.membershipBumpStep(store, member)];
  const newGrants: Grant[] = added.map((subAccountId) => ({
    organizationId: p.organizationId,
    mainAccountId: main,
    subAccountId,
    userId,
    grantedBy: p.userId,
    grantedAt: now,
  }));
  for (const g of newGrants) steps.push(grants.grantPutStep(store, g), accountInOrganizationStep(store, p.organizationId, g.subAccountId));
  for (const g of removed) steps.push(grants.grantDeleteStep(store, g));
  const before = [...held].sort();
  const after = [...current.grants.filter((g) => wanted.includes(g.subAccountId)), ...newGrants];
  steps.push(
    auditStep(
      store,
      auditEntry(p, {
        action: 'grants.replaced',
        targetType: 'member',
        targetId: userId,
        before: { subAccountIds: before, version: member.version },
        after: { subAccountIds: after.map((g) => g.subAccountId).sort(), version: member.version + 1 },
      }),
      now,
    ),
  );
  await transact(store, memberships.withActor(store, p, steps));
  return { membership: { ...member, version: member.version + 1 }, grants: after.sort((a, b) => a.subAccountId.localeCompare(b.subAccountId)) };
}
