import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFound, StaleVersion } from '../domain/errors.js';
import { invoicingKeys } from './keys.js';
import { catalogItem, clientItem, type CatalogItem, type ClientItem } from './items.js';
import { decodeCursor, encodeCursor, type Page } from './pagination.js';
import { isConditionalCheckFailed } from './conditions.js';

/*
 * Clients and items: one partition per collection and account, sort key `CLIENT#<ULID>` /
 * `ITEM#<ULID>`, so the full list (SPEC 1: visible to every role) is one Query in creation
 * order. Edits are optimistic: a Put conditioned on the version that was read.
 */
export interface CatalogStore {
  db: DynamoDBDocumentClient;
  table: string;
}

export interface Entity<T extends { version: number }> {
  key: (accountId: string, id: string) => { pk: string; sk: string };
  collection: (accountId: string) => { pk: string; skPrefix: string };
  build: (input: Omit<T, 'pk' | 'sk' | 'type'>) => T;
  idOf: (item: T) => string;
  noun: string;
}

export const clientEntity: Entity<ClientItem> = {
  key: invoicingKeys.client,
  collection: invoicingKeys.clients,
  build: clientItem,
  idOf: (c) => c.clientId,
  noun: 'client',
};

export const itemEntity: Entity<CatalogItem> = {
  key: invoicingKeys.item,
  collection: invoicingKeys.items,
  build: catalogItem,
  idOf: (i) => i.itemId,
  noun: 'item',
};

export async function createEntry<T extends { version: number; accountId: string }>(
  { db, table }: CatalogStore,
  entity: Entity<T>,
  input: Omit<T, 'pk' | 'sk' | 'type'>,
): Promise<T> {
  const item = entity.build(input);
  await db.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  return item;
}

// Pattern "one client / item": GetItem on its key in the principal's account.
export async function getEntry<T extends { version: number }>(
  { db, table }: CatalogStore,
  entity: Entity<T>,
  accountId: string,
  id: string,
  consistent = false,
): Promise<T | undefined> {
  const out = await db.send(new GetCommand({ TableName: table, Key: entity.key(accountId, id), ConsistentRead: consistent }));
  return out.Item as T | undefined;
}

async function refusal<T extends { version: number }>(store: CatalogStore, entity: Entity<T>, accountId: string, id: string, version: number): Promise<never> {
  const now = await getEntry(store, entity, accountId, id, true);
  if (!now) throw new NotFound(`the ${entity.noun} does not exist`);
  throw new StaleVersion(`version ${version} is stale; the ${entity.noun} is at version ${now.version}`, {
    extensions: { currentVersion: now.version },
  });
}

/** Replaces the entry if it is still at `expectedVersion`; 404 if gone, 409 if stale. */
export async function replaceEntry<T extends { version: number; accountId: string }>(
  store: CatalogStore,
  entity: Entity<T>,
  next: Omit<T, 'pk' | 'sk' | 'type'>,
  expectedVersion: number,
): Promise<T> {
  const item = entity.build({ ...next, version: expectedVersion + 1 });
  try {
    await store.db.send(
      new PutCommand({
        TableName: store.table,
        Item: item,
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': expectedVersion },
      }),
    );
  } catch (e) {
    if (isConditionalCheckFailed(e)) return refusal(store, entity, next.accountId, entity.idOf(item), expectedVersion);
    throw e;
  }
  return item;
}

/** Deletes the entry; 404 if it does not exist (and, with a version, 409 if stale). */
export async function deleteEntry<T extends { version: number }>(
  store: CatalogStore,
  entity: Entity<T>,
  accountId: string,
  id: string,
  expectedVersion?: number,
): Promise<void> {
  try {
    await store.db.send(
      new DeleteCommand({
        TableName: store.table,
        Key: entity.key(accountId, id),
        ...(expectedVersion === undefined
          ? { ConditionExpression: 'attribute_exists(pk)' }
          : {
              ConditionExpression: '#version = :version',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':version': expectedVersion },
            }),
      }),
    );
  } catch (e) {
    if (!isConditionalCheckFailed(e)) throw e;
    if (expectedVersion === undefined) throw new NotFound(`the ${entity.noun} does not exist`);
    return refusal(store, entity, accountId, id, expectedVersion);
  }
}

// Pattern "all clients / items of an account": Query pk = ACCOUNT#<id>#CLIENTS|ITEMS, one page.
export async function listEntries<T extends { version: number }>(
  { db, table }: CatalogStore,
  entity: Entity<T>,
  accountId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<T>> {
  const c = entity.collection(accountId);
  const out = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': c.pk, ':prefix': c.skPrefix },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, { attribute: 'pk', value: c.pk }),
    }),
  );
  return { items: (out.Items ?? []) as T[], nextCursor: encodeCursor(out.LastEvaluatedKey) };
}
