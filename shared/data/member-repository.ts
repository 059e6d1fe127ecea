import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { adminKeys, keys } from './keys.js';
import type { GrantItem, MembershipItem, UserItem } from './items.js';
import { decodeCursor, encodeCursor, type Page } from './pagination.js';
import { prefixCondition, queryAll, type PageRequest } from './query.js';
import { getItem, mapWriteError, type TxStep } from './transact.js';

/* Members, their grants, and role holders (issue 4). Writes are transaction steps built by the callers. */

export interface MemberWithGrants {
  membership: MembershipItem;
  grants: GrantItem[];
}

/* Pattern "membership by (account, user)": GetItem, strongly consistent. */
export const getMembership = (db: DynamoDBDocumentClient, table: string, accountId: string, userId: string) =>
  getItem<MembershipItem>(db, table, keys.membership(accountId, userId));

/* Pattern "a user's profile": GetItem. */
export const getUser = (db: DynamoDBDocumentClient, table: string, userId: string) =>
  getItem<UserItem>(db, table, keys.user(userId));

/* Pattern A5: one member with their grants, `begins_with(sk, 'MEMBER#<user>#')`, strongly consistent. */
export async function getMemberWithGrants(
  db: DynamoDBDocumentClient,
  table: string,
  accountId: string,
  userId: string,
): Promise<MemberWithGrants | undefined> {
  const items = await queryAll<MembershipItem | GrantItem>(db, {
    TableName: table,
    ...prefixCondition(keys.memberWithGrantsPrefix(accountId, userId)),
    ConsistentRead: true,
  });
  const membership = items.find((i): i is MembershipItem => i.type === 'membership');
  if (!membership) return undefined;
  return { membership, grants: items.filter((i): i is GrantItem => i.type === 'grant') };
}

/*
 * Pattern A4: members of an account with their grants, one page. A member's grants follow
 * their membership item in the partition; when a page would end inside a member's grants,
 * the rest of that member's grants are read too, so a page never splits a member and the
 * cursor always points after a whole member.
 */
export async function listMembers(
  db: DynamoDBDocumentClient,
  table: string,
  accountId: string,
  page: PageRequest,
): Promise<Page<MemberWithGrants>> {
  const { pk, skPrefix } = keys.membersPrefix(accountId);
  let start = decodeCursor(page.cursor, { attribute: 'pk', value: pk });
  try {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        Limit: page.limit,
        ExclusiveStartKey: start,
      }),
    );
    const items = (out.Items ?? []) as Array<MembershipItem | GrantItem>;
    start = out.LastEvaluatedKey;
    const last = items.at(-1);
    if (start && last) {
      const tail = await queryAll<GrantItem>(db, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': pk,
          // The member's own prefix: the start key (their membership or a grant) lies within it.
          ':prefix': keys.memberWithGrantsPrefix(accountId, last.userId).skPrefix,
        },
        ExclusiveStartKey: start,
      });
      items.push(...tail);
      const end = items.at(-1)!;
      start = { pk: end.pk, sk: end.sk };
    }
    const members: MemberWithGrants[] = [];
    for (const item of items) {
      if (item.type === 'membership') members.push({ membership: item, grants: [] });
      else if (members.at(-1)?.membership.userId === item.userId) members.at(-1)!.grants.push(item);
    }
    return { items: members, nextCursor: encodeCursor(start) };
  } catch (e) {
    throw mapWriteError(e);
  }
}

/* Pattern "grants of a main-account member": `begins_with(sk, 'MEMBER#<user>#GRANT#')`. */
export function listGrantsOfMember(
  db: DynamoDBDocumentClient,
  table: string,
  mainAccountId: string,
  userId: string,
): Promise<GrantItem[]> {
  const { pk, skPrefix } = keys.memberWithGrantsPrefix(mainAccountId, userId);
  return queryAll<GrantItem>(db, {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': `${skPrefix}GRANT#` },
  });
}

/*
 * Pattern "holders of a role in an organization": gsi4 `ORG#<org>#ROLE#<role>`. Callers
 * pass a small `max` when they only need to know whether (or who, by a few names) holds it.
 */
export function listRoleHolders(
  db: DynamoDBDocumentClient,
  table: string,
  organizationId: string,
  role: string,
  max = 1000,
): Promise<MembershipItem[]> {
  return queryAll<MembershipItem>(
    db,
    {
      TableName: table,
      IndexName: 'gsi4',
      KeyConditionExpression: 'gsi4pk = :pk',
      ExpressionAttributeValues: { ':pk': adminKeys.roleHolders(organizationId, role).gsi4pk },
      Limit: Number.isFinite(max) ? Math.min(max, 1000) : undefined,
    },
    max,
  );
}

/** Upserts the profile of a user whose e-mail a verified token just showed (sign-up, acceptance). */
export const userProfileStep = (table: string, userId: string, email: string, at: string): TxStep => ({
  item: {
    Update: {
      TableName: table,
      Key: keys.user(userId),
      UpdateExpression: 'SET #type = :type, userId = :user, email = :email, updatedAt = :at',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':type': 'user', ':user': userId, ':email': email, ':at': at },
    },
  },
});
