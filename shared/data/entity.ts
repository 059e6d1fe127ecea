import type * as z from 'zod/mini';
import type { Stored } from './dynamo.js';

/*
 * An entity is one module (shared/data/entities/<name>.ts) in one shape:
 *
 *   schema (zod/mini) -> type (z.infer) -> keys -> item builder -> access patterns
 *
 * `defineEntity` ties the first four together: the schema is the stored shape without key
 * attributes, the key functions are the only place an entity's keys are spelled, `item()`
 * is the only way to build what is written (keys can never disagree with the entity), and
 * `parse()` is the only way to read it back: an item is validated, never cast. The schema
 * is zod/mini so that the authorizer, which reads four of these entities, pays for the
 * validation it uses and not for all of zod.
 */
export interface Key {
  pk: string;
  sk: string;
}

/** Index key attributes an entity may set; which index serves what is in table.ts. */
export interface IndexKeys {
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk?: string;
  gsi2sk?: string;
  gsi4pk?: string;
  gsi4sk?: string;
}

/** Id segments are URI-encoded, so an id containing '#' can never forge another entity's key. */
export const seg = (value: string): string => encodeURIComponent(value);

/** A stored item failed its entity's schema: the data is broken, not the request (an opaque 500). */
export class CorruptItem extends Error {
  constructor(type: string, key: Partial<Key>, issues: string) {
    super(`stored ${type} ${key.pk ?? '?'}/${key.sk ?? '?'} does not match its schema: ${issues}`);
    this.name = 'CorruptItem';
  }
}

export interface Entity<T> {
  readonly type: string;
  readonly key: (e: T) => Key;
  /** The item to write: attributes, key attributes and the type tag. */
  readonly item: (e: T) => Stored & Key;
  /** Validates what DynamoDB returned; key attributes and unknown attributes are dropped. */
  readonly parse: (raw: Stored) => T;
}

export function defineEntity<S extends z.ZodMiniObject>(def: {
  type: string;
  schema: S;
  key: (e: z.infer<S>) => Key;
  indexes?: (e: z.infer<S>) => IndexKeys;
}): Entity<z.infer<S>> {
  return {
    type: def.type,
    key: def.key,
    item: (e) => ({ ...e, ...def.key(e), ...def.indexes?.(e), type: def.type }),
    parse: (raw) => {
      const out = def.schema.safeParse(raw);
      if (!out.success || raw.type !== def.type) {
        const issues = out.success ? `type ${String(raw.type)}` : out.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        throw new CorruptItem(def.type, raw as Partial<Key>, issues);
      }
      return out.data;
    },
  };
}

/** `parse` for a read that may find nothing. */
export const parseOptional = <T>(entity: Entity<T>, raw: Stored | undefined): T | undefined =>
  raw === undefined ? undefined : entity.parse(raw);
