import { ValidationError } from '../domain/errors.js';

/*
 * Opaque cursors: a Query's LastEvaluatedKey, base64url-encoded. Decoding checks the key
 * belongs to the partition being queried, so a cursor can never be replayed against
 * another account's partition (DynamoDB would otherwise start wherever it points).
 */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : null;
}

export function decodeCursor(
  cursor: string | undefined,
  partition: { attribute: string; value: string },
): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (
    typeof key !== 'object' ||
    key === null ||
    Array.isArray(key) ||
    (key as Record<string, unknown>)[partition.attribute] !== partition.value ||
    !Object.values(key).every((v) => typeof v === 'string' || typeof v === 'number')
  ) {
    throw new ValidationError('the cursor is not valid for this list', {
      errors: [{ field: 'query.cursor', message: 'invalid cursor' }],
    });
  }
  return key as Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
