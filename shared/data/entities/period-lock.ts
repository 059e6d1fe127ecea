import * as z from 'zod/mini';
import { PeriodClosed, StaleVersion } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, transact, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';

/*
 * The lock of one accounting period (a month) of one account. No item means the period was
 * never closed (open). Closing writes it `closed`; reopening sets it `open` again, so the
 * item also records who closed and reopened it last.
 *
 *   table  pk ACCOUNT#<acc>#PERIODS   sk PERIOD#<YYYY-MM>        the lock (who, when, version)
 *   table  pk ACCOUNT#<acc>#PERIODS   sk SHARD#<YYYY-MM>#<k>     its LOCK_SHARDS guard copies (status only)
 *
 * The guard: every write of a document or payment dated in a period carries
 * `periodOpenStep` — a ConditionCheck on one guard copy — in its own TransactWriteItems.
 * Closing and reopening write the lock and EVERY copy in one transaction. DynamoDB
 * transactions are serializable, so a close and a document write can never interleave:
 * either the write commits first (and the close then locks it in), or the close commits
 * first and the write's ConditionCheck finds its copy closed (409 period-closed). There is
 * no read-then-write window in which a write could slip into a closed month.
 *
 * Why copies: two concurrent transactions that name the same item conflict, even when one
 * only checks it. With a single guard item every document write of an account's month would
 * queue behind every other; a writer picks its copy by the hash of the document (or
 * payment) id, so unrelated writers rarely meet, while a close still meets all of them.
 */
export const LOCK_SHARDS = 16;
export const PERIOD_STATUSES = ['open', 'closed'] as const;

export const periodLockSchema = z.object({
  organizationId: z.string(),
  accountId: z.string(),
  /** YYYY-MM. */
  period: z.string(),
  status: z.enum(PERIOD_STATUSES),
  closedBy: z.string(),
  closedAt: z.string(),
  reopenedBy: z.optional(z.string()),
  reopenedAt: z.optional(z.string()),
  version: z.number(),
});
export type PeriodLock = z.infer<typeof periodLockSchema>;

const partition = (accountId: string) => `ACCOUNT#${seg(accountId)}#PERIODS`;
export const periodLockKey = (accountId: string, period: string) => ({ pk: partition(accountId), sk: `PERIOD#${seg(period)}` });

export const periodLockEntity = defineEntity({
  type: 'period-lock',
  schema: periodLockSchema,
  key: (l) => periodLockKey(l.accountId, l.period),
});

/** A guard copy of a lock: only what a writer's condition reads. */
export const periodGuardSchema = z.object({ accountId: z.string(), period: z.string(), shard: z.number(), status: z.enum(PERIOD_STATUSES) });
const guardKey = (accountId: string, period: string, shard: number) => ({ pk: partition(accountId), sk: `SHARD#${seg(period)}#${shard}` });
export const periodGuardEntity = defineEntity({
  type: 'period-guard',
  schema: periodGuardSchema,
  key: (g) => guardKey(g.accountId, g.period, g.shard),
});

/** The key of the guard copy a writer of `writerId` checks. */
export const periodGuardKey = (accountId: string, period: string, writerId: string) => guardKey(accountId, period, shardOf(writerId));

/** The guard copy a writer checks: a stable hash of the id it writes (FNV-1a), so retries check the same copy. */
export function shardOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % LOCK_SHARDS;
}

/**
 * Guard: the period is open (the writer's guard copy absent or `open`), checked inside the
 * caller's transaction. `writerId` (the document or payment id) picks the copy; `what` says
 * what was refused ("a document", "a payment") in the 409.
 */
export const periodOpenStep = (store: Store, accountId: string, period: string, writerId: string, what: string): TxStep => ({
  item: {
    ConditionCheck: {
      TableName: store.table,
      Key: guardKey(accountId, period, shardOf(writerId)),
      ConditionExpression: 'attribute_not_exists(pk) OR #status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':open': 'open' },
    },
  },
  onConditionFailed: () => new PeriodClosed(period, what),
});

/** The guards of every period a write touches, one per distinct period (a transaction names an item once). */
export const periodsOpenSteps = (store: Store, accountId: string, periods: readonly string[], writerId: string, what: string): TxStep[] =>
  [...new Set(periods)].map((period) => periodOpenStep(store, accountId, period, writerId, what));

// Pattern "one period's lock": GetItem, strongly consistent when a decision follows.
export const getPeriodLock = async (store: Store, accountId: string, period: string, consistent = false): Promise<PeriodLock | undefined> =>
  parseOptional(periodLockEntity, await getItem(store, periodLockKey(accountId, period), consistent));

// Pattern "periods that were ever closed in an account": Query the partition on the PERIOD# prefix, newest period first.
export const listPeriodLocks = (store: Store, accountId: string, page: PageRequest): Promise<Page<PeriodLock>> =>
  queryPage(store, { partition: partition(accountId), sort: { prefix: 'PERIOD#' }, newestFirst: true }, periodLockEntity.parse, page);

/**
 * Writes the lock as `next`, on the version read (`read` undefined: the item must not
 * exist yet), every guard copy with its status, and the audit entry: one transaction.
 */
export async function writePeriodLock(store: Store, read: PeriodLock | undefined, next: PeriodLock, audit: TxStep): Promise<void> {
  const moved = () => new StaleVersion(`the period ${next.period} was closed or reopened concurrently; read it again`);
  await transact(store, [
    {
      item: {
        Put: {
          TableName: store.table,
          Item: periodLockEntity.item(next),
          ...(read
            ? { ConditionExpression: '#version = :v', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':v': read.version } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
      onConditionFailed: moved,
    },
    ...Array.from({ length: LOCK_SHARDS }, (_, shard) => ({
      item: { Put: { TableName: store.table, Item: periodGuardEntity.item({ accountId: next.accountId, period: next.period, shard, status: next.status }) } },
    })),
    audit,
  ]);
}
