import * as z from 'zod/mini';
import { OBJECT_TYPES, RIGHTS, type ObjectType, type Right } from '../../domain/acl.js';
import type { Store } from '../context.js';
import { transact, type Stored, type TxStep } from '../dynamo.js';
import { defineEntity, seg, type Key } from '../entity.js';
import { queryAll, queryPage, type Page, type PageRequest } from '../paginator.js';

/*
 * The materialized ACL index (Zanzibar's Leopard, per member): for each member of an
 * account who has used the CRM (a "subject"), the ACL rights they hold on each object,
 * inheritance and exclusions already applied (shared/domain/acl.ts `aclRightsOf`). Only
 * non-empty rights are stored, so what a member may not touch costs nothing.
 *
 *   table  pk ACCOUNT#<acc>#ACL#SUBJECTS                          sk USER#<user>    a subject: the role it was built for
 *   table  pk ACCOUNT#<acc>#ACL#USER#<user>#TYPE#<type>           sk R#<id>         rights, read among them ("my cases")
 *                                                                 sk N#<id>         rights without read
 *   table  pk ACCOUNT#<acc>#ACL#USER#<user>#PARENT#<p>#TYPE#<t>   sk R#<id>         readable children of p ("events of this case")
 *
 * All on the table, not on an index: a list is a strongly consistent Query, so a change
 * (an exclusion above all) is visible in every list as soon as its request returned.
 * A check reads R#<id> and N#<id> (one of them exists, or neither) with the object, the
 * subject and the mode in ONE BatchGetItem, whatever the depth of the object.
 */
export const aclSubjectSchema = z.object({
  accountId: z.string(),
  userId: z.string(),
  /** The role the entries were computed for; a member whose role changed is rebuilt. */
  role: z.string(),
  builtAt: z.string(),
});
export type AclSubject = z.infer<typeof aclSubjectSchema>;

export const aclEntrySchema = z.object({
  accountId: z.string(),
  userId: z.string(),
  objectId: z.string(),
  objectType: z.enum(OBJECT_TYPES),
  rights: z.array(z.enum(RIGHTS)),
  /**
   * The parents the entry was indexed under (where its parent-partition copies sit), so
   * what the index holds for an object is known from its one type entry. Absent on
   * entries written before it existed: read as the object's current parents.
   */
  parents: z.optional(z.array(z.string())),
});
export type AclEntry = z.infer<typeof aclEntrySchema>;

const subjectsPartition = (accountId: string) => `ACCOUNT#${seg(accountId)}#ACL#SUBJECTS`;
const typePartition = (accountId: string, userId: string, type: ObjectType) =>
  `ACCOUNT#${seg(accountId)}#ACL#USER#${seg(userId)}#TYPE#${type}`;
const parentPartition = (accountId: string, userId: string, parentId: string, type: ObjectType) =>
  `ACCOUNT#${seg(accountId)}#ACL#USER#${seg(userId)}#PARENT#${seg(parentId)}#TYPE#${type}`;

export const aclSubjectKey = (accountId: string, userId: string): Key => ({ pk: subjectsPartition(accountId), sk: `USER#${seg(userId)}` });

export const aclSubjectEntity = defineEntity({ type: 'acl-subject', schema: aclSubjectSchema, key: (s) => aclSubjectKey(s.accountId, s.userId) });

/** The two keys a check reads: the entry is under R# when read is among its rights, else N#. */
export const aclEntryKeys = (accountId: string, userId: string, type: ObjectType, objectId: string): { readable: Key; other: Key } => ({
  readable: { pk: typePartition(accountId, userId, type), sk: `R#${seg(objectId)}` },
  other: { pk: typePartition(accountId, userId, type), sk: `N#${seg(objectId)}` },
});

// Entries are one schema under two kinds of key: the type entry and one per parent.
const entryEntity = defineEntity({
  type: 'acl-entry',
  schema: aclEntrySchema,
  key: (e) => {
    const k = aclEntryKeys(e.accountId, e.userId, e.objectType, e.objectId);
    return e.rights.includes('read') ? k.readable : k.other;
  },
});
export const parseAclEntry = (raw: Stored): AclEntry => entryEntity.parse(raw);

