import {
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { Conflict, ServiceUnavailable, type DomainError } from '../domain/errors.js';
import { auditItem } from './items.js';
import { nextAuditId, type AuditEntry } from '../domain/audit.js';
import { ulid } from '../domain/ids.js';

/*
 * Multi-item writes (issue 4): one TransactWriteItems, never a sequence of puts. Each step
 * says which domain error its failed condition means, so a cancelled transaction answers
 * with the right 404/409 instead of a generic failure.
 */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface TxStep {
  readonly item: TransactItem;
  /** The error when this step's condition fails; a generic 409 when absent. */
  readonly onConditionFailed?: () => DomainError;
}

interface CancellationReason {
  Code?: string;
}

const THROTTLED = new Set(['ThrottlingError', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);

export function isConditionFailure(e: unknown): boolean {
  return e instanceof Error && e.name === 'ConditionalCheckFailedException';
}

/** Maps a DynamoDB write failure to a domain error; anything unknown is rethrown (a 500). */
export function mapWriteError(e: unknown, steps: readonly TxStep[] = []): unknown {
  if (!(e instanceof Error)) return e;
  if (e.name === 'TransactionCanceledException') {
    const reasons = ((e as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []);
    const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
    if (failed >= 0) {
      return steps[failed]?.onConditionFailed?.() ?? new Conflict('the change conflicts with the current state');
    }
    if (reasons.some((r) => r.Code === 'TransactionConflict')) {
      return new Conflict('a concurrent change touched the same items; read again and retry');
    }
    if (reasons.some((r) => r.Code !== undefined && THROTTLED.has(r.Code))) {
      return new ServiceUnavailable('the table is busy; retry');
    }
    return new Conflict('the change could not be applied; read again and retry');
  }
  if (e.name === 'TransactionConflictException') {
    return new Conflict('a concurrent change touched the same items; read again and retry');
  }
  if (THROTTLED.has(e.name)) return new ServiceUnavailable('the table is busy; retry');
  return e;
}

export async function transact(db: DynamoDBDocumentClient, steps: readonly TxStep[]): Promise<void> {
  if (steps.length === 0) return;
  if (steps.length > 100) throw new Conflict('the change touches too many items at once');
  try {
    await db.send(new TransactWriteCommand({ TransactItems: steps.map((s) => s.item) }));
  } catch (e) {
    throw mapWriteError(e, steps);
  }
}

/** The audit entry of a change, as a step of that change's own transaction. */
export function auditStep(table: string, entry: AuditEntry, at: string, auditId: string = nextAuditId(Date.now(), ulid)): TxStep {
  return {
    item: {
      Put: {
        TableName: table,
        Item: auditItem({ ...entry, auditId, at }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  };
}

/** A strongly consistent read of one item. */
export async function getItem<T>(
  db: DynamoDBDocumentClient,
  table: string,
  key: { pk: string; sk: string },
): Promise<T | undefined> {
  try {
    const out = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    return out.Item as T | undefined;
  } catch (e) {
    throw mapWriteError(e);
  }
}
