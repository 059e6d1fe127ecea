import * as z from 'zod/mini';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, nextAuditId, type AuditEntry } from '../../domain/audit.js';
import { ulid } from '../../domain/ids.js';
import type { Store } from '../context.js';
import type { TxStep } from '../dynamo.js';
import { defineEntity, seg } from '../entity.js';
import { queryPage, type Page, type PageRequest, type QuerySpec } from '../paginator.js';
import { putNewStep } from './guards.js';

/*
 * An audit entry: who changed what, when, before and after. Entries are written only by
 * `auditStep`, inside the transaction of the change they record. Audit ids are monotonic
 * ULIDs, so every partition below reads newest first in reverse key order.
 *
 *   table  pk ORG#<org>#AUDIT                      sk AUDIT#<auditId>   the organization's log
 *   gsi2   ORG#<org>#AUDIT#ACTOR#<user>            AUDIT#<auditId>      entries one actor caused
 *   gsi4   ORG#<org>#AUDIT#TARGET#<targetId>       AUDIT#<auditId>      entries about one target
 */
export const auditSchema = z.object({
  auditId: z.string(),
  organizationId: z.string(),
  /** The account whose path the change came through. */
  accountId: z.string(),
  actorId: z.string(),
  action: z.enum(AUDIT_ACTIONS),
  targetType: z.enum(AUDIT_TARGET_TYPES),
  targetId: z.string(),
  before: z.nullable(z.record(z.string(), z.unknown())),
  after: z.nullable(z.record(z.string(), z.unknown())),
  at: z.string(),
});
export type Audit = z.infer<typeof auditSchema>;

const log = (organizationId: string) => `ORG#${seg(organizationId)}#AUDIT`;
const byActor = (organizationId: string, actorId: string) => `${log(organizationId)}#ACTOR#${seg(actorId)}`;
const byTarget = (organizationId: string, targetId: string) => `${log(organizationId)}#TARGET#${seg(targetId)}`;

export const auditEntity = defineEntity({
  type: 'audit',
  schema: auditSchema,
  key: (a) => ({ pk: log(a.organizationId), sk: `AUDIT#${seg(a.auditId)}` }),
  indexes: (a) => ({
    gsi2pk: byActor(a.organizationId, a.actorId),
    gsi2sk: `AUDIT#${seg(a.auditId)}`,
    gsi4pk: byTarget(a.organizationId, a.targetId),
    gsi4sk: `AUDIT#${seg(a.auditId)}`,
  }),
});

/** The audit entry of a change, as a step of that change's own transaction. */
export const auditStep = (store: Store, entry: AuditEntry, at: string, auditId: string = nextAuditId(Date.now(), ulid)): TxStep =>
  putNewStep(store, auditEntity.item({ ...entry, auditId, at }));

export interface AuditFilter {
  actor?: string | undefined;
  target?: string | undefined;
}

/*
 * Patterns "audit log of an organization" (table), "by actor" (gsi2) and "by target"
 * (gsi4), newest first. Both filters: the actor's partition filtered on the target, so a
 * page may hold fewer than `limit` entries while the cursor continues.
 */
export function listAudit(store: Store, organizationId: string, filter: AuditFilter, page: PageRequest): Promise<Page<Audit>> {
  const spec: QuerySpec =
    filter.actor !== undefined
      ? {
          index: 'gsi2',
          partition: byActor(organizationId, filter.actor),
          filter:
            filter.target === undefined ? undefined : { expression: 'targetId = :target', values: { ':target': filter.target } },
        }
      : filter.target !== undefined
        ? { index: 'gsi4', partition: byTarget(organizationId, filter.target) }
        : { partition: log(organizationId) };
  return queryPage(store, { ...spec, newestFirst: true }, auditEntity.parse, page);
}
