import { auditEntry } from '#shared/domain/audit.js';
import type { Principal } from '#shared/authz/engine.js';
import { checkMemberChange, checkOwnerRemains, checkRoleAssignment } from '#shared/authz/assignment.js';
import { parseAccountId } from '#shared/domain/ids.js';
import { Conflict, Forbidden, NotFound, StaleVersion } from '#shared/domain/errors.js';
import { throwUnlessOk } from '#shared/domain/refusals.js';
import type { Store } from '#shared/data/context.js';
import { keys } from '#shared/data/keys.js';
import { grantItem, membershipItem, type GrantItem, type MembershipItem } from '#shared/data/items.js';
import { listMembershipsOfUser } from '#shared/data/access-repository.js';
import { getAccount } from '#shared/data/organization-repository.js';
import {
  getMemberWithGrants,
  getMembership,
  getUser,
  listGrantsOfMember,
  listMembers as queryMembers,
  listRoleHolders,
  type MemberWithGrants,
} from '#shared/data/member-repository.js';
import {
  activeAccountStep,
  loadOrganization,
  membershipPutStep,
  membershipRoleStep,
  organizationGuardStep,
  orgState,
  otherOwnerStep,
  requireMainAccount,
  roleToAssign,
} from '#shared/data/admin-steps.js';
import { auditStep, getItem, transact, type TxStep } from '#shared/data/transact.js';
import type { PageRequest } from '#shared/data/query.js';
import type { OrganizationItem } from '#shared/data/items.js';

/*
 * Members and sub-account grants (issue 4; SPEC.md 1.2, 3.3-3.5, 7.2). Each use case reads
 * what it decides on, asks shared/authz/assignment.ts, then writes the change and its audit
 * entry in one transaction conditioned on what it read.
 */

const kindOf = (accountId: string): 'main' | 'sub' => (parseAccountId(accountId)?.isSubAccount ? 'sub' : 'main');

/** Nobody belongs to two accounts of one organization (SPEC 3.4: sub-account members reach nothing else). */
export async function assertNotInOrganization(store: Store, userId: string, organizationId: string): Promise<void> {
  const memberships = await listMembershipsOfUser(store.db, store.table, userId);
  const existing = memberships.find((m) => m.organizationId === organizationId);
  if (existing) {
    throw new Conflict('the user is already a member of this organization', {
      extensions: { reason: 'already-member', accountId: existing.accountId },
    });
  }
}

/** Another Owner of the organization than `userId`, if any (gsi4; at most a couple of items read). */
async function otherOwner(store: Store, org: OrganizationItem, userId: string): Promise<MembershipItem | undefined> {
  const owners = await listRoleHolders(store.db, store.table, org.organizationId, 'owner', 10);
  return owners.find((o) => o.userId !== userId && !parseAccountId(o.accountId)?.isSubAccount);
}

async function memberOrNotFound(store: Store, accountId: string, userId: string): Promise<MemberWithGrants> {
  const m = await getMemberWithGrants(store.db, store.table, accountId, userId);
  if (!m) throw new NotFound('no such member in this account');
  return m;
}

export const listMembers = (store: Store, p: Principal, page: PageRequest) =>
  queryMembers(store.db, store.table, p.accountId, page);

export const getMember = (store: Store, p: Principal, userId: string) => memberOrNotFound(store, p.accountId, userId);

/** POST /members: an existing user (known from a verified token) joins this account with a role. */
export async function addMember(store: Store, p: Principal, body: { userId: string; role: string }): Promise<MemberWithGrants> {
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkRoleAssignment(p, roleToAssign(body.role, org), kindOf(p.accountId), orgState(org)));
  const user = await getUser(store.db, store.table, body.userId);
  if (!user) {
    throw new NotFound('no user with this id has used Kontor yet; invite them by e-mail instead', {
      errors: [{ field: 'body.userId', message: 'unknown user' }],
    });
  }
  await assertNotInOrganization(store, body.userId, p.organizationId);
  const now = store.now().toISOString();
  const m = membershipItem({
    accountId: p.accountId,
    organizationId: p.organizationId,
    userId: user.userId,
    email: user.email,
    role: body.role,
    createdAt: now,
    version: 1,
  });
  const steps: TxStep[] = [membershipPutStep(store.table, m), activeAccountStep(store.table, p.organizationId, p.accountId)];
  const guard = organizationGuardStep(store.table, org, body.role);
  if (guard) steps.push(guard);
  steps.push(
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'member.added',
        targetType: 'member',
        targetId: m.userId,
        before: null,
        after: { accountId: m.accountId, email: m.email, role: m.role },
      }),
      now,
    ),
  );
  await transact(store.db, steps);
  return { membership: m, grants: [] };
}

