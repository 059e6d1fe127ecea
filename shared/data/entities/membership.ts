import * as z from 'zod/mini';
import type { Principal } from '../../authz/engine.js';
import { Conflict, LastOwner, NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, type Stored, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { decodeCursor, encodeCursor, queryAll, queryPage, type Page, type PageRequest, type QuerySpec } from '../paginator.js';
import { grantEntity, grantKey, type Grant } from './grant.js';
import { onVersion, putNewStep, staleOr } from './guards.js';

/*
 * A membership: a user belongs to an account with a role (a built-in role name or
 * `custom:<roleId>`). Its sort key ends in `#` and the member's grants extend it, so
 * `MEMBER#<user>#` is one member with their grants and never a member whose id merely
 * starts with the same characters.
 *
 *   table  pk ACCOUNT#<acc>               sk MEMBER#<user>#
 *   gsi1   USER#<user>#MEMBERSHIPS        ACCOUNT#<acc>                    every membership of a user
 *   gsi4   ORG#<org>#ROLE#<role>          ACCOUNT#<acc>#MEMBER#<user>      holders of a role in an organization
 */
export const membershipSchema = z.object({
  accountId: z.string(),
  organizationId: z.string(),
  userId: z.string(),
  email: z.string(),
  role: z.string(),
  createdAt: z.string(),
  version: z.number(),
});
export type Membership = z.infer<typeof membershipSchema>;

export interface MemberWithGrants {
  membership: Membership;
  grants: Grant[];
}

const accountPartition = (accountId: string) => `ACCOUNT#${seg(accountId)}`;
const memberPrefix = (userId: string) => `MEMBER#${seg(userId)}#`;
export const membershipKey = (accountId: string, userId: string) => ({ pk: accountPartition(accountId), sk: memberPrefix(userId) });
const ofUser = (userId: string) => `USER#${seg(userId)}#MEMBERSHIPS`;
const holdersOf = (organizationId: string, role: string) => `ORG#${seg(organizationId)}#ROLE#${seg(role)}`;
const roleHolderKeys = (m: Pick<Membership, 'organizationId' | 'role' | 'accountId' | 'userId'>) => ({
  gsi4pk: holdersOf(m.organizationId, m.role),
  gsi4sk: `ACCOUNT#${seg(m.accountId)}#MEMBER#${seg(m.userId)}`,
});

export const membershipEntity = defineEntity({
  type: 'membership',
  schema: membershipSchema,
  key: (m) => membershipKey(m.accountId, m.userId),
  indexes: (m) => ({ gsi1pk: ofUser(m.userId), gsi1sk: `ACCOUNT#${seg(m.accountId)}`, ...roleHolderKeys(m) }),
});

/** A membership or one of its grants: what the member prefix of an account partition holds. */
type MemberItem = { membership: Membership } | { grant: Grant };
const memberItem = (raw: Stored): MemberItem =>
  raw.type === grantEntity.type ? { grant: grantEntity.parse(raw) } : { membership: membershipEntity.parse(raw) };
const keyOf = (i: MemberItem) => ('grant' in i ? grantEntity.key(i.grant) : membershipEntity.key(i.membership));

/** Items of a member prefix, in key order, folded into members with their grants (a stray grant is skipped). */
function fold(items: readonly MemberItem[]): MemberWithGrants[] {
  const members: MemberWithGrants[] = [];
  for (const item of items) {
    if ('membership' in item) members.push({ membership: item.membership, grants: [] });
    else if (members.at(-1)?.membership.userId === item.grant.userId) members.at(-1)!.grants.push(item.grant);
  }
  return members;
}

/**
 * A user belongs to one account per organization and to few organizations; a member's
 * grants are at most one per sub-account. Reads that must see all of them say so.
 */
const EVERY_ONE = Number.POSITIVE_INFINITY;

// Pattern "membership by (account, user)": GetItem, strongly consistent.
export const getMembership = async (store: Store, accountId: string, userId: string): Promise<Membership | undefined> =>
  parseOptional(membershipEntity, await getItem(store, membershipKey(accountId, userId), true));

// Pattern "one member with their grants": `MEMBER#<user>#` in the account partition, strongly consistent.
export async function getMemberWithGrants(store: Store, accountId: string, userId: string): Promise<MemberWithGrants | undefined> {
  const items = await queryAll(
    store,
    { partition: accountPartition(accountId), sort: { prefix: memberPrefix(userId) }, consistent: true },
    memberItem,
    { max: EVERY_ONE },
  );
  return fold(items)[0];
}

/*
 * Pattern "the member of an account with this e-mail" (SPEC 2.4: a role changed by e-mail):
 * the account's member items filtered on the normalized address. An account holds its
 * members (bounded by the plan's seats) and their grants, so the read is that partition
 * slice, never a scan; every membership's address is stored normalized (invitations,
 * sign-up), so an exact match is the match.
 */
export async function findMembershipByEmail(store: Store, accountId: string, email: string): Promise<Membership | undefined> {
  const found = await queryAll(
    store,
    {
      partition: accountPartition(accountId),
      sort: { prefix: 'MEMBER#' },
      consistent: true,
      filter: { expression: '#type = :type AND #email = :email', names: { '#type': 'type', '#email': 'email' }, values: { ':type': membershipEntity.type, ':email': email } },
    },
    membershipEntity.parse,
    // No Limit: DynamoDB applies one before the filter, so a limit of 1 would page item by item.
    { max: Number.POSITIVE_INFINITY },
  );
  return found[0];
}

/*
 * Pattern "members of an account with their grants", one page. A member's grants follow
 * their membership in the partition; when a page ends inside a member's grants, the rest of
 * that member's grants are read too, so a page never splits a member and the cursor always
 * points after a whole member.
 */
export async function listMembers(store: Store, accountId: string, page: PageRequest): Promise<Page<MemberWithGrants>> {
  const spec: QuerySpec = { partition: accountPartition(accountId), sort: { prefix: 'MEMBER#' } };
  const first = await queryPage(store, spec, memberItem, page);
  const items = [...first.items];
  let nextCursor = first.nextCursor;
  const last = items.at(-1);
  if (nextCursor !== null && last) {
    const userId = 'grant' in last ? last.grant.userId : last.membership.userId;
    // The member's own prefix: the page's last key (their membership or a grant) lies within
    // it. The paginator hands out sealed cursors only, so that key is read back from the cursor.
    const tail = await queryAll(store, { ...spec, sort: { prefix: memberPrefix(userId) } }, memberItem, {
      max: EVERY_ONE,
      startAfter: decodeCursor(nextCursor, spec, page.boundTo),
    });
    items.push(...tail);
    nextCursor = encodeCursor({ ...keyOf(items.at(-1)!) }, spec, page.boundTo);
  }
  return { items: fold(items), nextCursor };
}

// Pattern "memberships of a user", across organizations: gsi1.
export const listMembershipsOfUser = (store: Store, userId: string): Promise<Membership[]> =>
  queryAll(store, { index: 'gsi1', partition: ofUser(userId) }, membershipEntity.parse, { max: EVERY_ONE });

/*
 * Pattern "holders of a role in an organization": gsi4. Callers pass a small `max` when
 * they only need to know whether (or who, by a few names) holds it.
 */
export const listRoleHolders = (store: Store, organizationId: string, role: string, max: number): Promise<Membership[]> =>
  queryAll(store, { index: 'gsi4', partition: holdersOf(organizationId, role) }, membershipEntity.parse, { max });

/** A new membership; one per (account, user). */
export const membershipPutStep = (store: Store, m: Membership): TxStep =>
  putNewStep(store, membershipEntity.item(m), () => new Conflict('the user is already a member of this account'));

const memberGone = () => new NotFound('no such member in this account');

/** A membership's role change, on the version read; the role-holder index follows the role. */
export function membershipRoleStep(store: Store, m: Membership, role: string, expectedVersion: number): TxStep {
  const holder = roleHolderKeys({ ...m, role });
  const guard = onVersion(expectedVersion);
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: membershipKey(m.accountId, m.userId),
        UpdateExpression: 'SET #role = :role, gsi4pk = :g4pk, gsi4sk = :g4sk, #version = #version + :one',
        ...guard,
        ExpressionAttributeNames: { '#role': 'role', ...guard.ExpressionAttributeNames },
        ExpressionAttributeValues: { ':role': role, ':g4pk': holder.gsi4pk, ':g4sk': holder.gsi4sk, ':one': 1, ...guard.ExpressionAttributeValues },
      },
    },
    onConditionFailed: staleOr('the member', memberGone),
  };
}

