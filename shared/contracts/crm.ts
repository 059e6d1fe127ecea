import * as z from 'zod';
import type { RouteContract } from './types.js';
import { accountId, accountPath, pageOf, pageQuery } from './admin-common.js';
import { clientPath, isoDate, ulidParam } from './invoicing.js';
import { multiLine, safeText, singleLine, versionOf } from './text.js';
import { OBJECT_TYPES, PERMISSION_MODES, RIGHTS } from '../domain/acl.js';
import { CRM_SEGMENTS } from '../http/routes/crm.js';

/*
 * Contracts of the CRM routes (SPEC 5): objects, their ACLs, the explanation and the mode.
 * Principals are strings: `user:<userId>`, `role:<role>` (built-in or `custom:<roleId>`),
 * `everyone`. Rights and principals are checked by the use case, which names every unknown
 * one in its 400; these schemas bound their size.
 */
export const objectPath = z.object({ accountId, objectId: ulidParam });

const parentFields = {
  contractorId: ulidParam.optional(),
  projectId: ulidParam.optional(),
  caseId: ulidParam.optional(),
  eventId: ulidParam.optional(),
};

export const listCrmQuery = pageQuery
  .extend(parentFields)
  .refine((q) => [q.contractorId, q.projectId, q.caseId, q.eventId].filter(Boolean).length <= 1, {
    message: 'filter by at most one parent',
    path: ['contractorId'],
  });

export const createCrmBody = z
  .object({ name: singleLine(200), description: multiLine(4000).optional(), date: isoDate.optional(), ...parentFields })
  .strict()
  .meta({ id: 'CreateCrmObject', description: 'Parents: a case needs contractorId and/or projectId; an event caseId; a next step or automated action caseId or eventId' });

export const updateCrmBody = z
  .object({
    version: versionOf(),
    name: singleLine(200).optional(),
    description: multiLine(4000).nullable().optional(),
    date: isoDate.nullable().optional(),
    contractorId: ulidParam.nullable().optional(),
    projectId: ulidParam.nullable().optional(),
    caseId: ulidParam.nullable().optional(),
    eventId: ulidParam.nullable().optional(),
  })
  .strict()
  .meta({ id: 'UpdateCrmObject', description: 'A parent field moves the object (null removes that parent); what it inherits follows' });

export const crmObjectResponse = z
  .object({
    id: z.string(),
    type: z.enum(OBJECT_TYPES),
    name: z.string(),
    description: z.string().nullable(),
    date: z.string().nullable(),
    contractorId: z.string().nullable(),
    projectId: z.string().nullable(),
    caseId: z.string().nullable(),
    eventId: z.string().nullable(),
    completedAt: z.string().nullable(),
    completedBy: z.string().nullable(),
    runCount: z.number().int().nullable(),
    lastRunAt: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'CrmObject' });

const principal = safeText(z.string().min(1).max(300), 'single').describe('user:<userId>, role:<role> or everyone');

export const putAclBody = z
  .object({
    version: versionOf(),
    rows: z.array(z.object({ principal, rights: z.array(safeText(z.string().max(40), 'single')).max(RIGHTS.length * 2).describe(RIGHTS.join(', ')) }).strict()).max(200),
    exclusions: z.array(principal).max(200),
  })
  .strict()
  .meta({ id: 'PutAcl' });

export const aclResponse = z
  .object({
    objectId: z.string(),
    objectType: z.enum(OBJECT_TYPES),
    rows: z.array(z.object({ principal: z.string(), rights: z.array(z.enum(RIGHTS)) })),
    exclusions: z.array(z.string()),
    version: z.number().int(),
  })
  .meta({ id: 'Acl' });

export const accessQuery = z.object({ principal });

export const accessResponse = z
  .object({
    objectId: z.string(),
    objectType: z.enum(OBJECT_TYPES),
    principal: z.string(),
    mode: z.enum(PERMISSION_MODES),
    rights: z.array(
      z.object({
        right: z.enum(RIGHTS),
        allowed: z.boolean(),
        because: z.array(z.string()),
        role: z.object({ allows: z.boolean(), action: z.string() }),
        acl: z.object({ allows: z.boolean(), reasons: z.array(z.record(z.string(), z.unknown())) }),
      }),
    ),
  })
  .meta({ id: 'AccessExplanation' });

