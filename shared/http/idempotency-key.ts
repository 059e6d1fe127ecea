import { ValidationError } from '../domain/errors.js';
import type { HttpResponse } from './problem.js';

/*
 * The Idempotency-Key header's syntax and the replay marker, apart from the idempotency
 * store (shared/http/idempotency.ts): the wrapper needs these on every request, the store
 * (Powertools Idempotency, JMESPath) only when a key is sent, so it is loaded then.
 */
export const REPLAYED = 'idempotent-replayed';

/** The Idempotency-Key header of a request, validated: 1 to 255 characters. */
export function idempotencyKeyOf(headers: Record<string, string>): string | undefined {
  const raw = headers['idempotency-key'];
  if (raw === undefined) return undefined;
  // The draft defines the value as a structured-field string ("..."); bare tokens are what
  // most clients send, so both are accepted and mean the same key.
  const key = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw;
  if (key.length < 1 || key.length > 255) {
    throw new ValidationError('the Idempotency-Key header is invalid', {
      errors: [{ field: 'header.Idempotency-Key', message: '1 to 255 characters' }],
    });
  }
  return key;
}

export const isReplay = (res: HttpResponse): boolean => res.headers?.[REPLAYED] === 'true';