/** PATCH /members/{userId}: change a member's role, on the version the client read. */
export async function changeRole(
  store: Store,
  p: Principal,
  userId: string,
  body: { role: string; version: number },
): Promise<MemberWithGrants> {
  const current = await memberOrNotFound(store, p.accountId, userId);
  const m = current.membership;
  if (m.version !== body.version) {
    throw new StaleVersion('the member changed since it was read', { extensions: { currentVersion: m.version } });
  }
  if (m.role === body.role) return current;
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkMemberChange(p, roleToAssign(m.role, org)));
  throwUnlessOk(checkRoleAssignment(p, roleToAssign(body.role, org), kindOf(p.accountId), orgState(org)));
  const steps: TxStep[] = [membershipRoleStep(store.table, m, body.role, body.version)];
  if (m.role === 'owner') {
    const other = await otherOwner(store, org, m.userId);
    throwUnlessOk(checkOwnerRemains(m.role, body.role, other ? 1 : 0));
    steps.push(otherOwnerStep(store.table, other!));
  }
  const guard = organizationGuardStep(store.table, org, body.role);
  if (guard) steps.push(guard);
  const now = store.now().toISOString();
  steps.push(
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'member.role-changed',
        targetType: 'member',
        targetId: m.userId,
        before: { role: m.role, version: m.version },
        after: { role: body.role, version: m.version + 1 },
      }),
      now,
    ),
  );
  await transact(store.db, steps);
  return { membership: { ...m, role: body.role, version: m.version + 1 }, grants: current.grants };
}

/** DELETE /members/{userId}: the membership and every grant it had, in one transaction. */
export async function removeMember(store: Store, p: Principal, userId: string, version: number | undefined): Promise<void> {
  const current = await memberOrNotFound(store, p.accountId, userId);
  const m = current.membership;
  if (version !== undefined && m.version !== version) {
    throw new StaleVersion('the member changed since it was read', { extensions: { currentVersion: m.version } });
  }
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkMemberChange(p, roleToAssign(m.role, org)));
  const steps: TxStep[] = [
    {
      item: {
        Delete: {
          TableName: store.table,
          Key: keys.membership(m.accountId, m.userId),
          ConditionExpression: '#version = :v',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':v': m.version },
        },
      },
      onConditionFailed: () => new StaleVersion('the member changed since it was read'),
    },
  ];
  if (m.role === 'owner') {
    const other = await otherOwner(store, org, m.userId);
    throwUnlessOk(checkOwnerRemains(m.role, undefined, other ? 1 : 0));
    steps.push(otherOwnerStep(store.table, other!));
  }
  const grants = kindOf(m.accountId) === 'main' ? await listGrantsOfMember(store.db, store.table, m.accountId, m.userId) : [];
  for (const g of grants) steps.push({ item: { Delete: { TableName: store.table, Key: { pk: g.pk, sk: g.sk } } } });
  steps.push(
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'member.removed',
        targetType: 'member',
        targetId: m.userId,
        before: { accountId: m.accountId, email: m.email, role: m.role, grants: grants.map((g) => g.subAccountId) },
        after: null,
      }),
      store.now().toISOString(),
    ),
  );
  await transact(store.db, steps);
}

/** The sub-account of a grant: one of this organization's, named from the main account (SPEC 3.3). */
function grantTarget(p: Principal, subAccountId: string): string {
  const main = requireMainAccount(p, 'sub-account grants');
  const ref = parseAccountId(subAccountId);
  if (!ref || !ref.isSubAccount || ref.mainAccountId !== main) throw new NotFound('no such sub-account in this organization');
  return main;
}