export const modeResponse = z
  .object({ mode: z.enum(PERMISSION_MODES), version: z.number().int(), changedBy: z.string().nullable(), changedAt: z.string().nullable() })
  .meta({ id: 'PermissionMode' });

export const unlockBody = z.object({ mode: z.enum(PERMISSION_MODES) }).strict().meta({ id: 'UnlockPermissionMode' });

export const unlockResponse = z
  .object({
    fromMode: z.enum(PERMISSION_MODES),
    targetMode: z.enum(PERMISSION_MODES),
    warning: z.string(),
    consequences: z.array(
      z.object({ type: z.enum(OBJECT_TYPES), membersLosing: z.number().int(), objectsLost: z.number().int(), membersGaining: z.number().int(), objectsGained: z.number().int() }),
    ),
    token: z.string().describe('single use, for this organization and target mode, valid until expiresAt'),
    expiresAt: z.string(),
  })
  .meta({ id: 'PermissionModeUnlock' });

export const changeModeBody = z
  .object({ mode: z.enum(PERMISSION_MODES), token: safeText(z.string().min(1).max(200), 'single').optional() })
  .strict()
  .meta({ id: 'ChangePermissionMode' });

export const eventDocumentPath = z.object({ accountId, objectId: ulidParam, documentId: ulidParam });
export const linkDocumentBody = z.object({ kind: z.enum(['invoice', 'estimate']) }).strict().meta({ id: 'LinkEventDocument' });
export const eventLinkResponse = z
  .object({
    eventId: z.string(),
    kind: z.enum(['invoice', 'estimate']),
    documentId: z.string(),
    linkedBy: z.string().describe('the member who linked it to this event'),
    linkedAt: z.string(),
  })
  .meta({ id: 'EventDocumentLink' });
// A document id (a bare ULID) does not say its kind, so the unlink names it as the link's body does.
export const unlinkDocumentQuery = z.object({ kind: z.enum(['invoice', 'estimate']) }).strict();

export const crmContracts: Record<string, RouteContract> = {
  ...Object.fromEntries(
    CRM_SEGMENTS.flatMap(([, one, many]) => [
      [`list${many}`, { path: accountPath, query: listCrmQuery, response: pageOf(crmObjectResponse) }],
      [`create${one}`, { path: accountPath, body: createCrmBody, response: crmObjectResponse, status: 201 }],
      [`get${one}`, { path: objectPath, response: crmObjectResponse }],
      [`update${one}`, { path: objectPath, body: updateCrmBody, response: crmObjectResponse }],
      [`delete${one}`, { path: objectPath, status: 204 }],
      [`get${one}Acl`, { path: objectPath, response: aclResponse }],
      [`put${one}Acl`, { path: objectPath, body: putAclBody, response: aclResponse }],
      [`get${one}Access`, { path: objectPath, query: accessQuery, response: accessResponse }],
    ]),
  ),
  completeNextStep: { path: objectPath, response: crmObjectResponse },
  runAutomatedAction: { path: objectPath, response: crmObjectResponse },
  linkEventDocument: { path: eventDocumentPath, body: linkDocumentBody, response: eventLinkResponse },
  unlinkEventDocument: { path: eventDocumentPath, query: unlinkDocumentQuery, status: 204 },
  getClientAcl: { path: clientPath, response: aclResponse },
  putClientAcl: { path: clientPath, body: putAclBody, response: aclResponse },
  getClientAccess: { path: clientPath, query: accessQuery, response: accessResponse },
  getPermissionMode: { path: accountPath, response: modeResponse },
  unlockPermissionMode: { path: accountPath, body: unlockBody, response: unlockResponse },
  changePermissionMode: { path: accountPath, body: changeModeBody, response: modeResponse },
};
