import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ValidationError } from '../domain/errors.js';
import type { Store } from './context.js';
import { query, type Condition, type Stored } from './dynamo.js';
import type { IndexName } from './table.js';

/*
 * The one paginator. Every list is a Query on one partition of the table or of an index
 * (never a Scan), one page at a time, with an opaque cursor:
 *
 *   cursor = base64url( 1 | iv | AES-256-GCM(LastEvaluatedKey) | tag ),
 *            additional data = (index, partition, the caller it was issued to)
 *
 * Encryption keeps the key layout private; the authenticated data binds a cursor to the
 * list and the caller it was issued for, so it cannot be replayed against another
 * account's partition or handed to someone else. Anything that does not decrypt - tampered,
 * truncated, foreign, issued under another secret - is a 400 naming `query.cursor`.
 * The secret is per stage (CURSOR_SECRET, from Secrets Manager in the stack); rotating it
 * invalidates outstanding cursors, which then answer 400.
 */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
  /** Who the cursor is issued to (the caller's user id); a cursor only works for them. */
  boundTo: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface QuerySpec {
  index?: IndexName | undefined;
  /** The partition key value of the table or index. */
  partition: string;
  /** Sort-key condition: a prefix, or an inclusive range. */
  sort?: { prefix: string } | { between: readonly [string, string] } | undefined;
  newestFirst?: boolean | undefined;
  consistent?: boolean | undefined;
  /** A filter on the read items; a page may then hold fewer than `limit` while the cursor continues. */
  filter?: Condition | undefined;
}

const keyNames = (index: IndexName | undefined) => (index ? { pk: `${index}pk`, sk: `${index}sk` } : { pk: 'pk', sk: 'sk' });

function queryInput(spec: QuerySpec) {
  const k = keyNames(spec.index);
  const names: Record<string, string> = { '#pk': k.pk, ...spec.filter?.names };
  const values: Record<string, unknown> = { ':pk': spec.partition, ...spec.filter?.values };
  let condition = '#pk = :pk';
  if (spec.sort) {
    names['#sk'] = k.sk;
    if ('prefix' in spec.sort) {
      condition += ' AND begins_with(#sk, :prefix)';
      values[':prefix'] = spec.sort.prefix;
    } else {
      condition += ' AND #sk BETWEEN :from AND :to';
      values[':from'] = spec.sort.between[0];
      values[':to'] = spec.sort.between[1];
    }
  }
  return {
    ...(spec.index ? { IndexName: spec.index } : {}),
    KeyConditionExpression: condition,
    ...(spec.filter ? { FilterExpression: spec.filter.expression } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ScanIndexForward: !spec.newestFirst,
    ...(spec.consistent ? { ConsistentRead: true } : {}),
  };
}

// --- the cursor --------------------------------------------------------------------------
const VERSION = 1;
let fallbackSecret: string | undefined;

function cursorKey(): Buffer {
  let secret = process.env.CURSOR_SECRET;
  if (!secret) {
    // A deployed function always has the stage's secret; a missing one is a broken deploy.
    if (process.env.AWS_LAMBDA_FUNCTION_NAME) throw new Error('invalid environment: CURSOR_SECRET');
    // Locally and in tests: one secret per process is enough (one process serves every page).
    fallbackSecret ??= randomBytes(32).toString('hex');
    secret = fallbackSecret;
  }
  return createHash('sha256').update('kontor-cursor-v1\0').update(secret).digest();
}

const boundData = (spec: QuerySpec, boundTo: string) => Buffer.from(JSON.stringify([spec.index ?? 'table', spec.partition, boundTo]));

export function encodeCursor(lastKey: Record<string, unknown> | undefined, spec: QuerySpec, boundTo: string): string | null {
  if (!lastKey) return null;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cursorKey(), iv);
  cipher.setAAD(boundData(spec, boundTo));
  const body = Buffer.concat([cipher.update(JSON.stringify(lastKey), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]).toString('base64url');
}

const invalidCursor = () =>
  new ValidationError('the cursor is not valid for this list', { errors: [{ field: 'query.cursor', message: 'invalid cursor' }] });

export function decodeCursor(cursor: string | undefined, spec: QuerySpec, boundTo: string): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const raw = Buffer.from(cursor, 'base64url');
  if (raw.length < 1 + 12 + 16 + 2 || raw[0] !== VERSION) throw invalidCursor();
  let key: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', cursorKey(), raw.subarray(1, 13));
    decipher.setAAD(boundData(spec, boundTo));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    key = JSON.parse(Buffer.concat([decipher.update(raw.subarray(13, raw.length - 16)), decipher.final()]).toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  // Authenticated, so it is a key this code issued for this list; the shape check is a second belt.
  const expected = new Set(['pk', 'sk', ...(spec.index ? Object.values(keyNames(spec.index)) : [])]);
  if (
    typeof key !== 'object' ||
    key === null ||
    Object.keys(key).length !== expected.size ||
    !Object.entries(key).every(([k, v]) => expected.has(k) && typeof v === 'string' && v !== '')
  ) {
    throw invalidCursor();
  }
  return key as Record<string, unknown>;
}

// --- reading -----------------------------------------------------------------------------

/** One page of a Query, each item parsed by its entity. */
export async function queryPage<T>(store: Store, spec: QuerySpec, parse: (raw: Stored) => T, page: PageRequest): Promise<Page<T>> {
  const out = await query(store, {
    ...queryInput(spec),
    Limit: page.limit,
    ExclusiveStartKey: decodeCursor(page.cursor, spec, page.boundTo),
  });
  return { items: (out.Items ?? []).map(parse), nextCursor: encodeCursor(out.LastEvaluatedKey, spec, page.boundTo) };
}

/**
 * Every item of a Query, page after page, for partitions that are small by construction
 * (a member's grants, an organization's Owners). Stops at `max` items: callers that must
 * never miss one pass a bound they can prove, or Infinity.
 */
export async function queryAll<T>(
  store: Store,
  spec: QuerySpec,
  parse: (raw: Stored) => T,
  options: { max?: number; startAfter?: Record<string, unknown> | undefined } = {},
): Promise<T[]> {
  const max = options.max ?? 1000;
  const items: T[] = [];
  let start = options.startAfter;
  do {
    const out = await query(store, {
      ...queryInput(spec),
      ExclusiveStartKey: start,
      ...(Number.isFinite(max) ? { Limit: Math.min(max - items.length, 1000) } : {}),
    });
    items.push(...(out.Items ?? []).map(parse));
    start = out.LastEvaluatedKey;
  } while (start && items.length < max);
  return items;
}

/**
 * Every item of a Query handed to `visit` and none kept, so memory stays flat (reports and
 * exports over a period). Returns how many items were read and the capacity they cost.
 */
export async function queryEach(
  store: Store,
  spec: QuerySpec,
  visit: (raw: Stored) => void,
): Promise<{ itemsRead: number; capacityUnits: number }> {
  let start: Record<string, unknown> | undefined;
  let itemsRead = 0;
  let capacityUnits = 0;
  do {
    const out = await query(store, { ...queryInput(spec), ExclusiveStartKey: start, ReturnConsumedCapacity: 'TOTAL' });
    itemsRead += out.ScannedCount ?? out.Items?.length ?? 0;
    capacityUnits += out.ConsumedCapacity?.CapacityUnits ?? 0;
    for (const item of out.Items ?? []) visit(item);
    start = out.LastEvaluatedKey;
  } while (start);
  return { itemsRead, capacityUnits };
}
