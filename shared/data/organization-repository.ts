import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { adminKeys, keys } from './keys.js';
import type { AccountItem, OrganizationItem, SignUpItem } from './items.js';
import { queryAll, queryPage, type PageRequest } from './query.js';
import { getItem, mapWriteError } from './transact.js';
import type { Page } from './pagination.js';
import { ServiceUnavailable } from '../domain/errors.js';

/* Organizations, accounts and sign-up guards (issue 4). Writes are transaction steps built by the callers. */

/* Pattern "organization by id": GetItem, strongly consistent (plan, features, roles, version). */
export const getOrganization = (db: DynamoDBDocumentClient, table: string, organizationId: string) =>
  getItem<OrganizationItem>(db, table, keys.organization(organizationId));

/* Pattern "account by id": GetItem, strongly consistent. */
export const getAccount = (db: DynamoDBDocumentClient, table: string, accountId: string) =>
  getItem<AccountItem>(db, table, keys.account(accountId));

/* Pattern "the organization a user signed up": GetItem on the sign-up guard. */
export const getSignUp = (db: DynamoDBDocumentClient, table: string, userId: string) =>
  getItem<SignUpItem>(db, table, adminKeys.signUp(userId));

/* Pattern A3 narrowed to sub-accounts: gsi1 `ORG#<org>#ACCOUNTS`, sort key after the main account's. */
export function listSubAccounts(
  db: DynamoDBDocumentClient,
  table: string,
  organizationId: string,
  mainAccountId: string,
  page: PageRequest,
): Promise<Page<AccountItem>> {
  const { gsi1pk } = keys.accountsOfOrganization(organizationId);
  return queryPage<AccountItem>(
    db,
    {
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':pk': gsi1pk, ':prefix': adminKeys.subAccountsPrefix(mainAccountId) },
    },
    { attribute: 'gsi1pk', value: gsi1pk },
    page,
  );
}

/* Pattern A3: every account of an organization (billing: one invoice for all of them), page after page. */
export function listAllAccounts(db: DynamoDBDocumentClient, table: string, organizationId: string): Promise<AccountItem[]> {
  return queryAll<AccountItem>(db, {
    TableName: table,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.accountsOfOrganization(organizationId).gsi1pk },
  }, Number.POSITIVE_INFINITY);
}

/* Pattern "accounts by id": BatchGetItem of exact keys (a member's granted sub-accounts). */
export async function getAccounts(db: DynamoDBDocumentClient, table: string, accountIds: string[]): Promise<AccountItem[]> {
  const out: AccountItem[] = [];
  for (let i = 0; i < accountIds.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
      [table]: { Keys: accountIds.slice(i, i + 100).map((id) => ({ ...keys.account(id) })) },
    };
    for (let attempt = 0; request && attempt < 5; attempt++) {
      try {
        const res: BatchGetCommandOutput = await db.send(new BatchGetCommand({ RequestItems: request }));
        out.push(...((res.Responses?.[table] ?? []) as AccountItem[]));
        request = res.UnprocessedKeys && Object.keys(res.UnprocessedKeys).length ? (res.UnprocessedKeys as typeof request) : undefined;
      } catch (e) {
        throw mapWriteError(e);
      }
    }
    if (request) throw new ServiceUnavailable('the accounts could not all be read');
  }
  return out;
}
