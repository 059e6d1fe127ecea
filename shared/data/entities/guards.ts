import { Conflict, StaleVersion, type DomainError } from '../../domain/errors.js';
import type { Store } from '../context.js';
import type { OnConditionFailed, Stored, TxStep } from '../dynamo.js';
import type { Entity } from '../entity.js';

/*
 * Conditions every administration entity shares. A failed condition is answered from the
 * item DynamoDB returns with it (ALL_OLD), never from a second read.
 */

/** A new item, written only if nothing holds its key yet. */
export const putNewStep = (store: Store, item: Stored, onConditionFailed?: OnConditionFailed): TxStep => ({
  item: { Put: { TableName: store.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
  ...(onConditionFailed ? { onConditionFailed } : {}),
});

/** The condition of a write on the version it read. */
export const onVersion = (version: number) => ({
  ConditionExpression: '#version = :v',
  ExpressionAttributeNames: { '#version': 'version' },
  ExpressionAttributeValues: { ':v': version },
});

/**
 * A versioned item failed its version condition: StaleVersion naming the version it holds
 * now, or `gone()` when it no longer exists.
 */
export const staleOr =
  (what: string, gone: () => DomainError): OnConditionFailed =>
  (current) =>
    current === undefined
      ? gone()
      : new StaleVersion(`${what} changed since it was read`, {
          extensions: typeof current.version === 'number' ? { currentVersion: current.version } : {},
        });

/**
 * A 409 that carries the item its condition failed on, parsed by its entity: a use case
 * for which that item is an answer (an idempotent retry that lost a race to its own first
 * attempt) takes it with `currentOn` and returns it without reading it again; anywhere
 * else it is just the 409.
 */
export class ConflictWithCurrent<T> extends Conflict {
  readonly current: T;
  constructor(
    detail: string,
    readonly entity: Entity<T>,
    raw: Stored,
    options: ConstructorParameters<typeof Conflict>[1] = {},
  ) {
    super(detail, options);
    this.current = entity.parse(raw);
  }
}

/** The item a refusal carried, when it came from `entity`'s condition. */
export const currentOn = <T>(e: unknown, entity: Entity<T>): T | undefined =>
  e instanceof ConflictWithCurrent && e.entity === entity ? (e.current as T) : undefined;