/** Removes a membership, on the version read. */
export const membershipDeleteStep = (store: Store, m: Membership): TxStep => ({
  item: { Delete: { TableName: store.table, Key: membershipKey(m.accountId, m.userId), ...onVersion(m.version) } },
  onConditionFailed: staleOr('the member', memberGone),
});

/**
 * A change to what the member reaches that is not their role (their set of sub-account
 * grants): the version moves on, so every such change names the version it was based on
 * and two of them never interleave on one member.
 */
export const membershipBumpStep = (store: Store, m: Membership): TxStep => {
  const guard = onVersion(m.version);
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: membershipKey(m.accountId, m.userId),
        UpdateExpression: 'SET #version = #version + :one',
        ...guard,
        ExpressionAttributeValues: { ':one': 1, ...guard.ExpressionAttributeValues },
      },
    },
    onConditionFailed: staleOr('the member', memberGone),
  };
};

/** The member a change relies on is still at the version read. */
export const membershipUnchangedStep = (store: Store, m: Membership): TxStep => ({
  item: { ConditionCheck: { TableName: store.table, Key: membershipKey(m.accountId, m.userId), ...onVersion(m.version) } },
  onConditionFailed: staleOr('the member', memberGone),
});

/** SPEC 7.2: the other Owner this change relies on must still be an Owner when it commits. */
export const otherOwnerStep = (store: Store, other: Membership): TxStep => ({
  item: {
    ConditionCheck: {
      TableName: store.table,
      Key: membershipKey(other.accountId, other.userId),
      ConditionExpression: '#role = :owner',
      ExpressionAttributeNames: { '#role': 'role' },
      ExpressionAttributeValues: { ':owner': 'owner' },
    },
  },
  onConditionFailed: () => new LastOwner('the last Owner cannot be removed or demoted', { extensions: { reason: 'last-owner' } }),
});

