import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/*
 * Reading DynamoDB's refusals. A conditional write fails with ConditionalCheckFailed; a
 * transaction fails as a whole with TransactionCanceled and one reason per item, in the
 * order of TransactItems ("None" for an item that was fine). Repositories turn these into
 * the domain's 404 / 409.
 */
export const isConditionalCheckFailed = (e: unknown): boolean =>
  e instanceof ConditionalCheckFailedException || (e as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export function cancellationCodes(e: unknown): string[] | undefined {
  if (!(e instanceof TransactionCanceledException) && (e as { name?: string } | null)?.name !== 'TransactionCanceledException') {
    return undefined;
  }
  const reasons = (e as TransactionCanceledException).CancellationReasons;
  if (reasons) return reasons.map((r) => r.Code ?? 'None');
  // Some emulators put the codes only in the message: "... [ConditionalCheckFailed, None]".
  const m = /\[([^\]]*)\]/.exec((e as Error).message ?? '');
  return m ? m[1]!.split(',').map((s) => s.trim()) : [];
}

/** Another transaction touched the same item at the same time: retrying may succeed. */
export const isTransientConflict = (code: string | undefined): boolean =>
  code === 'TransactionConflict' || code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff (AWS Architecture Blog), capped. */
export const backoff = (attempt: number, baseMs = 5, capMs = 200): number =>
  Math.random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 10));
