import type * as z from 'zod';
import type { aclResponse, crmObjectResponse, modeResponse } from '../contracts/crm.js';
import type { CrmObject } from '../data/entities/crm-object.js';
import type { PermissionModeState } from '../data/entities/permission-mode.js';
import type { Acl, ObjectType } from '../domain/acl.js';

/* CRM objects, ACLs and the mode as the API shows them: typed by the contract. */
export const crmObjectView = (o: CrmObject): z.output<typeof crmObjectResponse> => ({
  id: o.objectId,
  type: o.objectType,
  name: o.name,
  description: o.description ?? null,
  date: o.date ?? null,
  contractorId: o.contractorId ?? null,
  projectId: o.projectId ?? null,
  caseId: o.caseId ?? null,
  eventId: o.eventId ?? null,
  completedAt: o.completedAt ?? null,
  completedBy: o.completedBy ?? null,
  runCount: o.runCount ?? null,
  lastRunAt: o.lastRunAt ?? null,
  createdBy: o.createdBy,
  createdAt: o.createdAt,
  updatedAt: o.updatedAt,
  version: o.version,
});

export const aclView = (objectId: string, objectType: ObjectType, acl: Acl, version: number): z.output<typeof aclResponse> => ({
  objectId,
  objectType,
  rows: acl.rows.map((r) => ({ principal: r.principal, rights: [...r.rights] })),
  exclusions: [...acl.exclusions],
  version,
});

export const modeView = (m: PermissionModeState): z.output<typeof modeResponse> => ({
  mode: m.mode,
  version: m.version,
  changedBy: m.changedBy ?? null,
  changedAt: m.changedAt ?? null,
});
