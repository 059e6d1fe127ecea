import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessFacts } from '../authz/engine.js';
import { FEATURES, type Feature } from '../authz/plans.js';
import type { AccountRef } from '../domain/ids.js';
import { ServiceUnavailable } from '../domain/errors.js';
import { keys, type Key } from './keys.js';
import type { AccountItem, GrantItem, MembershipItem, OrganizationItem } from './items.js';

/*
 * Access pattern "principal for (user, account)": the authorizer's one round trip. All keys
 * derive from the user id and the account id (whose organization is embedded in it), so a
 * single strongly consistent BatchGetItem of at most five items loads every fact
 * resolveAccess needs. Its cost is fixed: it never grows with the organization's
 * sub-accounts, members or roles (custom roles are compiled onto the organization item).
 */
export async function loadAccessFacts(
  db: DynamoDBDocumentClient,
  table: string,
  userId: string,
  ref: AccountRef,
): Promise<{ facts: AccessFacts; consumedCapacity: number }> {
  const wanted: Key[] = [
    keys.organization(ref.organizationId),
    keys.account(ref.accountId),
    keys.membership(ref.accountId, userId),
  ];
  if (ref.isSubAccount) {
    wanted.push(keys.membership(ref.mainAccountId, userId), keys.grant(ref.mainAccountId, userId, ref.accountId));
  }
  const out = await db.send(
    new BatchGetCommand({
      RequestItems: { [table]: { Keys: wanted, ConsistentRead: true } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  // A partial answer is not an answer: deciding on it could deny wrongly or, worse, miss a
  // fact. The caller turns this into a 503; the client retries.
  if ((out.UnprocessedKeys?.[table]?.Keys?.length ?? 0) > 0) {
    throw new ServiceUnavailable('the access facts could not all be read');
  }
  const items = out.Responses?.[table] ?? [];
  const find = <T>(k: Key): T | undefined => items.find((i) => i.pk === k.pk && i.sk === k.sk) as T | undefined;

  const org = find<OrganizationItem>(wanted[0]!);
  const account = find<AccountItem>(wanted[1]!);
  const membership = find<MembershipItem>(wanted[2]!);
  const mainMembership = ref.isSubAccount ? find<MembershipItem>(wanted[3]!) : undefined;
  const grant = ref.isSubAccount ? find<GrantItem>(wanted[4]!) : undefined;

  return {
    facts: {
      userId,
      accountId: ref.accountId,
      mainAccountId: ref.mainAccountId,
      organizationId: ref.organizationId,
      organization: org && {
        organizationId: org.organizationId,
        plan: org.plan,
        features: asFeatures(org.features),
        customRoles: asCustomRoles(org.customRoles),
      },
      account: account && {
        accountId: account.accountId,
        organizationId: account.organizationId,
        kind: account.kind,
        status: account.status,
      },
      membership: membership && { accountId: membership.accountId, userId: membership.userId, role: membership.role },
      mainMembership: mainMembership && {
        accountId: mainMembership.accountId,
        userId: mainMembership.userId,
        role: mainMembership.role,
      },
      grant: grant !== undefined,
    },
    consumedCapacity: (out.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0),
  };
}

/*
 * Stored shapes are trusted only as far as the engine needs: a features string set comes
 * back from the DocumentClient as a Set, and anything malformed must deny, never throw.
 */
function asFeatures(value: unknown): Feature[] {
  const list = value instanceof Set ? [...value] : Array.isArray(value) ? value : [];
  return list.filter((f): f is Feature => (FEATURES as readonly unknown[]).includes(f));
}

function asCustomRoles(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string> = Object.create(null);
  for (const [id, hex] of Object.entries(value)) if (typeof hex === 'string') out[id] = hex;
  return out;
}

/* Access pattern "memberships of a user": gsi1, one Query per page. */
export async function listMembershipsOfUser(
  db: DynamoDBDocumentClient,
  table: string,
  userId: string,
): Promise<MembershipItem[]> {
  const items: MembershipItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.membershipsOfUser(userId).gsi1pk },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((out.Items ?? []) as MembershipItem[]));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}