/** Every item the index holds for (subject, object): none when the rights are empty. */
export function aclEntryItems(e: AclEntry, parents: readonly string[]): Array<Stored & Key> {
  if (e.rights.length === 0) return [];
  const own = entryEntity.item({ ...e, parents: [...parents] });
  if (!e.rights.includes('read')) return [own];
  return [
    own,
    ...parents.map((p) => ({ ...own, pk: parentPartition(e.accountId, e.userId, p, e.objectType), sk: `R#${seg(e.objectId)}` })),
  ];
}

/** What the index holds for an object, from its type entry as read (its recorded parents). */
export const storedEntryItems = (e: AclEntry, currentParents: readonly string[]): Array<Stored & Key> =>
  aclEntryItems(e, e.parents ?? currentParents);

// Pattern "subjects of an account": every member whose entries a change must rewrite.
export const listAclSubjects = (store: Store, accountId: string): Promise<AclSubject[]> =>
  queryAll(store, { partition: subjectsPartition(accountId), consistent: true }, aclSubjectEntity.parse, { max: Infinity });

// Pattern "what a member may read": objects of a type, or of a type under one parent; one page, strongly consistent.
export const listReadableEntries = (
  store: Store,
  q: { accountId: string; userId: string; type: ObjectType; parentId?: string | undefined },
  page: PageRequest,
): Promise<Page<AclEntry>> =>
  queryPage(
    store,
    {
      partition:
        q.parentId === undefined ? typePartition(q.accountId, q.userId, q.type) : parentPartition(q.accountId, q.userId, q.parentId, q.type),
      sort: { prefix: 'R#' },
      consistent: true,
    },
    entryEntity.parse,
    page,
  );

/** Puts a subject (after its entries are computed it is what makes changes include it). */
export const putSubjectStep = (store: Store, s: AclSubject): TxStep => ({
  item: { Put: { TableName: store.table, Item: aclSubjectEntity.item(s) } },
});

// Pattern "every entry of a member": the six type partitions, read and unread, strongly consistent.
export async function listSubjectEntries(store: Store, accountId: string, userId: string): Promise<AclEntry[]> {
  const all = await Promise.all(
    OBJECT_TYPES.map((t) => queryAll(store, { partition: typePartition(accountId, userId, t), consistent: true }, entryEntity.parse, { max: Infinity })),
  );
  return all.flat();
}

/** One (subject, object) pair of the index: the items it holds and the items it must hold. */
export interface IndexChange {
  before: ReadonlyArray<Stored & Key>;
  after: ReadonlyArray<Stored & Key>;
}

/**
 * Applies differences of index items: deletes what is no longer there, puts what is new or
 * changed. A pair's items never straddle two transactions (so the type entry and its
 * parent copies agree, and a page of a list never shows half of one object's entries);
 * each transaction carries `fence`, the lock holder's condition, so a holder that lost
 * its lease writes nothing. Returns the items written.
 */
export async function writeIndexDiff(store: Store, changes: readonly IndexChange[], fence: TxStep): Promise<number> {
  const id = (k: Key) => `${k.pk}\u0000${k.sk}`;
  let batch: TxStep[] = [];
  let written = 0;
  const flush = async () => {
    if (batch.length) await transact(store, [...batch, fence]);
    written += batch.length;
    batch = [];
  };
  for (const change of changes) {
    const next = new Map(change.after.map((i) => [id(i), i]));
    const prev = new Map(change.before.map((i) => [id(i), i]));
    const steps: TxStep[] = [];
    for (const [k, item] of prev) {
      if (!next.has(k)) steps.push({ item: { Delete: { TableName: store.table, Key: { pk: item.pk, sk: item.sk } } } });
    }
    for (const [k, item] of next) {
      const old = prev.get(k);
      if (!old || !sameItem(old, item)) steps.push({ item: { Put: { TableName: store.table, Item: item } } });
    }
    if (batch.length + steps.length > 99) await flush();
    batch.push(...steps);
  }
  await flush();
  return written;
}

// Items read back from DynamoDB may order their attributes differently: compare by attribute.
const sameItem = (a: Stored, b: Stored): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
};

export const rightsList = (rights: ReadonlySet<Right>): Right[] => RIGHTS.filter((r) => rights.has(r));
