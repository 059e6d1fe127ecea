import { setTimeout as sleep } from 'node:timers/promises';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyUnknownError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { envReader, tableEnvSchema } from '../config/env.js';
import { sdkClient } from '../data/client.js';
import { TABLE } from '../data/table.js';
import { IdempotencyInProgress, IdempotencyKeyReused, ServiceUnavailable } from '../domain/errors.js';
import { REPLAYED } from './idempotency-key.js';
import type { HttpResponse } from './problem.js';
import type { Route } from './routes.js';
import { errorFields, log } from './log.js';

/*
 * Idempotent creation under the `Idempotency-Key` header (IETF httpapi
 * idempotency-key-header draft), for the routes the route table marks `idempotent`.
 *
 *   - The record is keyed by (caller, account, route, key): a key is never shared across
 *     callers, accounts or routes. The request body is the fingerprint (its JSON value, so
 *     key order and whitespace do not matter): the same key with a different body is a 422
 *     `idempotency-key-reused`.
 *   - The first 2xx answer (status, headers, body) is stored for 24 hours and replayed to
 *     every retry, with `Idempotent-Replayed: true`. A 4xx/5xx, or a thrown error, releases
 *     the key: the client may fix the request and retry with the same key.
 *   - Racing requests: the first one writes an in-progress record with a conditional put;
 *     the others wait for it (up to about 5 s) and replay its answer, so there is never a
 *     second effect. If it is still running after that, 409 `idempotency-in-progress` with
 *     Retry-After.
 *
 * Persistence: Powertools' DynamoDBPersistenceLayer, in the single table. Its own support
 * for a table with a composite key (`sortKeyAttr`) puts every record under ONE partition
 * key (`staticPkValue`), so all idempotent writes of the API would share one partition
 * (~1,000 writes/s before throttling) and it would be the hottest key of the table. Instead
 * this subclass overrides the key: pk = `IDEMPOTENCY#<sha-256 of the scope>`, sk =
 * `IDEMPOTENCY`, which spreads records over the key space like every other item. The
 * records' `expiresAt` is the table's TTL attribute (epoch seconds), so DynamoDB deletes
 * them; Powertools also treats a record past `expiresAt` as absent, whatever the TTL lag.
 */

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const KEY_PREFIX = 'IDEMPOTENCY';
const SORT_KEY = 'IDEMPOTENCY';
/** How long a racing request waits for the first one before answering 409. */
const WAIT_BUDGET_MS = 5_000;

/** A table with pk/sk string keys: each record is its own partition (see above). */
export class SpreadKeyPersistenceLayer extends DynamoDBPersistenceLayer {
  protected override getKey(idempotencyKey: string): Record<string, AttributeValue> {
    return { [TABLE.partitionKey]: { S: idempotencyKey }, [TABLE.sortKey]: { S: SORT_KEY } };
  }
}

const env = envReader(tableEnvSchema);

/** The persistence layer over the table, with the same DynamoDB client setup as the repositories. */
export function createPersistence(client?: DynamoDBClient): SpreadKeyPersistenceLayer {
  const { TABLE_NAME } = env();
  const sdk = client ?? sdkClient();
  return new SpreadKeyPersistenceLayer({
    tableName: TABLE_NAME,
    keyAttr: TABLE.partitionKey,
    awsSdkV3Client: sdk,
    expiryAttr: TABLE.ttlAttribute,
    statusAttr: 'idempotencyStatus',
    inProgressExpiryAttr: 'inProgressExpiresAt',
    dataAttr: 'response',
    validationKeyAttr: 'requestHash',
  });
}

let persistence: SpreadKeyPersistenceLayer | undefined;
/** For tests: use this persistence layer (or, with undefined, build the default again). */
export function setIdempotencyPersistence(p: SpreadKeyPersistenceLayer | undefined): void {
  persistence = p;
}

const config = new IdempotencyConfig({
  eventKeyJmesPath: 'scope',
  payloadValidationJmesPath: 'body',
  throwOnNoIdempotencyKey: true,
  expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
  // A key is scoped by the caller's own user id; SHA-256 so that no chosen key can be made
  // to collide with another scope's.
  hashFunction: 'sha256',
  responseHook: (response) => {
    const r = response as unknown as HttpResponse;
    return { ...r, headers: { ...r.headers, [REPLAYED]: 'true' } } as unknown as typeof response;
  },
});

/** A non-2xx answer: returned to the client but never stored, so it releases the key. */
class NotStored extends Error {
  constructor(readonly response: HttpResponse) {
    super('not stored');
  }
}

export interface IdempotentCall {
  route: Route;
  userId: string;
  accountId: string | undefined;
  key: string;
  /** The request body: its parsed JSON when it is JSON (key order does not matter), else the text. */
  body: string | null;
  context: Context;
}

/** Runs `run` at most once per (caller, account, route, key); see the comment at the top. */
export async function runIdempotent(call: IdempotentCall, run: () => Promise<HttpResponse>): Promise<HttpResponse> {
  persistence ??= createPersistence();
  const payload = {
    scope: { userId: call.userId, accountId: call.accountId ?? '', route: call.route.id, key: call.key },
    body: fingerprint(call.body),
  };
  // The in-progress record expires with the invocation: a crashed attempt frees the key.
  const remaining = () => call.context.getRemainingTimeInMillis?.() ?? 30_000;
  const lambdaContext = { ...call.context, getRemainingTimeInMillis: remaining } as Context;

  let produced: HttpResponse | undefined;
  const once = makeIdempotent(
    async (_payload: unknown, _context: Context): Promise<HttpResponse> => {
      const res = await run();
      if (res.statusCode < 200 || res.statusCode > 299) throw new NotStored(res);
      produced = res;
      return res;
    },
    { persistenceStore: persistence, config, keyPrefix: KEY_PREFIX },
  );

  const deadline = Date.now() + Math.min(WAIT_BUDGET_MS, Math.max(0, remaining() - 2_000));
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(payload, lambdaContext);
    } catch (e) {
      if (e instanceof NotStored) return e.response;
      if (e instanceof IdempotencyAlreadyInProgressError) {
        const pause = Math.min(100 * 2 ** attempt, 1_000);
        if (Date.now() + pause > deadline) {
          throw new IdempotencyInProgress('a request with this Idempotency-Key is still being processed; retry later', {
            retryAfterSeconds: 1,
          });
        }
        await sleep(pause);
        continue;
      }
      if (e instanceof IdempotencyValidationError) {
        throw new IdempotencyKeyReused('this Idempotency-Key was already used with a different request body');
      }
      if (e instanceof IdempotencyPersistenceLayerError && produced) {
        // The effect happened and its answer exists; only remembering it failed. Answer it:
        // a retry finds the in-progress record and waits, or runs again once it expires.
        log.error('idempotency record not completed', { route: call.route.id, ...errorFields(e.cause ?? e) });
        return produced;
      }
      if (e instanceof IdempotencyUnknownError) {
        log.error('idempotency store unavailable', { route: call.route.id, ...errorFields(e.cause ?? e) });
        throw new ServiceUnavailable('the request could not be made idempotent; retry with the same key', {
          retryAfterSeconds: 1,
        });
      }
      throw e;
    }
  }
}

function fingerprint(body: string | null): unknown {
  if (body === null || body === '') return null;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
