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
 *   table  pk ACCOUNT#<acc>#PERIODS   sk PERIOD#<YYYY-MM>
 *
 * The guard: every write of a document or payment dated in a period carries
 * `periodOpenStep` — a ConditionCheck on this item — in its own TransactWriteItems. DynamoDB
 * serializes transactions that touch the same item, so a close and a document write can
 * never interleave: either the write commits first (and the close then locks it in), or the
 * close commits first and the write's ConditionCheck fails with 409 period-closed. There is
 * no read-then-write window in which a write could slip into a closed month.
 */
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

/**
 * Guard: the period is open (its lock item absent or `open`), checked inside the caller's
 * transaction. `what` says what was refused ("a document", "a payment") in the 409.
 */
export const periodOpenStep = (store: Store, accountId: string, period: string, what: string): TxStep => ({
  item: {
    ConditionCheck: {
      TableName: store.table,
      Key: periodLockKey(accountId, period),
      ConditionExpression: 'attribute_not_exists(pk) OR #status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':open': 'open' },
    },
  },
  onConditionFailed: () => new PeriodClosed(period, what),
});

/** The guards of every period a write touches, one per distinct period (a transaction names an item once). */
export const periodsOpenSteps = (store: Store, accountId: string, periods: readonly string[], what: string): TxStep[] =>
  [...new Set(periods)].map((period) => periodOpenStep(store, accountId, period, what));

// Pattern "one period's lock": GetItem, strongly consistent when a decision follows.
export const getPeriodLock = async (store: Store, accountId: string, period: string, consistent = false): Promise<PeriodLock | undefined> =>
  parseOptional(periodLockEntity, await getItem(store, periodLockKey(accountId, period), consistent));

// Pattern "periods that were ever closed in an account": Query the partition, newest period first.
export const listPeriodLocks = (store: Store, accountId: string, page: PageRequest): Promise<Page<PeriodLock>> =>
  queryPage(store, { partition: partition(accountId), newestFirst: true }, periodLockEntity.parse, page);

/**
 * Writes the lock as `next`, on the version read (`read` undefined: the item must not
 * exist yet), with the audit entry in the same transaction.
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
    audit,
  ]);
}
