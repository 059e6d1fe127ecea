import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  DynamoDBDocumentClient,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  TransactWriteCommandInput,
  TransactWriteCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { createRequire } from 'node:module';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Conflict, ServiceUnavailable, type DomainError } from '../domain/errors.js';
import type { Store } from './context.js';
import type { Key } from './entity.js';

/*
 * The one way Kontor talks to DynamoDB. Every call goes through `call`, so every refusal
 * is read by one mapper:
 *   - throttling, service faults, timeouts and dropped connections -> 503 with Retry-After
 *     (the SDK has already retried; the client may retry later);
 *   - a failed condition -> the domain error the caller named for it, handed the item as it
 *     is now (ReturnValuesOnConditionCheckFailure: ALL_OLD), so no second read is needed;
 *   - a cancelled transaction -> per item and per reason: the failing step's own error, a
 *     TransientConflict when it lost a race (retry loops catch that one), 503 when throttled;
 *   - anything else (a malformed request is a bug) stays an error and becomes an opaque 500.
 */

/*
 * The transport seam. The gateway sends each request as an operation name and its input in
 * document form (native values, as lib-dynamodb takes them) to what the store holds:
 *   - the SDK's document client (every API function, the tests, the local runtime). This
 *     module imports nothing of the SDK, so a bundle that never builds an SDK client does
 *     not carry it: the command classes are installed by ./client.ts, which builds every
 *     client of a deployed function; unbundled code that builds its own client (tests,
 *     scripts) gets them from node_modules on first use;
 *   - or a DynamoTransport: ./signed-transport.ts, a signed HTTPS client for the subset the
 *     authorizer reads (GetItem, BatchGetItem), whose cold start is budgeted.
 * Either way the answer and the errors come back in the SDK's shapes (error `name`,
 * `$metadata.httpStatusCode`), so the one mapper below reads both.
 */
export interface Operations {
  GetItem: [GetCommandInput, GetCommandOutput];
  BatchGetItem: [BatchGetCommandInput, BatchGetCommandOutput];
  PutItem: [PutCommandInput, PutCommandOutput];
  UpdateItem: [UpdateCommandInput, UpdateCommandOutput];
  DeleteItem: [DeleteCommandInput, DeleteCommandOutput];
  TransactWriteItems: [TransactWriteCommandInput, TransactWriteCommandOutput];
  Query: [QueryCommandInput, QueryCommandOutput];
}
export type Operation = keyof Operations;

export interface DynamoTransport {
  request<O extends Operation>(operation: O, input: Operations[O][0]): Promise<Operations[O][1]>;
}

/** What a store's `db` is: the SDK's document client or a transport. */
export type DynamoDb = DynamoDBDocumentClient | DynamoTransport;

type SdkCommand = Parameters<DynamoDBDocumentClient['send']>[0];
/** lib-dynamodb's command class per operation (typed loosely: the SDK's command generics do not unify). */
export type SdkCommands = { readonly [O in Operation]: new (input: Operations[O][0]) => object };
let sdkCommands: SdkCommands | undefined;

/** Installs lib-dynamodb's command classes (./client.ts does, on import). */
export function useSdkCommands(commands: SdkCommands): void {
  sdkCommands = commands;
}

function loadSdkCommands(): SdkCommands {
  // A require the bundler does not follow: in a bundle, ./client.ts has installed them.
  const lib = createRequire(import.meta.url)('@aws-sdk/lib-dynamodb') as Record<string, unknown>;
  return {
    GetItem: lib.GetCommand,
    BatchGetItem: lib.BatchGetCommand,
    PutItem: lib.PutCommand,
    UpdateItem: lib.UpdateCommand,
    DeleteItem: lib.DeleteCommand,
    TransactWriteItems: lib.TransactWriteCommand,
    Query: lib.QueryCommand,
  } as SdkCommands;
}

const isTransport = (db: DynamoDb): db is DynamoTransport => typeof (db as Partial<DynamoTransport>).request === 'function';

function send<O extends Operation>(db: DynamoDb, operation: O, input: Operations[O][0]): Promise<Operations[O][1]> {
  if (isTransport(db)) return db.request(operation, input);
  sdkCommands ??= loadSdkCommands();
  const Command = sdkCommands[operation] as new (input: Operations[O][0]) => object;
  return db.send(new Command(input) as SdkCommand) as Promise<Operations[O][1]>;
}

/** An item as DynamoDB holds it, key attributes included. */
export type Stored = Record<string, unknown>;

