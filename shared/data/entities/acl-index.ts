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
  const own = entryEntity.item(e);
  if (!e.rights.includes('read')) return [own];
  return [
    own,
    ...parents.map((p) => ({ ...own, pk: parentPartition(e.accountId, e.userId, p, e.objectType), sk: `R#${seg(e.objectId)}` })),
  ];
}

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

/**
 * Applies a difference of index items: deletes what is no longer there, puts what is new
 * or changed. Index items carry no condition (the objects and their ACLs, written before,
 * are the truth); they go in transactions of at most 100, so a page of a list never shows
 * half of one object's entries.
 */
export async function writeIndexDiff(store: Store, before: ReadonlyArray<Stored & Key>, after: ReadonlyArray<Stored & Key>): Promise<number> {
  const id = (k: Key) => `${k.pk}\u0000${k.sk}`;
  const next = new Map(after.map((i) => [id(i), i]));
  const prev = new Map(before.map((i) => [id(i), i]));
  const steps: TxStep[] = [];
  for (const [k, item] of prev) {
    if (!next.has(k)) steps.push({ item: { Delete: { TableName: store.table, Key: { pk: item.pk, sk: item.sk } } } });
  }
  for (const [k, item] of next) {
    const old = prev.get(k);
    if (!old || JSON.stringify(old) !== JSON.stringify(item)) steps.push({ item: { Put: { TableName: store.table, Item: item } } });
  }
  for (let i = 0; i < steps.length; i += 100) await transact(store, steps.slice(i, i + 100));
  return steps.length;
}

export const rightsList = (rights: ReadonlySet<Right>): Right[] => RIGHTS.filter((r) => rights.has(r));