/** PUT /members/{userId}/grants/{subAccountId}: idempotent; only main-account members, only this organization's sub-accounts. */
export async function grantSubAccount(
  store: Store,
  p: Principal,
  userId: string,
  subAccountId: string,
): Promise<{ grant: GrantItem; created: boolean }> {
  const main = grantTarget(p, subAccountId);
  const existing = await getItem<GrantItem>(store.db, store.table, keys.grant(main, userId, subAccountId));
  if (existing) return { grant: existing, created: false };
  const member = await getMembership(store.db, store.table, main, userId);
  if (!member) throw new NotFound('no such member of the main account (only main-account members receive sub-account access)');
  if (member.role === 'owner' || member.role === 'backoffice') {
    throw new Conflict(`a ${member.role} already reaches every sub-account (SPEC 3.5, 4.2)`, { extensions: { reason: 'reaches-all' } });
  }
  const account = await getAccount(store.db, store.table, subAccountId);
  if (!account || account.organizationId !== p.organizationId) throw new NotFound('no such sub-account in this organization');
  const org = await loadOrganization(store, p.organizationId);
  throwUnlessOk(checkMemberChange(p, roleToAssign(member.role, org)));
  // Nobody hands out access they do not have: anyone but the Owner needs their own grant.
  if (p.role !== 'owner' && !(await getItem(store.db, store.table, keys.grant(main, p.userId, subAccountId)))) {
    throw new Forbidden('you cannot give access to a sub-account you have no access to yourself', {
      extensions: { reason: 'no-own-access' },
    });
  }
  const now = store.now().toISOString();
  const grant = grantItem({
    organizationId: p.organizationId,
    mainAccountId: main,
    subAccountId,
    userId,
    grantedBy: p.userId,
    grantedAt: now,
  });
  try {
    await transact(store.db, [
      { item: { Put: { TableName: store.table, Item: grant, ConditionExpression: 'attribute_not_exists(pk)' } } },
      {
        item: {
          ConditionCheck: {
            TableName: store.table,
            Key: keys.membership(main, userId),
            ConditionExpression: '#version = :v',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':v': member.version },
          },
        },
        onConditionFailed: () => new StaleVersion('the member changed meanwhile; read again and retry'),
      },
      {
        item: {
          ConditionCheck: {
            TableName: store.table,
            Key: keys.account(subAccountId),
            ConditionExpression: 'organizationId = :org',
            ExpressionAttributeValues: { ':org': p.organizationId },
          },
        },
        onConditionFailed: () => new NotFound('no such sub-account in this organization'),
      },
      auditStep(
        store.table,
        auditEntry(p, {
          action: 'grant.created',
          targetType: 'member',
          targetId: userId,
          before: null,
          after: { subAccountId, role: member.role },
        }),
        now,
      ),
    ]);
  } catch (e) {
    // A concurrent identical PUT won the race: the grant exists, which is what was asked.
    const raced = await getItem<GrantItem>(store.db, store.table, keys.grant(main, userId, subAccountId));
    if (raced) return { grant: raced, created: false };
    throw e;
  }
  return { grant, created: true };
}

/** DELETE /members/{userId}/grants/{subAccountId}. */
export async function revokeSubAccount(store: Store, p: Principal, userId: string, subAccountId: string): Promise<void> {
  const main = grantTarget(p, subAccountId);
  const grant = await getItem<GrantItem>(store.db, store.table, keys.grant(main, userId, subAccountId));
  if (!grant) throw new NotFound('the member has no access to that sub-account');
  const member = await getMembership(store.db, store.table, main, userId);
  if (member) {
    const org = await loadOrganization(store, p.organizationId);
    throwUnlessOk(checkMemberChange(p, roleToAssign(member.role, org)));
  }
  await transact(store.db, [
    {
      item: { Delete: { TableName: store.table, Key: keys.grant(main, userId, subAccountId), ConditionExpression: 'attribute_exists(pk)' } },
      onConditionFailed: () => new NotFound('the member has no access to that sub-account'),
    },
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'grant.revoked',
        targetType: 'member',
        targetId: userId,
        before: { subAccountId, grantedBy: grant.grantedBy, grantedAt: grant.grantedAt },
        after: null,
      }),
      store.now().toISOString(),
    ),
  ]);
}