/** Builds the error a failed condition means, from the item as it is now (undefined: absent). */
export type OnConditionFailed = (current: Stored | undefined) => DomainError;

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One item of a transaction and what its failed condition means. */
export interface TxStep {
  readonly item: TransactItem;
  /** The error when this step's condition fails; a generic 409 when absent. */
  readonly onConditionFailed?: OnConditionFailed;
}

/** A condition on a single write: expression, names and values as DynamoDB takes them. */
export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** The transaction lost a race with another writer of the same items: retrying may succeed. */
export class TransientConflict extends Conflict {}

/** Full-jitter exponential backoff (AWS Architecture Blog), capped: racing writers spread out. */
const backoff = (attempt: number, baseMs = 5, capMs = 200): number => Math.random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 10));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one retry of lost races: runs `attempt` (read, decide, write) again after a jittered
 * backoff while it fails with TransientConflict, at most `attempts` times, then answers
 * `exhausted()`. Any other error ends it at once. Each attempt reads afresh, so the decision
 * is always made on what is there now.
 */
export async function retryLostRaces<T>(attempts: number, exhausted: () => DomainError, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; n < attempts; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof TransientConflict)) throw e;
    }
    if (n < attempts - 1) await sleep(backoff(n));
  }
  throw exhausted();
}

const THROTTLED = new Set([
  'ThrottlingError',
  'ThrottlingException',
  'ProvisionedThroughputExceeded',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);
const UNAVAILABLE = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

const busy = () => new ServiceUnavailable('the table is busy; retry shortly', { retryAfterSeconds: 1 });
const conflict = () => new Conflict('the change conflicts with the current state; read again and retry');

function isTransient(e: Error & { code?: string; $metadata?: { httpStatusCode?: number } }): boolean {
  if (THROTTLED.has(e.name) || UNAVAILABLE.has(e.name)) return true;
  if (e.code !== undefined && UNAVAILABLE.has(e.code)) return true;
  return (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

const oldItem = (raw: unknown): Stored | undefined =>
  raw && typeof raw === 'object' && Object.keys(raw).length > 0 ? unmarshall(raw as Record<string, AttributeValue>) : undefined;

interface CancellationReason {
  Code?: string;
  Item?: Record<string, AttributeValue>;
}

/** Reasons of a cancelled transaction, one per item in order ("None" for a fine one). */
function cancellationReasons(e: Error): CancellationReason[] {
  const reasons = (e as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  if (reasons) return reasons;
  // DynamoDB Local sometimes puts the codes only in the message: "... [ConditionalCheckFailed, None]".
  const m = /\[([^\]]*)\]/.exec(e.message ?? '');
  return m ? m[1]!.split(',').map((s) => ({ Code: s.trim() })) : [];
}

/** The one DynamoDB error mapper. `onCondition` is one handler for a single write, or one per step. */
export function mapDynamoError(e: unknown, onCondition?: OnConditionFailed | readonly TxStep[]): unknown {
  if (!(e instanceof Error)) return e;
  if (e.name === 'ConditionalCheckFailedException') {
    const handler = typeof onCondition === 'function' ? onCondition : undefined;
    return handler ? handler(oldItem((e as Error & { Item?: unknown }).Item)) : conflict();
  }
  if (e.name === 'TransactionCanceledException') {
    const reasons = cancellationReasons(e);
    const steps = Array.isArray(onCondition) ? (onCondition as readonly TxStep[]) : [];
    const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
    if (failed >= 0) return steps[failed]?.onConditionFailed?.(oldItem(reasons[failed]!.Item)) ?? conflict();
    if (reasons.some((r) => r.Code !== undefined && THROTTLED.has(r.Code))) return busy();
    if (reasons.some((r) => r.Code === 'TransactionConflict')) {
      return new TransientConflict('a concurrent change touched the same items; read again and retry');
    }
    return conflict();
  }
  if (e.name === 'TransactionConflictException') {
    return new TransientConflict('a concurrent change touched the same items; read again and retry');
  }
  if (e.name === 'TransactionInProgressException' || e.name === 'IdempotentParameterMismatchException') return conflict();
  if (isTransient(e)) return busy();
  return e;
}

/** Runs one SDK call through the mapper. */
async function call<T>(send: () => Promise<T>, onCondition?: OnConditionFailed | readonly TxStep[]): Promise<T> {
  try {
    return await send();
  } catch (e) {
    throw mapDynamoError(e, onCondition);
  }
}

const conditionInput = (c: Condition | undefined) =>
  c && {
    ConditionExpression: c.expression,
    ...(c.names ? { ExpressionAttributeNames: c.names } : {}),
    ...(c.values ? { ExpressionAttributeValues: c.values } : {}),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };

/** Pattern "one item by key". Strongly consistent where the caller decides on what it reads. */
export async function getItem(store: Store, key: Key, consistent = false): Promise<Stored | undefined> {
  const out = await call(() =>
    send(store.db, 'GetItem', { TableName: store.table, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: consistent }),
  );
  return out.Item;
}

/** Reads exact keys in one round trip per 100; a partial answer after retries is a 503, never a short list. */
export async function batchGetItems(store: Store, keys: readonly Key[], consistent = false): Promise<Stored[]> {
  const out: Stored[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let request: BatchGetCommandOutput['UnprocessedKeys'] | undefined = {
      [store.table]: { Keys: keys.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk })), ConsistentRead: consistent },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0 && attempt < 5; attempt++) {
      const input = request;
      const res: BatchGetCommandOutput = await call(() => send(store.db, 'BatchGetItem', { RequestItems: input }));
      out.push(...((res.Responses?.[store.table] ?? []) as Stored[]));
      request = res.UnprocessedKeys;
    }
    if (request && Object.keys(request).length > 0) throw busy();
  }
  return out;
}

