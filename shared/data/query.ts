import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type Page } from './pagination.js';
import { mapWriteError } from './transact.js';

/*
 * One page of a Query, with an opaque cursor bound to the partition being read (issue 4).
 * Every list of the administration API goes through here: a key condition on a table or
 * index partition, never a Scan.
 */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export async function queryPage<T>(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
  partition: { attribute: string; value: string },
  page: PageRequest,
): Promise<Page<T>> {
  const start = decodeCursor(page.cursor, partition);
  try {
    const out = await db.send(new QueryCommand({ ...input, Limit: page.limit, ExclusiveStartKey: start }));
    return { items: (out.Items ?? []) as T[], nextCursor: encodeCursor(out.LastEvaluatedKey) };
  } catch (e) {
    throw mapWriteError(e);
  }
}

/** The key condition of the items of one partition under a sort-key prefix. */
export const prefixCondition = (prefix: { pk: string; skPrefix: string }) => ({
  KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
  ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.skPrefix },
});

/** One page of the items of one partition under a sort-key prefix, the cursor bound to it. */
export const queryPrefixPage = <T>(
  db: DynamoDBDocumentClient,
  table: string,
  prefix: { pk: string; skPrefix: string },
  page: PageRequest,
): Promise<Page<T>> => queryPage<T>(db, { TableName: table, ...prefixCondition(prefix) }, { attribute: 'pk', value: prefix.pk }, page);

/** Every item of a key condition, page after page: for partitions known to be small. */
export async function queryAll<T>(db: DynamoDBDocumentClient, input: QueryCommandInput, max = 1000): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined = input.ExclusiveStartKey;
  try {
    do {
      const out = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as T[]));
      start = out.LastEvaluatedKey;
    } while (start && items.length < max);
  } catch (e) {
    throw mapWriteError(e);
  }
  return items;
}