/*
 * The actor of a change. The wrapper re-reads the caller's access for every change (never
 * trusting the authorizer's cached context) and keeps the items the principal rests on; a
 * change's transaction then checks that they still hold, so a demotion or removal that
 * commits between that read and the write cancels the write instead of racing it.
 */
export interface ActorBasis {
  /** The membership that gave the role, with the role and version it was read at. */
  readonly membership: Pick<Membership, 'accountId' | 'userId' | 'role' | 'version'>;
  /** For a main-account member acting in a sub-account through a grant: that grant. */
  readonly grant?: { readonly mainAccountId: string; readonly subAccountId: string } | undefined;
}
export interface Actor extends Principal {
  readonly basis: ActorBasis;
}

const actorChanged = () =>
  new Conflict('your own access changed while the request ran; nothing was changed', { extensions: { reason: 'actor-changed' } });
const genericConflict = () => new Conflict('the change conflicts with the current state; read again and retry');

interface ActorCheck {
  key: { pk: string; sk: string };
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
  holds: (current: Stored | undefined) => boolean;
}

function actorChecks(actor: Actor): ActorCheck[] {
  const m = actor.basis.membership;
  const checks: ActorCheck[] = [
    {
      key: membershipKey(m.accountId, m.userId),
      // Names of their own, so the check can join another condition on the same item.
      expression: '#actorRole = :actorRole AND #actorVersion = :actorVersion',
      names: { '#actorRole': 'role', '#actorVersion': 'version' },
      values: { ':actorRole': m.role, ':actorVersion': m.version },
      holds: (current) => current !== undefined && current.role === m.role && current.version === m.version,
    },
  ];
  const g = actor.basis.grant;
  if (g) {
    checks.push({
      key: grantKey(g.mainAccountId, m.userId, g.subAccountId),
      expression: 'attribute_exists(pk)',
      names: {},
      values: {},
      holds: (current) => current !== undefined,
    });
  }
  return checks;
}

/** The actor's own items as ConditionChecks: role and version unchanged, the grant still there. */
export const actorSteps = (store: Store, actor: Actor): TxStep[] =>
  actorChecks(actor).map((c) => ({
    item: {
      ConditionCheck: {
        TableName: store.table,
        Key: c.key,
        ConditionExpression: c.expression,
        ...(Object.keys(c.names).length ? { ExpressionAttributeNames: c.names } : {}),
        ...(Object.keys(c.values).length ? { ExpressionAttributeValues: c.values } : {}),
      },
    },
    onConditionFailed: actorChanged,
  }));

const keyOfStep = (step: TxStep): { pk: unknown; sk: unknown } | undefined => {
  const i = step.item;
  const key = i.Put?.Item ?? i.Update?.Key ?? i.Delete?.Key ?? i.ConditionCheck?.Key;
  return key && { pk: key.pk, sk: key.sk };
};

/** Joins the actor's condition to a step that writes or checks the same item. */
function joined(step: TxStep, c: ActorCheck): TxStep {
  const [kind, op] = Object.entries(step.item).find(([, v]) => v !== undefined) as [keyof TxStep['item'], Record<string, unknown>];
  const own = op.ConditionExpression as string | undefined;
  const names = { ...(op.ExpressionAttributeNames as Record<string, string> | undefined), ...c.names };
  const values = { ...(op.ExpressionAttributeValues as Record<string, unknown> | undefined), ...c.values };
  return {
    item: {
      [kind]: {
        ...op,
        ConditionExpression: own ? `(${own}) AND (${c.expression})` : c.expression,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    },
    // Which half failed is read from the item as it is now.
    onConditionFailed: (current) => (c.holds(current) ? (step.onConditionFailed ?? genericConflict)(current) : actorChanged()),
  };
}

/**
 * A change's transaction with the actor's checks added. DynamoDB refuses two operations on
 * one item in a transaction, so where a step already touches the actor's item (an Owner
 * changing their own membership, or relying on it as the other Owner) the check joins that
 * step's condition; otherwise it goes just before the audit entry that names the actor.
 */
export function withActor(store: Store, actor: Actor, steps: readonly TxStep[]): TxStep[] {
  const out = [...steps];
  const extra: TxStep[] = [];
  const checks = actorChecks(actor);
  actorSteps(store, actor).forEach((step, n) => {
    const c = checks[n]!;
    const at = out.findIndex((s) => {
      const k = keyOfStep(s);
      return k !== undefined && k.pk === c.key.pk && k.sk === c.key.sk;
    });
    if (at >= 0) out[at] = joined(out[at]!, c);
    else extra.push(step);
  });
  const audit = out.findLastIndex((s) => s.item.Put?.Item?.type === 'audit');
  out.splice(audit >= 0 ? audit : out.length, 0, ...extra);
  return out;
}
