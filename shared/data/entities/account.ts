import * as z from 'zod/mini';
import { Conflict, NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { batchGetItems, getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryAll, queryPage, type Page, type PageRequest } from '../paginator.js';
import { onVersion, putNewStep, staleOr } from './guards.js';

/*
 * A main account or a sub-account. The main account's id is `acc_<org ULID>` and a
 * sub-account's `acc_<org ULID>_<ULID>`, so in the organization's gsi1 partition the main
 * account sorts first and its sub-accounts are exactly the keys under `ACCOUNT#<main>_`.
 *
 *   table  pk ACCOUNT#<acc>          sk ACCOUNT
 *   gsi1   ORG#<org>#ACCOUNTS        ACCOUNT#<acc>   the accounts of an organization
 */
export const accountSchema = z.object({
  accountId: z.string(),
  organizationId: z.string(),
  kind: z.enum(['main', 'sub']),
  name: z.string(),
  // Items written before a sub-account could carry several identifiers hold one `externalId`;
  // read them through externalIdsOf, which folds both shapes into the list.
  externalId: z.optional(z.string()),
  externalIds: z.optional(z.array(z.string())),
  status: z.enum(['active', 'archived']),
  createdAt: z.string(),
  version: z.number(),
});
export type Account = z.infer<typeof accountSchema>;

export const accountKey = (accountId: string) => ({ pk: `ACCOUNT#${seg(accountId)}`, sk: 'ACCOUNT' });
const ofOrganization = (organizationId: string) => `ORG#${seg(organizationId)}#ACCOUNTS`;

export const accountEntity = defineEntity({
  type: 'account',
  schema: accountSchema,
  key: (a) => accountKey(a.accountId),
  indexes: (a) => ({ gsi1pk: ofOrganization(a.organizationId), gsi1sk: `ACCOUNT#${seg(a.accountId)}` }),
});

/**
 * Every account of an organization is read when it is billed and when an Owner lists what
 * they can switch to: nothing may be left out, so the read is bounded by the organization's
 * own size and not by a number.
 */
const EVERY_ACCOUNT = Number.POSITIVE_INFINITY;

// Pattern "account by id": GetItem, strongly consistent.
export const getAccount = async (store: Store, accountId: string): Promise<Account | undefined> =>
  parseOptional(accountEntity, await getItem(store, accountKey(accountId), true));

// Pattern "accounts by id": BatchGetItem of exact keys (a member's granted sub-accounts).
export const getAccounts = async (store: Store, accountIds: readonly string[]): Promise<Account[]> =>
  (await batchGetItems(store, accountIds.map(accountKey))).map(accountEntity.parse);

// Pattern "sub-accounts of an organization": gsi1, the keys after the main account's.
export const listSubAccounts = (store: Store, organizationId: string, mainAccountId: string, page: PageRequest): Promise<Page<Account>> =>
  queryPage(store, { index: 'gsi1', partition: ofOrganization(organizationId), sort: { prefix: `ACCOUNT#${seg(mainAccountId)}_` } }, accountEntity.parse, page);

// Pattern "every account of an organization" (billing, switching): gsi1, main account first.
export const listAllAccounts = (store: Store, organizationId: string): Promise<Account[]> =>
  queryAll(store, { index: 'gsi1', partition: ofOrganization(organizationId) }, accountEntity.parse, { max: EVERY_ACCOUNT });

/** The external identifiers of an account, whichever shape its item was written in. */
export const externalIdsOf = (a: Pick<Account, 'externalId' | 'externalIds'>): string[] =>
  a.externalIds ?? (a.externalId === undefined ? [] : [a.externalId]);

/** A new account. */
export const accountPutStep = (store: Store, a: Account): TxStep => putNewStep(store, accountEntity.item(a));

/**
 * Rename, archive, restore or replace the external identifiers, on the version read. A new
 * list of identifiers is written in the list shape and drops the single-identifier attribute.
 */
export const accountUpdateStep = (
  store: Store,
  a: Account,
  next: { name: string; status: Account['status']; externalIds?: readonly string[] },
): TxStep => {
  const guard = onVersion(a.version);
  const ids = next.externalIds;
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: accountKey(a.accountId),
        UpdateExpression:
          'SET #name = :name, #status = :status, #version = #version + :one' + (ids ? ', #externalIds = :ids REMOVE #externalId' : ''),
        ...guard,
        ExpressionAttributeNames: {
          '#name': 'name',
          '#status': 'status',
          ...(ids ? { '#externalIds': 'externalIds', '#externalId': 'externalId' } : {}),
          ...guard.ExpressionAttributeNames,
        },
        ExpressionAttributeValues: {
          ':name': next.name,
          ':status': next.status,
          ':one': 1,
          ...(ids ? { ':ids': [...ids] } : {}),
          ...guard.ExpressionAttributeValues,
        },
      },
    },
    onConditionFailed: staleOr('the account', () => new NotFound('no such account')),
  };
};

/** The account must exist in this organization and be active. */
export const activeAccountStep = (store: Store, organizationId: string, accountId: string): TxStep => ({
  item: {
    ConditionCheck: {
      TableName: store.table,
      Key: accountKey(accountId),
      ConditionExpression: 'organizationId = :org AND #status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':org': organizationId, ':active': 'active' },
    },
  },
  onConditionFailed: () => new Conflict('the account does not exist or is archived'),
});

/** The account must exist in this organization (archived or not). */
export const accountInOrganizationStep = (store: Store, organizationId: string, accountId: string): TxStep => ({
  item: {
    ConditionCheck: {
      TableName: store.table,
      Key: accountKey(accountId),
      ConditionExpression: 'organizationId = :org',
      ExpressionAttributeValues: { ':org': organizationId },
    },
  },
  onConditionFailed: () => new NotFound('no such sub-account in this organization'),
});