/**
 * Exact keys in exactly one BatchGetItem, unprocessed keys not retried: for a caller that
 * decides on one read or not at all (the authorizer), and reports what it cost.
 */
export async function batchGetOnce(
  store: Store,
  keys: readonly Key[],
  consistent: boolean,
): Promise<{ items: Stored[]; complete: boolean; consumedCapacity: number }> {
  const out = await call(() =>
    send(store.db, 'BatchGetItem', {
      RequestItems: { [store.table]: { Keys: keys.map((k) => ({ pk: k.pk, sk: k.sk })), ConsistentRead: consistent } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return {
    items: (out.Responses?.[store.table] ?? []) as Stored[],
    complete: (out.UnprocessedKeys?.[store.table]?.Keys?.length ?? 0) === 0,
    consumedCapacity: (out.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0),
  };
}

export async function putItem(store: Store, item: Stored, condition?: Condition, onConditionFailed?: OnConditionFailed): Promise<void> {
  await call(() => send(store.db, 'PutItem', { TableName: store.table, Item: item, ...conditionInput(condition) }), onConditionFailed);
}

/** An update; returns the item as it is after the update. */
export async function updateItem(
  store: Store,
  key: Key,
  update: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
  condition?: Condition,
  onConditionFailed?: OnConditionFailed,
): Promise<Stored> {
  const names = { ...update.names, ...condition?.names };
  const values = { ...update.values, ...condition?.values };
  const out = await call(() =>
    send(store.db, 'UpdateItem', {
      TableName: store.table,
      Key: { pk: key.pk, sk: key.sk },
      UpdateExpression: update.expression,
      ...(condition ? { ConditionExpression: condition.expression, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      ReturnValues: 'ALL_NEW',
    }),
    onConditionFailed,
  );
  return out.Attributes ?? {};
}

export async function deleteItem(store: Store, key: Key, condition?: Condition, onConditionFailed?: OnConditionFailed): Promise<void> {
  await call(
    () => send(store.db, 'DeleteItem', { TableName: store.table, Key: { pk: key.pk, sk: key.sk }, ...conditionInput(condition) }),
    onConditionFailed,
  );
}

/** Multi-item writes: one TransactWriteItems, never a sequence of writes. */
export async function transact(store: Store, steps: readonly TxStep[]): Promise<void> {
  if (steps.length === 0) return;
  if (steps.length > 100) throw new Conflict('the change touches too many items at once');
  const items = steps.map(({ item }) => withOldValues(item));
  await call(() => send(store.db, 'TransactWriteItems', { TransactItems: items }), steps);
}

/** Every conditioned step of a transaction returns the item it failed on, for its error. */
function withOldValues(item: TransactItem): TransactItem {
  const flag = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
  if (item.ConditionCheck) return { ConditionCheck: { ...item.ConditionCheck, ...flag } };
  if (item.Put?.ConditionExpression) return { Put: { ...item.Put, ...flag } };
  if (item.Update?.ConditionExpression) return { Update: { ...item.Update, ...flag } };
  if (item.Delete?.ConditionExpression) return { Delete: { ...item.Delete, ...flag } };
  return item;
}

/** One Query request through the mapper; the paginator is the only caller. */
export const query = (store: Store, input: Omit<QueryCommandInput, 'TableName'>): Promise<QueryCommandOutput> =>
  call(() => send(store.db, 'Query', { TableName: store.table, ...input }));
