import * as z from 'zod/mini';
import { NotFound } from '../../domain/errors.js';
import { CRM_TYPES, RIGHTS, type CrmType } from '../../domain/acl.js';
import type { Store } from '../context.js';
import type { Stored, TxStep } from '../dynamo.js';
import { defineEntity, seg, type Key } from '../entity.js';
import { queryAll, queryPage, type Page, type PageRequest, type QuerySpec } from '../paginator.js';
import { staleOr } from './guards.js';

/*
 * A CRM object of SPEC 5.2 other than a contractor (contractors are the invoicing clients,
 * client.ts): a project, a case, an event, a next step or an automated action. Each carries
 * its direct parents and its own ACL (rows and exclusions, shared/domain/acl.ts); what it
 * inherits is never stored here but in the materialized index (acl-index.ts), so a move or
 * a changed row rewrites index entries, not objects.
 *
 *   table  pk ACCOUNT#<acc>#CRM#<type>                       sk OBJ#<id>   objects of a type, in creation order
 *   gsi1   ACCOUNT#<acc>#CRM#CHILDREN#<parent>#<type>        OBJ#<id>      children of a contractor, case or event
 *   gsi2   ACCOUNT#<acc>#CRM#CHILDREN#<project>#<type>       OBJ#<id>      cases of a project
 *
 * A case may sit under a contractor and a project at once, so its two parents use two
 * indexes; every other type has one parent (gsi1) or none.
 */
export const aclSchema = z.object({
  rows: z.array(z.object({ principal: z.string(), rights: z.array(z.enum(RIGHTS)) })),
  exclusions: z.array(z.string()),
});

export const crmObjectSchema = z.object({
  objectId: z.string(),
  accountId: z.string(),
  objectType: z.enum(CRM_TYPES as unknown as [CrmType, ...CrmType[]]),
  name: z.string(),
  description: z.optional(z.string()),
  contractorId: z.optional(z.string()),
  projectId: z.optional(z.string()),
  caseId: z.optional(z.string()),
  eventId: z.optional(z.string()),
  /** Events: when it happens. Next steps: when it is due. */
  date: z.optional(z.string()),
  /** Next steps: the special action "complete". */
  completedAt: z.optional(z.string()),
  completedBy: z.optional(z.string()),
  /** Automated actions: the special action "run". */
  runCount: z.optional(z.number()),
  lastRunAt: z.optional(z.string()),
  acl: aclSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type CrmObject = z.infer<typeof crmObjectSchema>;
export type StoredAcl = z.infer<typeof aclSchema>;

const typePartition = (accountId: string, type: CrmType) => `ACCOUNT#${seg(accountId)}#CRM#${type.toUpperCase()}`;
const childrenPartition = (accountId: string, parentId: string, type: CrmType) =>
  `ACCOUNT#${seg(accountId)}#CRM#CHILDREN#${seg(parentId)}#${type.toUpperCase()}`;

export const crmObjectKey = (accountId: string, type: CrmType, objectId: string): Key => ({
  pk: typePartition(accountId, type),
  sk: `OBJ#${seg(objectId)}`,
});

export const crmObjectEntity = defineEntity({
  type: 'crm-object',
  schema: crmObjectSchema,
  key: (o) => crmObjectKey(o.accountId, o.objectType, o.objectId),
  indexes: (o) => {
    const primary = o.contractorId ?? o.caseId ?? o.eventId;
    return {
      ...(primary ? { gsi1pk: childrenPartition(o.accountId, primary, o.objectType), gsi1sk: `OBJ#${seg(o.objectId)}` } : {}),
      ...(o.projectId ? { gsi2pk: childrenPartition(o.accountId, o.projectId, o.objectType), gsi2sk: `OBJ#${seg(o.objectId)}` } : {}),
    };
  },
});

const gone = (type: CrmType) => () => new NotFound(`the ${type} does not exist`);

// Pattern "objects of a type", or "children of a type under one parent" (gsi1; gsi2 for a project), creation order.
const listSpec = (accountId: string, type: CrmType, parent?: { id: string; isProject: boolean }): QuerySpec =>
  parent
    ? { index: parent.isProject ? 'gsi2' : 'gsi1', partition: childrenPartition(accountId, parent.id, type) }
    : { partition: typePartition(accountId, type) };

export const listCrmObjects = (
  store: Store,
  accountId: string,
  type: CrmType,
  parent: { id: string; isProject: boolean } | undefined,
  page: PageRequest,
): Promise<Page<CrmObject>> => queryPage(store, listSpec(accountId, type, parent), crmObjectEntity.parse, page);

/** Every object of a type in an account: the ACL world a change is evaluated against. */
export const allCrmObjects = (store: Store, accountId: string, type: CrmType): Promise<CrmObject[]> =>
  queryAll(store, { partition: typePartition(accountId, type), consistent: true }, crmObjectEntity.parse, { max: Infinity });

// Pattern "create": Put guarded by attribute_not_exists(pk) (ids are fresh ULIDs).
export const crmCreateStep = (store: Store, o: CrmObject): TxStep => ({
  item: { Put: { TableName: store.table, Item: crmObjectEntity.item(o), ConditionExpression: 'attribute_not_exists(pk)' } },
  onConditionFailed: () => new NotFound(`the ${o.objectType} already exists`),
});

// Pattern "replace": Put guarded by the version it was read at (the caller writes version + 1).
export const crmReplaceStep = (store: Store, next: CrmObject, expectedVersion: number): TxStep => ({
  item: {
    Put: {
      TableName: store.table,
      Item: crmObjectEntity.item(next),
      ConditionExpression: '#version = :v',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':v': expectedVersion },
    },
  },
  onConditionFailed: staleOr(`the ${next.objectType}`, gone(next.objectType)),
});

// Pattern "delete": DeleteItem guarded by the version it was read at.
export const crmDeleteStep = (store: Store, o: CrmObject): TxStep => ({
  item: {
    Delete: {
      TableName: store.table,
      Key: crmObjectEntity.key(o),
      ConditionExpression: '#version = :v',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':v': o.version },
    },
  },
  onConditionFailed: staleOr(`the ${o.objectType}`, gone(o.objectType)),
});

export const parseCrmObject = (raw: Stored): CrmObject => crmObjectEntity.parse(raw);
