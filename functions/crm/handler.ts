import { crmContracts } from '#shared/contracts/crm.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requireActor, requirePrincipal, type RouteImplementation } from '#shared/http/api.js';
import { accountPath } from '#shared/contracts/admin-common.js';
import { clientPath } from '#shared/contracts/invoicing.js';
import { accessQuery, changeModeBody, eventDocumentPath, linkDocumentBody, createCrmBody, listCrmQuery, objectPath, putAclBody, unlinkDocumentQuery, unlockBody, updateCrmBody } from '#shared/contracts/crm.js';
import { defaultStore } from '#shared/data/context.js';
import { CRM_SEGMENTS } from '#shared/http/routes/crm.js';
import type { CrmType, ObjectType } from '#shared/domain/acl.js';
import { explainAccess, getAcl, getMode, objectIdOf, putAcl } from '#shared/usecases/acl.js';
import { createCrmObject, deleteCrmObject, getCrmObject, linkSalesDocument, listCrm, runSpecial, unlinkSalesDocument, updateCrmObject } from '#shared/usecases/crm.js';
import { changeMode, unlockModeChange } from '#shared/usecases/permission-mode.js';
import { aclView, crmObjectView, modeView } from '#shared/views/crm.js';
import { pageView } from '#shared/views/page.js';

/* CRM objects, their ACLs and the permission mode: parse, one use case, the view. */
const noContent = { statusCode: 204, headers: {}, body: '' };

function parentOf(q: { contractorId?: string | undefined; projectId?: string | undefined; caseId?: string | undefined; eventId?: string | undefined }) {
  if (q.contractorId) return { id: q.contractorId, type: 'contractor' as const };
  if (q.projectId) return { id: q.projectId, type: 'project' as const };
  if (q.caseId) return { id: q.caseId, type: 'case' as const };
  if (q.eventId) return { id: q.eventId, type: 'event' as const };
  return undefined;
}

const aclRoutes = (one: string, type: ObjectType, idOf: (p: Record<string, string>) => string): Record<string, RouteImplementation> => ({
  [`get${one}Acl`]: async (req) => {
    const { object, acl } = await getAcl(defaultStore(), requirePrincipal(req), type, idOf(req.pathParameters));
    return jsonResponse(200, aclView(objectIdOf(object), type, acl, object.item.version));
  },
  [`put${one}Acl`]: async (req) => {
    const id = idOf(req.pathParameters);
    const { object, acl } = await putAcl(defaultStore(), requireActor(req), type, id, parseJsonBody(req, putAclBody));
    return jsonResponse(200, aclView(id, type, acl, object.item.version));
  },
  [`get${one}Access`]: async (req) => {
    const { principal } = parse('query', accessQuery, req.query);
    return jsonResponse(200, await explainAccess(defaultStore(), requirePrincipal(req), type, idOf(req.pathParameters), principal));
  },
});

const objectRoutes = CRM_SEGMENTS.flatMap(([, one, many, type]) => {
  const t = type as CrmType;
  const idOf = (p: Record<string, string>) => parse('path', objectPath, p).objectId;
  return Object.entries({
    [`list${many}`]: async (req) => {
      parse('path', accountPath, req.pathParameters);
      const { limit, cursor, ...parents } = parse('query', listCrmQuery, req.query);
      const page = await listCrm(defaultStore(), requirePrincipal(req), t, parentOf(parents), { limit, cursor });
      return jsonResponse(200, pageView(page, crmObjectView));
    },
    [`create${one}`]: async (req) => {
      parse('path', accountPath, req.pathParameters);
      return jsonResponse(201, crmObjectView(await createCrmObject(defaultStore(), requirePrincipal(req), t, parseJsonBody(req, createCrmBody))));
    },
    [`get${one}`]: async (req) => jsonResponse(200, crmObjectView(await getCrmObject(defaultStore(), requirePrincipal(req), t, idOf(req.pathParameters)))),
    [`update${one}`]: async (req) => {
      const id = idOf(req.pathParameters);
      return jsonResponse(200, crmObjectView(await updateCrmObject(defaultStore(), requireActor(req), t, id, parseJsonBody(req, updateCrmBody))));
    },
    [`delete${one}`]: async (req) => {
      await deleteCrmObject(defaultStore(), requirePrincipal(req), t, idOf(req.pathParameters));
      return noContent;
    },
    ...aclRoutes(one, t, idOf),
  } satisfies Record<string, RouteImplementation>);
});

export const handler = createApiHandler('crm', {
  ...Object.fromEntries(objectRoutes),
  completeNextStep: async (req) =>
    jsonResponse(200, crmObjectView(await runSpecial(defaultStore(), requirePrincipal(req), 'next-step', parse('path', objectPath, req.pathParameters).objectId))),
  runAutomatedAction: async (req) =>
    jsonResponse(200, crmObjectView(await runSpecial(defaultStore(), requirePrincipal(req), 'automated-action', parse('path', objectPath, req.pathParameters).objectId))),
  linkEventDocument: async (req) => {
    const { objectId, documentId } = parse('path', eventDocumentPath, req.pathParameters);
    const { kind } = parseJsonBody(req, linkDocumentBody);
    const link = await linkSalesDocument(defaultStore(), requireActor(req), objectId, { kind, documentId });
    return jsonResponse(200, { eventId: link.eventId, kind: link.kind, documentId: link.documentId, linkedBy: link.linkedBy, linkedAt: link.linkedAt });
  },
  unlinkEventDocument: async (req) => {
    const { objectId, documentId } = parse('path', eventDocumentPath, req.pathParameters);
    const { kind } = parse('query', unlinkDocumentQuery, req.query);
    await unlinkSalesDocument(defaultStore(), requireActor(req), objectId, { kind, documentId });
    return noContent;
  },
  ...aclRoutes('Client', 'contractor', (p) => parse('path', clientPath, p).clientId),
  getPermissionMode: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const p = requirePrincipal(req);
    return jsonResponse(200, modeView(await getMode(defaultStore(), p.organizationId, false)));
  },
  unlockPermissionMode: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const { mode } = parseJsonBody(req, unlockBody);
    return jsonResponse(200, await unlockModeChange(defaultStore(), requirePrincipal(req), mode));
  },
  changePermissionMode: async (req) => {
    parse('path', accountPath, req.pathParameters);
    return jsonResponse(200, modeView(await changeMode(defaultStore(), requireActor(req), parseJsonBody(req, changeModeBody))));
  },
}, crmContracts);
