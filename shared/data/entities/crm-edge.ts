import * as z from 'zod/mini';
import { OBJECT_TYPES, type ObjectType } from '../../domain/acl.js';
import type { Store } from '../context.js';
import type { TxStep } from '../dynamo.js';
import { defineEntity, seg, type Key } from '../entity.js';
import { queryAll } from '../paginator.js';

/*
 * The child edges of the CRM tree, one item per (parent, child), on the table: the
 * descendants of an object are found by a strongly consistent Query per level, so the
 * upkeep of the index after a change reads the changed object's subtree and never the
 * account's objects (the gsi1/gsi2 children indexes of crm-object.ts serve paged lists,
 * but are eventually consistent and cannot be the truth a serialized change decides on).
 * Written in the same transaction as the object that names the parent.
 *
 *   table  pk ACCOUNT#<acc>#CRM#EDGES#<parent>    sk CHILD#<child>     children of one object, any type
 */
export const crmEdgeSchema = z.object({
  accountId: z.string(),
  parentId: z.string(),
  childId: z.string(),
  childType: z.enum(OBJECT_TYPES),
});
export type CrmEdge = z.infer<typeof crmEdgeSchema>;

export const crmEdgeKey = (accountId: string, parentId: string, childId: string): Key => ({
  pk: `ACCOUNT#${seg(accountId)}#CRM#EDGES#${seg(parentId)}`,
  sk: `CHILD#${seg(childId)}`,
});

export const crmEdgeEntity = defineEntity({ type: 'crm-edge', schema: crmEdgeSchema, key: (e) => crmEdgeKey(e.accountId, e.parentId, e.childId) });

// Pattern "children of an object": one Query, strongly consistent; `max` bounds it where a few are enough.
export const childEdges = (store: Store, accountId: string, parentId: string, max = Infinity): Promise<CrmEdge[]> =>
  queryAll(store, { partition: crmEdgeKey(accountId, parentId, '').pk, consistent: true }, crmEdgeEntity.parse, { max });

/** The edges of a child to each of its parents (a create or a move puts them). */
export const edgePutSteps = (store: Store, accountId: string, child: { id: string; type: ObjectType }, parents: readonly string[]): TxStep[] =>
  parents.map((parentId) => ({
    item: { Put: { TableName: store.table, Item: crmEdgeEntity.item({ accountId, parentId, childId: child.id, childType: child.type }) } },
  }));

/** The edges of a child to parents it leaves (a move or a delete removes them). */
export const edgeDeleteSteps = (store: Store, accountId: string, childId: string, parents: readonly string[]): TxStep[] =>
  parents.map((parentId) => ({ item: { Delete: { TableName: store.table, Key: crmEdgeKey(accountId, parentId, childId) } } }));
